from app import clock
from app.extensions import db
from app.models import Product

def test_live(factories):
    p = factories.ProductFactory(live=True)
    assert p.listed and p.listed_until is None
    f = factories.ProductFactory(live=True, category=factories.CategoryFactory(food=True))
    assert f.listed and f.listed_until is not None and f.halal_until
    d = factories.ProductFactory()
    assert not d.listed and d.status == "draft"
    ids = db.session.execute(db.select(Product.id).where(Product.visible_condition(clock.today()))).scalars().all()
    assert set(ids) == {p.id, f.id}
    assert factories.store_owner(p.store).has_role("seller")
    s = factories.StoreFactory(verified=True)
    p2 = factories.ProductFactory(live=True, store=s)
    assert p2.listed
