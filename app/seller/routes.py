from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from app import clock
from app.forms import ConfirmForm
from app.authz import roles_required
from app.extensions import db
from app.models import DOCUMENT_KINDS, MAX_IMAGES, Category, Product
from app.labels import DOCUMENT_KIND_LABELS, REASON_HINTS
from app.seller import bp
from app.seller.forms import (
    DocumentForm,
    ImageActionForm,
    ImagesForm,
    InviteMemberForm,
    OptionsForm,
    ProductForm,
    StoreForm,
    variants_form,
)
from app.services import DomainError, Invalid
from app.services import categories as category_service
from app.services import document_expiry
from app.services import documents as document_service
from app.services import listings
from app.services import stores as store_service
from app.services.images import Upload
from app.services.incubator import mentoring
from app.web import act, flash_error, or_404, render_form_page

seller_required = roles_required("seller")


def _my_store_or_redirect():
    store = store_service.store_of(current_user)
    if store is None:
        return None, redirect(url_for("seller.new_store"))
    return store, None


@bp.route("/")
@seller_required
def desk():
    store = store_service.store_of(current_user)
    if store is None:
        return render_template("seller/no_store.html")
    products = db.session.execute(
        db.select(Product).where(Product.store_id == store.id)
        .options(selectinload(Product.reviews), selectinload(Product.revisions), selectinload(Product.images),
                 selectinload(Product.category))
        .order_by(Product.updated_at.desc())
    ).scalars().all()
    by_state: dict[str, list[Product]] = {
        state: [] for state in ("changes_requested", "draft", "submitted", "approved", "rejected")}
    for product in products:
        by_state.setdefault(product.status, []).append(product)
    needed = []
    seen = set()
    for product in products:
        for group in listings.missing_requirements(store, product.category):
            key = tuple(group)
            if key not in seen:
                seen.add(key)
                needed.append(group)
    today = clock.today()
    # Valid documents running out soon: renew them before products disappear.
    expiring = document_expiry.expiring_soon(store.documents, today)
    # The incubator's agreed actions past their due day (app.services.incubator.mentoring).
    overdue = mentoring.overdue_actions([store.id], today)
    return render_template("seller/desk.html", store=store, by_state=by_state, needed=needed,
                           expiring=expiring, today=today, form=ConfirmForm(), overdue=overdue)


@bp.route("/store/new", methods=["GET", "POST"])
@seller_required
def new_store():
    if store_service.store_of(current_user) is not None:
        return redirect(url_for("seller.edit_store"))
    form = StoreForm()
    if request.method == "GET":
        form.bank_account_holder.data = current_user.full_name
    if form.validate_on_submit():
        try:
            store = store_service.create_store(current_user, _store_data(form),
                                               logo=Upload.from_file_storage(form.logo.data))
        except DomainError as error:
            db.session.rollback()
            flash_error(error)
            return render_form_page("seller/store_form.html", form=form, store=None, status=error.status)
        flash(_("Store %(name)s created. Your mentor will verify it.", name=store.name), "success")
        return redirect(url_for("seller.documents"))
    return render_form_page("seller/store_form.html", form=form, store=None)


def _store_data(form):
    return {k: getattr(form, k).data for k in store_service.PROFILE_FIELDS}


@bp.route("/store", methods=["GET", "POST"])
@seller_required
def edit_store():
    store, redirect_ = _my_store_or_redirect()
    if redirect_:
        return redirect_
    form = StoreForm(obj=store)
    if form.validate_on_submit():
        try:
            store_service.update_store(current_user, store, _store_data(form),
                                       logo=Upload.from_file_storage(form.logo.data))
        except DomainError as error:
            db.session.rollback()
            flash_error(error)
            return render_form_page("seller/store_form.html", form=form, store=store, status=error.status)
        flash(_("Store saved."), "success")
        return redirect(url_for("seller.desk"))
    return render_form_page("seller/store_form.html", form=form, store=store)


@bp.route("/store/members", methods=["GET", "POST"])
@seller_required
def members():
    store, redirect_ = _my_store_or_redirect()
    if redirect_:
        return redirect_
    form = InviteMemberForm()
    status = None
    if form.validate_on_submit():
        try:
            store_service.invite_member(current_user, store, form.email.data)
        except DomainError as error:
            flash_error(error)
            status = error.status
        else:
            flash(_("Invitation sent to %(email)s.", email=form.email.data), "success")
            return redirect(url_for("seller.members"))
    return render_form_page("seller/members.html", form=form, store=store, confirm=ConfirmForm(), status=status)


