"""Issue 20's journeys in a real browser: an admin makes "Angkatan 2027" with two mentors and
moves three stores in; a mentor records a session with two actions, the seller ticks one, the
other becomes overdue and shows on both desks; an admin runs a training, two members attend
and download certificates that verify; a ready startup is recommended, graduated, and its
letter downloads; the programme report shows the numbers and its XLSX opens with them.
axe runs on every page; screenshots of the new pages at 375x667 and 1280x800, id and en."""
import io
import os
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from app import clock
from tests.e2e.conftest import PASSWORD, axe_check, tr

pytestmark = pytest.mark.e2e
SCREENS = os.path.join(os.path.dirname(__file__), "..", "..", "instance", "e2e-screens")


@pytest.fixture(scope="module")
def world(live_server):
    from app.extensions import db
    from app.models import CohortMentor
    from tests import factories as f
    from tests.factories import store_owner
    from tests.incubator_helpers import sale

    with live_server.app.app_context():
        admin = f.AdminFactory(full_name="Dewi Lestari")
        mentors = [f.MentorFactory(full_name="Rina Mentor"), f.MentorFactory(full_name="Yusuf Mentor")]
        stores = [f.StoreFactory(verified=True, name=name, cohort="Angkatan 2026")
                  for name in ("Kopi Aming Tan", "Insang Khatulistiwa", "Lidah Buaya Borneo")]
        ready = f.StoreFactory(verified=True, name="Amplang Kapuas", cohort="Angkatan 2026")
        for mentor in mentors:
            db.session.add(CohortMentor(cohort_id=stores[0].cohort_id, mentor_id=mentor.id))
        buyer = f.BuyerFactory()
        f.DocumentFactory(store=ready, kind="nib")
        f.DocumentFactory(store=ready, kind="pirt")
        for _ in range(3):
            f.ProductFactory(store=ready, live=True)
        now = clock.now()
        for months in range(3):
            sale(ready, buyer, 2_000_000, at=now - timedelta(days=2 + 31 * months))
        db.session.commit()
        from app.services.incubator import graduation

        graduation.save_criteria(admin, {"trainings": (0, False), "actions_on_time": (0, False)})
        data = {"admin": admin.email, "mentor": mentors[0].email, "mentor_names": [m.full_name for m in mentors],
                "stores": [(s.id, s.name, store_owner(s).email) for s in stores],
                "ready": (ready.id, ready.name, store_owner(ready).email), "cohort_id": stores[0].cohort_id}
        db.session.remove()
    return data


