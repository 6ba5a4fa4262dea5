"""The harness's browser contexts ask for reduced motion: no smooth scrolling under a click."""
import pytest

pytestmark = pytest.mark.e2e


def test_pages_scroll_without_gliding(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live_server.url("/auth/login"))
    assert page.evaluate("matchMedia('(prefers-reduced-motion: reduce)').matches")
    assert page.evaluate("getComputedStyle(document.documentElement).scrollBehavior") == "auto"
    context.close()
    page = browser.new_page()
    page.goto(live_server.url("/auth/login"))
    assert page.evaluate("getComputedStyle(document.documentElement).scrollBehavior") == "auto"
    page.close()
