"""Demo orders: created for the demo buyer in several states, once."""
from app.extensions import db
from app.models import Order, ProductReview, User


def _orders(app):
    with app.app_context():
        buyer = db.session.execute(db.select(User).where(User.email == "budi.santoso@pontianak.go.id")).scalar_one()
        rows = db.session.execute(
            db.select(Order.state, Order.number).where(Order.buyer_id == buyer.id, Order.payment_method == "cod")
        ).all()
        reviews = db.session.execute(db.select(db.func.count(ProductReview.id))).scalar_one()
        return rows, reviews


def test_seed_demo_adds_orders_once(app, runner):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    rows, reviews = _orders(app)
    assert {state for state, _n in rows} >= {"placed", "accepted", "delivered", "completed", "cancelled"}
    assert all(number.startswith("PKB-") for _s, number in rows)
    assert reviews >= 1
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert _orders(app) == (rows, reviews)
