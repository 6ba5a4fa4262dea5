"""Demo data of issue 19: questions answered and not, a shared list, a past order to reorder; once."""
from app.extensions import db
from app.models import Order, ProductQuestion, ShoppingList, ShoppingListShare, User


def _state(app):
    with app.app_context():
        questions = sorted(db.session.execute(db.select(ProductQuestion.state)).scalars())
        lists = db.session.execute(db.select(ShoppingList.name, db.func.count(ShoppingListShare.id))
                                   .outerjoin(ShoppingListShare).group_by(ShoppingList.name)).all()
        dian = db.session.execute(db.select(User).where(User.email == "dian.puspita@pontianak.go.id")).scalar_one()
        orders = db.session.execute(db.select(Order.state).where(Order.buyer_id == dian.id,
                                                                 Order.note == "Snack rapat koordinasi bulanan.")).all()
        return questions, lists, orders


def test_seed_demo_shows_questions_a_shared_list_and_an_order_to_reorder(app, runner, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    questions, lists, orders = _state(app)
    assert questions.count("answered") == 2 and questions.count("open") == 2
    assert ("Snack rapat bulanan", 1) in lists
    assert orders == [("completed",)]
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert _state(app) == (questions, lists, orders)
    # Lists keep variants: the 1-litre aloe vera drink with the snacks, the office's shirts in two variants.
    with app.app_context():
        from app.models import ShoppingListItem

        kept = db.session.execute(db.select(ShoppingList.name, ShoppingListItem).join(ShoppingListItem)).all()
        variants = sorted((name, item.variant.name) for name, item in kept if item.variant and item.variant.name)
        assert variants == [("Seragam batik kantor", "L / Biru"), ("Seragam batik kantor", "M / Merah"),
                            ("Snack rapat bulanan", "1 liter")]
        assert all(item.variant_id for _name, item in kept)
    # The purchaser orders last month's snacks again.
    client.post("/auth/login", data={"email": "dian.puspita@pontianak.go.id", "password": "PasarKite2026"})
    with app.app_context():
        order_id = db.session.execute(db.select(Order.id).where(Order.note == "Snack rapat koordinasi bulanan.")
                                      ).scalar_one()
    assert client.post(f"/lists/reorder/{order_id}").status_code == 303
    page = client.get("/cart/").get_data(as_text=True)
    assert "Amplang Ikan Tenggiri 200 g" in page and "Rp\u00a025.000" in page
