"""Migration 0012 on data: rows written at 0009 (products with stock, a cart line, an order
line) come out with one default variant each, holding the product's stock, and the cart and
order lines point at it. Nothing is lost."""
from datetime import date, datetime, timezone

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from app.extensions import db
from tests.test_migrations import empty_app  # noqa: F401 - the fixture



def _insert(conn, table, **values):
    """Insert a row, filling every other NOT NULL column with a plain value of its type."""
    columns = sa.inspect(conn).get_columns(table)
    row = {}
    for column in columns:
        name = column["name"]
        if name in values:
            row[name] = values[name]
        elif column["nullable"] or name == "id":
            continue
        else:
            kind = column["type"]
            if isinstance(kind, sa.Boolean):
                row[name] = False
            elif isinstance(kind, sa.Integer):
                row[name] = 0
            elif isinstance(kind, sa.DateTime):
                row[name] = datetime(2026, 11, 1, tzinfo=timezone.utc)
            elif isinstance(kind, sa.Date):
                row[name] = date(2026, 11, 1)
            elif isinstance(kind, sa.JSON):
                row[name] = "[]"
            else:
                row[name] = "x" * min(getattr(kind, "length", None) or 8, 8)
    names = ", ".join(row)
    marks = ", ".join(f":{k}" for k in row)
    return conn.execute(sa.text(f"INSERT INTO {table} ({names}) VALUES ({marks}) RETURNING id"), row).scalar_one()


def _seed_at_0009(conn):
    user = _insert(conn, "users", email="a@pontianak.go.id", name="Ani")
    store = _insert(conn, "stores", slug="toko-a", name="Toko A", status="verified", created_by_id=user)
    category = _insert(conn, "categories", slug="kain", name_id="Kain", name_en="Cloth")
    shirt = _insert(conn, "products", store_id=store, category_id=category, slug="kemeja-insang", name="Kemeja",
                    price=150000, stock=12, status="approved", sold_count=3)
    drink = _insert(conn, "products", store_id=store, category_id=category, slug="lidah-buaya", name="Minuman",
                    price=8000, stock=0, status="draft")
    cart = _insert(conn, "carts", user_id=user)
    _insert(conn, "cart_items", cart_id=cart, product_id=shirt, quantity=2, price_seen=150000,
            available_seen=True)
    order = _insert(conn, "orders", buyer_id=user, store_id=store, state="placed", payment_method="cod",
                    time_window="10-12",
                    number="PKB-2026-000001")
    _insert(conn, "order_items", order_id=order, product_id=shirt, name="Kemeja", unit="pcs", unit_price=150000,
            quantity=1, line_total=150000)
    _insert(conn, "order_items", order_id=order, product_id=None, name="Produk dihapus", unit="pcs",
            unit_price=5000, quantity=1, line_total=5000)
    return shirt, drink


def test_every_product_gets_its_default_variant_and_lines_point_at_it(empty_app):  # noqa: F811
    with empty_app.app_context():
        upgrade(revision="0009")
        with db.engine.begin() as conn:
            shirt, drink = _seed_at_0009(conn)
        upgrade()
        with db.engine.connect() as conn:
            variants = conn.execute(sa.text(
                "SELECT product_id, sku, option_key, stock, price, retired FROM product_variants ORDER BY product_id"
            )).all()
            assert [tuple(v) for v in variants] == [(shirt, "KEMEJA-INSANG", "", 12, None, False),
                                                    (drink, "LIDAH-BUAYA", "", 0, None, False)]
            stocks = dict(conn.execute(sa.text("SELECT id, stock FROM products")).all())
            assert stocks == {shirt: 12, drink: 0}
            shirt_variant = conn.execute(sa.text("SELECT id FROM product_variants WHERE product_id = :p"),
                                         {"p": shirt}).scalar_one()
            assert conn.execute(sa.text("SELECT variant_id, quantity FROM cart_items")).one() == (shirt_variant, 2)
            lines = conn.execute(sa.text("SELECT variant_id, variant_name, name FROM order_items ORDER BY id")).all()
            assert [tuple(line) for line in lines] == [(shirt_variant, "", "Kemeja"), (None, "", "Produk dihapus")]

        # And the models read it: the product's variant, the cart line's and the order line's.
        from app.models import CartItem, OrderItem, Product

        product = db.session.get(Product, shirt)
        assert [(v.name, v.stock, v.effective_price) for v in product.variants] == [("", 12, 150000)]
        assert db.session.execute(sa.select(CartItem)).scalar_one().variant.product_id == shirt
        assert db.session.execute(sa.select(OrderItem).order_by(OrderItem.id)).scalars().first().full_name == "Kemeja"
        db.session.remove()

        downgrade(revision="0009")
        with db.engine.connect() as conn:
            assert dict(conn.execute(sa.text("SELECT id, stock FROM products")).all()) == {shirt: 12, drink: 0}
            assert conn.execute(sa.text("SELECT product_id, quantity FROM cart_items")).one() == (shirt, 2)
