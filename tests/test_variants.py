"""Variants: a seller gives a product options (a content change the mentor reviews), every
combination has its own SKU, stock and optional price; buyers pick one; the cart, the
checkout's stock holding and the order lines are per variant; low-stock alerts once."""
from datetime import timedelta

import pytest

from app import clock
from app.extensions import db
from app.models import AuditEntry, CartItem, Notification, Order, OrderItem, Product, ProductVariant
from tests.conftest import outbox
from tests.listing_utils import add_photo, english, login


@pytest.fixture
def shop(app, factories):
    """A verified store with a mentor, a clothing category with options Ukuran and Warna, a
    live shirt (no options yet) with a photo, and a buyer."""
    store = factories.StoreFactory(verified=True)
    seller = factories.store_owner(store)
    cloth = factories.CategoryFactory(name_id="Pakaian", option_groups=["Ukuran", "Warna", "Motif", "Isi"])
    shirt = factories.ProductFactory(store=store, category=cloth, name="Kemeja Corak Insang", price=150000,
                                     stock=7)
    add_photo(shirt)
    buyer = factories.BuyerFactory()
    english(seller, store.mentor, buyer)

    class S:
        pass

    s = S()
    s.store, s.seller, s.mentor, s.cloth, s.shirt, s.buyer, s.f = (
        store, seller, store.mentor, cloth, shirt, buyer, factories)
    return s


OPTIONS = {"group_1": "Ukuran", "values_1": "S, M, L, XL", "group_2": "Warna", "values_2": "Merah, Biru"}


def _variants(product_id):
    db.session.expire_all()
    return {v.name: v for v in db.session.get(Product, product_id).variants}


def _stock_form(product, **overrides):
    """The stock table as the page fills it, with ``overrides`` ({field: value})."""
    data = {"product_threshold": ""}
    for v in product.active_variants:
        data.update({f"sku_{v.id}": v.sku, f"stock_{v.id}": str(v.stock), f"price_{v.id}": "",
                     f"threshold_{v.id}": "", f"image_{v.id}": "0"})
    data.update(overrides)
    return data


def _details():
    from app.services import checkout

    return checkout.Details("office", "Bappeda, Jl. Rahadi Usman No. 3", clock.today() + timedelta(days=1),
                            "10-12", "cod")


# ---------------------------------------------------------------- the seller's path

def test_a_draft_gets_options_at_once_and_each_combination_is_a_variant(shop, client):
    login(client, shop.seller)
    page = client.get(f"/seller/products/{shop.shirt.id}/variants")
    assert page.status_code == 200 and "Ukuran" in page.get_data(as_text=True)
    response = client.post(f"/seller/products/{shop.shirt.id}/variants/options", data=OPTIONS)
    assert response.status_code == 302
    variants = _variants(shop.shirt.id)
    active = [v for v in variants.values() if not v.retired]
    assert sorted(v.name for v in active) == sorted(f"{s} / {c}" for s in "S M L XL".split() for c in ("Merah", "Biru"))
    assert len({v.sku for v in active}) == 8 and all(v.sku.startswith("PRODUK-") for v in active)
    # The default variant (the 7 in stock before) is retired; the new ones start empty.
    assert variants[""].retired and db.session.get(Product, shop.shirt.id).stock == 0
    product = db.session.get(Product, shop.shirt.id)
    m_red = variants["M / Merah"]
    data = _stock_form(product, **{f"stock_{m_red.id}": "5", f"price_{m_red.id}": "Rp 175.000",
                                   f"stock_{variants['XL / Biru'].id}": "2"})
    assert client.post(f"/seller/products/{product.id}/variants/stock", data=data).status_code == 302
    variants = _variants(shop.shirt.id)
    assert variants["M / Merah"].stock == 5 and variants["M / Merah"].effective_price == 175000
    assert variants["XL / Biru"].effective_price == 150000
    assert db.session.get(Product, shop.shirt.id).stock == 7
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(
        AuditEntry.action == "product.variants_changed")) == 1


