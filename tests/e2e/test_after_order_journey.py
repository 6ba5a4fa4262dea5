"""Issue 18's journeys in a real browser, every page checked with axe:
- a purchaser negotiates a price for 100 snack boxes with a store over two rounds, the
  approver approves at the agreed price, and the negotiation record PDF downloads;
- a buyer reports two damaged bottles of six, the store refunds them by card (against the
  Stripe stand-in), and the ledger check passes;
- a department order is accepted in part: the BAST and the invoice show the accepted part;
- an order the store leaves unanswered is cancelled by the deadline across a weekend
  (the clock moved);
- a PPK rates the store and its mentor sees the rating.
Screenshots of the new pages go to $SCREENSHOT_DIR (default /tmp/after-order-shots)."""
import os
import re
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import expect

from app import clock
from app.clock import LOCAL_TZ
from tests.e2e.conftest import PASSWORD, _require_chromium, axe_check, serve_app, tr
from tests.pdf_helpers import pdf_text
from tests.stripe_helpers import card_config, localstripe  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/after-order-shots"))
BUDGET = {"kode_rup": "48123456", "kode_rekening": "5.1.02.01.01.0024", "purpose": "Rapat koordinasi"}


def new_page(browser, width=1366, height=900):
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Pontianak",
                                  viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("dialog", lambda dialog: dialog.accept())
    return context, page


