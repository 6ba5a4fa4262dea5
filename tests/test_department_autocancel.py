"""Department orders not approved within 3 working days (Monday–Friday minus public
holidays, in Pontianak time) are cancelled and their stock returned."""
from datetime import datetime, timedelta

import pytest

from app import clock
from app.clock import LOCAL_TZ
from app.extensions import db
from app.models import AuditEntry, DepartmentPurchase, Order, PublicHoliday
from app.services import Conflict
from app.services import checkout as checkout_service
from app.services import cart as cart_service
from app.services import procurement
from tests.conftest import outbox
from tests.department_helpers import make_team
from tests.order_helpers import stock_of


@pytest.fixture
def req(app_ctx):
    with app_ctx.test_request_context("/"):
        yield app_ctx


def travel_to(local):
    """Move app.clock to ``local`` (a naive Pontianak time)."""
    target = local.replace(tzinfo=LOCAL_TZ)
    clock.travel(target - clock.now())


def place(team, quantity=4):
    cart_service.add_item(team.purchaser, team.snack.id, quantity)
    details = checkout_service.Details(
        "office", "Diskominfo, ruang rapat", clock.today() + timedelta(days=2), "10-12", "department",
        payment_data={"kode_rup": "48123456", "kode_rekening": "5.1.02.01.01.0024", "purpose": "Rapat koordinasi"})
    result = checkout_service.place_orders(team.purchaser, "k" * 32 + str(quantity), details)
    return result.orders[0].id


def state(order_id):
    db.session.expire_all()
    return db.session.get(Order, order_id).state


def test_auto_cancel_across_a_weekend_and_a_holiday(app, req, factories):
    team = make_team(factories)
    # Monday 11 January 2027 is a holiday here; the order is placed on Friday the 8th.
    db.session.add(PublicHoliday(day=datetime(2027, 1, 11).date(), name="Libur uji"))
    db.session.commit()
    travel_to(datetime(2027, 1, 8, 10, 0))
    order_id = place(team)
    assert stock_of(team.snack.id) == 46
    purchase = db.session.execute(db.select(DepartmentPurchase)).scalar_one()
    # Working days: Tue 12, Wed 13, Thu 14; it expires when Friday the 15th begins (WIB).
    assert procurement.approval_deadline(purchase.requested_at) == datetime(2027, 1, 15, 0, 0, tzinfo=LOCAL_TZ)

    travel_to(datetime(2027, 1, 13, 23, 30))  # without the holiday it would have expired by now
    assert procurement.cancel_stale_department_orders() == 0
    travel_to(datetime(2027, 1, 14, 23, 59))
    assert procurement.cancel_stale_department_orders() == 0
    assert state(order_id) == "awaiting_approval"

    travel_to(datetime(2027, 1, 15, 0, 5))
    assert procurement.cancel_stale_department_orders() == 1
    assert state(order_id) == "expired"
    assert stock_of(team.snack.id) == 50
    db.session.expire_all()
    assert db.session.execute(db.select(DepartmentPurchase)).scalar_one().decision == "expired"
    assert db.session.execute(db.select(AuditEntry).where(AuditEntry.action == "department.expire")).scalar_one()
    assert any("Cancelled automatically" in s for _t, s, _b in outbox(app, to=team.purchaser.email))
    # Running again changes nothing; the approver can no longer approve.
    assert procurement.cancel_stale_department_orders() == 0
    with pytest.raises(Conflict):
        procurement.approve_order(team.approver, order_id)


def test_approved_orders_are_not_cancelled(req, factories):
    team = make_team(factories)
    travel_to(datetime(2027, 1, 4, 9, 0))  # a Monday
    order_id = place(team)
    procurement.approve_order(team.approver, order_id, "Oke")
    travel_to(datetime(2027, 1, 20, 9, 0))
    assert procurement.cancel_stale_department_orders() == 0
    assert state(order_id) == "placed"


def test_cli_auto_cancel(app, runner, factories):
    with app.test_request_context("/"):
        team = make_team(factories)
        travel_to(datetime(2027, 1, 4, 9, 0))  # Monday: expires when Friday begins
        order_id = place(team)
    travel_to(datetime(2027, 1, 8, 0, 30))
    result = runner.invoke(args=["procurement", "auto-cancel"])
    assert result.exit_code == 0 and "1 department order(s) cancelled" in result.output
    with app.app_context():
        assert db.session.get(Order, order_id).state == "expired"


def test_national_holidays_are_seeded_once(app, runner):
    result = runner.invoke(args=["procurement", "seed-holidays"])
    assert result.exit_code == 0
    with app.app_context():
        days = {h.day.isoformat(): h.name for h in procurement.holidays()}
    assert days["2026-08-17"] == "Hari Kemerdekaan Republik Indonesia"
    assert days["2027-12-25"] == "Hari Raya Natal"
    assert "Nyepi" in days["2026-03-19"] and "Idul Fitri" in days["2027-03-10"]
    again = runner.invoke(args=["procurement", "seed-holidays"])
    assert "0 holiday(s) added" in again.output