def test_a_live_product_s_new_options_wait_for_the_mentor_and_go_live_once_approved(shop, client):
    from app.services import listings
    from tests.factories import make_live

    make_live(shop.shirt)
    db.session.commit()
    login(client, shop.seller)
    assert client.post(f"/seller/products/{shop.shirt.id}/variants/options", data=OPTIONS).status_code == 302
    # Nothing changed for buyers yet: the default variant is still on sale with its stock.
    variants = _variants(shop.shirt.id)
    assert list(variants) == [""] and variants[""].stock == 7
    product = db.session.get(Product, shop.shirt.id)
    revision = listings.open_revision(product)
    assert revision.content["options"] == [{"name": "Ukuran", "values": ["S", "M", "L", "XL"]},
                                           {"name": "Warna", "values": ["Merah", "Biru"]}]
    client.post(f"/seller/products/{product.id}/submit")
    client.post("/auth/logout")
    login(client, shop.mentor)
    review = client.get(f"/mentor/review/{product.id}").get_data(as_text=True)
    assert "Ukuran: S, M, L, XL; Warna: Merah, Biru" in review
    assert client.post(f"/mentor/review/{product.id}", data={"decision": "approve"}).status_code == 302
    variants = _variants(shop.shirt.id)
    assert len([v for v in variants.values() if not v.retired]) == 8 and variants[""].retired
    # Stock and price stay instant on the live product: no new revision.
    client.post("/auth/logout")
    login(client, shop.seller)
    product = db.session.get(Product, shop.shirt.id)
    s_blue = variants["S / Biru"]
    client.post(f"/seller/products/{product.id}/variants/stock",
                data=_stock_form(product, **{f"stock_{s_blue.id}": "4"}))
    assert _variants(product.id)["S / Biru"].stock == 4
    assert listings.open_revision(db.session.get(Product, product.id)) is None