def log_in(page, server, email, english=True):
    app = server.app
    page.goto(server.url("/auth/login"))
    page.get_by_label(tr(app, "E-mail"), exact=True).fill(email)
    page.get_by_label(tr(app, "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=tr(app, "Log in")).click()
    expect(page.locator(".flash-messages")).to_be_visible()
    if english and page.locator("html").get_attribute("lang") != "en":
        with page.expect_navigation():
            page.get_by_role("button", name="English").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")


def shoot(page, name):
    """The page at a phone's and a desktop's size, in the page's current language."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    lang = page.locator("html").get_attribute("lang")
    size = page.viewport_size
    for width, height in ((375, 667), (1280, 800)):
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(SHOTS / f"{name}-{lang}-{width}.png"), full_page=True)
    page.set_viewport_size(size)


def toggle_language(page):
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("^(English|Bahasa Indonesia|Indonesia)$")).first.click()


def shoot_both(page, name):
    shoot(page, name)
    toggle_language(page)
    shoot(page, name)
    toggle_language(page)


def _wait_for(predicate, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.3)
    return False


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    _require_chromium()
    with serve_app(tmp_path_factory.mktemp("after-order-live"), {"JOBS_IN_PROCESS": "inline"},
                   name="after-order-live") as live:
        yield live


@pytest.fixture(scope="module")
def card_server(tmp_path_factory, localstripe):  # noqa: F811
    _require_chromium()
    with serve_app(tmp_path_factory.mktemp("after-order-card"), {**card_config(localstripe),
                                                                  "JOBS_IN_PROCESS": "inline"},
                   name="after-order-card") as live:
        localstripe.register_webhook(f"{live.app.config['BASE_URL']}/webhooks/stripe")
        yield live


def _team(app, prefix, stock=300):
    """A department with a purchaser and an approver, an admin, a mentor, a store with a snack box."""
    from app.extensions import db
    from tests import factories

    with app.app_context():
        department = factories.DepartmentFactory(name=f"Dinas Uji {prefix}", code=f"DU{prefix}",
                                                 address="Jl. Rahadi Usman No. 3, Pontianak Kota")
        purchaser = factories.BuyerFactory(email=f"pp.{prefix}@pontianak.go.id", full_name="Budi Santoso",
                                           department=department, locale="en")
        approver = factories.BuyerFactory(email=f"ppk.{prefix}@pontianak.go.id", full_name="Rahmat Hidayat",
                                          department=department, locale="en")
        factories.department_role(purchaser, "purchaser")
        factories.department_role(approver, "approver")
        admin = factories.AdminFactory(email=f"admin.{prefix}@pontianak.go.id", locale="en")
        mentor = factories.MentorFactory(email=f"mentor.{prefix}@inkubator.test", full_name="Rina Mentor",
                                         locale="en")
        box = factories.ProductFactory(live=True, name=f"Snack Box Rapat {prefix}", price=25000, stock=stock)
        box.store.mentor_id = mentor.id
        seller = factories.store_owner(box.store)
        seller.locale = "en"
        db.session.commit()
        data = {"purchaser": purchaser.email, "approver": approver.email, "admin": admin.email,
                "mentor": mentor.email, "seller": seller.email, "slug": box.slug, "product_id": box.id,
                "store_id": box.store_id, "store": box.store.name, "purchaser_id": purchaser.id,
                "approver_id": approver.id, "seller_id": seller.id, "admin_id": admin.id}
        db.session.remove()
        return data


def _users(app, *ids):
    from app.extensions import db
    from app.models import User

    return [db.session.get(User, i) for i in ids]


def _delivered_department_order(app, data, quantity, paid=False):
    """Placed, approved, delivered (and, if ``paid``, handed over and paid), through the services."""
    from app.extensions import db
    from tests.after_order_helpers import deliver, place

    with app.test_request_context("/"):
        from app.services import procurement

        purchaser, approver, seller, admin = _users(app, data["purchaser_id"], data["approver_id"],
                                                    data["seller_id"], data["admin_id"])
        from app.models import Product

        order_id = place(purchaser, db.session.get(Product, data["product_id"]), quantity, "department", BUDGET,
                         key=f"e2e{quantity}{paid}")
        procurement.approve_order(approver, order_id)
        deliver(seller, order_id)
        if paid:
            procurement.confirm_bast(purchaser, order_id)
            from app.models import Order

            total = db.session.get(Order, order_id).total
            procurement.record_treasury_payment(admin, order_id, clock.today(), total, "SP2D-E2E-1")
        db.session.remove()
        return order_id


# ------------------------------------------------------------------ 1. negotiation


def test_negotiating_100_snack_boxes_over_two_rounds(server, browser):
    app = server.app
    data = _team(app, "neg")
    context, page = new_page(browser)
    log_in(page, server, data["purchaser"])
    page.goto(server.url(f"/produk/{data['slug']}"))
    page.get_by_label(re.compile(r"^Quantity")).fill("100")
    page.get_by_role("button", name="Add to cart").click()
    page.goto(server.url("/cart/"))
    axe_check(page)
    page.get_by_role("link", name=re.compile("Ask for a quote")).click()
    axe_check(page)
    shoot_both(page, "quote-new")
    page.get_by_label("Requested unit price of Snack Box Rapat neg").fill("20000")
    page.get_by_label("The store answers by").fill((clock.today() + timedelta(days=3)).isoformat())
    page.get_by_label("Note to the store (optional)").fill("Untuk rapat besar, 100 kotak")
    page.get_by_label("Kode RUP").fill("48123456")
    page.get_by_label("Kode rekening belanja").fill("5.1.02.01.01.0024")
    page.get_by_label("Purpose").fill("Rapat koordinasi Satu Data")
    page.get_by_label("Delivery day").fill((clock.today() + timedelta(days=5)).isoformat())
    page.get_by_role("button", name="Send the request for a quote").click()
    expect(page.locator(".flash-messages")).to_contain_text("request for a quote has been sent")
    axe_check(page)
    quote_url = page.url

    seller_ctx, seller = new_page(browser)
    log_in(seller, server, data["seller"])
    seller.goto(server.url("/sales/quotes"))
    axe_check(seller)
    seller.locator("main").get_by_role("link", name=re.compile("^RFQ-")).click()
    axe_check(seller)
    shoot_both(seller, "quote-store")
    seller.get_by_label(re.compile("Unit price of Snack Box")).fill("23000")
    seller.get_by_role("button", name="Send the offer").click()
    expect(seller.locator(".flash-messages")).to_contain_text("offer has been sent")

    page.goto(quote_url)
    expect(page.get_by_text("Offer received").first).to_be_visible()
    axe_check(page)
    shoot_both(page, "quote-offer")
    page.get_by_label(re.compile("Unit price of Snack Box")).fill("21000")
    page.get_by_label("Note (optional)").fill("Bisa Rp 21.000?")
    page.get_by_role("button", name="Send the counter-offer").click()
    expect(page.locator(".flash-messages")).to_contain_text("counter-offer has been sent")

    seller.reload()
    seller.get_by_label(re.compile("Unit price of Snack Box")).fill("22000")
    seller.get_by_role("button", name="Send the offer").click()
    expect(seller.locator(".flash-messages")).to_contain_text("offer has been sent")
    seller_ctx.close()

    page.goto(quote_url)
    expect(page.get_by_text("Round 2 of 3.")).to_be_visible()
    page.get_by_role("button", name="Accept the offer and order").click()
    expect(page.locator(".flash-messages")).to_contain_text("waits for your approver")
    record = page.get_by_role("link", name=re.compile("Berita Acara Negosiasi")).first
    expect(record).to_be_visible()
    axe_check(page)
    with page.expect_download() as download:
        record.click()
    path = download.value.path()
    body = Path(path).read_bytes()
    assert body.startswith(b"%PDF") and "BERITA ACARA NEGOSIASI" in pdf_text(body) and "Rp 22.000" in pdf_text(body)
    context.close()

    approver_ctx, approver = new_page(browser)
    log_in(approver, server, data["approver"])
    approver.goto(server.url("/department/approvals"))
    axe_check(approver)
    approver.locator("main").get_by_role("link", name=re.compile("^PKB-")).first.click()
    expect(approver.get_by_role("heading", name=re.compile("Price negotiated in quote"))).to_be_visible()
    expect(approver.get_by_text("Bisa Rp 21.000?")).to_be_visible()
    expect(approver.locator("table").first).to_contain_text("Rp 2.200.000")
    axe_check(approver)
    shoot_both(approver, "quote-approver")
    approver.get_by_role("button", name="Approve").click()
    expect(approver.locator(".flash-messages")).to_contain_text("Surat Pesanan has been issued")
    approver_ctx.close()
    from app.extensions import db
    from app.models import Order

    with app.app_context():
        order = db.session.execute(db.select(Order).where(Order.total == 2_200_000)).scalar_one()
        assert order.state == "placed" and order.items[0].unit_price == 22000
        db.session.remove()


# ------------------------------------------------------------------ 2. two damaged bottles, refunded by card


def test_two_damaged_bottles_of_six_refunded_by_card(card_server, browser, localstripe):  # noqa: F811
    app = card_server.app
    from app.extensions import db
    from tests import factories

    with app.app_context():
        buyer = factories.BuyerFactory(email="sari.bottles@pontianak.go.id", full_name="Sari Wulandari", locale="en")
        bottle = factories.ProductFactory(live=True, name="Minuman Lidah Buaya 250 ml", price=12000, stock=30,
                                          unit="botol")
        seller_email, slug = factories.store_owner(bottle.store).email, bottle.slug
        db.session.commit()
        buyer_email = buyer.email
        db.session.remove()

    context, page = new_page(browser)
    log_in(page, card_server, buyer_email)
    page.goto(card_server.url(f"/produk/{slug}"))
    page.get_by_label(re.compile(r"^Quantity")).fill("6")
    page.get_by_role("button", name="Add to cart").click()
    page.goto(card_server.url("/cart/checkout"))
    page.get_by_label("Requested date").fill((clock.today() + timedelta(days=1)).isoformat())
    page.get_by_label("Time window").select_option("10-12")
    page.get_by_label("Card (Visa, Mastercard)").check()
    page.get_by_role("button", name="Continue to review").click()
    page.get_by_role("button", name=re.compile("Place order")).click()
    page.get_by_label("Card number").fill("4242 4242 4242 4242")
    page.get_by_role("button", name=re.compile("Pay Rp")).click()
    expect(page.get_by_text("Payment confirmed. Each store has your order.")).to_be_visible(timeout=20_000)

    from app.models import Order

    def order_row():
        with app.app_context():
            row = db.session.execute(db.select(Order).order_by(Order.id.desc())).scalars().first()
            result = (row.id, row.state, row.payment_state)
            db.session.remove()
            return result

    order_id = order_row()[0]
    seller_ctx, seller = new_page(browser)
    log_in(seller, card_server, seller_email)
    seller.goto(card_server.url(f"/sales/{order_id}"))
    for label in ("Accept order", "Mark ready", "Mark delivered"):
        seller.get_by_role("button", name=label).click()
        expect(seller.locator(".flash-messages")).to_be_visible()

    page.goto(card_server.url(f"/orders/{order_id}"))
    page.get_by_text("Report a problem").click()
    axe_check(page)
    page.get_by_label("What is wrong").select_option("damaged")
    page.get_by_label("Accepted of Minuman Lidah Buaya 250 ml").fill("4")
    page.get_by_label("What happened").fill("Dua botol pecah saat diterima")
    page.get_by_role("button", name="Send the report").click()
    expect(page.locator(".flash-messages")).to_contain_text("problem report has been sent")
    axe_check(page)
    shoot_both(page, "report-buyer")

    seller.goto(card_server.url(f"/sales/{order_id}"))
    expect(seller.locator(".problem-report").get_by_text("Dua botol pecah saat diterima", exact=True)).to_be_visible()
    axe_check(seller)
    shoot_both(seller, "report-store")
    seller.get_by_label("Refund the rejected part").check()
    seller.get_by_label("Amount to refund (Rp)").fill("30000")
    seller.get_by_role("button", name="Send the answer").click()
    expect(seller.locator(".flash-messages")).to_contain_text("At most Rp")
    seller.get_by_label("Refund the rejected part").check()
    seller.get_by_label("Amount to refund (Rp)").fill("24000")
    seller.get_by_role("button", name="Send the answer").click()
    expect(seller.locator(".flash-messages")).to_contain_text("answer has been sent")
    seller_ctx.close()
    assert _wait_for(lambda: order_row()[2] == "partially_refunded")

    page.reload()
    expect(page.get_by_text("Rejected part refunded").first).to_be_visible()
    axe_check(page)
    page.get_by_role("button", name="Confirm receipt").click()
    expect(page.locator(".flash-messages")).to_contain_text("completed")
    context.close()
    result = app.test_cli_runner().invoke(args=["payments", "check"])
    assert result.exit_code == 0, result.output


# ------------------------------------------------------------------ 3. accepted in part


def test_department_order_accepted_in_part(server, browser):
    app = server.app
    data = _team(app, "part")
    order_id = _delivered_department_order(app, data, 50)
    context, page = new_page(browser)
    log_in(page, server, data["purchaser"])
    page.goto(server.url(f"/department/orders/{order_id}"))
    axe_check(page)
    shoot_both(page, "bast-in-part")
    page.get_by_label("Accepted of Snack Box Rapat part").fill("40")
    page.get_by_role("button", name="Confirm BAST").click()
    expect(page.locator(".flash-messages")).to_contain_text("invoice has been issued")
    expect(page.get_by_text("Accepted in part: the handover record and the invoice cover Rp 1.000.000 of "
                            "Rp 1.250.000.")).to_be_visible()
    axe_check(page)
    for kind, words in (("bast", "BERITA ACARA SERAH TERIMA"), ("invoice", "INVOICE")):
        response = page.request.get(server.url(f"/department/orders/{order_id}/documents/{kind}.pdf"))
        body = pdf_text(response.body())
        assert response.ok and words in body and "Diterima" in body and "Rp 1.000.000" in body
    invoice = pdf_text(page.request.get(server.url(f"/department/orders/{order_id}/documents/invoice.pdf")).body())
    assert re.search(r"Jumlah tagihan: .{0,40}Rp 1\.000\.000", invoice, re.S)
    context.close()


# ------------------------------------------------------------------ 4. the answer deadline across a weekend


def test_an_unanswered_order_is_cancelled_across_a_weekend(server, browser):
    app = server.app
    from app.extensions import db
    from tests import factories
    from tests.after_order_helpers import place

    today = clock.local_now()
    friday = (today + timedelta(days=(4 - today.weekday()) % 7 or 7)).replace(hour=10, minute=0, tzinfo=LOCAL_TZ)
    clock.travel(datetime.combine(friday.date(), friday.time(), LOCAL_TZ) - clock.now())
    try:
        with app.test_request_context("/"):
            buyer = factories.BuyerFactory(email="sari.weekend@pontianak.go.id", full_name="Sari Wulandari",
                                           locale="en")
            product = factories.ProductFactory(live=True, name="Kopi Susu Sachet isi 10", price=30000, stock=10)
            seller_email = factories.store_owner(product.store).email
            order_id = place(buyer, product, 3, key="weekend")
            db.session.remove()
        seller_ctx, seller = new_page(browser)
        log_in(seller, server, seller_email)
        seller.goto(server.url("/sales/?state=placed"))
        expect(seller.get_by_text(re.compile("Answer by"))).to_be_visible()
        axe_check(seller)
        shoot_both(seller, "sales-answer-by")
        seller_ctx.close()

        from app.services import order_answer

        from app.models import Order

        def state():
            with app.app_context():
                value = db.session.get(Order, order_id).state
                db.session.remove()
                return value

        # (Orders of the other journeys on this server may expire too: only this one is watched.)
        clock.travel(timedelta(days=2, hours=13))  # Sunday 23:00: the weekend does not count
        with app.app_context():
            order_answer.enforce_answer_deadlines()
            db.session.remove()
        assert state() == "placed"
        clock.travel(timedelta(days=1, hours=1, minutes=5))  # Tuesday 00:05: Monday has passed
        with app.app_context():
            order_answer.enforce_answer_deadlines()
            db.session.remove()
        assert state() == "expired"
        context, page = new_page(browser)
        log_in(page, server, "sari.weekend@pontianak.go.id")
        page.goto(server.url(f"/orders/{order_id}"))
        expect(page.get_by_text("Cancelled: the store did not answer in time")).to_be_visible()
        axe_check(page)
        page.goto(server.url("/notifications/"))
        expect(page.get_by_text(re.compile("did not answer in time")).first).to_be_visible()
        context.close()
        with app.app_context():
            from app.models import Product

            assert db.session.execute(db.select(Product.stock).where(Product.name == "Kopi Susu Sachet isi 10")
                                      ).scalar_one() == 10
            db.session.remove()
    finally:
        clock.reset()


# ------------------------------------------------------------------ 5. the PPK rates, the mentor sees


def test_the_ppk_rates_the_store_and_the_mentor_sees_it(server, browser):
    app = server.app
    data = _team(app, "rate")
    order_id = _delivered_department_order(app, data, 20, paid=True)
    context, page = new_page(browser)
    log_in(page, server, data["approver"])
    page.goto(server.url(f"/department/orders/{order_id}"))
    expect(page.get_by_role("heading", name="Rate the store")).to_be_visible()
    axe_check(page)
    shoot_both(page, "rating-form")
    form = page.locator("form", has=page.get_by_role("button", name="Send the rating"))
    for aspect, value in (("Quality", "2"), ("Timeliness", "1"), ("Quantity", "3"), ("Service", "2")):
        form.get_by_role("group", name=aspect).get_by_label(re.compile(f"^{value} ")).check()
    form.get_by_label("Note (optional)").fill("Terlambat dua jam")
    page.get_by_role("button", name="Send the rating").click()
    expect(page.locator(".flash-messages")).to_contain_text("rating of the store has been recorded")
    expect(page.get_by_role("heading", name="Rate the store")).to_have_count(0)
    axe_check(page)
    context.close()

    mentor_ctx, mentor = new_page(browser)
    log_in(mentor, server, data["mentor"])
    mentor.goto(server.url("/mentor/"))
    expect(mentor.get_by_text("rated 2.0 of 4 (1)")).to_be_visible()
    expect(mentor.get_by_text(re.compile("Low rating"))).to_be_visible()
    axe_check(mentor)
    shoot_both(mentor, "mentor-desk")
    mentor.goto(server.url(f"/mentor/stores/{data['store_id']}"))
    expect(mentor.get_by_text("Below the threshold: this store needs attention.")).to_be_visible()
    axe_check(mentor)
    mentor_ctx.close()


def test_the_dispute_desk(server, browser):
    """Not a journey of its own in the issue: the page the admins decide on, seen and shot."""
    app = server.app
    data = _team(app, "dsp")
    order_id = _delivered_department_order(app, data, 6)
    from app.extensions import db

    with app.test_request_context("/"):
        from app.models import Order
        from app.services import problem_reports

        purchaser, seller = _users(app, data["purchaser_id"], data["seller_id"])
        item_id = db.session.get(Order, order_id).items[0].id
        report = problem_reports.report_problem(purchaser, order_id, "short", "Kurang dua kotak", {item_id: (4, 4)})
        problem_reports.answer_report(seller, report.id, "dispute", "Enam kotak diserahkan, ada tanda terima")
        db.session.remove()
    context, page = new_page(browser)
    log_in(page, server, data["admin"])
    page.goto(server.url("/admin/disputes/"))
    expect(page.get_by_text("Enam kotak diserahkan, ada tanda terima")).to_be_visible()
    axe_check(page)
    shoot_both(page, "dispute-desk")
    page.get_by_label("For the store").check()
    page.get_by_label(re.compile("Reason for the decision")).fill("Tanda terima menunjukkan enam kotak")
    page.get_by_role("button", name="Decide").click()
    expect(page.locator(".flash-messages")).to_contain_text("dispute has been decided")
    axe_check(page)
    context.close()
