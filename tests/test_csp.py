"""Content-Security-Policy: every HTML page of the route walk carries one without
'unsafe-inline' scripts, and no template needs it (no inline script, no on*= handler,
no style= attribute). Only the card payment page may load Stripe's script, and only
when the Stripe Payment Element is configured."""
import re
from pathlib import Path

from app.payments_web.routes import STRIPE_CSP
from app.security import CSP
from tests.authz_walk import walk_fixture  # noqa: F401 - the fixture

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
EVENT_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\son[a-z]+\s*=", re.S)
STYLE_ATTRIBUTE = re.compile(r"<[a-zA-Z][^>]*\sstyle\s*=", re.S)
STRIPE_JS = "https://js.stripe.com"


def directives(policy):
    parts = (part.strip().split() for part in policy.split(";") if part.strip())
    return {part[0]: part[1:] for part in parts}


def assert_strict(policy, where, allowed_script_hosts=()):
    rules = directives(policy)
    script_src = rules.get("script-src", rules.get("default-src"))
    assert script_src is not None, f"{where}: no script-src or default-src"
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, f"{where}: {policy}"
    assert set(script_src) <= {"'self'", *allowed_script_hosts}, f"{where}: {policy}"
    assert "'unsafe-inline'" not in rules.get("style-src", []), f"{where}: {policy}"
    assert rules.get("object-src") == ["'none'"] and rules.get("frame-ancestors") == ["'none'"], where


def test_every_html_page_of_the_walk_has_a_strict_policy(walk):
    pages = 0
    for (key, role), response in walk.get.items():
        if response.mimetype != "text/html":
            continue
        pages += 1
        policy = response.headers.get("Content-Security-Policy")
        assert policy, f"GET {walk.urls[key]} as {role}: no Content-Security-Policy"
        assert_strict(policy, f"GET {walk.urls[key]} as {role}")
    assert pages > 150  # the walk saw the pages, error pages included


def test_the_default_policy_and_the_stripe_page_policy_are_strict():
    assert_strict(CSP, "app.security.CSP")
    assert_strict(STRIPE_CSP, "payments_web STRIPE_CSP", allowed_script_hosts=(STRIPE_JS,))


def _templates():
    for path in sorted(TEMPLATES.rglob("*.html")):
        yield path.relative_to(TEMPLATES).as_posix(), path.read_text(encoding="utf-8")


def test_no_template_has_inline_script_or_event_handler_or_style_attribute():
    problems = []
    for name, text in _templates():
        for attributes, body in SCRIPT_TAG.findall(text):
            if body.strip() or "src=" not in attributes:
                problems.append(f"{name}: inline <script> (put it in static/js/)")
            src = re.search(r'src="([^"]+)"', attributes)
            if src and src.group(1).startswith(("http:", "https:", "//")):
                if not (name == "payments_web/pay.html" and src.group(1).startswith(STRIPE_JS + "/")):
                    problems.append(f"{name}: script from another site: {src.group(1)}")
        if EVENT_ATTRIBUTE.search(text):
            problems.append(f"{name}: on*= event attribute (bind it in static/js/)")
        # E-mails are not served under our CSP and mail programs only honour inline styles.
        if not name.startswith("emails/") and STYLE_ATTRIBUTE.search(text):
            problems.append(f"{name}: style= attribute (add a class to static/css/app.css)")
    assert not problems, "\n".join(problems)


def test_stripe_script_only_when_the_payment_element_is_used():
    text = (TEMPLATES / "payments_web" / "pay.html").read_text(encoding="utf-8")
    block = text[text.index("{% block scripts %}"):]
    assert block.index("{% if mode == 'element' %}") < block.index(STRIPE_JS) < block.index("{% endif %}")


def test_the_grep_catches_what_it_should():
    samples = ['<script>alert(1)</script>', '<button onclick="x()">', '<div class="a" style="color: red">']
    assert SCRIPT_TAG.search(samples[0]) and EVENT_ATTRIBUTE.search(samples[1]) and STYLE_ATTRIBUTE.search(samples[2])
    assert not EVENT_ATTRIBUTE.search('<a href="/x" data-confirm="sure?">')
    assert not STYLE_ATTRIBUTE.search("<p>style=</p>")
