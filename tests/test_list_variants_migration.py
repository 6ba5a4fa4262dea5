"""Migration 0015 on data: list lines written at 0014 keep every line; a product with its one
(default) variant gets it, a product with options stays without one (the buyer chooses);
the downgrade gives one line per product back."""
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from tests.test_migrations import empty_app  # noqa: F401 - the fixture
from tests.test_variants_migration import _insert


def _seed_at_0014(conn):
    user = _insert(conn, "users", email="dian@pontianak.go.id", full_name="Dian")
    store = _insert(conn, "stores", slug="toko-a", name="Toko A", status="verified", created_by_id=user)
    category = _insert(conn, "categories", slug="kain", name_id="Kain", name_en="Cloth")
    snack = _insert(conn, "products", store_id=store, category_id=category, slug="snack-box", name="Snack box",
                    price=20000, stock=50, status="approved", option_names="[]")
    shirt = _insert(conn, "products", store_id=store, category_id=category, slug="kaos", name="Kaos corak insang",
                    price=120000, stock=20, status="approved", option_names='["Ukuran"]')
    default = _insert(conn, "product_variants", product_id=snack, sku="SNACK", option_key="", option_values="[]",
                      stock=50)
    for size in ("M", "L"):
        _insert(conn, "product_variants", product_id=shirt, sku=f"KAOS-{size}", option_key=size,
                option_values=f'["{size}"]', stock=10)
    shopping_list = _insert(conn, "shopping_lists", owner_id=user, name="Snack/seragam bulanan")
    _insert(conn, "shopping_list_items", list_id=shopping_list, product_id=snack, quantity=30, added_by_id=user)
    _insert(conn, "shopping_list_items", list_id=shopping_list, product_id=shirt, quantity=5, added_by_id=user)
    return shopping_list, snack, shirt, default


def test_existing_lines_are_kept_and_a_single_variant_product_gets_its_variant(empty_app):  # noqa: F811
    with empty_app.app_context():
        upgrade(revision="0014")
        with db.engine.begin() as conn:
            shopping_list, snack, shirt, default = _seed_at_0014(conn)
        upgrade()
        with db.engine.connect() as conn:
            lines = conn.execute(sa.text("SELECT product_id, variant_id, quantity FROM shopping_list_items "
                                         "ORDER BY id")).all()
            assert [tuple(line) for line in lines] == [(snack, default, 30), (shirt, None, 5)]
        # The same product in two variants is two lines now.
        with db.engine.begin() as conn:
            m = conn.execute(sa.text("SELECT id FROM product_variants WHERE sku = 'KAOS-M'")).scalar_one()
            user = conn.execute(sa.text("SELECT id FROM users")).scalar_one()
            _insert(conn, "shopping_list_items", list_id=shopping_list, product_id=shirt, variant_id=m, quantity=2,
                    added_by_id=user)
        from app.models import ShoppingListItem

        items = db.session.execute(sa.select(ShoppingListItem).order_by(ShoppingListItem.id)).scalars().all()
        assert [(i.product.name, i.variant.sku if i.variant else None) for i in items] == [
            ("Snack box", "SNACK"), ("Kaos corak insang", None), ("Kaos corak insang", "KAOS-M")]
        db.session.remove()

        downgrade(revision="0014")
        with db.engine.connect() as conn:
            lines = conn.execute(sa.text("SELECT product_id, quantity FROM shopping_list_items ORDER BY id")).all()
            assert [tuple(line) for line in lines] == [(snack, 30), (shirt, 5)]
