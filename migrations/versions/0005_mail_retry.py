"""mail retry: outbox_messages.next_attempt_at and the periodic_job_runs table

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 20:45:00

Written by hand (issue 9, jobs): the lead re-chains down_revision if 0004 ends up named
differently.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_messages_next_attempt_at'), ['next_attempt_at'], unique=False)

    op.create_table('periodic_job_runs',
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_status', sa.String(length=12), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('last_duration_ms', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_periodic_job_runs'))
    )


def downgrade():
    op.drop_table('periodic_job_runs')
    with op.batch_alter_table('outbox_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_messages_next_attempt_at'))
        batch_op.drop_column('next_attempt_at')
