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


def test_seed_demo_has_a_department_purchase_at_every_stage(app, runner):
    """The purchaser and the approver printed by seed-demo have something to do and to see:
    an order waiting for approval, one approved, one refused, one delivered (handover to
    confirm), one invoiced (treasury to pay) and one paid, with their documents."""
    from app.models import DepartmentPurchase
    from app.services.documents_pdf import storage_key
    from app.storage import get_storage

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    with app.app_context():
        rows = db.session.execute(
            db.select(Order.state, DepartmentPurchase).join(DepartmentPurchase, DepartmentPurchase.order_id == Order.id)
        ).all()
        states = {state for state, _p in rows}
        assert {"awaiting_approval", "placed", "refused", "delivered", "invoiced", "completed"} <= states
        paid = next(p for state, p in rows if state == "completed")
        assert paid.treasury_recorded_at and paid.approver.email == "rahmat.hidayat@pontianak.go.id"
        assert paid.requester.email == "dian.puspita@pontianak.go.id"
        assert get_storage().exists(storage_key(paid, "invoice"))  # the documents were made
