"""The store sees the tax of its department orders on its balance and in its payouts, read
from the tax frozen on the invoice: an order paid by the treasurer reaches the store's bank
directly (net), one paid by the department's card (KKPD) is credited to the ledger (gross)
and paid out; what the pages show adds up to what the ledger holds; the books still check."""
import csv
import io

from app import clock
from app.extensions import db
from app.models import CardPayment, LedgerEntry, Payout
from app.services import ledger
from app.services.procurement import taxes
from tests.department_helpers import department_checkout
from tests.helpers import counting_statements, page_text
from tests.order_helpers import add, orders_of
from tests.stripe_helpers import deliver, localstripe  # noqa: F401 - the fixture
from tests.test_tax_flow import invoiced, login, pay, purchase_of, world  # noqa: F401 - fixtures
from tests.test_tax_kkpd import app, team  # noqa: F401 - the card-enabled app and its team


def _rows(page):
    return page.count('data-order="')


def test_ls_order_shows_gross_tax_and_net_paid_by_the_treasurer(app, client, auth, world):  # noqa: F811
    w = world
    order = invoiced(client, auth, w)
    login(client, auth, w.seller)
    page = page_text(client.get("/finance/balance"))
    assert order.number in page and "Awaiting the treasurer" in page
    login(client, auth, w.treasurer)
    assert pay(client, order.id).status_code == 303
    login(client, auth, w.seller)
    response = client.get("/finance/balance")
    assert response.status_code == 200
    page = page_text(response)
    for amount in ("Rp\u00a03.310.000", "Rp\u00a0110.000", "Rp\u00a055.000", "Rp\u00a03.145.000", "Rp\u00a0165.000"):
        assert amount in page, amount
    assert "Paid by the treasurer straight to your bank account" in page and "Not in your balance" in page
    assert "pays it to the state in your store's name" in page
    # What the page shows adds up: gross − withheld = net = what the treasurer paid; the ledger
    # holds nothing of it (the money never passed through the programme).
    purchase = purchase_of(order.id)
    with app.app_context():
        [row] = taxes.store_settlements(w.store.id)
        assert row["gross"] - row["withheld"] == row["net"] == purchase.treasury_amount == 3_145_000
        assert row["ppn"] + row["income_tax"] == row["withheld"] == purchase.tax_withheld
        assert (row["in_ledger"], row["paid_directly"]) == (0, 3_145_000)
        assert ledger.balance(w.store.id) == 0
        # Read from the frozen lines, in a fixed number of queries.
        with counting_statements() as statements:
            taxes.store_settlements(w.store.id)
        assert len(statements) <= 4
    # Other stores' balances are not the seller's to see.
    other = w.team.snack.store
    assert client.get(f"/finance/balance?store={other.id}").status_code == 404
    assert client.get("/finance/balance?store=999999").status_code == 404


def test_a_frozen_invoice_is_shown_as_issued(app, client, auth, world):  # noqa: F811
    """The page reads the invoice's tax lines: a later change of the rules does not change it."""
    from app.models import TaxRule

    w = world
    order = invoiced(client, auth, w)
    for rule in db.session.execute(db.select(TaxRule)).scalars():
        rule.rate_bp = 0
    db.session.commit()
    login(client, auth, w.seller)
    page = page_text(client.get("/finance/balance"))
    assert order.number in page and "Rp\u00a0165.000" in page and "Rp\u00a03.145.000" in page


def _pay_by_kkpd(client, auth, team, localstripe, quantity):  # noqa: F811
    login(client, auth, team.purchaser)
    add(client, team.snack.id, quantity)
    assert department_checkout(client, **{"department-payment_mode": "up_card"}).status_code == 303
    order = orders_of(team.purchaser.id)[-1]
    login(client, auth, team.approver)
    assert client.post(f"/department/orders/{order.id}/approve", data={"note": ""}).status_code == 303
    login(client, auth, team.purchaser)
    response = client.post(f"/pay/checkout/{order.checkout_attempt_id}/test-card",
                           data={"number": "4242 4242 4242 4242", "exp_month": "12", "exp_year": "2030",
                                 "cvc": "123"})
    assert response.status_code in (302, 303)
    payment = db.session.execute(db.select(CardPayment).where(
        CardPayment.checkout_attempt_id == order.checkout_attempt_id)).scalar_one()
    for event in localstripe.events_for(payment.intent_id):
        assert deliver(client, event).status_code == 200
    db.session.expire_all()
    return order


def test_kkpd_order_is_in_the_balance_and_the_payout_with_its_tax(app, client, auth, runner, team,  # noqa: F811
                                                                  localstripe):  # noqa: F811
    order = _pay_by_kkpd(client, auth, team, localstripe, 40)  # Rp 1.000.000, PPN in the price
    store = team.snack.store
    credit = db.session.execute(db.select(LedgerEntry).where(LedgerEntry.order_id == order.id,
                                                             LedgerEntry.reason == "order_paid")).scalar_one()
    login(client, auth, team.snack_seller)
    page = page_text(client.get("/finance/balance"))
    assert "Credited to your balance: Rp\u00a01.000.000" in page and "in the price: the store pays it" in page
    with app.app_context():
        [row] = taxes.store_settlements(store.id)
        # Nothing withheld from a card payment: the gross is credited, the net is the gross.
        assert row["in_ledger"] == credit.amount == row["gross"] == row["net"] == 1_000_000
        assert row["ppn"] > 0 and row["income_tax"] == 0 and row["withheld"] == 0
        # The balance is what the statement sums to, and the department credits are in it.
        statement_sum = sum(entry.signed_amount for entry, _running in ledger.statement(store.id))
        assert ledger.balance(store.id) == statement_sum >= row["in_ledger"]
    check = runner.invoke(args=["payments", "check"])
    assert check.exit_code == 0, check.output

    # The admin pays it out: the batch page and its department CSV show the order's tax.
    login(client, auth, team.admin)
    today = clock.today().isoformat()
    response = client.post("/finance/payouts", data={"period_start": today, "period_end": today})
    assert response.status_code == 303, page_text(response)
    payout = db.session.execute(db.select(Payout).where(Payout.store_id == store.id)).scalar_one()
    page = page_text(client.get(f"/finance/payouts/{payout.batch_id}"))
    assert "Department orders in these payouts" in page and order.number in page
    data = client.get(f"/finance/payouts/{payout.batch_id}/department-orders.csv").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(data)))
    assert [r["order"] for r in rows] == [order.number]
    assert (int(rows[0]["gross"]), int(rows[0]["income_tax_withheld"]), int(rows[0]["net"])) == (1_000_000, 0,
                                                                                                  1_000_000)
    # The payout brings what the ledger held: the department credits and nothing else here.
    assert sum(int(r["in_payout"]) for r in rows) == payout.amount == ledger.balance(store.id)
    # The bank's file keeps its shape: one row a transfer.
    transfers = list(csv.reader(io.StringIO(client.get(f"/finance/payouts/{payout.batch_id}/transfers.csv")
                                             .get_data(as_text=True))))
    assert transfers[0] == ["bank", "account", "holder", "amount", "reference"] and len(transfers) == 2
    client.post(f"/finance/payouts/record/{payout.id}", data={"transfer_reference": "TRF-1"})
    assert ledger.check_books().balanced
    # A seller or a buyer cannot read a batch.
    login(client, auth, team.snack_seller)
    assert client.get(f"/finance/payouts/{payout.batch_id}/department-orders.csv").status_code in (302, 403, 404)
