"""The suggestions endpoint: rate limited, JSON, nothing personal (cacheable per query)."""
from flask import current_app, jsonify, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext

from app import clock
from app.extensions import limiter
from app.i18n import rupiah
from app.services import search, suggest
from app.suggest import bp


def _limit():
    return current_app.config.get("RATELIMIT_SUGGEST", "120 per minute;2000 per hour")


@bp.route("/cari/saran")
@limiter.limit(_limit)
def suggestions():
    """``?q=`` what is typed so far: up to six products, three stores, three categories."""
    query = (request.args.get("q") or "")[: search.MAX_QUERY_CHARS]
    locale = str(get_locale())
    found = suggest.suggest(query, clock.today(), locale)
    groups = []
    if found.products:
        groups.append({"label": _("Products"), "items": [
            {"label": name, "detail": rupiah(price), "url": url_for("catalog.product", slug=slug)}
            for name, slug, price in found.products]})
    if found.stores:
        groups.append({"label": _("Stores"), "items": [
            {"label": name, "detail": "", "url": url_for("catalog.store", slug=slug)} for name, slug in found.stores]})
    if found.categories:
        groups.append({"label": _("Categories"), "items": [
            {"label": name, "detail": "", "url": url_for("catalog.index", category=slug)}
            for name, slug in found.categories]})
    status = (ngettext("%(num)d suggestion. Use the up and down arrows to choose.",
                       "%(num)d suggestions. Use the up and down arrows to choose.", found.count)
              if found.count else (_("No suggestions.") if query.strip() else ""))
    response = jsonify({"query": query, "groups": groups, "status": status,
                        "search_all": _("Search for “%(q)s”", q=query.strip()) if query.strip() else ""})
    # The same for everyone: a browser may keep it briefly (typing back and forth).
    response.headers["Cache-Control"] = "public, max-age=30"
    response.headers["Vary"] = "Cookie, Accept-Language"
    return response
