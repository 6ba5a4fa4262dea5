"""product questions (Diskusi produk) and shopping lists with their items and shares

New tables only: no existing row changes.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 00:31:54.026737

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('shopping_lists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_shopping_lists_owner_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shopping_lists'))
    )
    with op.batch_alter_table('shopping_lists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shopping_lists_owner_id'), ['owner_id'], unique=False)

    op.create_table('shopping_list_shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('can_edit', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['list_id'], ['shopping_lists.id'], name=op.f('fk_shopping_list_shares_list_id_shopping_lists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_shopping_list_shares_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shopping_list_shares')),
    sa.UniqueConstraint('list_id', 'user_id', name='uq_shopping_list_shares_list_user')
    )
    with op.batch_alter_table('shopping_list_shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shopping_list_shares_list_id'), ['list_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shopping_list_shares_user_id'), ['user_id'], unique=False)

    op.create_table('product_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('asker_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answer', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_reason', sa.Text(), nullable=False),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('open', 'answered', 'hidden')", name=op.f('ck_product_questions_state_known')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_product_questions_answered_by_id_users')),
    sa.ForeignKeyConstraint(['asker_id'], ['users.id'], name=op.f('fk_product_questions_asker_id_users')),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_product_questions_hidden_by_id_users')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_questions_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_product_questions_store_id_stores'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_questions'))
    )
    with op.batch_alter_table('product_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_questions_asker_id'), ['asker_id'], unique=False)
        batch_op.create_index('ix_product_questions_product_state', ['product_id', 'state', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_product_questions_store_id'), ['store_id'], unique=False)

    op.create_table('shopping_list_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('added_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_shopping_list_items_quantity_positive')),
    sa.ForeignKeyConstraint(['added_by_id'], ['users.id'], name=op.f('fk_shopping_list_items_added_by_id_users')),
    sa.ForeignKeyConstraint(['list_id'], ['shopping_lists.id'], name=op.f('fk_shopping_list_items_list_id_shopping_lists'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_shopping_list_items_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shopping_list_items')),
    sa.UniqueConstraint('list_id', 'product_id', name='uq_shopping_list_items_list_product')
    )
    with op.batch_alter_table('shopping_list_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shopping_list_items_list_id'), ['list_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shopping_list_items_product_id'), ['product_id'], unique=False)



def downgrade():
    with op.batch_alter_table('shopping_list_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shopping_list_items_product_id'))
        batch_op.drop_index(batch_op.f('ix_shopping_list_items_list_id'))

    op.drop_table('shopping_list_items')
    with op.batch_alter_table('product_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_questions_store_id'))
        batch_op.drop_index('ix_product_questions_product_state')
        batch_op.drop_index(batch_op.f('ix_product_questions_asker_id'))

    op.drop_table('product_questions')
    with op.batch_alter_table('shopping_list_shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shopping_list_shares_user_id'))
        batch_op.drop_index(batch_op.f('ix_shopping_list_shares_list_id'))

    op.drop_table('shopping_list_shares')
    with op.batch_alter_table('shopping_lists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shopping_lists_owner_id'))

    op.drop_table('shopping_lists')
