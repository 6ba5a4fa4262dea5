"""The seller's desk over HTTP: products, photos, submit, pause, permissions."""
import os

import pytest

from app.extensions import db
from app.models import MAX_IMAGES, Product, ProductImage
from app.storage import get_storage
from tests.listing_utils import (add_photo, decompression_bomb_png, english, jpeg_bytes, login, pdf_bytes, png_bytes,
                                 upload)

PRODUCT_FORM = {"name": "Kopi Bubuk Robusta 250 g", "category_id": None, "description": "Kopi robusta Pontianak.",
                "price": "45000", "stock": "30", "unit": "pcs", "weight_grams": "250", "min_order": "1",
                "lead_time_days": "0"}


@pytest.fixture
def desk(client, factories):
    store = factories.StoreFactory(verified=True)
    seller = factories.store_owner(store)
    category = factories.CategoryFactory(name_id="Kopi", name_en="Coffee")
    english(seller, store.mentor)
    login(client, seller)
    client.store, client.seller, client.category = store, seller, category
    return client


def _new_product(desk, **over):
    data = dict(PRODUCT_FORM, category_id=desk.category.id, **over)
    response = desk.post("/seller/products/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return db.session.execute(db.select(Product).order_by(Product.id.desc())).scalars().first()


def _photo_files(root):
    path = os.path.join(root, "public", "products")
    return sorted(f for _d, _s, files in os.walk(path) for f in files) if os.path.exists(path) else []


def test_create_product_upload_photos_submit(desk, app):
    product = _new_product(desk)
    assert product.status == "draft" and product.price == 45000 and product.store_id == desk.store.id
    page = desk.get(f"/seller/products/{product.id}").get_data(as_text=True)
    assert "Kopi Bubuk Robusta" in page and "Draft" in page
    response = desk.post(f"/seller/products/{product.id}/images", content_type="multipart/form-data",
                         data={"photos": [upload(jpeg_bytes(), "depan.jpg", "image/jpeg"),
                                          upload(png_bytes(), "belakang.png", "image/png")]})
    assert response.status_code == 302
    db.session.refresh(product)
    assert len(product.images) == 2 and product.cover.key == product.images[0].key
    assert _photo_files(app.config["UPLOAD_FOLDER"]) == ["large.webp", "large.webp", "thumb.webp", "thumb.webp"]
    second = product.images[1].key
    desk.post(f"/seller/products/{product.id}/images/cover", data={"key": second})
    db.session.refresh(product)
    assert product.cover.key == second
    desk.post(f"/seller/products/{product.id}/images/up", data={"key": second})
    db.session.refresh(product)
    assert product.images[0].key == second
    assert desk.get(f"/seller/products/{product.id}/preview").status_code == 200
    assert desk.post(f"/seller/products/{product.id}/submit").status_code == 302
    db.session.refresh(product)
    assert product.status == "submitted"
    desk_page = desk.get("/seller/").get_data(as_text=True)
    assert "Awaiting review" in desk_page
    # Resubmitting while under review is refused with a message.
    response = desk.post(f"/seller/products/{product.id}/submit")
    assert response.status_code == 409 and "cannot be submitted" in response.get_data(as_text=True)


def test_product_form_errors(desk):
    response = desk.post("/seller/products/new", data=dict(PRODUCT_FORM, category_id=desk.category.id, price="abc"))
    assert response.status_code == 400
    response = desk.post("/seller/products/new", data=dict(PRODUCT_FORM, category_id=999))
    assert response.status_code == 422 and "Choose a category" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Product.id))) == 0


@pytest.mark.parametrize("file,message", [
    (upload(pdf_bytes(), "foto.jpg", "image/jpeg"), "Only JPEG, PNG or WebP"),
    (upload(png_bytes(), "foto.jpg", "image/jpeg"), "content is PNG"),
    (upload(png_bytes()[:50], "foto.png", "image/png"), "damaged"),
    (upload(b"", "foto.png", "image/png"), "empty"),
])
def test_bad_photos_are_refused_and_nothing_stored(desk, app, file, message):
    product = _new_product(desk)
    response = desk.post(f"/seller/products/{product.id}/images", data={"photos": [file]},
                         content_type="multipart/form-data")
    assert response.status_code in (400, 422)
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ProductImage.id))) == 0
    assert _photo_files(app.config["UPLOAD_FOLDER"]) == []


def test_oversized_photo(desk, app):
    app.config["MAX_IMAGE_MB"] = 1
    product = _new_product(desk)
    response = desk.post(f"/seller/products/{product.id}/images", content_type="multipart/form-data",
                         data={"photos": [upload(png_bytes() + b"\0" * (1024 * 1024), "besar.png", "image/png")]})
    assert response.status_code == 422 and "larger than 1 MB" in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(ProductImage.id))) == 0


def test_a_picture_too_large_to_decode_is_refused_and_nothing_stored(desk, app):
    """Issue 14: 170 KB on disk, 160 MB decoded. The photo before it in the same request is kept."""
    product = _new_product(desk)
    response = desk.post(f"/seller/products/{product.id}/images", content_type="multipart/form-data",
                         data={"photos": [upload(jpeg_bytes(), "depan.jpg", "image/jpeg"),
                                          upload(decompression_bomb_png(), "bom.png", "image/png")]})
    assert response.status_code == 422
    assert ("bom.png: This picture is too large to process (6300 × 6300 pixels). "
            "Upload one of at most 8.3 megapixels.") in response.get_data(as_text=True)
    db.session.refresh(product)
    assert [image.alt_text for image in product.images] == [product.name]  # only depan.jpg
    assert _photo_files(app.config["UPLOAD_FOLDER"]) == ["large.webp", "thumb.webp"]