@bp.route("/store/members/<int:member_id>/remove", methods=["POST"])
@seller_required
def remove_member(member_id):
    store, redirect_ = _my_store_or_redirect()
    if redirect_:
        return redirect_
    if ConfirmForm().validate_on_submit():
        try:
            store_service.remove_member(current_user, store, member_id)
            flash(_("Member removed."), "success")
        except DomainError as error:
            flash_error(error)
    return redirect(url_for("seller.members"))


@bp.route("/join/<token>", methods=["GET", "POST"])
@login_required
def join(token):
    try:
        invitation = store_service.read_invitation(token)
    except DomainError as error:
        return render_template("seller/join.html", error=error, invitation=None, form=ConfirmForm()), error.status
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            store = store_service.accept_invitation(current_user, token)
        except DomainError as error:
            flash_error(error)
            return render_template("seller/join.html", error=None, invitation=invitation, form=form), error.status
        flash(_("You are now a member of %(name)s.", name=store.name), "success")
        return redirect(url_for("seller.desk"))
    return render_template("seller/join.html", error=None, invitation=invitation, form=form)


# ---------------------------------------------------------------- documents

def _kind_choices():
    return [(k, str(DOCUMENT_KIND_LABELS[k])) for k in DOCUMENT_KINDS]


@bp.route("/documents", methods=["GET", "POST"])
@seller_required
def documents():
    store, redirect_ = _my_store_or_redirect()
    if redirect_:
        return redirect_
    form = DocumentForm()
    form.kind.choices = _kind_choices()
    if request.method == "GET" and request.args.get("kind") in DOCUMENT_KINDS:
        form.kind.data = request.args["kind"]
    status = None
    if form.validate_on_submit():
        try:
            document_service.add_document(
                current_user, store, kind=form.kind.data, number=form.number.data, issuer=form.issuer.data,
                issued_on=form.issued_on.data, expires_on=form.expires_on.data,
                upload=Upload.from_file_storage(form.file.data))
        except DomainError as error:
            db.session.rollback()
            flash_error(error)
            if isinstance(error, Invalid):  # a refused file: say so next to the field too
                form.file.errors = [*form.file.errors, error.message]
            status = error.status
        else:
            flash(_("Document uploaded. Your mentor will check it."), "success")
            return redirect(url_for("seller.documents"))
    return render_form_page("seller/documents.html", form=form, store=store, today=clock.today(),
                            document_state=document_service.document_state, status=status)


# ---------------------------------------------------------------- products

def _product_form(product=None, content=None):
    form = ProductForm(obj=None)
    form.category_id.choices = category_service.choices(str(get_locale()))
    if request.method == "GET" and product is not None:
        content = content or listings.working_content(product)
        for key in ("name", "description", "category_id", "unit", "weight_grams", "min_order", "lead_time_days"):
            getattr(form, key).data = content.get(key)
        form.price.data = product.price
        form.stock.data = product.stock
    if product is not None and product.option_names:
        del form.stock  # kept per variant, on the variants page
    return form


def _product_data(form):
    data = {k: getattr(form, k).data for k in ("name", "description", "category_id", "unit", "price", "stock",
                                               "weight_grams", "min_order", "lead_time_days") if k in form}
    for key, default in (("stock", 0), ("weight_grams", 0), ("min_order", 1), ("lead_time_days", 0)):
        if key in data and data[key] is None:
            data[key] = default
    return data


@bp.route("/products/new", methods=["GET", "POST"])
@seller_required
def new_product():
    store, redirect_ = _my_store_or_redirect()
    if redirect_:
        return redirect_
    form = _product_form()
    if form.validate_on_submit():
        try:
            product = listings.create_product(current_user, store, _product_data(form))
        except DomainError as error:
            flash_error(error)
            return render_form_page("seller/product_new.html", form=form, store=store, status=error.status)
        flash(_("Draft saved. Add photos, then submit it for review."), "success")
        return redirect(url_for("seller.product", product_id=product.id))
    return render_form_page("seller/product_new.html", form=form, store=store)


def _product_page(product, form, status=None):
    content = listings.working_content(product)
    revision = listings.open_revision(product) if product.status == "approved" else None
    categories = {c.id: c for c in category_service.all_categories()}
    return render_form_page(
        "seller/product.html", status=status, product=product, form=form, content=content, revision=revision,
        images_form=ImagesForm(), image_form=ImageActionForm(), confirm=ConfirmForm(),
        latest=listings.latest_decision(product), categories=categories, max_images=MAX_IMAGES,
        blockers=listings.approval_blockers(product, categories.get(content.get("category_id"))),
        today=clock.today())


