"""Reviews: after completion, once per product, rating 1–5; the store replies once;
the product page partial shows the average, the reviews and the replies."""
import pytest
from flask import render_template
from flask_babel import force_locale

from app.extensions import db
from app.models import OrderItem, ProductReview
from tests.factories import store_owner
from tests.helpers import page_text
from tests.order_helpers import add, checkout, orders_of, use_english


@pytest.fixture(autouse=True)
def _english(client):
    use_english(client)


@pytest.fixture
def completed(client, auth, factories):
    buyer = factories.BuyerFactory(full_name="Nurul Hidayah")
    product = factories.ProductFactory(live=True, name="Lempok Durian Pak Usu", price=60000, stock=10)
    seller = store_owner(product.store)
    auth.login(buyer.email)
    add(client, product.id, 1)
    checkout(client)
    order = orders_of(buyer.id)[0]
    auth.logout()
    auth.login(seller.email)
    for step in ("accept", "ready", "delivered"):
        client.post(f"/sales/{order.id}/{step}")
    auth.logout()
    auth.login(buyer.email)
    client.post(f"/orders/{order.id}/confirm")
    item = db.session.execute(db.select(OrderItem).where(OrderItem.order_id == order.id)).scalar_one()
    return buyer, seller, order, product, item


def test_review_once_and_reply_once(app, client, auth, completed):
    buyer, seller, order, product, item = completed
    assert "Review the products" in page_text(client.get(f"/orders/{order.id}"))
    response = client.post(f"/orders/items/{item.id}/review", data={"rating": "5", "comment": "Legit, manisnya pas."})
    assert response.status_code == 303
    again = client.post(f"/orders/items/{item.id}/review", data={"rating": "1"})
    assert again.status_code == 409 and "already reviewed" in page_text(again)
    assert db.session.execute(db.select(db.func.count(ProductReview.id))).scalar_one() == 1
    auth.logout()
    auth.login(seller.email)
    review = db.session.execute(db.select(ProductReview)).scalar_one()
    assert "Legit, manisnya pas." in page_text(client.get("/sales/reviews"))
    assert client.post(f"/sales/reviews/{review.id}/reply", data={"reply": "Terima kasih, Bu!"}).status_code == 303
    twice = client.post(f"/sales/reviews/{review.id}/reply", data={"reply": "Lagi"})
    assert twice.status_code == 409
    db.session.refresh(review)
    assert review.reply == "Terima kasih, Bu!"
    with app.test_request_context("/"), force_locale("en"):
        html = render_template("reviews/_product_reviews.html", product=product)
    assert "5.0" in html and "Legit, manisnya pas." in html and "Terima kasih, Bu!" in html and "1 review" in html


@pytest.mark.parametrize("rating", ["0", "6", "4.5", "", "x"])
def test_bad_ratings_are_refused(client, completed, rating):
    _buyer, _seller, _order, _product, item = completed
    response = client.post(f"/orders/items/{item.id}/review", data={"rating": rating})
    assert response.status_code == 422 and "1 to 5" in page_text(response)
    assert db.session.execute(db.select(db.func.count(ProductReview.id))).scalar_one() == 0


def test_no_review_before_completion(client, auth, factories):
    buyer = factories.BuyerFactory()
    product = factories.ProductFactory(live=True)
    auth.login(buyer.email)
    add(client, product.id, 1)
    checkout(client)
    item = db.session.execute(db.select(OrderItem)).scalar_one()
    response = client.post(f"/orders/items/{item.id}/review", data={"rating": "4"})
    assert response.status_code == 409
    assert db.session.execute(db.select(db.func.count(ProductReview.id))).scalar_one() == 0


def test_other_people_cannot_review_or_reply(client, auth, completed, factories):
    buyer, seller, order, product, item = completed
    other_buyer = factories.BuyerFactory()
    auth.logout()
    auth.login(other_buyer.email)
    assert client.post(f"/orders/items/{item.id}/review", data={"rating": "1"}).status_code == 404
    auth.logout()
    auth.login(buyer.email)
    client.post(f"/orders/items/{item.id}/review", data={"rating": "4"})
    review = db.session.execute(db.select(ProductReview)).scalar_one()
    other_seller = store_owner(factories.ProductFactory(live=True).store)
    auth.logout()
    auth.login(other_seller.email)
    assert client.post(f"/sales/reviews/{review.id}/reply", data={"reply": "spam"}).status_code == 404
    db.session.refresh(review)
    assert review.reply == ""


def test_product_reviews_partial_with_no_reviews_and_query_count(app, factories):
    from tests.helpers import counting_statements

    product = factories.ProductFactory(live=True)
    with app.test_request_context("/"), force_locale("en"), counting_statements() as statements:
        html = render_template("reviews/_product_reviews.html", product=product)
    assert "No reviews yet" in html
    assert len([s for s in statements if "product_reviews" in s]) <= 2