@pytest.mark.parametrize("data, message", [
    ({"group_1": "Ukuran", "values_1": "S, M, s"}, "s is given twice in Ukuran"),
    ({"group_1": "Ukuran", "values_1": "S", "group_2": "Ukuran", "values_2": "M"}, "Ukuran is given twice"),
    ({"group_1": "Ukuran", "values_1": "S", "group_2": "Warna", "values_2": "Merah", "group_3": "Motif",
      "values_3": "Insang", "group_4": "Isi", "values_4": "1"}, "at most 3 options"),
    ({"group_1": "Bahan", "values_1": "Katun"}, "Bahan is not an option of this category"),
    ({"group_1": "Ukuran", "values_1": " , "}, "at least one value for Ukuran"),
    ({"group_1": "Ukuran", "values_1": "S|M"}, "may not contain"),
    ({"group_1": "", "values_1": "S, M"}, "Choose the option group"),
    ({"group_1": "Ukuran", "values_1": ", ".join(f"U{i}" for i in range(21))}, "at most 20 values"),
])
def test_bad_options_are_refused_with_a_message_and_change_nothing(shop, client, data, message):
    login(client, shop.seller)
    response = client.post(f"/seller/products/{shop.shirt.id}/variants/options", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert list(_variants(shop.shirt.id)) == [""]


def test_a_variant_without_stock_is_refused_and_bad_numbers_are_messages(shop, client):
    from app.services import listings

    listings.apply_options(shop.shirt, [{"name": "Isi", "values": ["250 ml", "1 liter"]}])
    db.session.commit()
    product = db.session.get(Product, shop.shirt.id)
    small = _variants(product.id)["250 ml"]
    login(client, shop.seller)
    for overrides, message in [({f"stock_{small.id}": ""}, "Enter the stock of 250 ml"),
                               ({f"stock_{small.id}": "-3"}, ""),
                               ({f"price_{small.id}": "abc"}, ""),
                               ({f"sku_{small.id}": "A B"}, "The SKU of 250 ml"),
                               ({f"image_{small.id}": "999999"}, "Choose one of the product")]:
        response = client.post(f"/seller/products/{product.id}/variants/stock", data=_stock_form(product, **overrides))
        assert response.status_code == 422, overrides
        assert message in response.get_data(as_text=True)
    big = _variants(product.id)["1 liter"]
    response = client.post(f"/seller/products/{product.id}/variants/stock",
                           data=_stock_form(product, **{f"sku_{small.id}": "DUP", f"sku_{big.id}": "DUP"}))
    assert response.status_code == 422 and "used by another variant" in response.get_data(as_text=True)
    assert {v.sku for v in _variants(product.id).values()} != {"DUP"}


def test_another_store_cannot_see_or_change_the_variants(shop, client):
    other_store = shop.f.StoreFactory(verified=True)
    intruder = shop.f.store_owner(other_store)
    variant = shop.shirt.variants[0]
    login(client, intruder)
    assert client.get(f"/seller/products/{shop.shirt.id}/variants").status_code == 404
    assert client.post(f"/seller/products/{shop.shirt.id}/variants/options", data=OPTIONS).status_code == 404
    assert client.post(f"/seller/products/{shop.shirt.id}/variants/stock", data={}).status_code == 404
    assert client.post(f"/seller/products/{shop.shirt.id}/variants/{variant.id}/remove").status_code == 404
    # Their own product, another store's variant id: not found either.
    own = shop.f.ProductFactory(store=other_store, category=shop.cloth)
    assert client.post(f"/seller/products/{own.id}/variants/{variant.id}/remove").status_code == 404
    client.post("/auth/logout")
    login(client, shop.buyer)
    assert client.get(f"/seller/products/{shop.shirt.id}/variants").status_code == 403
    assert list(_variants(shop.shirt.id)) == [""] and _variants(shop.shirt.id)[""].stock == 7


# ---------------------------------------------------------------- buying

@pytest.fixture
def live_shirt(shop):
    """The shirt live with sizes S-XL in two colours, 3 of each, M / Merah at Rp175.000."""
    from app.services import listings
    from tests.factories import make_live

    make_live(shop.shirt)
    listings.apply_options(shop.shirt, [{"name": "Ukuran", "values": ["S", "M", "L", "XL"]},
                                        {"name": "Warna", "values": ["Merah", "Biru"]}])
    db.session.commit()
    rows = {v.id: {"sku": v.sku, "stock": 3, "price": 175000 if v.name == "M / Merah" else None}
            for v in shop.shirt.active_variants}
    listings.update_variants(shop.seller, shop.shirt, rows)
    return shop


def test_the_product_page_picks_a_variant_and_shows_what_is_out(live_shirt, client):
    from app.services import listings

    shop = live_shirt
    product = db.session.get(Product, shop.shirt.id)
    xl_blue = _variants(product.id)["XL / Biru"]
    rows = {v.id: {"sku": v.sku, "stock": 0 if v.id == xl_blue.id else v.stock, "price": v.price}
            for v in product.active_variants}
    listings.update_variants(shop.seller, product, rows)
    login(client, shop.buyer)
    html = client.get(f"/produk/{product.slug}").get_data(as_text=True)
    assert html.count('class="btn-check" name="variant"') == 8  # the picker's radios (Save to list has its own select)
    assert f'id="variant-{xl_blue.id}" value="{xl_blue.id}" autocomplete="off"' in html
    out = html.split(f'id="variant-{xl_blue.id}"')[1].split(">")[0]
    assert "disabled" in out
    assert "XL / Biru <span" in html and "(out of stock)" in html
    m_red = _variants(product.id)["M / Merah"]
    linked = client.get(f"/produk/{product.slug}?variant={m_red.id}").get_data(as_text=True)
    assert "Rp\xa0175.000" in linked.split("data-variant-price>")[1][:40]
    assert client.get(f"/produk/{product.slug}?variant=abc").status_code == 200


def test_a_buyer_buys_two_variants_and_exactly_their_stock_goes_down(live_shirt, client, app):
    shop = live_shirt
    variants = _variants(shop.shirt.id)
    m_red, l_blue = variants["M / Merah"], variants["L / Biru"]
    login(client, shop.buyer)
    for variant, quantity in ((m_red, "2"), (l_blue, "1")):
        response = client.post(f"/cart/add/{shop.shirt.id}", data={"quantity": quantity, "variant": str(variant.id)})
        assert response.status_code == 303
    cart = client.get("/cart/").get_data(as_text=True)
    assert "M / Merah" in cart and "L / Biru" in cart
    from app.services import checkout

    with app.test_request_context("/"):
        result = checkout.place_orders(db.session.merge(shop.buyer), "two-variants-0123456789", _details())
    assert len(result.orders) == 1
    variants = _variants(shop.shirt.id)
    assert variants["M / Merah"].stock == 1 and variants["L / Biru"].stock == 2
    assert all(v.stock == 3 for name, v in variants.items() if name not in ("M / Merah", "L / Biru", ""))
    product = db.session.get(Product, shop.shirt.id)
    assert product.stock == 8 * 3 - 3 and product.sold_count == 3
    lines = db.session.execute(db.select(OrderItem).order_by(OrderItem.id)).scalars().all()
    assert [(i.full_name, i.unit_price, i.quantity, i.variant_id) for i in lines] == [
        ("Kemeja Corak Insang (M / Merah)", 175000, 2, m_red.id),
        ("Kemeja Corak Insang (L / Biru)", 150000, 1, l_blue.id)]
    mail = outbox(app, to=shop.seller.email)[-1][2]
    assert "Kemeja Corak Insang (M / Merah)" in mail
    # Cancelled: the stock goes back to the same variants.
    from app.services import orders

    with app.test_request_context("/"):
        orders.cancel_order(db.session.merge(shop.buyer), result.orders[0].id, "Salah ukuran")
    assert db.session.get(Order, result.orders[0].id).state == "cancelled"
    variants = _variants(shop.shirt.id)
    assert variants["M / Merah"].stock == 3 and variants["L / Biru"].stock == 3
    assert db.session.get(Product, shop.shirt.id).stock == 24


def test_buying_the_last_units_of_a_variant_keeps_the_order_total(live_shirt, client, app):
    """Once the stock is taken the line is sold out; the order's total is still what was bought."""
    shop = live_shirt
    m_red = _variants(shop.shirt.id)["M / Merah"]
    login(client, shop.buyer)
    added = client.post(f"/cart/add/{shop.shirt.id}", data={"quantity": "3", "variant": str(m_red.id)})
    assert added.status_code == 303
    from app.services import checkout

    with app.test_request_context("/"):
        result = checkout.place_orders(db.session.merge(shop.buyer), "last-units-0123456789", _details())
    order = db.session.get(Order, result.orders[0].id)
    assert _variants(shop.shirt.id)["M / Merah"].stock == 0
    assert order.subtotal == order.total == 3 * 175000 == sum(item.line_total for item in order.items)


@pytest.mark.parametrize("data, status, message", [
    ({"quantity": "1"}, 422, "Choose a variant of Kemeja Corak Insang"),
    ({"quantity": "1", "variant": "abc"}, 422, "Choose one of the variants shown"),
    ({"quantity": "1", "variant": "999999"}, 404, "This variant is not available"),
    ({"quantity": "4", "variant": "M / Merah"}, 422, "Only 3 pieces of Kemeja Corak Insang (M / Merah) are in stock"),
])
def test_bad_picks_in_the_cart_are_messages(live_shirt, client, data, status, message):
    shop = live_shirt
    if data.get("variant") == "M / Merah":
        data = dict(data, variant=str(_variants(shop.shirt.id)["M / Merah"].id))
    login(client, shop.buyer)
    response = client.post(f"/cart/add/{shop.shirt.id}", data=data)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(CartItem.id))) == 0


