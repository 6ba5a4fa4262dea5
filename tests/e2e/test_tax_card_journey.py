"""Issue 17's card journey in a real browser, against the Stripe stand-in: a small
department order on UP paid by the department's card (KKPD) after the approval; the store
is credited in the ledger; the handover completes it; ``flask payments check`` holds."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import _require_chromium, axe_check, serve_app
from tests.e2e.test_department_journey import _add_to_cart, _orders, _session
from tests.e2e.test_tax_journey import _books_balanced, _checkout, _setup
from tests.stripe_helpers import card_config, localstripe  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def card_server(tmp_path_factory, localstripe):  # noqa: F811
    _require_chromium()
    with serve_app(tmp_path_factory.mktemp("kkpd-live"), card_config(localstripe), name="kkpd-live-server") as live:
        localstripe.register_webhook(f"{live.app.config['BASE_URL']}/webhooks/stripe")
        yield live


def _ledger_credit(app, order_id):
    from app.extensions import db
    from app.models import LedgerEntry

    with app.app_context():
        amount = db.session.execute(db.select(LedgerEntry.amount).where(
            LedgerEntry.order_id == order_id, LedgerEntry.reason == "order_paid")).scalar_one_or_none()
        db.session.remove()
        return amount


def test_up_paid_by_the_department_card(card_server, browser):
    app = card_server.app
    data = _setup(app)
    context, page = _session(browser, card_server, data["purchaser"])
    _add_to_cart(page, card_server, data["snack"], 20)
    _checkout(page, card_server, "UP: the department's card (KKPD)")
    order_id, number, state, total = _orders(app, data["purchaser"])[-1]
    assert state == "awaiting_approval" and total == 444_000
    # The approver approves; then the purchaser pays by card.
    ctx, approver = _session(browser, card_server, data["approver"])
    approver.goto(card_server.url(f"/department/orders/{order_id}"))
    approver.get_by_role("button", name="Approve").click()
    expect(approver.locator(".flash-messages")).to_contain_text("Surat Pesanan has been issued")
    expect(approver.get_by_role("link", name="Pay by card")).to_have_count(0)  # not theirs to pay
    ctx.close()
    page.goto(card_server.url(f"/department/orders/{order_id}"))
    axe_check(page)
    page.get_by_role("link", name="Pay by card").click()
    expect(page.get_by_role("heading", name="Pay by card")).to_be_visible()
    expect(page.get_by_test_id("amount-due")).to_have_text("Rp 444.000")
    axe_check(page)
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile("Pay Rp")).click()
    expect(page.get_by_role("heading", name="Payment")).to_be_visible()
    for _ in range(40):  # the stand-in's webhook arrives on its own
        if _ledger_credit(app, order_id):
            break
        page.wait_for_timeout(500)
    assert _ledger_credit(app, order_id) == 444_000
    _books_balanced(app)
    context.close()

    # The store delivers; the purchaser's handover completes the order.
    _deliver_only(browser, card_server, data, order_id)
    context, page = _session(browser, card_server, data["purchaser"])
    page.goto(card_server.url(f"/department/orders/{order_id}"))
    page.get_by_role("button", name="Confirm BAST").click()
    expect(page.locator(".flash-messages")).to_be_visible()
    expect(page.locator("h1 + p .badge")).to_have_text("Completed")
    axe_check(page)
    context.close()
    _books_balanced(app)
    assert _orders(app, data["purchaser"])[-1][2] == "completed"


def _deliver_only(browser, live_server, data, order_id):
    ctx, seller = _session(browser, live_server, data["seller"])
    seller.goto(live_server.url(f"/sales/{order_id}"))
    for label in ("Accept order", "Mark ready", "Mark delivered"):
        seller.get_by_role("button", name=label).click()
        expect(seller.locator(".flash-messages")).to_be_visible()
    ctx.close()


