"""SQLAlchemy models, one module per aggregate. Import them all here for Alembic."""
from app.models.user import (  # noqa: F401
    DEFAULT_ORDER_CAP,
    INVITABLE_ROLES,
    ROLES,
    AuditEntry,
    Department,
    Invitation,
    OutboxMessage,
    User,
    UserRole,
)