def test_another_product_s_variant_cannot_be_put_in_the_cart(live_shirt, client):
    shop = live_shirt
    other = shop.f.ProductFactory(live=True, name="Syal")
    login(client, shop.buyer)
    response = client.post(f"/cart/add/{shop.shirt.id}", data={"quantity": "1", "variant": str(other.variants[0].id)})
    assert response.status_code == 404
    assert db.session.scalar(db.select(db.func.count(CartItem.id))) == 0


def test_an_out_of_stock_variant_is_refused_and_its_cart_line_says_so(live_shirt, client, app):
    from app.services import cart, checkout, listings

    shop = live_shirt
    m_red = _variants(shop.shirt.id)["M / Merah"]
    with app.test_request_context("/"):
        cart.add_item(db.session.merge(shop.buyer), shop.shirt.id, 2, m_red.id)
    product = db.session.get(Product, shop.shirt.id)
    rows = {v.id: {"sku": v.sku, "stock": 0 if v.id == m_red.id else v.stock, "price": v.price}
            for v in product.active_variants}
    listings.update_variants(shop.seller, product, rows)
    login(client, shop.buyer)
    response = client.post(f"/cart/add/{shop.shirt.id}", data={"quantity": "1", "variant": str(m_red.id)})
    assert response.status_code == 409 and "(M / Merah) is out of stock" in response.get_data(as_text=True)
    assert "Out of stock." in client.get("/cart/").get_data(as_text=True)
    with app.test_request_context("/"), pytest.raises(checkout.ItemProblems) as error:
        checkout.place_orders(db.session.merge(shop.buyer), "out-of-stock-0123456789", _details())
    assert error.value.problems == [("Kemeja Corak Insang (M / Merah)", "out of stock")]
    assert db.session.scalar(db.select(db.func.count(Order.id))) == 0