def _session(browser, live_server, email, viewport=None, english=True):
    context = browser.new_context(viewport=viewport or {"width": 1280, "height": 800}, locale="id-ID",
                                  timezone_id="Asia/Pontianak", accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(10000)
    page.goto(live_server.url("/auth/login"))
    app = live_server.app
    page.get_by_label(tr(app, "E-mail"), exact=True).fill(email)
    page.get_by_label(tr(app, "Password"), exact=True).fill(PASSWORD)
    page.get_by_role("button", name=tr(app, "Log in")).click()
    expect(page.locator(".flash-messages")).to_be_visible()
    want = "en" if english else "id"
    if page.locator("html").get_attribute("lang") != want:
        with page.expect_navigation():  # the one-click language toggle
            page.get_by_role("button", name="English" if english else "Bahasa Indonesia").click()
    expect(page.locator("html")).to_have_attribute("lang", want)
    return context, page


def test_admin_makes_angkatan_2027_with_two_mentors_and_moves_three_stores_in(browser, live_server, world):
    context, page = _session(browser, live_server, world["admin"])
    page.goto(live_server.url("/admin/"))
    page.get_by_role("link", name="Cohorts").first.click()
    axe_check(page)
    page.get_by_label("Name").fill("Angkatan 2027")
    page.get_by_label("Year").fill("2027")
    page.get_by_role("button", name="Create cohort").click()
    expect(page.get_by_text("Cohort Angkatan 2027 created.")).to_be_visible()
    page.get_by_role("link", name="Angkatan 2027").click()
    for name in world["mentor_names"]:
        page.get_by_label("Mentor", exact=True).select_option(label=next(
            o for o in page.get_by_label("Mentor", exact=True).locator("option").all_inner_texts() if name in o))
        page.get_by_role("button", name="Add mentor").click()
        expect(page.get_by_text("Mentor added to Angkatan 2027.")).to_be_visible()
    for _store_id, name, _email in world["stores"]:
        page.get_by_label("Store", exact=True).select_option(label=f"{name} (Angkatan 2026)")
        page.get_by_role("button", name="Move into Angkatan 2027").click()
        expect(page.get_by_text("The store is now in Angkatan 2027.")).to_be_visible()
    expect(page.get_by_role("heading", name="Startups (3)")).to_be_visible()
    for _store_id, name, _email in world["stores"]:
        expect(page.get_by_role("link", name=name).first).to_be_visible()
    for name in world["mentor_names"]:
        expect(page.locator("#mentors-heading + ul")).to_contain_text(name)
    axe_check(page)
    context.close()


def test_session_actions_one_done_one_overdue_on_both_desks(browser, live_server, world):
    store_id, store_name, seller_email = world["stores"][0]
    with live_server.app.app_context():
        from app.extensions import db
        from app.models import CohortMentor, Store, User

        store = db.session.get(Store, store_id)
        mentor = db.session.execute(db.select(User).where(User.email == world["mentor"])).scalar_one()
        if db.session.get(CohortMentor, (store.cohort_id, mentor.id)) is None:
            db.session.add(CohortMentor(cohort_id=store.cohort_id, mentor_id=mentor.id))
            db.session.commit()
        db.session.remove()
    context, page = _session(browser, live_server, world["mentor"])
    page.goto(live_server.url("/incubator/mentor"))
    axe_check(page)
    page.get_by_role("link", name=store_name).first.click()
    page.get_by_role("link", name="Record a session").click()
    page.get_by_label("Length (minutes)").fill("60")
    page.get_by_label("Permits").check()
    page.get_by_label("Marketing").check()
    page.get_by_label("Notes").fill("Urus sertifikat halal; foto produk ulang.")
    today = clock.today()
    page.locator("#actions-0-title").fill("Foto ulang produk")
    page.locator("#actions-0-due_on").fill((today + timedelta(days=3)).isoformat())
    page.locator("#actions-1-title").fill("Daftar sertifikat halal")
    page.locator("#actions-1-due_on").fill((today + timedelta(days=7)).isoformat())
    axe_check(page)
    page.get_by_role("button", name="Record session").click()
    expect(page.get_by_text(f"Session with {store_name} recorded.")).to_be_visible()
    seller_context, seller = _session(browser, live_server, seller_email)
    seller.goto(live_server.url("/incubator/my"))
    # The button says "Mark done"; its accessible name adds the action, for screen readers.
    seller.get_by_role("button", name=re.compile(r"^Mark done\W+Foto ulang produk$")).click()
    expect(seller.get_by_text("Action marked done.")).to_be_visible()
    axe_check(seller)
    clock.travel(days=10)
    try:
        page.goto(live_server.url("/incubator/mentor"))
        overdue = page.locator("#overdue-heading + ul")
        expect(overdue).to_contain_text("Daftar sertifikat halal")
        expect(overdue).not_to_contain_text("Foto ulang produk")
        seller.goto(live_server.url("/seller/"))
        expect(seller.locator("#overdue-heading + ul")).to_contain_text("Daftar sertifikat halal")
        axe_check(seller)
    finally:
        clock.reset()
    context.close()
    seller_context.close()


def _this_morning():
    """Put the clock at 09:00 WIB today. The training starts an hour after it is published and its
    attendance is marked two hours later; run after 22:00 WIB, that attendance fell on tomorrow, outside
    the programme report's "this year" (which ends today), and the report test below counted 0."""
    now = clock.local_now()
    clock.travel(now.replace(hour=9, minute=0, second=0, microsecond=0) - now)


def test_training_two_members_attend_and_their_certificates_verify(browser, live_server, world):
    context, page = _session(browser, live_server, world["admin"])
    _this_morning()
    try:
        _publish_register_and_attend(browser, live_server, world, page)
    finally:
        clock.reset()
    context.close()


def _publish_register_and_attend(browser, live_server, world, page):
    page.goto(live_server.url("/incubator/trainings"))
    start = clock.local_now() + timedelta(hours=1)
    page.get_by_label("Title").fill("Copywriting untuk Marketplace")
    page.get_by_label("Topic").select_option("copywriting")
    page.get_by_label("Date").fill(start.date().isoformat())
    page.get_by_label("Starts at (WIB)").fill(start.strftime("%H:%M"))
    page.get_by_label("Length (minutes)").fill("120")
    page.get_by_label("Place").fill("Aula Bappeda")
    page.get_by_label("Capacity").fill("20")
    for box in page.get_by_role("group", name="Cohorts invited").get_by_role("checkbox").all():
        box.check()
    page.get_by_role("button", name="Publish training").click()
    expect(page.get_by_text("Training published.")).to_be_visible()
    axe_check(page)
    page.get_by_role("link", name="Copywriting untuk Marketplace").first.click()
    training_url = page.url
    sellers = []
    for _store_id, _name, email in world["stores"][1:]:
        seller_context, seller = _session(browser, live_server, email)
        seller.goto(training_url)
        seller.get_by_role("button", name="Register").click()
        expect(seller.get_by_text("You are registered.").first).to_be_visible()
        sellers.append((seller_context, seller))
    clock.travel(hours=2)
    page.goto(training_url)
    for button in page.get_by_role("button", name="Mark present").all()[:1]:
        button.click()
    expect(page.get_by_text("Attendance recorded; the certificate is ready.")).to_be_visible()
    page.get_by_role("button", name="Mark present").first.click()
    expect(page.get_by_text("Attendance recorded; the certificate is ready.")).to_be_visible()
    axe_check(page)
    for _seller_context, seller in sellers:
        seller.goto(training_url)
        with seller.expect_download() as download:
            seller.get_by_role("link", name="Download your certificate (PDF)").click()
        assert open(download.value.path(), "rb").read(4) == b"%PDF"
    with live_server.app.app_context():
        from app.extensions import db
        from app.models import TrainingRegistration

        codes = [r.certificate_code for r in db.session.execute(db.select(TrainingRegistration)).scalars()]
        db.session.remove()
    assert len(codes) == 2 and all(codes)
    for code in codes:
        page.goto(live_server.url(f"/verifikasi/{code[:5]}-{code[5:]}"))
        expect(page.get_by_text("This document was issued by Pasar Kite Bise.")).to_be_visible()
        expect(page.get_by_text("Copywriting untuk Marketplace")).to_be_visible()
    axe_check(page)
    for seller_context, _seller in sellers:
        seller_context.close()


def test_a_ready_startup_is_recommended_graduated_and_its_letter_downloads(browser, live_server, world):
    store_id, name, seller_email = world["ready"]
    context, page = _session(browser, live_server, world["mentor"])
    page.goto(live_server.url(f"/incubator/startups/{store_id}"))
    checklist = page.locator("#grad-heading + ul")
    expect(checklist).not_to_contain_text("not met")
    axe_check(page)
    page.get_by_label("Why this startup is ready").fill("Izin lengkap, penjualan rutin tiga bulan.")
    page.get_by_role("button", name="Recommend for graduation").click()
    expect(page.get_by_text(f"{name} is recommended for graduation; an admin decides.")).to_be_visible()
    admin_context, admin = _session(browser, live_server, world["admin"])
    admin.goto(live_server.url("/incubator/graduation"))
    case = admin.locator("article", has_text=name)
    case.get_by_label("Decision").select_option("graduate")
    case.get_by_label("Reason").fill("Semua kriteria kelulusan terpenuhi.")
    case.get_by_role("button", name="Decide").click()
    expect(admin.get_by_text("Decision recorded.")).to_be_visible()
    axe_check(admin)
    seller_context, seller = _session(browser, live_server, seller_email)
    seller.goto(live_server.url("/incubator/my"))
    with seller.expect_download() as download:
        seller.get_by_role("link", name="Graduation letter (PDF)").click()
    assert open(download.value.path(), "rb").read(4) == b"%PDF"
    for c in (context, admin_context, seller_context):
        c.close()


def test_the_programme_report_shows_the_numbers_and_its_xlsx_opens_with_them(browser, live_server, world):
    context, page = _session(browser, live_server, world["admin"])
    page.goto(live_server.url(f"/incubator/report?preset=this_year&cohort={world['cohort_id']}"))
    expect(page.get_by_role("heading", name="Programme report")).to_be_visible()
    figures = page.locator("#report-figures")
    expect(figures.locator("[data-figure=graduations] dd")).to_have_text("1")
    expect(figures.locator("[data-figure=sessions] dd")).to_have_text("0")  # the session was in Angkatan 2027
    expect(figures.locator("[data-figure=personal_sales] dd")).to_contain_text("6.000.000")
    expect(page.locator("#chart-monthly")).to_be_visible()
    axe_check(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel (XLSX) Programme report").click()
    workbook = load_workbook(io.BytesIO(open(download.value.path(), "rb").read()))
    summary = {row[0]: row[1] for row in workbook.worksheets[0].iter_rows(min_row=3, values_only=True)}
    assert summary["Graduations"] == 1 and summary["Personal sales"] == 6_000_000 and summary["Startups"] == 1
    page.goto(live_server.url("/incubator/report?preset=this_year"))
    expect(page.locator("#report-figures [data-figure=sessions] dd")).to_have_text("1")
    expect(page.locator("#report-figures [data-figure=attendances] dd")).to_have_text("2")
    context.close()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_screenshots_of_the_new_pages(browser, live_server, world, lang):
    os.makedirs(SCREENS, exist_ok=True)
    store_id = world["stores"][0][0]
    pages = {"admin": ["/incubator/cohorts", "/incubator/trainings", "/incubator/graduation",
                       "/incubator/report?preset=this_year", f"/incubator/startups/{store_id}"],
             "mentor": ["/incubator/mentor"]}
    for size in ({"width": 375, "height": 667}, {"width": 1280, "height": 800}):
        for role, paths in pages.items():
            context, page = _session(browser, live_server, world[role], viewport=size, english=(lang == "en"))
            for path in paths:
                page.goto(live_server.url(path))
                assert page.evaluate("document.documentElement.scrollWidth") <= size["width"] + 1, path
                name = path.strip("/").replace("/", "_").split("?")[0]
                page.screenshot(path=os.path.join(SCREENS, f"{name}-{lang}-{size['width']}.png"), full_page=True)
            context.close()
