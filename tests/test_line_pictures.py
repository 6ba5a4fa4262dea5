"""A product's picture stands beside it wherever it is a line: the cart, the order (buyer,
store, department purchase) and the seller's list of products; a product without photos
gets a placeholder. The pictures cost no query per line (tests/test_order_queries.py)."""
import re

from tests.factories import store_owner
from tests.helpers import page_text
from tests.order_helpers import add, checkout, orders_of


def thumbs(html):
    return re.findall(r'<img src="(/media/[^"]+/thumb\.webp)"[^>]*class="line-thumb', html)


def test_cart_order_and_seller_list_show_each_products_thumbnail(client, auth, factories):
    store = factories.StoreFactory(verified=True)
    coffee = factories.ProductFactory(live=True, store=store, name="Kopi Bubuk Aming", stock=20)
    factories.ProductImageFactory(product=coffee, key="public/products/k/abc", is_cover=True)
    basket = factories.ProductFactory(live=True, store=store, name="Keranjang Rotan", stock=20)  # no photo
    buyer = factories.BuyerFactory()
    auth.login(buyer.email)
    add(client, coffee.id, 2)
    add(client, basket.id, 1)
    cart = page_text(client.get("/cart/"))
    assert thumbs(cart) == ["/media/public/products/k/abc/thumb.webp"]
    assert cart.count("line-thumb-empty") == 1  # the basket's placeholder
    assert checkout(client).status_code == 303
    order = orders_of(buyer.id)[0]
    detail = page_text(client.get(f"/orders/{order.id}"))
    assert thumbs(detail) == ["/media/public/products/k/abc/thumb.webp"]
    auth.logout()
    auth.login(store_owner(store).email)
    assert thumbs(page_text(client.get(f"/sales/{order.id}"))) == ["/media/public/products/k/abc/thumb.webp"]
    desk = page_text(client.get("/seller/"))
    assert thumbs(desk) == ["/media/public/products/k/abc/thumb.webp"] and "line-thumb-empty" in desk


def test_home_page_serves_thumbnails_and_loads_only_the_first_row_at_once(client, factories):
    """The home page shows up to 16 cards: each offers the 400px thumbnail (the large photo
    only for a dense screen), the first row loads at once (the first card first), the rest
    when scrolled to."""
    for n in range(10):
        product = factories.ProductFactory(live=True, featured=True, name=f"Produk Unggulan {n}")
        factories.ProductImageFactory(product=product, key=f"public/products/p{n}/k", is_cover=True, width=1600)
    html = page_text(client.get("/"))
    cards = re.findall(r'<img src="[^"]+"[^>]*class="card-img-top"[^>]*>', html)
    assert len(cards) >= 10
    for card in cards:
        assert re.search(r'src="/media/public/products/p\d/k/thumb\.webp"', card), card
        assert re.search(r'srcset="/media/\S+/thumb\.webp 400w, /media/\S+/large\.webp 1600w"', card), card
        assert 'sizes="' in card
    eager = [c for c in cards if 'loading="lazy"' not in c]
    assert len(eager) == 4 and 'fetchpriority="high"' in eager[0] and cards.index(eager[0]) == 0
    assert all('loading="lazy"' in c for c in cards[4:])


def test_the_cart_shows_the_marked_cover_else_the_first_photo(client, auth, factories):
    """The cart reads each line's cover as a column: the photo marked as cover, else the first
    by position, as the product page and the cards pick it."""
    store = factories.StoreFactory(verified=True)
    marked = factories.ProductFactory(live=True, store=store, name="Kain Corak Insang", stock=20)
    factories.ProductImageFactory(product=marked, key="public/products/m/first", position=0)
    factories.ProductImageFactory(product=marked, key="public/products/m/cover", position=1, is_cover=True)
    unmarked = factories.ProductFactory(live=True, store=store, name="Tas Anyaman", stock=20)
    factories.ProductImageFactory(product=unmarked, key="public/products/u/second", position=1)
    factories.ProductImageFactory(product=unmarked, key="public/products/u/first", position=0)
    auth.login(factories.BuyerFactory().email)
    add(client, marked.id, 1)
    add(client, unmarked.id, 1)
    assert sorted(thumbs(page_text(client.get("/cart/")))) == [
        "/media/public/products/m/cover/thumb.webp", "/media/public/products/u/first/thumb.webp"]
