"""Account journeys in a real browser: a civil servant registers, confirms the address
through the outbox, logs in, switches language and logs out; a seller registers; an admin
invites a mentor who accepts. Every page visited is checked with axe."""
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import PASSWORD, axe_check, make_user, newest_email, tr

pytestmark = pytest.mark.e2e


def open_menu_if_collapsed(page, app):
    """On a phone the navigation sits behind the menu button."""
    lang = page.locator("html").get_attribute("lang")
    toggler = page.get_by_role("button", name=tr(app, "Open menu", lang))
    if toggler.is_visible() and toggler.get_attribute("aria-expanded") != "true":
        toggler.click()
        expect(page.locator("#mainNav")).to_be_visible()


def log_in(page, app, email, password=PASSWORD):
    page.get_by_label(tr(app, "E-mail")).fill(email)
    page.get_by_label(tr(app, "Password"), exact=True).fill(password)
    page.get_by_role("button", name=tr(app, "Log in")).click()


def flash(page):
    return page.locator(".flash-messages")


def admin_reads_the_newest_mail(browser, live_server, admin_email, to, link_part):
    """An admin opens the outbox page, opens the message to ``to`` and copies its link."""
    app = live_server.app
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(live_server.url("/auth/login"))
    log_in(page, app, admin_email)
    page.get_by_role("link", name=tr(app, "Admin")).click()
    axe_check(page)
    page.get_by_role("link", name=re.compile(tr(app, "Outbox"))).click()
    expect(page.get_by_role("heading", name=tr(app, "Outbox"))).to_be_visible()
    axe_check(page)
    subject = newest_email(app, to)[0]
    row = page.get_by_role("row").filter(has_text=to).first
    row.get_by_role("link", name=subject).click()
    expect(page.get_by_role("heading", name=subject)).to_be_visible()
    axe_check(page)
    link = page.locator(".mail-body").get_by_role("link").filter(has_text=link_part).first.get_attribute("href")
    context.close()
    return link


def test_civil_servant_registers_confirms_logs_in_switches_language_and_logs_out(
        live_server, phone_page, browser):
    app, page = live_server.app, phone_page
    make_user(app, "admin", "admin.journey1@pontianak.go.id", full_name="Dewi Lestari")
    make_user(app, "buyer", "other.asn@pontianak.go.id")  # creates the department to choose

    page.goto(live_server.url("/"))
    expect(page.locator("html")).to_have_attribute("lang", "id")
    axe_check(page)
    page.get_by_role("link", name=tr(app, "Register as a civil servant")).click()
    expect(page.get_by_role("heading", name=tr(app, "Create an account"))).to_be_visible()
    axe_check(page)

    expect(page.get_by_label(tr(app, "Civil servant (buyer)"))).to_be_checked()
    page.get_by_label(tr(app, "Full name")).fill("Ayu Pratiwi")
    page.get_by_label(tr(app, "E-mail")).fill("ayu.pratiwi@pontianak.go.id")
    page.get_by_label(tr(app, "Department (OPD)")).select_option(label="Dinas Komunikasi dan Informatika")
    page.get_by_label(tr(app, "Password"), exact=True).fill(PASSWORD)
    page.get_by_label(tr(app, "Repeat password")).fill(PASSWORD)
    page.get_by_role("button", name=tr(app, "Register")).click()
    expect(flash(page)).to_contain_text("ayu.pratiwi@pontianak.go.id")
    axe_check(page)

    # Logging in before confirming is refused, with the reason.
    log_in(page, app, "ayu.pratiwi@pontianak.go.id")
    expect(flash(page)).to_contain_text(tr(app, "Confirm your e-mail address first: open the link we sent you, "
                                               "or ask for a new one below."))
    axe_check(page)

    link = admin_reads_the_newest_mail(browser, live_server, "admin.journey1@pontianak.go.id",
                                       "ayu.pratiwi@pontianak.go.id", "/auth/verify/")
    page.goto(link)
    expect(flash(page)).to_contain_text(tr(app, "Your e-mail address is confirmed. You can log in now."))
    axe_check(page)

    log_in(page, app, "ayu.pratiwi@pontianak.go.id")
    expect(flash(page)).to_contain_text(tr(app, "Welcome, %(name)s.", name="Ayu Pratiwi"))
    axe_check(page)

    open_menu_if_collapsed(page, app)
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()  # one click, named in its language
    expect(page.locator("html")).to_have_attribute("lang", "en")
    open_menu_if_collapsed(page, app)
    expect(page.get_by_role("link", name="Admin")).to_have_count(0)  # a buyer's menu
    page.get_by_role("button", name="Ayu Pratiwi").click()
    expect(page.get_by_role("link", name="My account")).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    axe_check(page)

    page.goto(live_server.url("/account/"))  # the choice stays on the next page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="My account")).to_be_visible()
    open_menu_if_collapsed(page, app)
    with page.expect_navigation():
        page.get_by_role("button", name="Bahasa Indonesia").click()
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", name=tr(app, "My account"))).to_be_visible()
    axe_check(page)

    open_menu_if_collapsed(page, app)
    page.get_by_role("button", name="Ayu Pratiwi").click()
    page.locator("header").get_by_role("button", name=tr(app, "Log out")).click()  # not "log out everywhere"
    expect(flash(page)).to_contain_text(tr(app, "You have logged out."))
    open_menu_if_collapsed(page, app)
    expect(page.get_by_role("link", name=tr(app, "Log in"))).to_be_visible()
    axe_check(page)


