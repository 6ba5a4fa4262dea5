"""Words on screen for the codes the app stores: states, actions, units, methods, roles.

One module, so that a service, a page and an e-mail name a code with the same word, and
so that nothing reaches into a blueprint for a label. Keys are the stored codes (the
states are app.models.states' StrEnums, equal to their codes). ``label(mapping, code)``
shows an unknown code (an old row) as it is. Templates get every table as a global.
"""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext, npgettext

ROLE_LABELS = {
    "buyer": _l("Buyer"),
    "seller": _l("Seller"),
    "mentor": _l("Mentor"),
    "admin": _l("Admin"),
}

MAIL_STATUS_LABELS = {
    "queued": _l("Queued"),
    "sent": _l("Sent"),
    "kept": _l("Kept in outbox"),
    "failed": _l("Failed"),
}

INVITATION_STATE_LABELS = {
    "open": lazy_pgettext("invitation state", "Open"),
    "accepted": _l("Accepted"),
    "revoked": _l("Withdrawn"),
    "expired": _l("Expired"),
}


def unit_label(code, count=1):
    """The word for a unit code (app.models.UNITS) agreeing with ``count``.

    ``{{ n }} {{ unit_label(item.unit, n) }}`` after a quantity, ``/ {{ unit_label(p.unit) }}``
    after a price. An unknown code (an old row) is shown as it is.
    """
    if code == "pcs":
        return npgettext("unit", "piece", "pieces", count)
    if code == "botol":
        return npgettext("unit", "bottle", "bottles", count)
    if code == "lembar":
        return npgettext("unit", "sheet", "sheets", count)
    if code == "paket":
        return npgettext("unit", "package", "packages", count)
    return code or ""


