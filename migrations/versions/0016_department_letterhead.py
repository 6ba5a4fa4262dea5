"""department letterhead: the kop surat of a department's documents (the government line
above its name, postcode, phone, e-mail, a logo) and its versions, so a document is printed
with the letterhead of the day it was issued. Each existing department gets its first
version, dated when it was created, from its name and address.

Revision ID: 0016_department_letterhead
Revises: 0015_list_variants
Create Date: 2026-12-07 06:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '0016_department_letterhead'
down_revision = '0015_list_variants'
branch_labels = None
depends_on = None

PARENT = 'PEMERINTAH KOTA PONTIANAK'


def upgrade():
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('letterhead_parent', sa.String(length=120), nullable=False,
                                      server_default=PARENT))
        batch_op.add_column(sa.Column('postcode', sa.String(length=10), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('phone', sa.String(length=40), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('email', sa.String(length=254), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('logo_key', sa.String(length=255), nullable=True))
    with op.batch_alter_table('departments', schema=None) as batch_op:
        for column in ('letterhead_parent', 'postcode', 'phone', 'email'):
            batch_op.alter_column(column, server_default=None)
    op.create_table('department_letterheads',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('parent', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.Text(), nullable=False),
    sa.Column('postcode', sa.String(length=10), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('logo_key', sa.String(length=255), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                            name=op.f('fk_department_letterheads_department_id_departments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_department_letterheads'))
    )
    with op.batch_alter_table('department_letterheads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_department_letterheads_department_id'), ['department_id'], unique=False)
    op.execute(sa.text(
        "INSERT INTO department_letterheads (department_id, parent, name, address, postcode, phone, email, "
        "logo_key, created_at) SELECT id, :parent, name, address, '', '', '', NULL, created_at FROM departments"
    ).bindparams(parent=PARENT))


def downgrade():
    with op.batch_alter_table('department_letterheads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_department_letterheads_department_id'))
    op.drop_table('department_letterheads')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        for column in ('logo_key', 'email', 'phone', 'postcode', 'letterhead_parent'):
            batch_op.drop_column(column)