def test_too_many_photos(desk, app):
    product = _new_product(desk)
    for n in range(MAX_IMAGES):
        add_photo(product, key_suffix=f"p{n}")
    response = desk.post(f"/seller/products/{product.id}/images", content_type="multipart/form-data",
                         data={"photos": [upload(png_bytes(), "ke9.png", "image/png")]})
    assert response.status_code == 422 and "at most 8 photos" in response.get_data(as_text=True)
    db.session.refresh(product)
    assert len(product.images) == MAX_IMAGES
    assert _photo_files(app.config["UPLOAD_FOLDER"]) == []


def test_remove_photo_deletes_files(desk, app):
    product = _new_product(desk)
    desk.post(f"/seller/products/{product.id}/images", content_type="multipart/form-data",
              data={"photos": [upload(png_bytes(), "a.png", "image/png")]})
    db.session.refresh(product)
    key = product.images[0].key
    desk.post(f"/seller/products/{product.id}/images/remove", data={"key": key})
    db.session.refresh(product)
    assert product.images == [] and not get_storage().exists(f"{key}/large.webp")


def test_another_sellers_product_is_404(client, factories):
    product = factories.ProductFactory(live=True)
    add_photo(product)
    intruder_store = factories.StoreFactory()
    login(client, factories.store_owner(intruder_store))
    pid = product.id
    for method, url in [("get", f"/seller/products/{pid}"), ("post", f"/seller/products/{pid}"),
                        ("get", f"/seller/products/{pid}/preview"), ("post", f"/seller/products/{pid}/submit"),
                        ("post", f"/seller/products/{pid}/pause"), ("post", f"/seller/products/{pid}/images"),
                        ("post", f"/seller/products/{pid}/images/remove")]:
        response = getattr(client, method)(url, data={"key": product.images[0].key, "price": "1"})
        assert response.status_code == 404, url
    db.session.refresh(product)
    assert product.listed and not product.paused and product.price == 25000


def test_live_product_edit_makes_revision(desk, factories):
    product = factories.ProductFactory(store=desk.store, category=desk.category, live=True, name="Kopi Lama",
                                       price=40000)
    add_photo(product)
    data = dict(PRODUCT_FORM, category_id=desk.category.id, name="Kopi Baru", price="42000", stock="5")
    response = desk.post(f"/seller/products/{product.id}", data=data)
    assert response.status_code == 302
    db.session.refresh(product)
    assert product.name == "Kopi Lama" and product.price == 42000 and product.stock == 5 and product.listed
    page = desk.get(f"/seller/products/{product.id}").get_data(as_text=True)
    assert "unsubmitted changes" in page and 'value="Kopi Baru"' in page
    # New photos of a live product go to the revision, not the live version.
    desk.post(f"/seller/products/{product.id}/images", content_type="multipart/form-data",
              data={"photos": [upload(png_bytes(), "baru.png", "image/png")]})
    db.session.refresh(product)
    assert len(product.images) == 1
    desk.post(f"/seller/products/{product.id}/submit")
    from app.services.listings import open_revision

    revision = open_revision(product)
    assert revision.status == "submitted" and len(revision.content["images"]) == 2
    desk.post(f"/seller/products/{product.id}/discard")  # submitted changes cannot be discarded
    assert open_revision(product).status == "submitted"


def test_pause_and_resume_over_http(desk, factories):
    product = factories.ProductFactory(store=desk.store, category=desk.category, live=True)
    assert desk.post(f"/seller/products/{product.id}/pause").status_code == 302
    db.session.refresh(product)
    assert product.paused and not product.listed
    assert desk.post(f"/seller/products/{product.id}/pause").status_code == 409
    assert desk.post(f"/seller/products/{product.id}/resume").status_code == 302
    db.session.refresh(product)
    assert product.listed
    draft = factories.ProductFactory(store=desk.store, category=desk.category)
    response = desk.post(f"/seller/products/{draft.id}/pause")
    assert response.status_code == 409 and "Only an approved product" in response.get_data(as_text=True)


def test_desk_shows_what_to_fix(desk, factories):
    from app.models import ListingReview

    product = factories.ProductFactory(store=desk.store, category=desk.category, status="changes_requested")
    db.session.add(ListingReview(product=product, actor_id=desk.store.mentor_id, action="changes_requested",
                                 reason_codes=["photo"], note="Foto terlalu gelap"))
    db.session.commit()
    page = desk.get("/seller/").get_data(as_text=True)
    assert "To fix" in page and "Foto terlalu gelap" in page and "Resubmit" in page and "Upload clearer photos" in page


def test_desk_warns_before_a_document_expires(desk, factories):
    from datetime import timedelta

    from app import clock

    factories.DocumentFactory(store=desk.store, kind="halal", number="HALAL-77",
                              expires_on=clock.today() + timedelta(days=40))
    assert "HALAL-77" not in desk.get("/seller/").get_data(as_text=True)
    clock.travel(days=15)
    page = desk.get("/seller/").get_data(as_text=True)
    assert "HALAL-77 expires on" in page and "kind=halal" in page