# Orders
ORDER_STATE_LABELS = {
    "awaiting_payment": _l("Awaiting payment"),
    "awaiting_approval": _l("Awaiting approval"),
    "placed": _l("Placed"),
    "accepted": _l("Accepted"),
    "ready": _l("Ready"),
    "delivered": _l("Delivered"),
    "invoiced": _l("Invoiced"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
    "declined": _l("Declined"),
    "expired": _l("Expired"),
    "refused": _l("Refused"),
}

ORDER_ACTION_LABELS = {
    "place": _l("Order placed"),
    "payment_confirmed": _l("Payment confirmed"),
    "approve": _l("Approved"),
    "refuse": _l("Refused"),
    "expire": _l("Expired"),
    "accept": _l("Accepted by the store"),
    "decline": _l("Declined by the store"),
    "cancel": _l("Cancelled by the buyer"),
    "mark_ready": _l("Ready for pickup or out for delivery"),
    "mark_delivered": _l("Delivered"),
    "confirm_receipt": _l("Receipt confirmed by the buyer"),
    "auto_complete": _l("Completed automatically"),
    "payment_recorded": _l("Payment received recorded"),
    "confirm_bast": _l("Handover record (BAST) confirmed"),
    "record_treasury_payment": _l("Treasury payment recorded"),
    "answer_timeout": _l("Cancelled: the store did not answer in time"),
    "replace": _l("The store delivers again"),
    "problem_reported": _l("Problem reported"),
    "problem_replace": _l("Problem report: the store delivers again"),
    "problem_refund": _l("Problem report: the store refunds the rejected part"),
    "problem_dispute": _l("Problem report: the store disputes it"),
    "problem_uphold": _l("Dispute decided for the buyer"),
    "problem_dismiss": _l("Dispute decided for the store"),
    "accepted_in_part": _l("Accepted in part"),
    "store_rated": _l("Store rated"),
}

PAYMENT_STATE_LABELS = {
    "due": _l("Not paid yet"),
    "paid": _l("Paid"),
    "refunded": _l("Refunded"),
    "partially_refunded": _l("Partly refunded"),
    "none": _l("Nothing to pay"),
}

DELIVERY_LABELS = {"office": _l("Delivery to the office"), "pickup": _l("Pickup at the store")}

PAYMENT_KIND_LABELS = {"cash": _l("Cash"), "transfer": _l("Bank transfer")}

# Listings and their review
DOCUMENT_KIND_LABELS = {
    "nib": _l("NIB"),
    "halal": _l("Halal certificate"),
    "pirt": _l("PIRT-IRT"),
    "bpom_md": _l("BPOM MD"),
    "bpom_ml": _l("BPOM ML"),
    "hki": _l("HKI"),
    "other": _l("Other document"),
    "npwp": _l("NPWP (taxpayer number)"),
    "sppkp": _l("SPPKP (VAT registration, PKP)"),
    "pp55": _l("PP 55/2022 certificate (final 0.5% tax)"),
}

LISTING_STATE_LABELS = {
    "draft": _l("Draft"),
    "submitted": _l("Awaiting review"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}

QUESTION_STATE_LABELS = {
    "open": _l("Waiting for an answer"),
    "answered": _l("Answered"),
    "hidden": _l("Hidden"),
}

SHARE_MODE_LABELS = {
    "read": _l("Can see"),
    "edit": _l("Can edit"),
}

REASON_LABELS = {
    "photo": _l("Photo"),
    "copywriting": _l("Copywriting"),
    "price": _l("Price"),
    "permit": _l("Permit"),
    "category": _l("Category"),
    "other": _l("Other"),
}

PRODUCT_FIELD_LABELS = {
    "name": _l("Name"),
    "description": _l("Description"),
    "category_id": _l("Category"),
    "unit": _l("Unit"),
    "weight_grams": _l("Weight (grams)"),
    "min_order": _l("Minimum order"),
    "lead_time_days": _l("Lead time (days)"),
    "images": _l("Photos"),
    "options": _l("Variants"),
    "price": _l("Price"),
    "stock": _l("Stock"),
}

LISTING_ACTION_LABELS = {
    "submit": _l("submitted"),
    "approve": _l("approved"),
    "request_changes": _l("sent back for changes"),
    "reject": _l("rejected"),
}

# What a seller should do for each reason code.
REASON_HINTS = {
    "photo": _l("Upload clearer photos: good light, the product filling the frame, a plain background."),
    "copywriting": _l("Rewrite the name or description: say what it is, its size, ingredients or material."),
    "price": _l("Check the price: it must be the final price in rupiah per unit."),
    "permit": _l("Upload or renew the permit this category needs (PIRT-IRT or BPOM, halal)."),
    "category": _l("Choose the category that fits the product."),
    "other": _l("Read the mentor's note."),
}

# Stores
STORE_STATE_LABELS = {
    "pending_verification": _l("Awaiting verification"),
    "changes_requested": _l("Changes requested"),
    "verified": _l("Verified"),
    "suspended": _l("Suspended"),
}

STORE_ACTION_LABELS = {
    "verify": _l("verified"),
    "request_changes": _l("sent back for changes"),
    "suspend": _l("suspended"),
    "reinstate": _l("reinstated"),
    "resubmit": _l("sent back for verification"),
}

# Stock shown to buyers (Product.stock_state)
STOCK_LABELS = {
    "in_stock": _l("In stock"),
    "low": _l("Low stock"),
    "out": _l("Out of stock"),
}

# Department purchases
DEPARTMENT_ROLE_LABELS = {"purchaser": _l("Purchaser (PP)"), "approver": _l("Approver (PPK)"),
                          "treasurer": _l("Treasurer (bendahara pengeluaran)")}

TAX_LABELS = {
    "ppn": _l("PPN (VAT)"),
    "pbjt": _l("PBJT (regional tax on food and drink)"),
    "pph22": _l("PPh 22 (income tax collected on goods)"),
    "pph23": _l("PPh 23 (income tax withheld on services)"),
    "pph_final": _l("Final income tax 0.5% (PP 55/2022)"),
}
# Short names for tables on a phone; the long ones above are their titles.
TAX_SHORT_LABELS = {"ppn": "PPN", "pbjt": "PBJT", "pph22": "PPh 22", "pph23": "PPh 23",
                    "pph_final": _l("Final 0.5 percent")}
TAX_KIND_LABELS = {"goods": _l("Goods"), "service": _l("Service"), "catering": _l("Catering service"),
                   "all": _l("All")}
STORE_VAT_LABELS = {"pkp": _l("VAT-registered (PKP)"), "non_pkp": _l("Not VAT-registered"), "any": _l("Any store")}
STORE_CERTIFICATE_LABELS = {"with": _l("Holds the PP 55/2022 certificate"),
                            "without": _l("Without the PP 55/2022 certificate"), "any": _l("Either")}
PAYMENT_MODE_LABELS = {
    "ls": _l("LS: treasury transfer after the invoice"),
    "up_card": _l("UP: the department's card (KKPD)"),
    "up_treasurer": _l("UP: the treasurer pays at the handover"),
}

DEPARTMENT_DECISION_LABELS = {
    "": _l("Awaiting approval"),
    "approved": _l("Approved"),
    "refused": _l("Refused"),
    "expired": _l("Cancelled automatically"),
    "cancelled": _l("Cancelled"),
}

# Business documents
DOCUMENT_STATE_LABELS = {
    "pending": _l("Waiting for check"),
    "valid": _l("Valid"),
    "rejected": _l("Rejected"),
    "expired": _l("Expired"),
}

# Units, as choices on the product form (the word after a quantity is unit_label)
UNIT_CHOICE_LABELS = {"pcs": _l("piece (pcs)"), "botol": _l("bottle (botol)"), "lembar": _l("sheet (lembar)"),
               "paket": _l("package (paket)")}

STOCK_BADGE_CLASSES = {"out": "text-bg-secondary", "low": "text-bg-warning", "in_stock": "text-bg-light border"}


# After the order: problem reports, the store's answers, quotes, store ratings (issue 18).
PROBLEM_REASON_LABELS = {
    "damaged": _l("Damaged"),
    "wrong_item": _l("Wrong item"),
    "short": _l("Fewer than ordered"),
    "late": _l("Late"),
    "quality": _l("Quality not as described"),
}
PROBLEM_STATE_LABELS = {
    "open": _l("Waiting for the store"),
    "replaced": _l("The store delivers again"),
    "refunded": _l("Rejected part refunded"),
    "disputed": _l("Disputed: the programme admins decide"),
    "upheld": _l("Decided for the buyer"),
    "dismissed": _l("Decided for the store"),
}
STORE_ANSWER_LABELS = {
    "replace": _l("Replace: deliver again"),
    "refund": _l("Refund the rejected part"),
    "dispute": _l("Dispute the report"),
}
QUOTE_STATE_LABELS = {
    "requested": _l("Waiting for the store's offer"),
    "offered": _l("Offer received"),
    "accepted": _l("Accepted: ordered"),
    "declined": _l("Declined by the store"),
    "withdrawn": _l("Withdrawn"),
    "expired": _l("Expired"),
}
QUOTE_ACTION_LABELS = {
    "request": _l("Quote requested"),
    "offer": _l("Offer"),
    "counter": _l("Counter-offer"),
    "accept": _l("Accepted"),
    "decline": _l("Declined"),
    "withdraw": _l("Withdrawn"),
    "expire": _l("Expired"),
}
RATING_ASPECT_LABELS = {
    "quality": _l("Quality"),
    "timeliness": _l("Timeliness"),
    "quantity": _l("Quantity"),
    "service": _l("Service"),
}
RATING_SCALE_LABELS = {1: _l("Poor"), 2: _l("Fair"), 3: _l("Good"), 4: _l("Very good")}

SESSION_TOPIC_LABELS = {
    "permits": _l("Permits"),
    "product": _l("Product and packaging"),
    "copywriting": _l("Copywriting"),
    "marketing": _l("Marketing"),
    "design": _l("Design"),
    "pricing": _l("Pricing"),
    "bookkeeping": _l("Bookkeeping"),
    "other": _l("Other"),
}

ACTION_OWNER_LABELS = {"store": _l("The store"), "mentor": _l("The mentor")}

GRADUATION_STATE_LABELS = {
    "recommended": _l("Recommended for graduation"),
    "graduated": _l("Graduated"),
    "extended": _l("Incubation extended"),
    "withdrawn": _l("Withdrawn from the programme"),
}

GRADUATION_DECISION_LABELS = {"graduate": _l("Graduate"), "extend": _l("Extend"), "withdraw": _l("Withdraw")}

CRITERION_LABELS = {
    "permits": _l("Permits held (NIB and others)"),
    "live_products": _l("Live products"),
    "months_with_sales": _l("Months with sales"),
    "revenue": _l("Sales in the market (Rp)"),
    "trainings": _l("Trainings attended"),
    "actions_on_time": _l("Agreed actions done on time (%)"),
}

ATTENTION_LABELS = {
    "overdue_actions": _l("Overdue actions"),
    "no_recent_sale": _l("No sale in 60 days"),
    "no_nib": _l("No verified NIB"),
    "no_recent_session": _l("No session in 30 days"),
    "report_waiting": _l("Self-report to confirm"),
    "checkin_due": _l("Check-in due"),
    "low_rating": _l("Rated low by departments"),
}


def label(mapping, code):
    """The word for ``code`` in ``mapping``, or the code itself when the table lacks it."""
    return mapping.get(code, code)


# Every table above, under the name templates use.
TEMPLATE_GLOBALS = {
    "role_labels": ROLE_LABELS,
    "mail_status_labels": MAIL_STATUS_LABELS,
    "invitation_state_labels": INVITATION_STATE_LABELS,
    "order_state_labels": ORDER_STATE_LABELS,
    "order_action_labels": ORDER_ACTION_LABELS,
    "payment_state_labels": PAYMENT_STATE_LABELS,
    "delivery_labels": DELIVERY_LABELS,
    "payment_kind_labels": PAYMENT_KIND_LABELS,
    "listing_state_labels": LISTING_STATE_LABELS,
    "document_kind_labels": DOCUMENT_KIND_LABELS,
    "document_labels": DOCUMENT_KIND_LABELS,
    "reason_labels": REASON_LABELS,
    "field_labels": PRODUCT_FIELD_LABELS,
    "store_state_labels": STORE_STATE_LABELS,
    "document_state_labels": DOCUMENT_STATE_LABELS,
    "unit_labels": UNIT_CHOICE_LABELS,
    "stock_labels": STOCK_LABELS,
    "stock_badge_classes": STOCK_BADGE_CLASSES,
    "department_role_labels": DEPARTMENT_ROLE_LABELS,
    "department_decision_labels": DEPARTMENT_DECISION_LABELS,
    "tax_labels": TAX_LABELS,
    "tax_short_labels": TAX_SHORT_LABELS,
    "tax_kind_labels": TAX_KIND_LABELS,
    "payment_mode_labels": PAYMENT_MODE_LABELS,
    "store_vat_labels": STORE_VAT_LABELS,
    "store_certificate_labels": STORE_CERTIFICATE_LABELS,
    "problem_reason_labels": PROBLEM_REASON_LABELS,
    "problem_state_labels": PROBLEM_STATE_LABELS,
    "store_answer_labels": STORE_ANSWER_LABELS,
    "quote_state_labels": QUOTE_STATE_LABELS,
    "quote_action_labels": QUOTE_ACTION_LABELS,
    "rating_aspect_labels": RATING_ASPECT_LABELS,
    "rating_scale_labels": RATING_SCALE_LABELS,
    "question_state_labels": QUESTION_STATE_LABELS,
    "share_mode_labels": SHARE_MODE_LABELS,
    "session_topic_labels": SESSION_TOPIC_LABELS,
    "action_owner_labels": ACTION_OWNER_LABELS,
    "graduation_state_labels": GRADUATION_STATE_LABELS,
    "graduation_decision_labels": GRADUATION_DECISION_LABELS,
    "criterion_labels": CRITERION_LABELS,
    "attention_labels": ATTENTION_LABELS,
}


def register(app):
    # Globals, not a context processor: macros imported without context (catalog cards) use them too.
    app.jinja_env.globals["unit_label"] = unit_label
    app.jinja_env.globals["label"] = label
    app.jinja_env.globals.update(TEMPLATE_GLOBALS)
