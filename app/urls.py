"""Links to the app's own pages, from a request or from a job: one way to build each."""
import re

from flask import current_app


def path_for(endpoint, **values) -> str:
    """The path of a page; works outside a request too (CLI jobs, the worker). An endpoint
    of a feature that is not installed gives "" (no link) rather than an error."""
    try:
        return current_app.url_map.bind("localhost").build(endpoint, values)
    except Exception:  # noqa: BLE001 - werkzeug raises BuildError and others; a missing link is not fatal
        return ""


def absolute(path: str) -> str:
    """``path`` on the configured BASE_URL (for e-mails and documents), "" for no path."""
    return current_app.config.get("BASE_URL", "").rstrip("/") + path if path else ""


def absolute_url(endpoint, **values) -> str:
    """The full address of a page, for e-mails, PDFs and QR codes."""
    path = path_for(endpoint, **values)
    return absolute(path) if path else current_app.config.get("BASE_URL", "").rstrip("/")


def slugify(text: str) -> str:
    """The part of a web address made of a name: lowercase ASCII letters and digits, dashes."""
    text = (text or "").lower()
    text = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    return text[:70] or "toko"
