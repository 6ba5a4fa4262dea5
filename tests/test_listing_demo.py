"""The demo seed: stores, documents, live products; idempotent."""

from app import clock
from app.extensions import db
from app.models import BusinessDocument, Category, Product, Store


def _counts():
    return tuple(db.session.scalar(db.select(db.func.count()).select_from(m))
                 for m in (Store, Product, BusinessDocument, Category))


def test_seed_demo_is_idempotent(app, runner):
    # Not timed here: a timed assertion fails on a busy machine, not on slow code (CI failed so
    # once, 20 s under load). How long seed-demo takes is the README's business, not a test's.
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        first = _counts()
        assert first[0] == 12
        stores = db.session.execute(db.select(Store)).scalars().all()
        assert all(s.is_verified and s.mentor_id for s in stores)
        for store in stores:
            live = db.session.scalar(db.select(db.func.count(Product.id)).where(
                Product.store_id == store.id, Product.visible_condition(clock.today())))
            assert 4 <= live <= 8, store.slug
        statuses = set(db.session.execute(db.select(Product.status)).scalars())
        assert {"approved", "draft", "submitted", "changes_requested"} <= statuses
        katering = db.session.execute(db.select(Category).where(Category.slug == "katering")).scalar_one()
        assert katering.requirement_groups() == [["pirt", "bpom_md", "bpom_ml"], ["halal"]]
        food = db.session.execute(
            db.select(Product).where(Product.slug.like("minuman-lidah-buaya-250-ml%"))).scalar_one()
        assert food.halal_until and food.listed_until and food.images
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert _counts() == first
