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
from app.models.store import (  # noqa: F401,E402
    DOCUMENT_KINDS,
    DOCUMENT_STATES,
    KECAMATAN,
    STORE_STATES,
    BusinessDocument,
    Category,
    Store,
    StoreInvitation,
    StoreMember,
)
from app.models.product import (  # noqa: F401,E402
    LISTING_STATES,
    MAX_IMAGES,
    REASON_CODES,
    UNITS,
    ListingReview,
    Product,
    ProductImage,
    ProductRevision,
)
