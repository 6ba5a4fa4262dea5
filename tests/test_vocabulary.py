"""The shared vocabulary: one reading of typed numbers, amounts and dates, the base form's
cleaning of text, and states that agree everywhere they are named."""
import importlib
import importlib.util
from datetime import date
from pathlib import Path

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import StringField
from wtforms.validators import DataRequired

from app import labels, parsing
from app.forms import DayField, Form, RupiahField, WholeNumberField, coerce_id, strip_controls
from app.models import LISTING_STATES, ORDER_STATES, STORE_STATES, Order, OrderState
from app.models.states import ListingState, StoreState
from app.services import listings, orders, stores

ROOT = Path(__file__).resolve().parents[1]


# --------------------------------------------------------------------------- rupiah

@pytest.mark.parametrize("typed, amount", [
    ("25000", 25000), ("25.000", 25000), ("Rp 25.000", 25000), ("Rp25.000", 25000), ("rp. 25.000", 25000),
    ("  25.000 ", 25000), ("Rp\u00a025.000", 25000), ("1.250.000", 1_250_000), ("25,000", 25000),
    ("1,250,000", 1_250_000), ("0", 0), ("007", 7), (25000, 25000),
])
def test_parse_rupiah_reads_what_people_write(typed, amount):
    assert parsing.parse_rupiah(typed) == amount


@pytest.mark.parametrize("typed", [
    "", "abc", "-5", "--5", "25.5", "2.50", "25.000,50", "25,5", "1.25.000", "1.250,000", "Rp", "²", "①", "٣",
    "２５０００", "25 000 000 000 000 000 000 000", "1e5", "0x10", "+5", "25.000.", ".25", None, 2.5, True, "1" * 40,
])
def test_parse_rupiah_refuses_anything_else_with_one_message(typed):
    with pytest.raises(parsing.ParseError) as caught:
        parsing.parse_rupiah(typed)
    assert str(caught.value.message) == str(parsing.RUPIAH_MESSAGE)


def test_parse_rupiah_bounds():
    assert parsing.parse_rupiah("100", minimum=100) == 100
    with pytest.raises(parsing.ParseError, match="at least Rp 100"):
        parsing.parse_rupiah("99", minimum=100)
    with pytest.raises(parsing.ParseError, match="at most Rp 2.000.000.000"):
        parsing.parse_rupiah("2.000.000.001")


# --------------------------------------------------------------------------- whole numbers, dates

@pytest.mark.parametrize("typed", ["²", "①", "٣", "--5", "-5", "5.0", "", " ", "1_000", "+1", "٣٣", "1" * 30])
def test_parse_int_takes_ascii_digits_only(typed):
    with pytest.raises(parsing.ParseError):
        parsing.parse_int(typed)


def test_parse_int_range_and_sign():
    assert parsing.parse_int(" 12 ") == 12
    assert parsing.parse_int("-3", minimum=-10) == -3
    assert parsing.parse_int(str(parsing.INT_MAX)) == parsing.INT_MAX
    with pytest.raises(parsing.ParseError, match="from 0 to"):
        parsing.parse_int(str(parsing.INT_MAX + 1))
    assert parsing.parse_optional_int("") is None


@pytest.mark.parametrize("typed", ["2026-02-30", "20261206", "2026-W49-1", "06-12-2026", "２０２６-01-01", "", "x"])
def test_parse_day_refuses_other_shapes(typed):
    with pytest.raises(parsing.ParseError):
        parsing.parse_day(typed)


def test_parse_day():
    assert parsing.parse_day("2026-12-06") == date(2026, 12, 6)
    assert parsing.parse_optional_day("  ") is None


# --------------------------------------------------------------------------- forms

class _AmountForm(Form):
    class Meta:
        csrf = False

    amount = RupiahField("Amount", validators=[DataRequired()], minimum=1)
    count = WholeNumberField("Count", maximum=10)
    day = DayField("Day")
    note = StringField("Note")
    code = StringField("Code", filters=[lambda v: v.upper() if v else v])


def test_rupiah_field_gives_an_int_and_keeps_what_was_typed_on_error(app):
    with app.test_request_context(method="POST"):
        form = _AmountForm(MultiDict({"amount": "Rp 85.000", "count": "3", "day": "2026-12-06"}))
        assert form.validate(), form.errors
        assert (form.amount.data, form.count.data, form.day.data) == (85000, 3, date(2026, 12, 6))
        bad = _AmountForm(MultiDict({"amount": "٣", "count": "²", "day": "2026-13-01"}))
        assert not bad.validate()
        assert set(bad.errors) == {"amount", "count", "day"}
        assert bad.errors["amount"][0] == str(parsing.RUPIAH_MESSAGE)
        assert 'value="٣"' in bad.amount()


def test_every_text_field_drops_control_characters_and_keeps_its_own_filters(app):
    with app.test_request_context(method="POST"):
        form = _AmountForm(MultiDict({"amount": "1", "note": "Nasi\x00 kotak\x1b\tpedas\r\n", "code": "ab\x00c"}))
        form.validate()
        assert form.note.data == "Nasi kotak\tpedas\r\n"
        assert form.code.data == "ABC"
    assert strip_controls("a\x7fb\x85c") == "abc"


def test_every_form_in_the_app_derives_from_the_base_form():
    import pkgutil

    import flask_wtf

    import app as package

    for info in pkgutil.walk_packages(package.__path__, "app."):
        if info.name.endswith(".forms"):
            importlib.import_module(info.name)
    offenders = [c.__module__ + "." + c.__name__ for c in _subclasses(flask_wtf.FlaskForm)
                 if not issubclass(c, Form) and c.__module__.startswith("app.")]
    assert offenders == []


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def test_coerce_id():
    assert coerce_id("12") == 12
    for bad in ("²", "٣", "-1", str(2**31)):
        with pytest.raises(ValueError):
            coerce_id(bad)


