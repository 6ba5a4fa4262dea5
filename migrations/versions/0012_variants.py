"""variants: option groups on categories, product variants with their own SKU, stock, price
and photo, low-stock thresholds; cart and order lines point at a variant

Every existing product gets one default variant (no options) holding its stock, with a SKU
derived from its slug and no price of its own (the product's); its cart lines and order
lines point at it. Nothing is lost: product.stock stays the sum of its variants' stock.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 00:50:00

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('option_groups', sa.JSON(), nullable=False, server_default='[]'))
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('option_names', sa.JSON(), nullable=False, server_default='[]'))
        batch_op.add_column(sa.Column('low_stock_threshold', sa.Integer(), nullable=True))

    op.create_table('product_variants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('sku', sa.String(length=64), nullable=False),
    sa.Column('option_values', sa.JSON(), nullable=False),
    sa.Column('option_key', sa.String(length=255), nullable=False),
    sa.Column('stock', sa.Integer(), nullable=False),
    sa.Column('price', sa.Integer(), nullable=True),
    sa.Column('image_id', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('retired', sa.Boolean(), nullable=False),
    sa.Column('low_stock_threshold', sa.Integer(), nullable=True),
    sa.Column('low_stock_notified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('stock >= 0', name=op.f('ck_product_variants_stock_not_negative')),
    sa.ForeignKeyConstraint(['image_id'], ['product_images.id'], name=op.f('fk_product_variants_image_id_product_images'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_variants_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_variants')),
    sa.UniqueConstraint('product_id', 'option_key', name='uq_product_variants_options'),
    sa.UniqueConstraint('product_id', 'sku', name='uq_product_variants_sku')
    )
    with op.batch_alter_table('product_variants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_variants_product_id'), ['product_id'], unique=False)

    # One default variant per existing product: its stock, a SKU from its slug (as
    # app.models.default_sku), the product's price (NULL), the time the product was made.
    op.execute(
        "INSERT INTO product_variants (product_id, sku, option_values, option_key, stock, price, image_id, "
        "position, retired, low_stock_threshold, low_stock_notified_at, created_at) "
        "SELECT id, UPPER(SUBSTR(slug, 1, 48)), '[]', '', CASE WHEN stock < 0 THEN 0 ELSE stock END, NULL, NULL, "
        "0, false, NULL, NULL, created_at FROM products"
    )

    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_id', sa.Integer(), nullable=True))
    op.execute("UPDATE cart_items SET variant_id = (SELECT v.id FROM product_variants v "
               "WHERE v.product_id = cart_items.product_id AND v.option_key = '')")
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.alter_column('variant_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint('uq_cart_items_cart_id', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_cart_items_cart_id'), ['cart_id', 'variant_id'])
        batch_op.create_index(batch_op.f('ix_cart_items_variant_id'), ['variant_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_cart_items_variant_id_product_variants'), 'product_variants',
                                    ['variant_id'], ['id'], ondelete='CASCADE')

    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('variant_name', sa.String(length=255), nullable=False, server_default=''))
    op.execute("UPDATE order_items SET variant_id = (SELECT v.id FROM product_variants v "
               "WHERE v.product_id = order_items.product_id AND v.option_key = '') "
               "WHERE product_id IS NOT NULL")
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_order_items_variant_id'), ['variant_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_order_items_variant_id_product_variants'), 'product_variants',
                                    ['variant_id'], ['id'], ondelete='SET NULL')


def downgrade():
    # Back to one stock per product: the sum of its variants that are not retired (which
    # product.stock already holds).
    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_order_items_variant_id_product_variants'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_order_items_variant_id'))
        batch_op.drop_column('variant_name')
        batch_op.drop_column('variant_id')
    # A cart may hold two variants of one product: keep the first line of each product.
    op.execute("DELETE FROM cart_items WHERE id NOT IN (SELECT MIN(id) FROM cart_items GROUP BY cart_id, product_id)")
    with op.batch_alter_table('cart_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_cart_items_variant_id_product_variants'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_cart_items_variant_id'))
        batch_op.drop_constraint('uq_cart_items_cart_id', type_='unique')
        batch_op.create_unique_constraint('uq_cart_items_cart_id', ['cart_id', 'product_id'])
        batch_op.drop_column('variant_id')
    with op.batch_alter_table('product_variants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_variants_product_id'))
    op.drop_table('product_variants')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_column('low_stock_threshold')
        batch_op.drop_column('option_names')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('option_groups')