def test_seller_registers(live_server, page):
    app = live_server.app
    page.goto(live_server.url("/"))
    page.get_by_role("link", name=tr(app, "Sell as a startup")).click()
    expect(page.get_by_label(tr(app, "Startup / seller"))).to_be_checked()
    page.get_by_label(tr(app, "Full name")).fill("Aming Tan")
    page.get_by_label(tr(app, "E-mail")).fill("kopi.aming@gmail.com")
    page.get_by_label(tr(app, "Phone / WhatsApp")).fill("0812 5678 9012")
    # A weak password is refused on the page, with the reason next to the form.
    page.get_by_label(tr(app, "Password"), exact=True).fill("kopi12")
    page.get_by_label(tr(app, "Repeat password")).fill("kopi12")
    page.get_by_role("button", name=tr(app, "Register")).click()
    expect(flash(page)).to_contain_text(tr(app, "Use at least %(n)d characters.", n=10))
    axe_check(page)

    page.get_by_label(tr(app, "Password"), exact=True).fill(PASSWORD)
    page.get_by_label(tr(app, "Repeat password")).fill(PASSWORD)
    page.get_by_role("button", name=tr(app, "Register")).click()
    expect(flash(page)).to_contain_text("kopi.aming@gmail.com")
    axe_check(page)
    assert newest_email(app, "kopi.aming@gmail.com") is not None


def test_admin_invites_a_mentor_who_accepts(live_server, page, browser):
    app = live_server.app
    make_user(app, "admin", "admin.journey3@pontianak.go.id", full_name="Dewi Lestari")
    page.goto(live_server.url("/auth/login"))
    axe_check(page)
    log_in(page, app, "admin.journey3@pontianak.go.id")
    page.get_by_role("link", name=tr(app, "Admin")).click()
    page.get_by_role("link", name=re.compile(tr(app, "Invitations"))).click()
    axe_check(page)
    page.get_by_label(tr(app, "E-mail")).fill("rina.hartati@inkubator.test")
    page.get_by_label(tr(app, "Role")).select_option(label=tr(app, "Mentor"))
    page.get_by_role("button", name=tr(app, "Send invitation")).click()
    expect(flash(page)).to_contain_text("rina.hartati@inkubator.test")
    expect(page.get_by_role("row").filter(has_text="rina.hartati@inkubator.test")).to_contain_text(
        tr(app, "Open", context="invitation state"))
    axe_check(page)

    link = admin_reads_the_newest_mail(browser, live_server, "admin.journey3@pontianak.go.id",
                                       "rina.hartati@inkubator.test", "/auth/invitation/")
    mentor_context = browser.new_context(viewport={"width": 1366, "height": 900})
    mentor = mentor_context.new_page()
    mentor.goto(link)
    expect(mentor.get_by_role("heading", name=re.compile(tr(app, "Mentor")))).to_be_visible()
    axe_check(mentor)
    mentor.get_by_label(tr(app, "Full name")).fill("Rina Hartati")
    mentor.get_by_label(tr(app, "Password"), exact=True).fill(PASSWORD)
    mentor.get_by_label(tr(app, "Repeat password")).fill(PASSWORD)
    mentor.get_by_role("button", name=tr(app, "Accept and create my account")).click()
    expect(flash(mentor)).to_contain_text(tr(app, "Welcome to Pasar Kite Bise, %(name)s.", name="Rina Hartati"))
    expect(mentor.get_by_role("button", name="Rina Hartati")).to_be_visible()
    axe_check(mentor)

    # The same link cannot be used twice.
    mentor_context.clear_cookies()
    mentor.goto(link)
    expect(mentor.get_by_role("alert")).to_contain_text(
        tr(app, "This invitation has already been used or withdrawn."))
    axe_check(mentor)
    mentor_context.close()

    page.reload()
    expect(page.get_by_role("row").filter(has_text="rina.hartati@inkubator.test")).to_contain_text(
        tr(app, "Accepted"))