# ---------------------------------------------------------------- removing a variant

def test_a_variant_in_an_open_order_cannot_be_removed_and_others_are_retired(live_shirt, client, app):
    from app.services import checkout

    shop = live_shirt
    variants = _variants(shop.shirt.id)
    m_red, s_red = variants["M / Merah"], variants["S / Merah"]
    login(client, shop.buyer)
    client.post(f"/cart/add/{shop.shirt.id}", data={"quantity": "1", "variant": str(m_red.id)})
    with app.test_request_context("/"):
        checkout.place_orders(db.session.merge(shop.buyer), "open-order-0123456789", _details())
    client.post("/auth/logout")
    login(client, shop.seller)
    response = client.post(f"/seller/products/{shop.shirt.id}/variants/{m_red.id}/remove")
    assert response.status_code == 409 and "is in 1 open order" in response.get_data(as_text=True)
    assert not _variants(shop.shirt.id)["M / Merah"].retired
    # Dropping a value whose variant is in the open order is refused the same way.
    response = client.post(f"/seller/products/{shop.shirt.id}/variants/options",
                           data={"group_1": "Ukuran", "values_1": "S, L, XL", "group_2": "Warna",
                                 "values_2": "Merah, Biru"})
    assert response.status_code == 409
    before = db.session.get(Product, shop.shirt.id).stock
    assert client.post(f"/seller/products/{shop.shirt.id}/variants/{s_red.id}/remove").status_code == 302
    assert _variants(shop.shirt.id)["S / Merah"].retired
    product = db.session.get(Product, shop.shirt.id)
    assert product.stock == before - 3
    html = client.get(f"/produk/{product.slug}").get_data(as_text=True)
    assert f'id="variant-{s_red.id}"' not in html
    # Removed twice: a message, not a 500.
    assert client.post(f"/seller/products/{shop.shirt.id}/variants/{s_red.id}/remove").status_code == 409


def test_the_last_variant_cannot_be_removed(shop, client):
    login(client, shop.seller)
    variant = shop.shirt.variants[0]
    response = client.post(f"/seller/products/{shop.shirt.id}/variants/{variant.id}/remove")
    assert response.status_code == 409 and "at least one variant" in response.get_data(as_text=True)


# ---------------------------------------------------------------- low stock

