"""A page shown in Indonesian shows no English and no stored codes.

tests/test_translations.py checks that every msgid has a translation; this checks what a
person reads. With the demo data (every role, orders and department purchases at every
stage), each demo login and an anonymous visitor walk the app in Indonesian: every page
without arguments in the URL map, then the links found on the pages (a few per endpoint).
The visible text of each page (text, and the alt, title, placeholder and aria-label a
screen reader reads) must not contain

- an English msgid of the catalogue (a whole text, or a phrase of three words or more
  inside one), where its Indonesian differs: an untranslated word ("Previous");
- a code as the database stores it (``cash``, ``awaiting_approval``, ``pcs``), alone or
  followed by a bare number ("cash 85000"): a label that was never looked up.

Text marked as another language (``lang="en"``, the language toggle's "English") is skipped.
"""
import re
from collections import deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po

from app.extensions import db
from tests.conftest import make_app, release_app

PO_PATH = Path(__file__).resolve().parents[1] / "app" / "translations" / "id" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]")
PER_ENDPOINT = 2
# Pages that differ by the state of what they show: walk more of them.
DETAIL_ENDPOINTS = {"orders.detail": 8, "sales.detail": 8, "procurement.purchase": 8, "seller.product": 4,
                    "mentor.review": 4, "orders.index": 4, "sales.index": 6}
MAX_PAGES = 90
NOT_PAGES = ("/static/", "/media/", "/auth/logout", "/export/", "/documents/", "/webhooks/", "/metrics",
             "/healthz", "/readyz", ".json", ".csv", ".xlsx", ".pdf", ".xml", ".txt")
