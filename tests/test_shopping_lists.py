"""Shopping lists and "order again": named lists, shared read-only or editable with
colleagues of the same department (outside it: refused), "add all to cart" and "order
again" through the cart service at today's prices, saying what is no longer available;
someone else's list or order is not found."""
import pytest

from app.extensions import db
from app.models import AuditEntry, CartItem, ShoppingList, ShoppingListItem, ShoppingListShare
from tests.helpers import page_text
from tests.order_helpers import add, checkout, orders_of, use_english


@pytest.fixture(autouse=True)
def _english(client):
    use_english(client)


@pytest.fixture
def office(factories):
    dept = factories.DepartmentFactory(name="Dinas Komunikasi dan Informatika")
    owner = factories.BuyerFactory(full_name="Dian Puspita", department=dept)
    colleague = factories.BuyerFactory(full_name="Budi Santoso", department=dept)
    outsider = factories.BuyerFactory(full_name="Hendra Gunawan", department=factories.DepartmentFactory())
    snack = factories.ProductFactory(live=True, name="Snack box rapat", price=20000, stock=100)
    bingke = factories.ProductFactory(live=True, name="Bingke Mak Long", price=35000, stock=50)
    return owner, colleague, outsider, snack, bingke


def _cart(user):
    db.session.expire_all()
    from app.models import Cart

    return {i.product_id: i.quantity for i in db.session.execute(
        db.select(CartItem).join(Cart).where(Cart.user_id == user.id)).scalars()}


def _make_list(client, name="Snack rapat bulanan"):
    response = client.post("/lists/new", data={"name": name})
    assert response.status_code == 303, page_text(response)
    return db.session.execute(db.select(ShoppingList).where(ShoppingList.name == name)).scalar_one()


def test_named_list_add_products_and_all_to_cart(client, auth, office):
    owner, _colleague, _outsider, snack, bingke = office
    auth.login(owner.email)
    shopping_list = _make_list(client)
    assert client.post(f"/lists/add/{snack.id}", data={"list_id": str(shopping_list.id), "quantity": "30",
                                                       "next": f"/produk/{snack.slug}"}).status_code == 303
    # A new list straight from the product page.
    assert client.post(f"/lists/add/{bingke.id}", data={"list_id": "", "name": "Oleh-oleh tamu",
                                                        "quantity": "5"}).status_code == 303
    other = db.session.execute(db.select(ShoppingList).where(ShoppingList.name == "Oleh-oleh tamu")).scalar_one()
    client.post(f"/lists/add/{bingke.id}", data={"list_id": str(shopping_list.id), "quantity": "10"})
    page = page_text(client.get(f"/lists/{shopping_list.id}"))
    assert "Snack box rapat" in page and "Bingke Mak Long" in page
    assert "Snack rapat bulanan" in page_text(client.get("/lists/")) and other.id
    empty = _make_list(client, "Kosong")
    refused = client.post(f"/lists/{empty.id}/to-cart")
    assert refused.status_code == 409 and "The list is empty." in page_text(refused)
    response = client.post(f"/lists/{shopping_list.id}/to-cart")
    assert response.status_code == 303 and response.headers["Location"].endswith("/cart/")
    assert "2 products are in your cart" in page_text(client.get("/cart/"))
    assert _cart(owner) == {snack.id: 30, bingke.id: 10}


@pytest.mark.parametrize("name, status, message", [
    ("", 422, "Give the list a name"), ("x" * 121, 422, "at most 120"),
])
def test_bad_list_names(client, auth, office, name, status, message):
    owner = office[0]
    auth.login(owner.email)
    response = client.post("/lists/new", data={"name": name})
    assert response.status_code == status and message in page_text(response)
    assert db.session.execute(db.select(db.func.count(ShoppingList.id))).scalar_one() == 0


def test_a_name_once_and_no_half_made_list(client, auth, office):
    owner, _c, _o, snack, _b = office
    auth.login(owner.email)
    _make_list(client)
    twice = client.post("/lists/new", data={"name": "snack RAPAT bulanan"})
    assert twice.status_code == 409 and "already have a list" in page_text(twice)
    # A new list for a product that is not available: no empty list is left behind.
    snack.paused = True
    from app.services.listings import refresh_visibility

    refresh_visibility(snack.store)
    db.session.commit()
    response = client.post(f"/lists/add/{snack.id}", data={"list_id": "", "name": "Baru", "quantity": "1"})
    assert response.status_code == 404
    assert db.session.execute(db.select(db.func.count(ShoppingList.id))).scalar_one() == 1


