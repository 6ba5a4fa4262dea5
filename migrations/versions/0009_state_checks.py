"""state checks: orders.state, products.status, product_revisions.status and stores.status
hold only the states the code knows (app.models.states)

The lists are written out here, as they were when this revision was made: a later state
comes with its own revision that widens the check.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 20:40:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

ORDER_STATES = ("awaiting_payment", "awaiting_approval", "placed", "accepted", "ready", "delivered",
                "invoiced", "completed", "cancelled", "declined", "expired", "refused")
LISTING_STATES = ("draft", "submitted", "changes_requested", "approved", "rejected")
STORE_STATES = ("pending_verification", "changes_requested", "verified", "suspended")

CHECKS = (
    ("orders", "state", "state_known", ORDER_STATES),
    ("products", "status", "status_known", LISTING_STATES),
    ("product_revisions", "status", "status_known", LISTING_STATES),
    ("stores", "status", "status_known", STORE_STATES),
)


def _in(column, states):
    return f"{column} IN ({', '.join(repr(s) for s in states)})"


def upgrade():
    for table, column, name, states in CHECKS:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_check_constraint(op.f(f"ck_{table}_{name}"), _in(column, states))


def downgrade():
    for table, _column, name, _states in reversed(CHECKS):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