def test_a_sale_to_the_threshold_tells_the_store_once_until_restocked(live_shirt, client, app):
    from app.services import cart, checkout, listings

    shop = live_shirt
    product = db.session.get(Product, shop.shirt.id)
    m_red = _variants(product.id)["M / Merah"]
    rows = {v.id: {"sku": v.sku, "stock": v.stock, "price": v.price, "threshold": 2 if v.id == m_red.id else None}
            for v in product.active_variants}
    listings.update_variants(shop.seller, product, rows, product_threshold=1)

    def buy(variant_id, n, key):
        with app.test_request_context("/"):
            buyer = db.session.merge(shop.buyer)
            cart.add_item(buyer, shop.shirt.id, n, variant_id)
            checkout.place_orders(buyer, key, _details())

    def alerts():
        return db.session.scalar(db.select(db.func.count(Notification.id)).where(Notification.kind == "low_stock"))

    buy(m_red.id, 1, "low-stock-1-0123456789")  # 3 -> 2: at the variant's own threshold
    assert alerts() == 1
    mails = [m for m in outbox(app, to=shop.seller.email) if m[1].startswith("Low stock")]
    assert len(mails) == 1 and "Kemeja Corak Insang (M / Merah)" in mails[0][1]
    assert "Only 2 pieces of Kemeja Corak Insang (M / Merah) are left" in mails[0][2]
    buy(m_red.id, 1, "low-stock-2-0123456789")  # 2 -> 1: told already
    assert alerts() == 1
    # Another variant follows the product's threshold (1): 3 -> 2 is not low yet, 2 -> 1 is.
    l_red = _variants(product.id)["L / Merah"]
    buy(l_red.id, 1, "low-stock-3-0123456789")
    assert alerts() == 1
    buy(l_red.id, 1, "low-stock-4-0123456789")
    assert alerts() == 2
    # Restocked above the threshold: the next fall tells again.
    product = db.session.get(Product, shop.shirt.id)
    rows = {v.id: {"sku": v.sku, "stock": 5 if v.id == m_red.id else v.stock, "price": v.price,
                   "threshold": v.low_stock_threshold} for v in product.active_variants}
    listings.update_variants(shop.seller, product, rows, product_threshold=1)
    assert _variants(product.id)["M / Merah"].low_stock_notified_at is None
    buy(m_red.id, 3, "low-stock-5-0123456789")
    assert alerts() == 3


def test_without_a_threshold_set_nobody_is_alerted(live_shirt, app):
    from app.services import cart, checkout

    shop = live_shirt
    m_red = _variants(shop.shirt.id)["M / Merah"]
    with app.test_request_context("/"):
        buyer = db.session.merge(shop.buyer)
        cart.add_item(buyer, shop.shirt.id, 3, m_red.id)
        checkout.place_orders(buyer, "no-threshold-0123456789", _details())
    assert db.session.scalar(db.select(db.func.count(Notification.id)).where(Notification.kind == "low_stock")) == 0
    assert db.session.get(ProductVariant, m_red.id).stock == 0


# ---------------------------------------------------------------- the catalogue's option filter