@bp.route("/products/<int:product_id>", methods=["GET", "POST"])
@seller_required
def product(product_id):
    product = _member_product(product_id)
    form = _product_form(product)
    if form.validate_on_submit():
        try:
            listings.update_product(current_user, product, _product_data(form))
        except DomainError as error:
            db.session.rollback()
            flash_error(error)
            return _product_page(product, form, status=error.status)
        if product.status == "approved" and listings.open_revision(product) is not None:
            flash(_("Saved. Price and stock changed at once; the other changes go live after the mentor "
                    "approves them."), "success")
        else:
            flash(_("Saved."), "success")
        return redirect(url_for("seller.product", product_id=product.id))
    return _product_page(product, form)


def _member_product(product_id):
    return or_404(listings.get_product_for_member, current_user, product_id)


@bp.route("/products/<int:product_id>/preview")
@seller_required
def preview(product_id):
    product = _member_product(product_id)
    content = listings.working_content(product)
    category = db.session.get(Category, content.get("category_id"))
    return render_template("seller/preview.html", product=product, content=content, category=category,
                           today=clock.today())


def _action(product_id, fn, success):
    """A button on the seller's product page: the product must be the store's (404), the
    form its own (400), then the service."""
    product = _member_product(product_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return act(lambda: fn(current_user, product), success, url_for("seller.product", product_id=product.id),
               lambda status: _product_page(product, _product_form(product), status=status), code=302)


@bp.route("/products/<int:product_id>/submit", methods=["POST"])
@seller_required
def submit(product_id):
    return _action(product_id, listings.submit_listing, _("Sent to your mentor for review."))


@bp.route("/products/<int:product_id>/pause", methods=["POST"])
@seller_required
def pause(product_id):
    return _action(product_id, listings.pause_listing, _("Paused: buyers no longer see the product."))


@bp.route("/products/<int:product_id>/resume", methods=["POST"])
@seller_required
def resume(product_id):
    return _action(product_id, listings.resume_listing, _("Resumed."))


@bp.route("/products/<int:product_id>/discard", methods=["POST"])
@seller_required
def discard(product_id):
    return _action(product_id, listings.discard_revision, _("Unsubmitted changes discarded."))


@bp.route("/products/<int:product_id>/images", methods=["POST"])
@seller_required
def add_images(product_id):
    product = _member_product(product_id)
    form = ImagesForm()
    if not form.validate_on_submit():
        abort(400)
    files = [f for f in (form.photos.data or []) if getattr(f, "filename", "")]
    if not files:
        flash(_("Choose at least one photo."), "danger")
        return _product_page(product, _product_form(product), status=400)
    added = 0
    for storage in files:
        try:
            listings.add_image(current_user, product, Upload.from_file_storage(storage))
            added += 1
        except DomainError as error:
            db.session.rollback()
            flash(_("%(file)s: %(message)s", file=storage.filename, message=error.message), "danger")
            return _product_page(product, _product_form(product), status=error.status)
    flash(ngettext("%(num)d photo added.", "%(num)d photos added.", added), "success")
    return redirect(url_for("seller.product", product_id=product.id))


@bp.route("/products/<int:product_id>/images/<action>", methods=["POST"])
@seller_required
def image_action(product_id, action):
    product = _member_product(product_id)
    form = ImageActionForm()
    if not form.validate_on_submit() or action not in ("remove", "cover", "up", "down"):
        abort(400)
    try:
        if action == "remove":
            listings.remove_image(current_user, product, form.key.data)
        elif action == "cover":
            listings.set_cover(current_user, product, form.key.data)
        else:
            listings.move_image(current_user, product, form.key.data, -1 if action == "up" else 1)
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return _product_page(product, _product_form(product), status=error.status)
    return redirect(url_for("seller.product", product_id=product.id) + "#photo-list")


# ---------------------------------------------------------------- variants

def _options_form(product, options):
    form = OptionsForm()
    category = db.session.get(Category, listings.working_content(product).get("category_id"))
    groups = list(category.option_groups or []) if category is not None else []
    for index in (1, 2, 3):
        getattr(form, f"group_{index}").choices = [("", _("— none —"))] + [(g, g) for g in groups]
    if request.method == "GET":
        for index, option in enumerate(options[:3], start=1):
            getattr(form, f"group_{index}").data = option["name"]
            getattr(form, f"values_{index}").data = ", ".join(option["values"])
    return form, category


def _variants_form(product):
    choices = [(0, _("— the product's cover —"))] + [
        (image.id, _("Photo %(n)s", n=n)) for n, image in enumerate(product.images, start=1)]
    form = variants_form(product.active_variants, choices)
    if request.method == "GET":
        form.product_threshold.data = product.low_stock_threshold
        for variant in product.active_variants:
            getattr(form, f"sku_{variant.id}").data = variant.sku
            getattr(form, f"stock_{variant.id}").data = variant.stock
            getattr(form, f"price_{variant.id}").data = variant.price
            getattr(form, f"threshold_{variant.id}").data = variant.low_stock_threshold
            getattr(form, f"image_{variant.id}").data = variant.image_id or 0
    return form


def _variants_page(product, options_form=None, stock_form=None, category=None, status=None):
    content = listings.working_content(product)
    if options_form is None:
        options_form, category = _options_form(product, content.get("options") or [])
    revision = listings.open_revision(product) if product.status == "approved" else None
    return render_form_page(
        "seller/variants.html", status=status, product=product, options_form=options_form,
        stock_form=stock_form or _variants_form(product), category=category, content=content, revision=revision,
        live_options=listings.options_of(product), confirm=ConfirmForm(),
        open_orders=listings.open_order_counts(v.id for v in product.active_variants))


@bp.route("/products/<int:product_id>/variants")
@seller_required
def variants(product_id):
    return _variants_page(_member_product(product_id))


@bp.route("/products/<int:product_id>/variants/options", methods=["POST"])
@seller_required
def variant_options(product_id):
    product = _member_product(product_id)
    form, category = _options_form(product, [])
    if not form.validate_on_submit():
        return _variants_page(product, options_form=form, category=category, status=422)
    raw = [(getattr(form, f"group_{i}").data, getattr(form, f"values_{i}").data) for i in (1, 2, 3, 4)]
    try:
        listings.set_options(current_user, product, listings.clean_options(category, raw))
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return _variants_page(product, options_form=form, category=category, status=error.status)
    if product.status == "approved":
        flash(_("Saved. The new options go live after the mentor approves them; submit the changes for "
                "review on the product's page."), "success")
    else:
        flash(_("Options saved: every combination is a variant. Set their stock below."), "success")
    return redirect(url_for("seller.variants", product_id=product.id))


@bp.route("/products/<int:product_id>/variants/stock", methods=["POST"])
@seller_required
def variant_stock(product_id):
    product = _member_product(product_id)
    form = _variants_form(product)
    if not form.validate_on_submit():
        return _variants_page(product, stock_form=form, status=422)
    rows = {}
    for variant in product.active_variants:
        rows[variant.id] = {
            "sku": getattr(form, f"sku_{variant.id}").data,
            "stock": getattr(form, f"stock_{variant.id}").data,
            "price": getattr(form, f"price_{variant.id}").data,
            "threshold": getattr(form, f"threshold_{variant.id}").data,
            "image_id": getattr(form, f"image_{variant.id}").data or None,
        }
    try:
        listings.update_variants(current_user, product, rows, form.product_threshold.data)
    except DomainError as error:
        db.session.rollback()
        flash_error(error)
        return _variants_page(product, stock_form=form, status=error.status)
    flash(_("Stock and prices saved; buyers see them at once."), "success")
    return redirect(url_for("seller.variants", product_id=product.id))


@bp.route("/products/<int:product_id>/variants/<int:variant_id>/remove", methods=["POST"])
@seller_required
def remove_variant(product_id, variant_id):
    product = _member_product(product_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return act(lambda: listings.retire_variant(current_user, product, variant_id), _("Variant removed."),
               url_for("seller.variants", product_id=product.id),
               lambda status: _variants_page(product, status=status), code=302)


@bp.app_context_processor
def listing_labels():
    return {
        "reason_hints": REASON_HINTS,
        "document_state_classes": {"pending": "text-bg-warning", "valid": "text-bg-success",
                                   "rejected": "text-bg-danger", "expired": "text-bg-secondary"},
        "requirement_names": listings.requirement_names,
        "catalog_link": catalog_link,
    }


def catalog_link(endpoint, slug):
    """The catalogue's public page when that feature is installed, else None."""
    from flask import current_app

    if endpoint in current_app.view_functions:
        return url_for(endpoint, slug=slug)
    return None



