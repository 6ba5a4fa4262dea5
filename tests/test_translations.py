"""The Indonesian catalogue is complete, keeps every placeholder, and is what users see by default.

msgids are English; Indonesian is the default language, so a msgid without an Indonesian
translation shows English on an Indonesian page. These tests extract the msgids from the
code as it is now (not from the committed .pot), so a new string without a translation fails
here with its text and place in the code.
"""
import os
import re
import tempfile
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "app" / "translations"
PO_PATH = TRANSLATIONS / "id" / "LC_MESSAGES" / "messages.po"
# The same keywords as the extraction command the catalogue is maintained with.
KEYWORDS = ["_l", "lazy_gettext", "lazy_ngettext:1,2", "lazy_pgettext:1c,2"]

PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%[sdif]|\{\w*\}")

# Words on screen from the glossary (en -> id): where the msgid is exactly the English word,
# the Indonesian must be exactly the glossary's word.
GLOSSARY = {
    "Log in": "Masuk", "Register": "Daftar", "Log out": "Keluar", "Forgot password": "Lupa kata sandi",
    "Home": "Beranda", "Catalogue": "Katalog", "Search": "Cari", "Category": "Kategori",
    "Store": "Toko", "Product": "Produk", "Cart": "Keranjang", "Checkout": "Checkout",
    "Orders": "Pesanan", "Pay": "Bayar", "Pay on delivery": "Bayar di tempat",
    "Department purchase": "Pembelian dinas", "Submit for review": "Kirim untuk ditinjau",
    "Approve": "Setujui", "Request changes": "Minta perbaikan", "Reject": "Tolak",
    "Awaiting approval": "Menunggu persetujuan", "Received": "Diterima", "Delivered": "Dikirim",
    "Completed": "Selesai", "Cancelled": "Dibatalkan", "Out of stock": "Stok habis",
}


def load_po():
    with open(PO_PATH, "rb") as f:
        return read_po(f, locale="id")


def extract_from_code():
    """Run ``pybabel extract`` with babel.cfg over the working tree into a temporary .pot."""
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        # --ignore-dirs: Babel's default also skips folders starting with "_" (templates/_macros).
        argv = ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), "--ignore-dirs=.*", "-o", str(pot)]
        for keyword in KEYWORDS:
            argv += ["-k", keyword]
        argv.append(str(ROOT))
        CommandLineInterface().run(argv)
        with open(pot, "rb") as f:
            return read_po(f)


def forms(message):
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def where(message):
    return ", ".join(f"{os.path.relpath(path, ROOT) if os.path.isabs(path) else path}:{line}"
                     for path, line in message.locations[:3])


def compile_catalogue():
    """Build each .mo from its .po when missing or older (atomic: parallel runs are safe).

    ``messages`` is the app's catalogue; ``wtforms`` (when present) holds Indonesian for
    WTForms' built-in validation messages.
    """
    for po_path in sorted(PO_PATH.parent.glob("*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with open(po_path, "rb") as f:
            catalog = read_po(f, locale="id")
        fd, tmp_name = tempfile.mkstemp(dir=mo_path.parent, suffix=".mo.tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                write_mo(f, catalog, use_fuzzy=False)
            os.replace(tmp_name, mo_path)
        finally:
            if os.path.exists(tmp_name):
                os.unlink(tmp_name)


@pytest.fixture(scope="module")
def catalogue():
    return load_po()


@pytest.mark.no_database
def test_every_msgid_in_the_code_has_an_indonesian_translation(catalogue):
    extracted = extract_from_code()
    missing = []
    for message in extracted:
        if not message.id:
            continue
        translated = catalogue.get(message.id, context=message.context)
        if (translated is None or translated.fuzzy
                or not all(s.strip() for s in forms(translated))):
            text = message.id[0] if isinstance(message.id, tuple) else message.id
            missing.append(f"  {text!r}  ({where(message)})")
    if missing:
        pytest.fail(
        f"{len(missing)} msgid(s) in the code have no Indonesian translation in "
        f"app/translations/id/LC_MESSAGES/messages.po (re-run pybabel extract/update and fill them):\n"
        + "\n".join(missing), pytrace=False)


@pytest.mark.no_database
def test_catalogue_has_no_fuzzy_entries(catalogue):
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert not fuzzy, f"fuzzy translations show guessed text on screen: {fuzzy}"


@pytest.mark.no_database
def test_every_translation_keeps_the_placeholders_of_its_msgid(catalogue):
    wrong = []
    for message in catalogue:
        if not message.id:
            continue
        ids = list(message.id) if isinstance(message.id, tuple) else [message.id]
        expected = [sorted(PLACEHOLDER.findall(i)) for i in ids]
        for text in forms(message):
            if text and sorted(PLACEHOLDER.findall(text)) not in expected:
                wrong.append(f"  {ids[0]!r} -> {text!r}")
    assert not wrong, "translations with other placeholders than their msgid:\n" + "\n".join(wrong)


@pytest.mark.no_database
def test_glossary_words_are_used_exactly(catalogue):
    wrong = []
    for english, indonesian in GLOSSARY.items():
        message = catalogue.get(english)
        if message is not None and message.string and message.string != indonesian:
            wrong.append(f"  {english!r}: {message.string!r}, glossary says {indonesian!r}")
    assert not wrong, "glossary words on screen differ:\n" + "\n".join(wrong)


def test_login_page_is_indonesian_by_default_and_english_on_request(client):
    compile_catalogue()

    page = client.get("/auth/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'lang="id"' in html
    assert "<h1" in html and "Masuk</h1>" in html
    assert "Lupa kata sandi?" in html
    assert "Log in" not in html

    response = client.post("/language", data={"lang": "en", "next": "/auth/login"})
    assert response.status_code == 302

    html = client.get("/auth/login").get_data(as_text=True)
    assert 'lang="en"' in html
    assert "Log in</h1>" in html
    assert "Forgot password?" in html
    assert "Lupa kata sandi" not in html