def test_the_catalogue_filters_by_option_values_within_a_category(live_shirt, client):
    from app.services import listings

    shop = live_shirt
    # Another shirt, only in S and M, and Hijau; and a product of the category without options.
    other = shop.f.ProductFactory(live=True, store=shop.store, category=shop.cloth, name="Kemeja Batik Hijau")
    listings.apply_options(other, [{"name": "Ukuran", "values": ["S", "M"]}, {"name": "Warna", "values": ["Hijau"]}])
    db.session.commit()
    plain = shop.f.ProductFactory(live=True, store=shop.store, category=shop.cloth, name="Tas Rotan Polos")
    listings.update_variants(shop.seller, other, {v.id: {"sku": v.sku, "stock": 1 if v.name == "S / Hijau" else 0}
                                                  for v in other.active_variants})
    slug = shop.cloth.slug

    def names(query):
        response = client.get(f"/katalog?category={slug}&{query}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        return {n for n in ("Kemeja Corak Insang", "Kemeja Batik Hijau", "Tas Rotan Polos") if n in html}, html

    found, html = names("")
    assert found == {"Kemeja Corak Insang", "Kemeja Batik Hijau", "Tas Rotan Polos"}
    assert 'name="option" value="Ukuran:XL"' in html and 'name="option" value="Warna:Hijau"' in html
    assert names("option=Ukuran:XL")[0] == {"Kemeja Corak Insang"}
    assert names("option=Warna:Hijau&option=Warna:Merah")[0] == {"Kemeja Corak Insang", "Kemeja Batik Hijau"}
    # Both groups on the same variant: M in Hijau exists (out of stock), XL in Hijau does not.
    assert names("option=Ukuran:M&option=Warna:Hijau")[0] == {"Kemeja Batik Hijau"}
    assert names("option=Ukuran:XL&option=Warna:Hijau")[0] == set()
    assert names("option=Ukuran:M&option=Warna:Hijau&in_stock=1")[0] == set()
    assert names("option=Ukuran:S&option=Warna:Hijau&in_stock=1")[0] == {"Kemeja Batik Hijau"}
    # A LIKE wildcard or an unknown group is not a filter that matches everything, nor an error.
    assert names("option=Ukuran:%25")[0] == set()
    assert names("option=Bahan:Katun")[0] == {"Kemeja Corak Insang", "Kemeja Batik Hijau", "Tas Rotan Polos"}
    assert names("option=junk&option=Ukuran:&option=" + "x" * 300)[0] == {
        "Kemeja Corak Insang", "Kemeja Batik Hijau", "Tas Rotan Polos"}
    assert plain.id


# ---------------------------------------------------------------- demo data, and the stock's sum

def _stock_is_the_sum_of_the_variants():
    """Every product's stock equals the stock of its variants on sale (the invariant)."""
    sums = dict(db.session.execute(
        db.select(ProductVariant.product_id, db.func.sum(ProductVariant.stock))
        .where(ProductVariant.retired.is_(False)).group_by(ProductVariant.product_id)).all())
    products = dict(db.session.execute(db.select(Product.id, Product.stock)).all())
    assert products and {pid: sums.get(pid, 0) for pid in products} == products


def test_seed_demo_has_a_shirt_in_sizes_and_colours_and_a_drink_in_two_sizes(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        shirt = db.session.execute(
            db.select(Product).where(Product.name == "Kemeja Batik Corak Insang Pria")).scalar_one()
        assert shirt.option_names == ["Ukuran", "Warna"] and len(shirt.active_variants) == 8
        assert {v.name: v.stock for v in shirt.active_variants}["XL / Biru"] == 0
        drink = db.session.execute(db.select(Product).where(Product.name == "Minuman Lidah Buaya Botol")).scalar_one()
        assert [(v.name, v.effective_price) for v in drink.active_variants] == [("250 ml", 8000), ("1 liter", 22000)]
        assert drink.is_visible_on(clock.today())
        _stock_is_the_sum_of_the_variants()
        counts = (db.session.scalar(db.select(db.func.count(ProductVariant.id))),
                  db.session.scalar(db.select(db.func.count(Product.id))))
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        assert (db.session.scalar(db.select(db.func.count(ProductVariant.id))),
                db.session.scalar(db.select(db.func.count(Product.id)))) == counts
        _stock_is_the_sum_of_the_variants()


def test_order_again_puts_the_same_variants_in_the_cart(live_shirt, client, app):
    """"Order again" (issue 19, item 4) keeps each line's variant, at today's variant price."""
    shop = live_shirt
    variants = _variants(shop.shirt.id)
    m_red, l_blue = variants["M / Merah"], variants["L / Biru"]
    login(client, shop.buyer)
    for variant in (m_red, l_blue):
        assert client.post(f"/cart/add/{shop.shirt.id}", data={"quantity": "1", "variant": str(variant.id)}
                           ).status_code == 303
    from app.services import checkout, shopping_lists

    with app.test_request_context("/"):
        order_id = checkout.place_orders(db.session.merge(shop.buyer), "reorder-variants-0123456789",
                                         _details()).orders[0].id
        db.session.get(ProductVariant, l_blue.id).retired = True
        db.session.commit()
        outcome = shopping_lists.reorder(db.session.merge(shop.buyer), order_id)
    assert outcome.added == [("Kemeja Corak Insang (M / Merah)", 1)]
    assert [name for name, _why in outcome.missing] == ["Kemeja Corak Insang (L / Biru)"]
    assert [item.variant_id for item in db.session.execute(db.select(CartItem)).scalars()] == [m_red.id]
