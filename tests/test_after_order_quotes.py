"""Negotiation before a department buys: a purchaser asks a store for a quote from the
cart, rounds of offers and counter-offers, the accepted price becomes the department order
the approver approves; the negotiation record PDF verifies; every refused case."""
from datetime import timedelta

import pytest

from app import clock
from app.extensions import db
from app.models import AuditEntry, CartItem, Order, Quote, QuoteState
from app.services import Conflict, quotes
from tests.pdf_helpers import pdf_text
from tests.department_helpers import make_team
from tests.helpers import page_text
from tests.order_helpers import add, stock_of, use_english


@pytest.fixture
def team(app, factories):
    team = make_team(factories)
    team.snack.stock = 300
    db.session.commit()
    return team


def login(client, auth, user):
    auth.logout()
    use_english(client)
    auth.login(user.email)


def request_form(team, price="20000", quantity="100", **extra):
    data = {f"quantity-{team.snack.id}": quantity, f"price-{team.snack.id}": price, "note": "Untuk rapat besar",
            "answer_by": (clock.today() + timedelta(days=3)).isoformat(), "kode_rup": "48123456",
            "kode_rekening": "5.1.02.01.01.0024", "purpose": "Rapat koordinasi 12 Desember",
            "delivery_address": "Diskominfo, Jl. Rahadi Usman No. 3", "time_window": "10-12",
            "requested_date": (clock.today() + timedelta(days=5)).isoformat(), "contact_phone": "0812555"}
    data.update(extra)
    return data


def ask(client, auth, team, **extra):
    login(client, auth, team.purchaser)
    add(client, team.snack.id, 100)
    return client.post(f"/department/quotes/new/{team.snack.store_id}", data=request_form(team, **extra))


def the_quote():
    db.session.expire_all()
    return db.session.execute(db.select(Quote)).scalar_one()


def offer(client, quote, price, days=7):
    return client.post(f"/department/quotes/{quote.id}/offer", data={
        f"price-{quote.lines[0].id}": str(price), "valid_until": (clock.today() + timedelta(days=days)).isoformat(),
        "note": "Harga grosir"})