# --------------------------------------------------------------------------- states

def _states_in(table):
    found = set(table)
    for moves in table.values():
        for target in moves.values():
            found.add(target[0] if isinstance(target, tuple) else target)
    return found


def test_order_states_agree_across_model_transitions_timestamps_and_labels():
    assert set(orders.TRANSITIONS) == set(OrderState)
    assert _states_in(orders.TRANSITIONS) <= set(OrderState)
    assert set(orders.STATE_TIMESTAMPS) <= set(OrderState)
    columns = set(Order.__table__.columns.keys())
    assert set(orders.STATE_TIMESTAMPS.values()) <= columns
    # Entering a state that has no timestamp is a mistake unless it is a waiting state.
    entered = {t[0] for moves in orders.TRANSITIONS.values() for t in moves.values()}
    assert entered - set(orders.STATE_TIMESTAMPS) <= {OrderState.INVOICED}
    assert set(labels.ORDER_STATE_LABELS) == set(OrderState)
    actions = {a for moves in orders.TRANSITIONS.values() for a in moves}
    assert actions <= set(labels.ORDER_ACTION_LABELS)
    assert set(ORDER_STATES) == set(OrderState)


def test_listing_and_store_states_agree():
    assert set(listings.TRANSITIONS) == set(ListingState) == set(LISTING_STATES)
    assert _states_in(listings.TRANSITIONS) <= set(ListingState)
    assert set(labels.LISTING_STATE_LABELS) == set(ListingState)
    actions = {a for moves in listings.TRANSITIONS.values() for a in moves}
    assert actions <= set(labels.LISTING_ACTION_LABELS)
    assert set(stores.STORE_TRANSITIONS) == set(StoreState) == set(STORE_STATES)
    assert _states_in(stores.STORE_TRANSITIONS) <= set(StoreState)
    assert set(labels.STORE_STATE_LABELS) == set(StoreState)
    actions = {a for moves in stores.STORE_TRANSITIONS.values() for a in moves}
    assert actions <= set(labels.STORE_ACTION_LABELS)


def _latest_checks():
    """The state lists the newest migration that names them writes into the CHECK constraints."""
    found = {}
    for path in sorted((ROOT / "migrations" / "versions").glob("*.py")):
        spec = importlib.util.spec_from_file_location(path.stem, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name in ("ORDER_STATES", "LISTING_STATES", "STORE_STATES"):
            if hasattr(module, name):
                found[name] = tuple(getattr(module, name))
    return found


def test_the_check_constraints_know_every_state():
    checks = _latest_checks()
    assert set(checks["ORDER_STATES"]) == set(OrderState)
    assert set(checks["LISTING_STATES"]) == set(ListingState)
    assert set(checks["STORE_STATES"]) == set(StoreState)


def test_the_database_refuses_an_unknown_state(factories):
    from sqlalchemy.exc import IntegrityError

    from app.extensions import db

    store = factories.StoreFactory()
    db.session.commit()
    db.session.execute(db.text("UPDATE stores SET status = :s WHERE id = :i"), {"s": "verified", "i": store.id})
    with pytest.raises(IntegrityError):
        db.session.execute(db.text("UPDATE stores SET status = 'open' WHERE id = :i"), {"i": store.id})
    db.session.rollback()


# --------------------------------------------------------------------------- display rules

def test_stock_state_follows_the_low_stock_setting(app):
    from app.models import Product

    product = Product(stock=0)
    with app.app_context():
        assert product.stock_state() == "out"
        product.stock = 5
        assert product.stock_state() == "low"
        product.stock = 6
        assert product.stock_state() == "in_stock"
        app.config["LOW_STOCK_THRESHOLD"] = 10
        assert product.stock_state() == "low"


def test_halal_badge_is_for_a_certificate_valid_that_day():
    from app.models import Product

    product = Product(halal_until=date(2026, 12, 31))
    assert product.is_halal_on(date(2026, 12, 31))
    assert not product.is_halal_on(date(2027, 1, 1))
    assert not Product(halal_until=None).is_halal_on(date(2026, 1, 1))


def test_the_seller_desk_warns_of_the_documents_the_reminder_names():
    from app.models import BusinessDocument
    from app.services.document_expiry import REMINDER_DAYS, expiring_soon

    day = date(2026, 12, 6)
    soon = BusinessDocument(status="valid", expires_on=date.fromordinal(day.toordinal() + REMINDER_DAYS))
    later = BusinessDocument(status="valid", expires_on=date.fromordinal(day.toordinal() + REMINDER_DAYS + 1))
    pending = BusinessDocument(status="pending", expires_on=day)
    assert expiring_soon([soon, later, pending], day) == [soon]


def test_control_characters_in_a_query_string_are_dropped_for_everyone(client):
    from app.forms import Form  # noqa: F401 - the same rule as the forms'

    response = client.get("/katalog?q=kopi%00%01&sort=newest%00")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "\x00" not in page and "kopi" in page


@pytest.mark.parametrize("typed", ["²", "①", "2147483648", "Rp 2.147.483.648", "-5"])
def test_catalogue_price_filters_never_reach_the_database_unread(client, typed):
    response = client.get("/katalog", query_string={"min_price": typed, "max_price": typed})
    # Read as a message on the page (400), never as an overflow or a ValueError (500).
    assert response.status_code == 400
    assert 'is-invalid' in response.get_data(as_text=True)
