from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from app import clock
from app.catalog import bp
from app.catalog.cache import Lazy, cached_page
from app.parsing import ParseError, parse_optional_int
from app.services import catalog, listings


def _context():
    return {"today": clock.today()}


@bp.route("/katalog")
@cached_page(buyers=True)
def index():
    """The catalogue and the search: every filter is a URL argument."""
    filters = catalog.parse_filters(request.args)
    today = clock.today()
    result = catalog.browse(filters, today)
    status = 200
    message = ""
    if result.problem == "unknown_category":
        status, message = 404, _("There is no category “%(name)s”.", name=filters.category)
    elif result.problem == "unknown_store":
        status, message = 404, _("There is no store “%(name)s” in the catalogue.", name=filters.store)
    elif result.problem == "past_end":
        status = 404
        message = _("There is no page %(page)d: the results end on page %(last)d.",
                    page=filters.page, last=result.page.pages)
    if filters.errors and status == 200:
        status = 400
    if result.partial:
        filters.notices.append(_("No products match all of “%(q)s”; showing products matching some of the words.",
                                 q=filters.q))
    tree = catalog.category_tree()
    return render_template(
        "catalog/index.html", result=result, filters=filters, page=result.page, tree=tree,
        problem_message=message, sorts=catalog.SORTS, relevance_label=catalog.RELEVANCE_LABEL,
        store_options=Lazy(lambda: catalog.store_options(today)), store_select_max=catalog.STORE_SELECT_MAX,
        **_context(),
    ), status


def _chosen_variant(product, raw):
    """The variant named by ``?variant=`` (a link to one variant), if it is on sale."""
    try:
        variant_id = parse_optional_int(raw, minimum=1)
    except ParseError:
        return None
    return next((v for v in product.active_variants if v.id == variant_id), None) if variant_id else None


@bp.route("/produk/<slug>")
@cached_page(buyers=True)
def product(slug):
    today = clock.today()
    item = catalog.get_product(slug, today)
    if item is None:
        abort(404)
    picker = listings.picker(item) if item.option_names else None
    chosen = _chosen_variant(item, request.args.get("variant"))
    return render_template(
        "catalog/product.html", product=item, tree=catalog.category_tree(), picker=picker, chosen=chosen,
        documents=Lazy(lambda: catalog.valid_documents(item.store, today)),
        related=Lazy(lambda: catalog.related_products(item, today)), **_context(),
    )


@bp.route("/toko/<slug>")
@cached_page(buyers=True)
def store(slug):
    today = clock.today()
    shop = catalog.get_store(slug)
    if shop is None:
        abort(404)
    filters = catalog.parse_filters({"store": slug, "page": request.args.get("page", "1")})
    result = catalog.browse(filters, today, per_page=catalog.STORE_PER_PAGE, store=shop)
    status = 404 if result.problem == "past_end" else 200
    return render_template(
        "catalog/store.html", store=shop, result=result, page=result.page, filters=filters,
        documents=Lazy(lambda: catalog.valid_documents(shop, today)), **_context(),
    ), status


@bp.route("/sitemap.xml")
@cached_page
def sitemap():
    """Live products and verified stores. Built as a string: 20,000 ``url_for`` calls
    would take most of a second."""
    from urllib.parse import quote
    from xml.sax.saxutils import escape  # nosec B406 - escape() writes XML text; nothing is parsed

    products, stores = catalog.sitemap_entries(clock.today())
    product_url = absolute_url("catalog.product", slug="SLUG").rsplit("SLUG", 1)[0]
    store_url = absolute_url("catalog.store", slug="SLUG").rsplit("SLUG", 1)[0]
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n',
             f"<url><loc>{escape(absolute_url('main.home'))}</loc></url>\n",
             f"<url><loc>{escape(absolute_url('catalog.index'))}</loc></url>\n"]
    for prefix, rows in ((store_url, stores), (product_url, products)):
        for slug, updated in rows:
            lastmod = f"<lastmod>{updated:%Y-%m-%d}</lastmod>" if updated else ""
            parts.append(f"<url><loc>{escape(prefix + quote(slug))}</loc>{lastmod}</url>\n")
    parts.append("</urlset>\n")
    response = Response("".join(parts), mimetype="application/xml")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.route("/robots.txt")
def robots():
    lines = ["User-agent: *", "Disallow: /account/", "Disallow: /admin/", "Disallow: /auth/",
             "Allow: /", f"Sitemap: {absolute_url('catalog.sitemap')}", ""]
    response = Response("\n".join(lines), mimetype="text/plain")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.app_template_global()
def absolute_url(endpoint, **values):
    """An absolute URL on the configured BASE_URL (canonical links, Open Graph, sitemap)."""
    return current_app.config.get("BASE_URL", "").rstrip("/") + url_for(endpoint, **values)