# Not prose: scripts, and code shown as code (the audit log's actions and JSON).
SKIP_TAGS = {"script", "style", "template", "noscript", "code", "pre", "kbd", "samp"}
# A language's own name is written in that language on purpose (the language choices).
ENDONYMS = {"English", "Bahasa Indonesia"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
READ_ATTRIBUTES = ("alt", "title", "placeholder", "aria-label")


class VisibleText(HTMLParser):
    """Text nodes and read-out attributes, minus scripts and text in another language."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts, self.links = [], []
        self._stack = []  # (tag, skipped)

    def _skipping(self):
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        skipped = (self._skipping() or tag in SKIP_TAGS or attrs.get("translate") == "no"
                   or (attrs.get("lang") not in (None, "id") and tag != "html"))
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if not skipped:
            for name in READ_ATTRIBUTES:
                if attrs.get(name):
                    self.texts.append(attrs[name])
            if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
                self.texts.append(attrs["value"])
        if tag not in VOID:
            self._stack.append((tag, skipped))

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                return

    def handle_data(self, data):
        if not self._skipping() and data.strip():
            self.texts.append(data)


def visible(html):
    parser = VisibleText()
    parser.feed(html)
    return [re.sub(r"\s+", " ", t).strip() for t in parser.texts if t.strip()], parser.links


def _literal_words(msgid):
    return re.findall(r"[A-Za-z]{2,}", PLACEHOLDER.sub(" ", msgid))


@pytest.fixture(scope="module")
def english():
    """(whole texts, regexes of texts with placeholders, phrases) of English that has Indonesian."""
    with open(PO_PATH, "rb") as f:
        catalogue = read_po(f, locale="id")
    indonesian = set()
    pairs = []
    for message in catalogue:
        if not message.id:
            continue
        ids = list(message.id) if isinstance(message.id, tuple) else [message.id]
        strings = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
        indonesian.update(s for s in strings if s)
        pairs.extend((i, strings) for i in ids)
    whole, patterns, phrases = set(), [], set()
    for msgid, strings in pairs:
        if any(s.strip().lower() == msgid.strip().lower() for s in strings if s) or msgid in indonesian:
            continue  # the same in both languages ("Admin", "Checkout", "Halal")
        words = _literal_words(msgid)
        if not words or sum(len(w) for w in words) < 4:
            continue
        if PLACEHOLDER.search(msgid):
            parts = PLACEHOLDER.split(msgid)
            patterns.append((msgid, re.compile("^" + "(.+?)".join(re.escape(p) for p in parts) + "$", re.S)))
        else:
            whole.add(msgid.strip())
            if len(msgid.split()) >= 3 and "\n" not in msgid:
                phrases.add(msgid.strip().rstrip(".:"))
    return whole, patterns, phrases, indonesian


def stored_codes(indonesian):
    """The codes the database holds in the demo (states, methods, kinds, units, roles...)."""
    from app.models import (
        BusinessDocument,
        DepartmentPurchase,
        DepartmentRole,
        Order,
        OrderItem,
        Product,
        Store,
        UserRole,
    )

    columns = [Order.state, Order.payment_method, Order.payment_state, Order.payment_kind, Order.delivery_method,
               OrderItem.unit, Product.status, Product.unit, Store.status, BusinessDocument.kind,
               BusinessDocument.status, UserRole.role, DepartmentRole.role, DepartmentPurchase.decision]
    codes = set()
    for column in columns:
        codes.update(v for v in db.session.execute(db.select(column).distinct()).scalars() if v)
    # A code that is itself the Indonesian word on screen ("paket") is not a leak.
    return {c for c in codes if len(c) >= 3 and c not in indonesian}


@pytest.fixture(scope="module")
def demo(tmp_path_factory, pg_schema, english):
    app = make_app(tmp_path_factory.mktemp("rendered"), pg_schema)
    try:
        with app.app_context():
            from app.demo import seed_demo

            logins = seed_demo()
            codes = stored_codes(english[3])
            rules = [(r.rule, r.endpoint) for r in app.url_map.iter_rules()
                     if "GET" in r.methods and not r.arguments and r.endpoint != "static"]
            db.session.remove()
        yield app, {role: (email, password) for role, email, password in logins}, codes, rules
    finally:
        release_app(app, pg_schema)


def problems_on(texts, english, codes):
    whole, patterns, phrases, indonesian = english
    found = []
    code_pattern = re.compile(r"^(%s)(?: -?\d+)*$" % "|".join(re.escape(c) for c in sorted(codes, key=len,
                                                                                            reverse=True)))
    for text in texts:
        if text in ENDONYMS:
            continue
        if text in whole:
            found.append(f"English {text!r}")
            continue
        pattern = next((msgid for msgid, regex in patterns if regex.match(text)), None)
        if pattern is not None:
            found.append(f"English {text!r} (msgid {pattern!r})")
            continue
        phrase = next((p for p in phrases if p in text), None)
        if phrase is not None:
            found.append(f"English phrase {phrase!r} in {text!r}")
            continue
        if text in indonesian:
            continue  # a translator's own sentence (the category form names the codes to type)
        if codes and code_pattern.match(text):
            found.append(f"stored code {text!r}")
        elif re.search(r"\b[a-z]+_[a-z_]+\b", text) and not re.search(r"[@/]", text):
            found.append(f"code-like {text!r}")
    return found


def walk(app, client, rules):
    """(url, html) of the pages a visitor reaches: the argument-free pages, then links."""
    seen, per_endpoint = set(), {}
    queue = deque(["/"] + [rule for rule, _endpoint in sorted(rules)])
    adapter = app.url_map.bind("localhost")
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        path = urlsplit(url).path
        if url in seen or any(part in url for part in NOT_PAGES):
            continue
        try:
            endpoint, _args = adapter.match(path, method="GET")
        except Exception:  # noqa: BLE001 - not a route of ours (or not a GET)
            continue
        if per_endpoint.get(endpoint, 0) >= DETAIL_ENDPOINTS.get(endpoint, PER_ENDPOINT):
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code < 500, f"{url} answered {response.status_code}"
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        per_endpoint[endpoint] = per_endpoint.get(endpoint, 0) + 1
        html = response.get_data(as_text=True)
        yield url, html
        for href in visible(html)[1]:
            parts = urlsplit(href)
            if not parts.netloc and href.startswith("/") and href not in seen:
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))


@pytest.mark.parametrize("role", ["anonymous", "buyer", "purchaser", "approver", "seller", "mentor", "admin"])
def test_pages_in_indonesian_show_no_english_and_no_codes(demo, english, role):
    app, logins, codes, rules = demo
    client = app.test_client()
    if role != "anonymous":
        email, password = logins[role]
        assert client.post("/auth/login", data={"email": email, "password": password}).status_code == 302
    client.post("/language", data={"lang": "id", "next": "/"})
    report, pages = [], 0
    for url, html in walk(app, client, rules):
        pages += 1
        assert '<html lang="id">' in html, url
        texts, _links = visible(html)
        report.extend(f"  {url}: {problem}" for problem in problems_on(texts, english, codes))
    assert pages >= 5, f"the walk as {role} reached only {pages} pages"
    assert not report, (f"{len(report)} text(s) on Indonesian pages as {role} are English or raw codes:\n"
                        + "\n".join(sorted(set(report))))


def test_the_check_sees_english_and_codes(english):
    """The check itself: it would have caught the pager and the recorded payment."""
    texts, _links = visible('<nav aria-label="Pages"><a href="/katalog?page=1">Previous</a></nav>'
                            '<p>cash 85000</p><p>Tunai · Rp 85.000</p><p lang="en">English</p>'
                            '<p>3 photos</p><p>Pesanan PKB-2026-000001</p>')
    found = problems_on(texts, english, {"cash", "awaiting_approval"})
    assert "English 'Pages'" in found and "English 'Previous'" in found and "stored code 'cash 85000'" in found
    assert any("'3 photos'" in f for f in found)
    assert len(found) == 4, found