def test_share_read_only_and_editable_within_the_department(client, auth, office):
    owner, colleague, outsider, snack, bingke = office
    auth.login(owner.email)
    shopping_list = _make_list(client)
    client.post(f"/lists/add/{snack.id}", data={"list_id": str(shopping_list.id), "quantity": "20"})
    outside = client.post(f"/lists/{shopping_list.id}/share", data={"email": outsider.email, "mode": "edit"})
    assert outside.status_code == 403 and "only with colleagues of your department" in page_text(outside)
    nobody = client.post(f"/lists/{shopping_list.id}/share",
                         data={"email": "tidak.ada@pontianak.go.id", "mode": "read"})
    assert nobody.status_code == 403
    assert db.session.execute(db.select(db.func.count(ShoppingListShare.id))).scalar_one() == 0
    assert client.post(f"/lists/{shopping_list.id}/share", data={"email": colleague.email.upper(),
                                                                 "mode": "read"}).status_code == 303
    auth.logout()

    auth.login(colleague.email)
    assert "Snack rapat bulanan" in page_text(client.get("/lists/"))
    page = page_text(client.get(f"/lists/{shopping_list.id}"))
    assert "Snack box rapat" in page and "Can see" in page
    line = db.session.execute(db.select(ShoppingListItem)).scalar_one()
    refused = client.post(f"/lists/{shopping_list.id}/lines/{line.id}/update", data={"quantity": "99"})
    assert refused.status_code == 403 and "to read" in page_text(refused)
    response = client.post(f"/lists/add/{bingke.id}", data={"list_id": str(shopping_list.id), "quantity": "1"})
    assert response.status_code == 403
    assert len(db.session.execute(db.select(ShoppingListItem)).scalars().all()) == 1
    # Reading is enough to buy from it (into their own cart).
    assert client.post(f"/lists/{shopping_list.id}/to-cart").status_code == 303
    assert _cart(colleague) == {snack.id: 20}
    assert client.post(f"/lists/{shopping_list.id}/delete").status_code == 403
    auth.logout()

    auth.login(owner.email)
    client.post(f"/lists/{shopping_list.id}/share", data={"email": colleague.email, "mode": "edit"})
    auth.logout()
    auth.login(colleague.email)
    assert client.post(f"/lists/{shopping_list.id}/lines/{line.id}/update", data={"quantity": "25"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(ShoppingListItem, line.id).quantity == 25
    auth.logout()
    # The outsider does not see the list at all.
    auth.login(outsider.email)
    assert client.get(f"/lists/{shopping_list.id}").status_code == 404
    assert client.post(f"/lists/{shopping_list.id}/to-cart").status_code == 404
    assert client.post(f"/lists/{shopping_list.id}/lines/{line.id}/remove").status_code == 404
    assert db.session.execute(db.select(AuditEntry).where(AuditEntry.action == "list.share")).scalars().all()


def test_a_share_ends_when_the_colleague_changes_department(client, auth, office, factories):
    owner, colleague, _o, _s, _b = office
    auth.login(owner.email)
    shopping_list = _make_list(client)
    client.post(f"/lists/{shopping_list.id}/share", data={"email": colleague.email, "mode": "edit"})
    auth.logout()
    colleague.department = factories.DepartmentFactory()
    db.session.commit()
    auth.login(colleague.email)
    assert client.get(f"/lists/{shopping_list.id}").status_code == 404


def test_order_again_at_todays_prices_says_what_is_gone(client, auth, office, factories):
    owner, _c, outsider, snack, bingke = office
    gone = factories.ProductFactory(live=True, store=snack.store, name="Amplang udang", price=15000, stock=30)
    auth.login(owner.email)
    for product, quantity in ((snack, 20), (bingke, 4), (gone, 6)):
        add(client, product.id, quantity)
    assert checkout(client).status_code == 303
    orders = orders_of(owner.id)
    snack_order = next(o for o in orders if o.store_id == snack.store_id)
    # A month later: the snack costs more, the amplang is no longer sold, the cart is empty.
    snack.price = 22000
    gone.paused = True
    from app.services.listings import refresh_visibility

    refresh_visibility(snack.store)
    db.session.commit()
    assert _cart(owner) == {}
    page = page_text(client.get(f"/orders/{snack_order.id}"))
    assert "Order again" in page
    response = client.post(f"/lists/reorder/{snack_order.id}")
    assert response.status_code == 303 and response.headers["Location"].endswith("/cart/")
    cart = page_text(client.get("/cart/"))
    assert "Snack box rapat costs Rp" in cart and "22.000" in cart and "20.000" in cart
    assert "Not in your cart: Amplang udang (This product is not available.)" in cart
    assert _cart(owner) == {snack.id: 20}
    # Keep it as a list.
    assert client.post(f"/lists/from-order/{snack_order.id}", data={"name": "Snack rapat"}).status_code == 303
    kept = db.session.execute(db.select(ShoppingList).where(ShoppingList.name == "Snack rapat")).scalar_one()
    assert {i.product_id for i in kept.items} == {snack.id, gone.id}
    auth.logout()
    auth.login(outsider.email)
    assert client.post(f"/lists/reorder/{snack_order.id}").status_code == 404
    assert client.post(f"/lists/from-order/{snack_order.id}", data={"name": "Curian"}).status_code == 404
    assert _cart(outsider) == {}


def test_order_again_with_too_little_stock_reports_the_line(client, auth, office):
    owner, _c, _o, snack, _b = office
    auth.login(owner.email)
    add(client, snack.id, 20)
    checkout(client)
    order = orders_of(owner.id)[0]
    snack.stock = 5
    db.session.commit()
    client.post(f"/lists/reorder/{order.id}")
    assert "Only 5" in page_text(client.get("/cart/"))
    assert _cart(owner) == {}


def test_only_buyers_have_lists(client, auth, factories, office):
    seller = factories.SellerFactory()
    auth.login(seller.email)
    assert client.get("/lists/").status_code == 403
    assert client.post("/lists/new", data={"name": "X"}).status_code == 403


def test_bad_quantities_on_a_list(client, auth, office):
    owner, _c, _o, snack, _b = office
    auth.login(owner.email)
    shopping_list = _make_list(client)
    for quantity in ("0", "-3", "abc", "٣", "100001"):
        response = client.post(f"/lists/add/{snack.id}", data={"list_id": str(shopping_list.id), "quantity": quantity})
        assert response.status_code == 422, quantity
        assert "quantity" in page_text(response).lower()
    assert db.session.execute(db.select(db.func.count(ShoppingListItem.id))).scalar_one() == 0


# ---------------------------------------------------------------- variants on a list

@pytest.fixture
def shirt(factories, office):
    """A live corak insang T-shirt in S/M/L and Merah/Biru, 10 of each, M / Merah dearer."""
    from app.services import listings
    from tests.factories import make_live, store_owner

    cloth = factories.CategoryFactory(name_id="Pakaian", option_groups=["Ukuran", "Warna"])
    product = factories.ProductFactory(category=cloth, name="Kaos corak insang", price=120000, stock=1)
    make_live(product)
    listings.apply_options(product, [{"name": "Ukuran", "values": ["S", "M", "L"]},
                                     {"name": "Warna", "values": ["Merah", "Biru"]}])
    db.session.commit()
    rows = {v.id: {"sku": v.sku, "stock": 10, "price": 135000 if v.name == "M / Merah" else None}
            for v in product.active_variants}
    listings.update_variants(store_owner(product.store), product, rows)
    return product


def _variant(product, name):
    from app.models import ProductVariant

    variants = db.session.execute(db.select(ProductVariant).where(ProductVariant.product_id == product.id)).scalars()
    return next(v for v in variants if v.name == name)


def _cart_lines(user):
    db.session.expire_all()
    from app.models import Cart

    return {(i.variant_id, i.quantity, i.price_seen) for i in db.session.execute(
        db.select(CartItem).join(Cart).where(Cart.user_id == user.id)).scalars()}


def test_two_variants_of_a_product_are_two_lines_and_go_to_the_cart_at_their_prices(client, auth, office, shirt):
    owner, _c, _o, snack, _b = office
    m_red, l_blue = _variant(shirt, "M / Merah"), _variant(shirt, "L / Biru")
    auth.login(owner.email)
    # The product page's "Save to list" offers the variants (the add-to-cart picker's field).
    html = client.get(f"/produk/{shirt.slug}?variant={m_red.id}").get_data(as_text=True)
    save_form = html.split('action="/lists/add/')[1].split("</form>")[0]
    assert 'name="variant"' in save_form and f'<option value="{m_red.id}" selected>M / Merah' in save_form
    shopping_list = _make_list(client, "Seragam bulanan")
    for variant, quantity in ((m_red, "4"), (l_blue, "2"), (m_red, "1")):
        response = client.post(f"/lists/add/{shirt.id}", data={"list_id": str(shopping_list.id), "quantity": quantity,
                                                               "variant": str(variant.id)})
        assert response.status_code == 303
    client.post(f"/lists/add/{snack.id}", data={"list_id": str(shopping_list.id), "quantity": "20"})
    lines = {(i.variant_id, i.quantity) for i in db.session.execute(
        db.select(ShoppingListItem).where(ShoppingListItem.product_id == shirt.id)).scalars()}
    assert lines == {(m_red.id, 5), (l_blue.id, 2)}
    # Without a variant a product with options is refused, with a message; nothing is kept.
    refused = client.post(f"/lists/add/{shirt.id}", data={"list_id": str(shopping_list.id), "quantity": "1"})
    assert refused.status_code == 422 and "Choose a variant of Kaos corak insang" in page_text(refused)
    page = page_text(client.get(f"/lists/{shopping_list.id}"))
    assert "Kaos corak insang (M / Merah)" in page and "Rp\xa0135.000" in page
    assert "Kaos corak insang (L / Biru)" in page and "Rp\xa0120.000" in page
    assert client.post(f"/lists/{shopping_list.id}/to-cart").status_code == 303
    snack_variant = db.session.get(type(snack), snack.id).active_variants[0]
    assert _cart_lines(owner) == {(m_red.id, 5, 135000), (l_blue.id, 2, 120000), (snack_variant.id, 20, 20000)}


def test_a_retired_variant_and_an_unchosen_one_are_reported_and_the_rest_goes_in(client, auth, office, shirt):
    from app.services import listings
    from tests.factories import store_owner

    owner = office[0]
    m_red, l_blue = _variant(shirt, "M / Merah"), _variant(shirt, "L / Biru")
    auth.login(owner.email)
    shopping_list = _make_list(client, "Seragam bulanan")
    for variant in (m_red, l_blue):
        client.post(f"/lists/add/{shirt.id}", data={"list_id": str(shopping_list.id), "quantity": "2",
                                                    "variant": str(variant.id)})
    # A line kept before lists kept variants: the product now has options, none is chosen.
    db.session.add(ShoppingListItem(list_id=shopping_list.id, product_id=shirt.id, variant_id=None, quantity=3,
                                    added_by_id=owner.id))
    db.session.commit()
    listings.retire_variant(store_owner(shirt.store), shirt, l_blue.id)
    db.session.commit()
    page = page_text(client.get(f"/lists/{shopping_list.id}"))
    assert "This variant is no longer sold." in page and "Choose a variant of Kaos corak insang" in page
    html = client.get(f"/lists/{shopping_list.id}").get_data(as_text=True)
    assert f'href="/produk/{shirt.slug}">Choose a variant' in html
    client.post(f"/lists/{shopping_list.id}/to-cart")
    cart = page_text(client.get("/cart/"))
    assert "Not in your cart: Kaos corak insang (L / Biru) (This variant is not available.)" in cart
    assert "Kaos corak insang (Choose a variant of Kaos corak insang.)" in cart
    assert _cart_lines(owner) == {(m_red.id, 2, 135000)}


def test_order_again_and_keeping_the_order_as_a_list_keep_the_variants(client, auth, office, shirt):
    owner = office[0]
    m_red, s_blue = _variant(shirt, "M / Merah"), _variant(shirt, "S / Biru")
    auth.login(owner.email)
    for variant, quantity in ((m_red, "1"), (s_blue, "2")):
        client.post(f"/cart/add/{shirt.id}", data={"quantity": quantity, "variant": str(variant.id)})
    assert checkout(client).status_code == 303
    order = orders_of(owner.id)[0]
    assert client.post(f"/lists/from-order/{order.id}", data={"name": "Seragam"}).status_code == 303
    kept = db.session.execute(db.select(ShoppingList).where(ShoppingList.name == "Seragam")).scalar_one()
    assert {(i.variant_id, i.quantity) for i in kept.items} == {(m_red.id, 1), (s_blue.id, 2)}
