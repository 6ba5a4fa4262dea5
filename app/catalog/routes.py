from flask import Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from app import clock
from app.catalog import bp
from app.catalog.cache import cached_page
from app.services import catalog
from app.services.listings import DOCUMENT_KIND_LABELS


def _context():
    return {"today": clock.today(), "stock_labels": catalog.STOCK_LABELS,
            "document_labels": DOCUMENT_KIND_LABELS}


@bp.route("/katalog")
@cached_page
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
    tree = catalog.category_tree()
    return render_template(
        "catalog/index.html", result=result, filters=filters, page=result.page, tree=tree,
        problem_message=message, sorts=catalog.SORTS, relevance_label=catalog.RELEVANCE_LABEL,
        store_options=catalog.store_options(today),
        **_context(),
    ), status


@bp.route("/produk/<slug>")
@cached_page
def product(slug):
    today = clock.today()
    item = catalog.get_product(slug, today)
    if item is None:
        abort(404)
    return render_template(
        "catalog/product.html", product=item, tree=catalog.category_tree(),
        documents=catalog.valid_documents(item.store, today),
        related=catalog.related_products(item, today), **_context(),
    )


@bp.route("/toko/<slug>")
@cached_page
def store(slug):
    today = clock.today()
    shop = catalog.get_store(slug)
    if shop is None:
        abort(404)
    filters = catalog.parse_filters({"store": slug, "page": request.args.get("page", "1")})
    result = catalog.browse(filters, today, per_page=catalog.STORE_PER_PAGE)
    status = 404 if result.problem == "past_end" else 200
    return render_template(
        "catalog/store.html", store=shop, result=result, page=result.page, filters=filters,
        documents=catalog.valid_documents(shop, today), **_context(),
    ), status


@bp.route("/sitemap.xml")
def sitemap():
    products, stores = catalog.sitemap_entries(clock.today())
    xml = render_template("catalog/sitemap.xml", products=products, stores=stores)
    response = Response(xml, mimetype="application/xml")
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
