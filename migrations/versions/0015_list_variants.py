"""shopping lists keep variants: shopping_list_items.variant_id

A line of a product with exactly one variant, its default one (no options), points at that
variant; a line of a product with options stays NULL (the list page asks the buyer to choose
one). No line is removed. The unique rule becomes (list, product, variant): the same product
in two variants is two lines. The downgrade keeps the first line of each product on a list.

Revision ID: 0015_list_variants
Revises: 0014
Create Date: 2026-12-07 06:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_list_variants'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('shopping_list_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variant_id', sa.Integer(), nullable=True))
    op.execute("UPDATE shopping_list_items SET variant_id = (SELECT MIN(v.id) FROM product_variants v "
               "WHERE v.product_id = shopping_list_items.product_id AND v.option_key = '') "
               "WHERE (SELECT COUNT(*) FROM product_variants v "
               "WHERE v.product_id = shopping_list_items.product_id) = 1")
    with op.batch_alter_table('shopping_list_items', schema=None) as batch_op:
        batch_op.drop_constraint('uq_shopping_list_items_list_product', type_='unique')
        batch_op.create_unique_constraint('uq_shopping_list_items_list_product_variant',
                                          ['list_id', 'product_id', 'variant_id'])
        batch_op.create_index(batch_op.f('ix_shopping_list_items_variant_id'), ['variant_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_shopping_list_items_variant_id_product_variants'),
                                    'product_variants', ['variant_id'], ['id'], ondelete='SET NULL')


def downgrade():
    # One line per product again: keep the first of each product on a list.
    op.execute("DELETE FROM shopping_list_items WHERE id NOT IN "
               "(SELECT MIN(id) FROM shopping_list_items GROUP BY list_id, product_id)")
    with op.batch_alter_table('shopping_list_items', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_shopping_list_items_variant_id_product_variants'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_shopping_list_items_variant_id'))
        batch_op.drop_constraint('uq_shopping_list_items_list_product_variant', type_='unique')
        batch_op.create_unique_constraint('uq_shopping_list_items_list_product', ['list_id', 'product_id'])
        batch_op.drop_column('variant_id')
