"""after the order: the store's answer deadline on orders, the accepted quantity of order
lines, problem reports (lines, photos), quotes (lines, rounds) and store ratings

Only new tables and nullable columns: existing orders keep every row as it was (an order
placed before this revision gets its answer deadline from its placing time).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 00:32:07.955209

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('problem_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('refund_amount', sa.Integer(), nullable=False),
    sa.Column('store_answer', sa.String(length=10), nullable=False),
    sa.Column('store_statement', sa.Text(), nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state IN ('open', 'replaced', 'refunded', 'disputed', 'upheld', 'dismissed')", name=op.f('ck_problem_reports_state_known')),
    sa.CheckConstraint('refund_amount >= 0', name=op.f('ck_problem_reports_refund_not_negative')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_problem_reports_answered_by_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_problem_reports_decided_by_id_users')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_problem_reports_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_problem_reports_reporter_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_reports'))
    )
    with op.batch_alter_table('problem_reports', schema=None) as batch_op:
        batch_op.create_index('ix_problem_reports_order_state', ['order_id', 'state'], unique=False)

    op.create_table('quotes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=24), nullable=True),
    sa.Column('buyer_id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=12), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('answer_by', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('rounds', sa.Integer(), nullable=False),
    sa.Column('order_data', sa.JSON(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('ba_number', sa.String(length=60), nullable=True),
    sa.Column('ba_code', sa.String(length=12), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state IN ('requested', 'offered', 'accepted', 'declined', 'withdrawn', 'expired')", name=op.f('ck_quotes_state_known')),
    sa.ForeignKeyConstraint(['buyer_id'], ['users.id'], name=op.f('fk_quotes_buyer_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_quotes_department_id_departments')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_quotes_order_id_orders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_quotes_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quotes')),
    sa.UniqueConstraint('ba_code', name=op.f('uq_quotes_ba_code')),
    sa.UniqueConstraint('ba_number', name=op.f('uq_quotes_ba_number')),
    sa.UniqueConstraint('number', name=op.f('uq_quotes_number')),
    sa.UniqueConstraint('order_id', name=op.f('uq_quotes_order_id'))
    )
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.create_index('ix_quotes_buyer_created', ['buyer_id', 'created_at'], unique=False)
        batch_op.create_index('ix_quotes_store_state', ['store_id', 'state'], unique=False)

    op.create_table('store_ratings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('rater_id', sa.Integer(), nullable=False),
    sa.Column('quality', sa.Integer(), nullable=False),
    sa.Column('timeliness', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('service', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('quality >= 1 AND quality <= 4', name=op.f('ck_store_ratings_quality_range')),
    sa.CheckConstraint('quantity >= 1 AND quantity <= 4', name=op.f('ck_store_ratings_quantity_range')),
    sa.CheckConstraint('service >= 1 AND service <= 4', name=op.f('ck_store_ratings_service_range')),
    sa.CheckConstraint('timeliness >= 1 AND timeliness <= 4', name=op.f('ck_store_ratings_timeliness_range')),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_store_ratings_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rater_id'], ['users.id'], name=op.f('fk_store_ratings_rater_id_users')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_store_ratings_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_store_ratings')),
    sa.UniqueConstraint('order_id', name=op.f('uq_store_ratings_order_id'))
    )
    with op.batch_alter_table('store_ratings', schema=None) as batch_op:
        batch_op.create_index('ix_store_ratings_store', ['store_id'], unique=False)

    op.create_table('problem_report_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('order_item_id', sa.Integer(), nullable=False),
    sa.Column('received_quantity', sa.Integer(), nullable=False),
    sa.Column('accepted_quantity', sa.Integer(), nullable=False),
    sa.CheckConstraint('accepted_quantity >= 0 AND accepted_quantity <= received_quantity', name=op.f('ck_problem_report_lines_accepted_within_received')),
    sa.CheckConstraint('received_quantity >= 0', name=op.f('ck_problem_report_lines_received_not_negative')),
    sa.ForeignKeyConstraint(['order_item_id'], ['order_items.id'], name=op.f('fk_problem_report_lines_order_item_id_order_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['report_id'], ['problem_reports.id'], name=op.f('fk_problem_report_lines_report_id_problem_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_report_lines'))
    )
    with op.batch_alter_table('problem_report_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_report_lines_order_item_id'), ['order_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_problem_report_lines_report_id'), ['report_id'], unique=False)

    op.create_table('problem_report_photos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=10), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['problem_reports.id'], name=op.f('fk_problem_report_photos_report_id_problem_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_problem_report_photos'))
    )
    with op.batch_alter_table('problem_report_photos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_problem_report_photos_report_id'), ['report_id'], unique=False)

    op.create_table('quote_lines',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=140), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('list_price', sa.Integer(), nullable=False),
    sa.Column('quantity', sa.Integer(), nullable=False),
    sa.Column('requested_price', sa.Integer(), nullable=False),
    sa.Column('offered_price', sa.Integer(), nullable=True),
    sa.CheckConstraint('offered_price IS NULL OR offered_price > 0', name=op.f('ck_quote_lines_offered_positive')),
    sa.CheckConstraint('quantity > 0', name=op.f('ck_quote_lines_quantity_positive')),
    sa.CheckConstraint('requested_price > 0', name=op.f('ck_quote_lines_requested_positive')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_quote_lines_product_id_products'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_lines_quote_id_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_lines'))
    )
    with op.batch_alter_table('quote_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_lines_quote_id'), ['quote_id'], unique=False)

    op.create_table('quote_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('quote_id', sa.Integer(), nullable=False),
    sa.Column('round', sa.Integer(), nullable=False),
    sa.Column('side', sa.String(length=10), nullable=False),
    sa.Column('action', sa.String(length=12), nullable=False),
    sa.Column('prices', sa.JSON(), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_quote_rounds_actor_id_users')),
    sa.ForeignKeyConstraint(['quote_id'], ['quotes.id'], name=op.f('fk_quote_rounds_quote_id_quotes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quote_rounds'))
    )
    with op.batch_alter_table('quote_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_quote_rounds_quote_id'), ['quote_id'], unique=False)

    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.add_column(sa.Column('accepted_quantity', sa.Integer(), nullable=True))

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answer_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('answer_reminded_at', sa.DateTime(timezone=True), nullable=True))



def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_column('answer_reminded_at')
        batch_op.drop_column('answer_due_at')

    with op.batch_alter_table('order_items', schema=None) as batch_op:
        batch_op.drop_column('accepted_quantity')

    with op.batch_alter_table('quote_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_rounds_quote_id'))

    op.drop_table('quote_rounds')
    with op.batch_alter_table('quote_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quote_lines_quote_id'))

    op.drop_table('quote_lines')
    with op.batch_alter_table('problem_report_photos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_report_photos_report_id'))

    op.drop_table('problem_report_photos')
    with op.batch_alter_table('problem_report_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_problem_report_lines_report_id'))
        batch_op.drop_index(batch_op.f('ix_problem_report_lines_order_item_id'))

    op.drop_table('problem_report_lines')
    with op.batch_alter_table('store_ratings', schema=None) as batch_op:
        batch_op.drop_index('ix_store_ratings_store')

    op.drop_table('store_ratings')
    with op.batch_alter_table('quotes', schema=None) as batch_op:
        batch_op.drop_index('ix_quotes_store_state')
        batch_op.drop_index('ix_quotes_buyer_created')

    op.drop_table('quotes')
    with op.batch_alter_table('problem_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_problem_reports_order_state')

    op.drop_table('problem_reports')
