"""tax: dated tax rules, the NIP of a department role, the tax lines of issued invoices, the category's tax kind, and on
each department purchase its payment mode (LS / UP), frozen tax, the treasurer's slip and
NTPN and the kuitansi

Existing purchases are LS (today's path) with no tax frozen: their invoices stay as issued.
Existing categories sell goods.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 00:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TAX_CODES = ("ppn", "pbjt", "pph22", "pph23", "pph_final")
RULE_APPLIES_TO = ("goods", "service", "catering", "all")


def _in(column, values):
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade():
    op.create_table(
        'tax_rules',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('tax', sa.String(length=12), nullable=False),
        sa.Column('applies_to', sa.String(length=10), nullable=False),
        sa.Column('store_vat', sa.String(length=8), nullable=False),
        sa.Column('store_certificate', sa.String(length=8), nullable=False),
        sa.Column('rate_bp', sa.Integer(), nullable=False),
        sa.Column('base_num', sa.Integer(), nullable=False),
        sa.Column('base_den', sa.Integer(), nullable=False),
        sa.Column('threshold', sa.Integer(), nullable=False),
        sa.Column('legal_basis', sa.String(length=200), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('effective_until', sa.Date(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in('tax', TAX_CODES), name=op.f('ck_tax_rules_tax_known')),
        sa.CheckConstraint(_in('applies_to', RULE_APPLIES_TO), name=op.f('ck_tax_rules_applies_to_known')),
        sa.CheckConstraint('rate_bp >= 0 AND rate_bp <= 10000', name=op.f('ck_tax_rules_rate_range')),
        sa.CheckConstraint('base_num > 0 AND base_den > 0 AND base_num <= base_den',
                           name=op.f('ck_tax_rules_base_fraction')),
        sa.CheckConstraint('threshold >= 0', name=op.f('ck_tax_rules_threshold_not_negative')),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_tax_rules_created_by_id_users')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_tax_rules')),
    )
    op.create_table(
        'invoice_tax_lines',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('purchase_id', sa.Integer(), nullable=False),
        sa.Column('rule_id', sa.Integer(), nullable=False),
        sa.Column('tax', sa.String(length=12), nullable=False),
        sa.Column('applies_to', sa.String(length=10), nullable=False),
        sa.Column('base', sa.Integer(), nullable=False),
        sa.Column('rate_bp', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('in_price', sa.Boolean(), nullable=False),
        sa.Column('withheld', sa.Integer(), nullable=False),
        sa.Column('legal_basis', sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(['purchase_id'], ['department_purchases.id'],
                                name=op.f('fk_invoice_tax_lines_purchase_id_department_purchases'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['rule_id'], ['tax_rules.id'], name=op.f('fk_invoice_tax_lines_rule_id_tax_rules')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_tax_lines')),
    )
    with op.batch_alter_table('invoice_tax_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_tax_lines_purchase_id'), ['purchase_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invoice_tax_lines_rule_id'), ['rule_id'], unique=False)

    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tax_kind', sa.String(length=10), server_default='goods', nullable=False))

    with op.batch_alter_table('department_roles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('nip', sa.String(length=18), server_default='', nullable=False))

    with op.batch_alter_table('department_purchases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_mode', sa.String(length=14), server_default='ls', nullable=False))
        batch_op.add_column(sa.Column('tax_issued_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('tax_gross', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('tax_withheld', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('net_payable', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('tax_slip', sa.String(length=60), server_default='', nullable=False))
        batch_op.add_column(sa.Column('ntpn', sa.String(length=30), server_default='', nullable=False))
        batch_op.add_column(sa.Column('ntpn_pending', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('kuitansi_number', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('kuitansi_code', sa.String(length=12), nullable=True))
        batch_op.create_unique_constraint(batch_op.f('uq_department_purchases_kuitansi_number'), ['kuitansi_number'])
        batch_op.create_unique_constraint(batch_op.f('uq_department_purchases_kuitansi_code'), ['kuitansi_code'])


def downgrade():
    with op.batch_alter_table('department_purchases', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_department_purchases_kuitansi_code'), type_='unique')
        batch_op.drop_constraint(batch_op.f('uq_department_purchases_kuitansi_number'), type_='unique')
        for column in ('kuitansi_code', 'kuitansi_number', 'ntpn_pending', 'ntpn', 'tax_slip', 'net_payable',
                       'tax_withheld', 'tax_gross', 'tax_issued_at', 'payment_mode'):
            batch_op.drop_column(column)
    with op.batch_alter_table('department_roles', schema=None) as batch_op:
        batch_op.drop_column('nip')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_column('tax_kind')
    with op.batch_alter_table('invoice_tax_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_tax_lines_rule_id'))
        batch_op.drop_index(batch_op.f('ix_invoice_tax_lines_purchase_id'))
    op.drop_table('invoice_tax_lines')
    op.drop_table('tax_rules')
