"""UP by the department's card (KKPD): after the approval the purchaser pays by card through
the Stripe path of card orders (the stand-in, localstripe); the store is credited in the
ledger; the handover completes the order; nobody but the purchaser pays; the books hold."""
import pytest

from app.extensions import db
from app.models import CardPayment, DepartmentPurchase, LedgerEntry, Order
from app.services import ledger, tax_rules
from tests.conftest import serve
from tests.department_helpers import department_checkout, make_team
from tests.helpers import page_text
from tests.order_helpers import add, orders_of, use_english
from tests.stripe_helpers import card_config, deliver, localstripe  # noqa: F401 - the fixture


@pytest.fixture
def app(tmp_path, pg_schema, localstripe):  # noqa: F811
    yield from serve(tmp_path, pg_schema, **card_config(localstripe))


@pytest.fixture
def team(factories):
    team = make_team(factories)
    factories.DocumentFactory(store=team.snack.store, kind="sppkp", number="S-1/PKP/2025")
    tax_rules.seed_default_rules()
    db.session.commit()
    return team


def login(client, auth, user):
    auth.logout()
    auth.login(user.email)
    use_english(client)


def test_kkpd_after_approval_by_the_purchaser_only(app, client, auth, team, localstripe):  # noqa: F811
    login(client, auth, team.purchaser)
    add(client, team.snack.id, 40)  # Rp 1.000.000
    response = department_checkout(client, **{"department-payment_mode": "up_card"})
    assert response.status_code == 303, page_text(response)
    order = orders_of(team.purchaser.id)[-1]
    assert order.state == "awaiting_approval"
    # Nothing to pay before the approval.
    assert client.get(f"/pay/checkout/{order.checkout_attempt_id}").status_code == 404
    login(client, auth, team.approver)
    assert client.post(f"/department/orders/{order.id}/approve", data={"note": ""}).status_code == 303
    # Only the purchaser pays: the approver finds no payment; the purchaser sees the button.
    assert client.get(f"/pay/checkout/{order.checkout_attempt_id}").status_code == 404
    login(client, auth, team.purchaser)
    assert "Pay by the department" in page_text(client.get(f"/department/orders/{order.id}"))
    page = client.get(f"/pay/checkout/{order.checkout_attempt_id}")
    assert page.status_code == 200 and "Rp\u00a01.000.000" in page_text(page)
    response = client.post(f"/pay/checkout/{order.checkout_attempt_id}/test-card",
                           data={"number": "4242 4242 4242 4242", "exp_month": "12", "exp_year": "2030",
                                 "cvc": "123"})
    assert response.status_code in (302, 303), page_text(response)
    payment = db.session.execute(db.select(CardPayment).where(
        CardPayment.checkout_attempt_id == order.checkout_attempt_id)).scalar_one()
    for event in localstripe.events_for(payment.intent_id):
        assert deliver(client, event).status_code == 200
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    purchase = db.session.execute(db.select(DepartmentPurchase).where(DepartmentPurchase.order_id == order.id)
                                  ).scalar_one()
    assert (order.state, order.payment_state) == ("placed", "paid")
    assert purchase.treasury_amount == 1_000_000 and purchase.tax_withheld == 0
    assert {t.tax for t in purchase.tax_lines} == {"ppn"}  # the card pays the gross: nothing withheld
    credit = db.session.execute(db.select(LedgerEntry).where(LedgerEntry.order_id == order.id,
                                                             LedgerEntry.reason == "order_paid")).scalar_one()
    assert credit.amount == 1_000_000 and credit.store_id == order.store_id
    assert ledger.check_books().balanced
    # The store delivers; the purchaser's handover completes it.
    login(client, auth, team.snack_seller)
    for step in ("accept", "ready", "delivered"):
        assert client.post(f"/sales/{order.id}/{step}").status_code == 303
    login(client, auth, team.purchaser)
    assert client.post(f"/department/orders/{order.id}/bast").status_code == 303
    db.session.expire_all()
    assert db.session.get(Order, order.id).state == "completed"
    assert ledger.check_books().balanced
    assert order.number in page_text(client.get("/department/purchases"))


def test_kkpd_unpaid_handover_refused(app, client, auth, team):
    login(client, auth, team.purchaser)
    add(client, team.snack.id, 4)
    assert department_checkout(client, **{"department-payment_mode": "up_card"}).status_code == 303
    order = orders_of(team.purchaser.id)[-1]
    login(client, auth, team.approver)
    client.post(f"/department/orders/{order.id}/approve", data={"note": ""})
    login(client, auth, team.snack_seller)
    for step in ("accept", "ready", "delivered"):
        client.post(f"/sales/{order.id}/{step}")
    login(client, auth, team.purchaser)
    response = client.post(f"/department/orders/{order.id}/bast")
    assert response.status_code == 409 and "pay it before" in page_text(response)
    db.session.expire_all()
    assert db.session.get(Order, order.id).state == "delivered"