def test_two_rounds_then_the_approver_approves_at_the_agreed_price(app, client, auth, team):
    login(client, auth, team.purchaser)
    add(client, team.snack.id, 100)
    assert "Ask for a quote" in page_text(client.get("/cart/"))
    assert client.get(f"/department/quotes/new/{team.snack.store_id}").status_code == 200
    response = client.post(f"/department/quotes/new/{team.snack.store_id}", data=request_form(team))
    assert response.status_code == 303, page_text(response)
    quote = the_quote()
    assert quote.state == "requested" and quote.lines[0].requested_price == 20000 and quote.lines[0].quantity == 100
    assert db.session.execute(db.select(CartItem)).scalars().all() == []  # the lines left the cart
    assert stock_of(team.snack.id) == 300  # nothing is taken before an order exists

    login(client, auth, team.snack_seller)
    assert quote.number in page_text(client.get("/sales/quotes"))
    assert offer(client, quote, 23000).status_code == 303
    login(client, auth, team.purchaser)
    assert client.post(f"/department/quotes/{quote.id}/counter", data={
        f"price-{quote.lines[0].id}": "21000", "note": "Bisa 21.000?"}).status_code == 303
    assert the_quote().rounds == 2 and the_quote().state == "requested"
    login(client, auth, team.snack_seller)
    assert offer(client, quote, 22000).status_code == 303
    login(client, auth, team.purchaser)
    assert client.post(f"/department/quotes/{quote.id}/accept").status_code == 303
    quote = the_quote()
    assert quote.state == "accepted" and quote.order_id and quote.ba_code
    order = db.session.get(Order, quote.order_id)
    assert order.state == "awaiting_approval" and order.total == 2_200_000
    assert order.items[0].unit_price == 22000 and order.items[0].quantity == 100
    assert stock_of(team.snack.id) == 200
    assert [r.action for r in quote.history] == ["request", "offer", "counter", "offer", "accept"]
    assert {"quote.request", "quote.offer", "quote.counter", "quote.accept"} <= {
        a.action for a in db.session.execute(db.select(AuditEntry)).scalars()}

    login(client, auth, team.approver)
    page = page_text(client.get(f"/department/orders/{order.id}"))
    assert quote.number in page and "Negotiation history" in page and "Bisa 21.000?" in page
    assert client.post(f"/department/orders/{order.id}/approve", data={"note": ""}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Order, order.id).state == "placed"
    pdf = client.get(f"/department/quotes/{quote.id}/berita-acara-negosiasi.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    text = pdf_text(pdf.data)
    assert "BERITA ACARA NEGOSIASI" in text and "22.000" in text
    code = f"{quote.ba_code[:5]}-{quote.ba_code[5:]}"
    assert code in text
    auth.logout()
    verified = client.get(f"/verifikasi/{code}")
    assert verified.status_code == 200 and quote.ba_number in page_text(verified)
    assert client.get("/verifikasi/AAAAA-BBBBB").status_code == 404


def test_an_offer_above_the_list_price_is_flagged_to_the_approver(app, client, auth, team):
    ask(client, auth, team)
    quote = the_quote()
    login(client, auth, team.snack_seller)
    assert offer(client, quote, 26000).status_code == 303
    login(client, auth, team.purchaser)
    assert "above list price" in page_text(client.get(f"/department/quotes/{quote.id}"))
    client.post(f"/department/quotes/{quote.id}/accept")
    login(client, auth, team.approver)
    page = page_text(client.get(f"/department/orders/{the_quote().order_id}"))
    assert "Offered above the list price: Snack Box Rapat" in page


@pytest.mark.parametrize("price", ["0", "-5", "abc", ""])
def test_a_price_of_zero_or_below_is_refused(app, client, auth, team, price):
    response = ask(client, auth, team, price=price)
    assert response.status_code in (400, 422)
    assert db.session.execute(db.select(Quote)).scalars().all() == []


def test_an_offer_of_zero_is_refused(app, client, auth, team):
    ask(client, auth, team)
    quote = the_quote()
    login(client, auth, team.snack_seller)
    for price in ("0", "-1"):
        assert offer(client, quote, price).status_code == 422
    assert offer(client, quote, 22000, days=60).status_code == 422  # validity past the setting
    assert the_quote().state == "requested"


def test_accepting_an_expired_offer_is_refused(app, client, auth, team):
    ask(client, auth, team)
    quote = the_quote()
    login(client, auth, team.snack_seller)
    offer(client, quote, 22000, days=2)
    clock.travel(timedelta(days=3))
    login(client, auth, team.purchaser)
    response = client.post(f"/department/quotes/{quote.id}/accept")
    assert response.status_code == 409 and "expired" in page_text(response)
    assert the_quote().state == "offered" and the_quote().order_id is None
    assert db.session.execute(db.select(Order)).scalars().all() == []
    with app.test_request_context("/"):
        assert quotes.expire_quotes() == 1
    assert the_quote().state == "expired"


def test_a_counter_offer_by_someone_who_is_not_the_purchaser_is_refused(app, client, auth, team, factories):
    ask(client, auth, team)
    quote = the_quote()
    login(client, auth, team.snack_seller)
    offer(client, quote, 23000)
    data = {f"price-{quote.lines[0].id}": "1000"}
    for who, status in ((team.approver, 403), (team.snack_seller, 403), (team.coffee_seller, 404),
                        (team.other_approver, 404)):
        login(client, auth, who)
        assert client.post(f"/department/quotes/{quote.id}/counter", data=data).status_code == status
        assert client.post(f"/department/quotes/{quote.id}/accept").status_code == status
    login(client, auth, team.coffee_seller)
    assert client.get(f"/department/quotes/{quote.id}").status_code == 404
    assert the_quote().state == "offered" and the_quote().rounds == 1


def test_a_buyer_who_is_not_a_purchaser_cannot_ask(app, client, auth, team, factories):
    buyer = factories.BuyerFactory(department=team.department)
    login(client, auth, buyer)
    add(client, team.snack.id, 10)
    assert client.get(f"/department/quotes/new/{team.snack.store_id}").status_code == 403
    assert client.post(f"/department/quotes/new/{team.snack.store_id}", data=request_form(team)).status_code == 403
    assert "Ask for a quote" not in page_text(client.get("/cart/"))


def test_two_people_acting_at_once_on_a_quote_cannot_both_succeed(app, client, auth, team):
    ask(client, auth, team)
    quote_id = the_quote().id
    login(client, auth, team.snack_seller)
    offer(client, the_quote(), 22000)
    with app.test_request_context("/"):
        stale = db.session.get(Quote, quote_id)
        assert stale.state == "offered"
        # The purchaser withdraws on another connection while we read the offer.
        with db.engine.begin() as conn:
            conn.execute(db.update(Quote).where(Quote.id == quote_id).values(state=QuoteState.WITHDRAWN.value))
        with pytest.raises(Conflict):
            quotes.accept_offer(team.purchaser, quote_id)
    assert the_quote().state == "withdrawn" and the_quote().order_id is None
    assert stock_of(team.snack.id) == 300


def test_the_rounds_run_out_at_the_setting(app, client, auth, team):
    app.config["QUOTE_MAX_ROUNDS"] = 2
    ask(client, auth, team)
    quote = the_quote()
    line = quote.lines[0].id
    for price in (23000, 22500):
        login(client, auth, team.snack_seller)
        assert offer(client, quote, price).status_code == 303
        login(client, auth, team.purchaser)
        response = client.post(f"/department/quotes/{quote.id}/counter", data={f"price-{line}": "21000"})
        if price == 23000:
            assert response.status_code == 303
    assert response.status_code == 409 and "rounds" in page_text(response)
    assert the_quote().rounds == 2 and the_quote().state == "offered"
    assert "No rounds left" in page_text(client.get(f"/department/quotes/{quote.id}"))
