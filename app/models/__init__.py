"""SQLAlchemy models, one module per aggregate. Import them all here for Alembic."""
from app.models.states import (  # noqa: F401
    FINAL_STATES,
    ORDER_STATES,
    QUESTION_STATES,
    ListingState,
    OrderState,
    ProblemReportState,
    QuoteState,
    QuestionState,
    StoreState,
)
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
    UserSession,
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
    MAX_OPTION_VALUES,
    MAX_OPTIONS,
    MAX_VARIANTS,
    REASON_CODES,
    UNITS,
    ListingReview,
    Product,
    ProductImage,
    ProductRevision,
    ProductVariant,
    default_sku,
    option_key,
)
from app.models.order import (  # noqa: F401,E402
    COD_PAYMENT_KINDS,
    DELIVERY_METHODS,
    PAYMENT_STATES,
    TIME_WINDOWS,
    Cart,
    CartItem,
    CheckoutAttempt,
    Notification,
    Order,
    OrderEvent,
    OrderItem,
    OrderMessage,
    ProductReview,
)
from app.models.department import (  # noqa: F401,E402
    DEPARTMENT_ROLES,
    PAYMENT_MODES,
    DepartmentPurchase,
    DepartmentRole,
    PublicHoliday,
)
from app.models.payment import (  # noqa: F401,E402
    LEDGER_REASONS,
    REFUND_STATES,
    CardPayment,
    LedgerEntry,
    Payout,
    PayoutBatch,
    Refund,
    StripeEvent,
)
from app.models.tax import (  # noqa: F401,E402
    RULE_APPLIES_TO,
    STORE_CERTIFICATE,
    STORE_VAT,
    TAX_CODES,
    TAX_KINDS,
    InvoiceTaxLine,
    TaxRule,
)
from app.models.after_order import (  # noqa: F401,E402
    PROBLEM_REASONS,
    RATING_ASPECTS,
    STORE_ANSWERS,
    ProblemReport,
    ProblemReportLine,
    ProblemReportPhoto,
    Quote,
    QuoteLine,
    QuoteRound,
    StoreRating,
)
from app.models.questions import ProductQuestion  # noqa: F401,E402
from app.models.lists import ShoppingList, ShoppingListItem, ShoppingListShare  # noqa: F401,E402
