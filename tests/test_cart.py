"""The cart: add, change, remove, bad quantities, changed prices, other buyers' lines."""
import re

import pytest

from app.extensions import db
from app.models import CartItem
from tests.helpers import page_text
from tests.order_helpers import add, use_english


@pytest.fixture(autouse=True)
def _english(client):
    use_english(client)


@pytest.fixture
def shop(factories):
    buyer = factories.BuyerFactory()
    product = factories.ProductFactory(live=True, name="Kopi Aming Bubuk 250 g", price=45000, stock=10)
    return buyer, product


def test_add_view_change_and_remove(client, auth, shop, factories):
    buyer, product = shop
    other = factories.ProductFactory(live=True, name="Syal Corak Insang", price=250000, stock=3)
    auth.login(buyer.email)
    response = add(client, product.id, 2, next="/somewhere")
    assert response.status_code == 303 and response.headers["Location"].endswith("/somewhere")
    add(client, other.id, 1)
    add(client, product.id, 1)  # adds to the same line
    page = page_text(client.get("/cart/"))
    assert "Kopi Aming Bubuk 250 g" in page and "Syal Corak Insang" in page
    assert product.store.name in page and other.store.name in page  # grouped by store
    assert "Rp\u00a0135.000" in page and "Rp\u00a0385.000" in page  # subtotal and total
    item = db.session.execute(db.select(CartItem).where(CartItem.product_id == product.id)).scalar_one()
    assert item.quantity == 3
    assert client.post(f"/cart/items/{item.id}/update", data={"quantity": "5"}).status_code == 303
    db.session.refresh(item)
    assert item.quantity == 5
    assert client.post(f"/cart/items/{item.id}/remove").status_code == 303
    assert "Kopi Aming" not in page_text(client.get("/cart/"))


def test_cart_persists_across_logins(client, auth, shop):
    buyer, product = shop
    auth.login(buyer.email)
    add(client, product.id, 2)
    auth.logout()
    auth.login(buyer.email)
    assert "Kopi Aming Bubuk" in page_text(client.get("/cart/"))


def test_cart_count_badge_in_navigation(client, auth, shop):
    buyer, product = shop
    auth.login(buyer.email)
    add(client, product.id, 1)
    page = page_text(client.get("/cart/"))
    # The header's cart icon carries the number of lines
    cart_link = re.search(r'<a class="nav-tool[^"]*" href="/cart/".*?</a>', page, re.S)
    assert cart_link and re.search(r'text-bg-warning[^"]*">1<', cart_link.group(0))


@pytest.mark.parametrize("quantity, message", [
    ("0", "at least 1"), ("-2", "at least 1"), ("1.5", "whole number"), ("abc", "whole number"),
    ("", "whole number"), ("11", "Only 10"),
])
def test_bad_quantities_are_refused(client, auth, shop, quantity, message):
    buyer, product = shop
    auth.login(buyer.email)
    response = add(client, product.id, quantity)
    assert response.status_code in (400, 409, 422)
    assert message in page_text(response)
    assert db.session.execute(db.select(db.func.count(CartItem.id))).scalar_one() == 0


@pytest.mark.parametrize("path", ["/cart/add/{product}", "/cart/items/{item}/update"])
def test_a_form_without_its_quantity_is_refused_not_a_500(client, auth, shop, path):
    """A hand-made request with no quantity at all (a browser always sends the input): the
    same answer as an empty one, and nothing written. Found by the hostile-input test."""
    buyer, product = shop
    auth.login(buyer.email)
    add(client, product.id, 2)
    item = db.session.execute(db.select(CartItem)).scalar_one()
    response = client.post(path.format(product=product.id, item=item.id), data={})
    assert response.status_code == 422
    assert "whole number" in page_text(response)
    db.session.expire_all()
    assert db.session.execute(db.select(CartItem.quantity)).scalars().all() == [2]


def test_minimum_order_respected(client, auth, factories):
    buyer = factories.BuyerFactory()
    product = factories.ProductFactory(live=True, min_order=10, stock=50, name="Nasi Kotak")
    auth.login(buyer.email)
    response = add(client, product.id, 5)
    assert response.status_code == 422 and "minimum order" in page_text(response)
    assert add(client, product.id, 10).status_code == 303


def test_adding_above_stock_in_total_is_refused(client, auth, shop):
    buyer, product = shop
    auth.login(buyer.email)
    add(client, product.id, 8)
    response = add(client, product.id, 3)
    assert response.status_code == 422 and "Only 10" in page_text(response)


def test_hidden_or_out_of_stock_product_cannot_be_added(client, auth, factories, shop):
    buyer, _product = shop
    draft = factories.ProductFactory()  # not approved: not visible
    empty = factories.ProductFactory(live=True, stock=0)
    auth.login(buyer.email)
    assert add(client, draft.id, 1).status_code == 404
    response = add(client, empty.id, 1)
    assert response.status_code == 409 and "out of stock" in page_text(response)


def test_price_change_and_unavailability_are_shown(client, auth, shop):
    buyer, product = shop
    auth.login(buyer.email)
    add(client, product.id, 2)
    product.price = 50000
    db.session.commit()
    page = page_text(client.get("/cart/"))
    assert "Price changed from Rp\u00a045.000 to Rp\u00a050.000" in page
    product.listed = False
    db.session.commit()
    page = page_text(client.get("/cart/"))
    assert "No longer available" in page
    assert "/cart/checkout" not in page  # no checkout button while a line has a problem


def test_another_buyers_cart_line_is_not_found(client, auth, shop, factories):
    buyer, product = shop
    other = factories.BuyerFactory()
    auth.login(other.email)
    add(client, product.id, 1)
    item = db.session.execute(db.select(CartItem)).scalar_one()
    auth.logout()
    auth.login(buyer.email)
    assert client.post(f"/cart/items/{item.id}/update", data={"quantity": "2"}).status_code == 404
    assert client.post(f"/cart/items/{item.id}/remove").status_code == 404
    db.session.refresh(item)
    assert item.quantity == 1


def test_only_buyers_can_use_the_cart(client, auth, shop, factories):
    _buyer, product = shop
    seller = factories.SellerFactory()
    auth.login(seller.email)
    assert client.get("/cart/").status_code == 403
    assert add(client, product.id, 1).status_code == 403
    auth.logout()
    assert client.get("/cart/").status_code == 302


def test_add_form_partial(app, client, auth, shop):
    buyer, product = shop
    from flask import render_template
    from flask_login import login_user

    with app.test_request_context("/produk/x"):
        html = render_template("cart/_add_form.html", product=product)
        assert "/auth/login?next=/produk/x" in html
        login_user(buyer)
        html = render_template("cart/_add_form.html", product=product)
        assert f'action="/cart/add/{product.id}"' in html
        assert 'min="1"' in html and 'max="10"' in html
