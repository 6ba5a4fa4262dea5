"""Words that depend on their meaning or on a number, in Indonesian (the default) and English.

One English word with two meanings has a context (pgettext), so Indonesian can say each its
own way; counts go through ngettext ("1 hour", "2 hours"; Indonesian "1 jam", "2 jam");
product units are shown as words ("buah", "pieces"), never as their stored code ("pcs").
"""
import re
from datetime import timedelta

import pytest
from flask_babel import force_locale

from app import clock
from app.extensions import db
from app.labels import unit_label
from app.services import listings
from app.services import notifications as notify
from tests.conftest import outbox
from tests.factories import store_owner
from tests.helpers import page_text
from tests.listing_utils import add_photo, jpeg_bytes, login, png_bytes, upload
from tests.order_helpers import add, checkout, orders_of, use_english
from tests.test_translations import compile_catalogue


@pytest.fixture(autouse=True)
def _compiled_catalogue():
    """The pages read the compiled catalogue: build it if the .po is newer."""
    compile_catalogue()


def visible(html):
    """The page's text without tags, whitespace collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def set_locale(user, locale):
    user.locale = locale
    db.session.commit()


# ---------------------------------------------------------------- units

@pytest.mark.parametrize("locale, code, count, word", [
    ("id", "pcs", 1, "buah"), ("id", "pcs", 5, "buah"), ("id", "botol", 2, "botol"),
    ("id", "lembar", 3, "lembar"), ("id", "paket", 1, "paket"),
    ("en", "pcs", 1, "piece"), ("en", "pcs", 5, "pieces"), ("en", "botol", 1, "bottle"),
    ("en", "botol", 2, "bottles"), ("en", "lembar", 3, "sheets"), ("en", "paket", 1, "package"),
    ("en", "paket", 0, "packages"),
])
def test_unit_label_in_each_language(app, locale, code, count, word):
    with app.test_request_context(), force_locale(locale):
        assert unit_label(code, count) == word


def test_unknown_unit_code_is_shown_as_it_is(app):
    with app.test_request_context():
        assert unit_label("karton", 3) == "karton"
        assert unit_label(None) == ""


def test_product_page_and_card_show_the_unit_word_not_its_code(client, factories):
    product = factories.ProductFactory(live=True, name="Amplang Ikan Tenggiri", unit="pcs", stock=12, min_order=1,
                                       price=25000)
    page = visible(page_text(client.get(f"/produk/{product.slug}")))
    assert "/ buah" in page and "12 buah" in page and "1 buah" in page
    assert "pcs" not in page
    card = visible(page_text(client.get("/katalog")))
    assert "Rp 25.000 / buah" in card and "pcs" not in card

    use_english(client)
    page = visible(page_text(client.get(f"/produk/{product.slug}")))
    assert "/ piece" in page and "12 pieces" in page and "1 piece" in page
    assert "pcs" not in page and "buah" not in page


def test_cart_shows_unit_words_and_its_messages_agree_with_the_number(client, auth, factories):
    buyer = factories.BuyerFactory()
    product = factories.ProductFactory(live=True, name="Minuman Lidah Buaya", unit="botol", stock=1)
    auth.login(buyer.email)
    use_english(client)
    assert add(client, product.id, 1, next="/cart/").status_code == 303
    flashed = visible(page_text(client.get("/cart/")))
    assert "Minuman Lidah Buaya is in your cart (1 bottle)." in flashed
    assert "/ bottle" in flashed and "botol" not in flashed
    refused = visible(page_text(add(client, product.id, 2)))
    assert "Only 1 bottle of Minuman Lidah Buaya is in stock." in refused

    client.post("/language", data={"lang": "id", "next": "/"})
    cart = visible(page_text(client.get("/cart/")))
    assert "/ botol" in cart and "Jumlah (botol)" not in cart  # the add form is on the product page
    assert "Jumlah (botol)" in visible(page_text(client.get(f"/produk/{product.slug}")))


def test_orders_and_packing_list_show_unit_words(app, client, auth, factories):
    buyer = factories.BuyerFactory()
    product = factories.ProductFactory(live=True, name="Kerupuk Udang", unit="pcs", stock=20)
    seller = store_owner(product.store)
    auth.login(buyer.email)
    add(client, product.id, 2)
    checkout(client)
    order = orders_of(buyer.id)[0]
    buyer_page = visible(page_text(client.get(f"/orders/{order.id}")))
    assert "2 buah" in buyer_page and "2 pcs" not in buyer_page
    buyer_mail = outbox(app, to=buyer.email)[-1][2]
    assert "2 buah Kerupuk Udang" in buyer_mail
    auth.logout()

    auth.login(seller.email)
    for path in (f"/sales/{order.id}", f"/sales/{order.id}/packing"):
        page = visible(page_text(client.get(path)))
        assert "2 buah" in page and "2 pcs" not in page, path
    use_english(client)
    for path in (f"/sales/{order.id}", f"/sales/{order.id}/packing"):
        assert "2 pieces" in visible(page_text(client.get(path))), path


def test_another_buyer_does_not_see_the_order_nor_its_units(client, auth, factories):
    buyer, other = factories.BuyerFactory(), factories.BuyerFactory()
    product = factories.ProductFactory(live=True, stock=20)
    auth.login(buyer.email)
    add(client, product.id, 2)
    checkout(client)
    order = orders_of(buyer.id)[0]
    auth.logout()
    auth.login(other.email)
    assert client.get(f"/orders/{order.id}").status_code == 404
    assert client.get(f"/sales/{order.id}/packing").status_code in (403, 404)


# ---------------------------------------------------------------- counts

@pytest.fixture
def submitted(app, factories):
    with app.test_request_context():
        store = factories.StoreFactory(verified=True)
        product = factories.ProductFactory(store=store, name="Nata Lidah Buaya")
        add_photo(product)
        listings.submit_listing(store_owner(store), product)
    return product


@pytest.mark.parametrize("locale, waited, shown, not_shown", [
    ("id", {"hours": 1, "minutes": 5}, "1 jam", "1 hours"),
    ("en", {"hours": 1, "minutes": 5}, "1 hour", "1 hours"),
    ("en", {"hours": 2, "minutes": 5}, "2 hours", "2 hour "),
    ("id", {"days": 3}, "3 hari", "days"),
    ("en", {"days": 3}, "3 days", "3 hari"),
])
def test_mentor_queue_waiting_time(client, submitted, locale, waited, shown, not_shown):
    mentor = submitted.store.mentor
    set_locale(mentor, locale)
    clock.travel(**waited)
    login(client, mentor)
    page = visible(page_text(client.get("/mentor/")))
    assert shown in page and not_shown not in page


def test_photos_added_and_the_photo_diff_agree_with_the_number(app, client, submitted):
    seller, mentor = store_owner(submitted.store), submitted.store.mentor
    set_locale(seller, "en")
    set_locale(mentor, "en")
    with app.test_request_context():
        listings.decide_listing(mentor, submitted, "approve")
    login(client, seller)
    one = client.post(f"/seller/products/{submitted.id}/images", content_type="multipart/form-data",
                      data={"photos": [upload(jpeg_bytes(), "depan.jpg", "image/jpeg")]}, follow_redirects=True)
    assert "1 photo added." in visible(page_text(one))
    two = client.post(f"/seller/products/{submitted.id}/images", content_type="multipart/form-data",
                      data={"photos": [upload(jpeg_bytes(), "a.jpg", "image/jpeg"),
                                       upload(png_bytes(), "b.png", "image/png")]}, follow_redirects=True)
    assert "2 photos added." in visible(page_text(two))
    with app.test_request_context():
        listings.submit_listing(seller, submitted)
    client.post("/auth/logout")
    login(client, mentor)
    page = visible(page_text(client.get(f"/mentor/review/{submitted.id}")))
    assert "1 photo " in page and "4 photos" in page and "1 photos" not in page


def test_a_seller_is_not_shown_the_mentor_queue(client, submitted):
    login(client, store_owner(submitted.store))
    assert client.get("/mentor/").status_code == 403


def test_catalogue_result_count_agrees_with_the_number(client, factories):
    factories.ProductFactory(live=True)
    assert "1–1 dari 1 produk" in visible(page_text(client.get("/katalog")))
    use_english(client)
    page = visible(page_text(client.get("/katalog")))
    assert "1–1 of 1 product" in page and "1 products" not in page
    factories.ProductFactory(live=True)
    assert "1–2 of 2 products" in visible(page_text(client.get("/katalog")))


def test_lead_time_on_the_add_form_agrees_with_the_number(client, auth, factories):
    one = factories.ProductFactory(live=True, lead_time_days=1)
    three = factories.ProductFactory(live=True, lead_time_days=3)
    auth.login(factories.BuyerFactory(locale="en").email)
    assert "Needs 1 day to prepare." in visible(page_text(client.get(f"/produk/{one.slug}")))
    assert "Needs 3 days to prepare." in visible(page_text(client.get(f"/produk/{three.slug}")))


def test_category_in_use_message_agrees_with_the_number(client, factories):
    admin = factories.AdminFactory(locale="en")
    category = factories.CategoryFactory()
    factories.ProductFactory(category=category)
    login(client, admin)
    page = visible(page_text(client.post(f"/programme/categories/{category.id}/delete", follow_redirects=True)))
    assert "1 product uses this category; move it first." in page
    factories.ProductFactory(category=category)
    page = visible(page_text(client.post(f"/programme/categories/{category.id}/delete", follow_redirects=True)))
    assert "2 products use this category; move them first." in page


def test_indonesian_catalogue_has_one_plural_form():
    from tests.test_translations import load_po

    catalogue = load_po()
    assert catalogue.plural_forms == "nplurals=1; plural=0;"
    plural = [m for m in catalogue if m.id and isinstance(m.id, tuple)]
    assert plural, "no ngettext msgids in the catalogue"
    for message in plural:
        assert len(message.string) == 1 and message.string[0], message.id


# ---------------------------------------------------------------- one word, two meanings

def test_open_button_and_open_invitation_differ_in_indonesian(client, factories):
    admin = factories.AdminFactory(locale="id")
    factories.InvitationFactory(invited_by=admin, email="mentor.baru@inkubator.test")
    notify.add(admin, "order_completed", link="/orders/", number="PKB-1")
    db.session.commit()
    login(client, admin)
    invitations = page_text(client.get("/admin/invitations"))
    assert re.search(r"<td>\s*Terbuka\s*</td>", invitations)
    notifications = page_text(client.get("/notifications/"))
    assert re.search(r">\s*Buka\s*</button>", notifications)
    assert "Terbuka" not in notifications


def test_mail_recipient_and_range_end_differ_in_indonesian(app, client, factories):
    admin = factories.AdminFactory(locale="id")
    with app.test_request_context():
        from app.services.mail import queue_email

        queue_email("asn@pontianak.go.id", "Uji", "reset_password", user=admin, link="http://localhost/x")
        db.session.commit()
    login(client, admin)
    assert re.search(r'<th scope="col">\s*Kepada\s*</th>', page_text(client.get("/admin/outbox")))
    assert re.search(r'for="f-max"[^>]*>\s*Sampai\s*<', page_text(client.get("/katalog")))
    assert re.search(r'for="f-to"[^>]*>\s*Sampai\s*<', page_text(client.get("/admin/audit/")))


def test_checkout_step_and_mentor_review_differ_in_indonesian(client, auth, factories, submitted):
    buyer = factories.BuyerFactory(locale="id")
    product = factories.ProductFactory(live=True)
    auth.login(buyer.email)
    add(client, product.id, 1)
    assert "→ 2. Periksa" in visible(page_text(client.get("/cart/checkout")))
    auth.logout()
    mentor = submitted.store.mentor
    set_locale(mentor, "id")
    login(client, mentor)
    page = page_text(client.get(f"/mentor/review/{submitted.id}"))
    assert "<title>Tinjauan · Nata Lidah Buaya" in page


def test_number_as_a_count_and_as_an_identifier_differ_in_indonesian(app):
    from app.services import reports

    with app.test_request_context(), force_locale("id"):
        period = reports.preset_period("last_30")
        assert str(reports.activity(period).columns[1].label) == "Jumlah"
        assert str(reports.expiring_documents([]).columns[2].label) == "Nomor"
    with app.test_request_context(), force_locale("en"):
        assert str(reports.activity(period).columns[1].label) == "Number"


# ---------------------------------------------------------------- e-mail in the recipient's language

def test_checkout_email_subject_is_in_the_buyers_language_not_the_requests(app, client, auth, factories):
    buyer = factories.BuyerFactory()
    product = factories.ProductFactory(live=True)
    auth.login(buyer.email)
    use_english(client)  # saved on the account: buyer.locale == "en"
    add(client, product.id, 1)
    checkout(client)
    orders = orders_of(buyer.id)
    db.session.refresh(buyer)
    assert buyer.locale == "en"
    # The same e-mail sent while the request is in Indonesian (e.g. someone else's action).
    with app.test_request_context(), force_locale("id"):
        notify.checkout_placed(buyer, orders)
        db.session.commit()
    subjects = [subject for _to, subject, _body in outbox(app, to=buyer.email)]
    assert subjects == ["Your order at Pasar Kite Bise"] * 2

    set_locale(buyer, "id")
    with app.test_request_context(), force_locale("en"):
        notify.checkout_placed(buyer, orders)
        db.session.commit()
    assert outbox(app, to=buyer.email)[-1][1] == "Pesanan Anda di Pasar Kite Bise"


def test_lazy_subject_stays_english_when_translated_later(app):
    with app.test_request_context(), force_locale("id"):
        assert str(notify.SUBJECTS["checkout_placed"]) == "Pesanan Anda di Pasar Kite Bise"
    with app.test_request_context(), force_locale("en"):
        assert str(notify.SUBJECTS["checkout_placed"]) == "Your order at Pasar Kite Bise"


def test_waiting_time_over_two_days_uses_days(client, submitted):
    mentor = submitted.store.mentor
    set_locale(mentor, "en")
    clock.travel(days=1, hours=23)
    login(client, mentor)
    assert "47 hours" in visible(page_text(client.get("/mentor/")))
    clock.travel(hours=1)
    assert "2 days" in visible(page_text(client.get("/mentor/")))


def test_checkout_earliest_date_message_agrees_with_the_number(app, client, auth, factories):
    buyer = factories.BuyerFactory(locale="en")
    product = factories.ProductFactory(live=True, lead_time_days=1)
    auth.login(buyer.email)
    add(client, product.id, 1)
    from tests.order_helpers import details

    today = clock.today().isoformat()
    page = visible(page_text(client.post("/cart/checkout", data=details(requested_date=today))))
    assert "the longest preparation time is 1 day)" in page
    db.session.refresh(product)
    product.lead_time_days = 3
    db.session.commit()
    page = visible(page_text(client.post("/cart/checkout", data=details(
        requested_date=(clock.today() + timedelta(days=1)).isoformat()))))
    assert "the longest preparation time is 3 days)" in page
