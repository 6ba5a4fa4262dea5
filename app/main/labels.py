"""Words on screen for codes stored in the database."""
from flask_babel import lazy_gettext as _l

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
    "open": _l("Open"),
    "accepted": _l("Accepted"),
    "revoked": _l("Withdrawn"),
    "expired": _l("Expired"),
}


def register(app):
    @app.context_processor
    def inject_labels():
        return {
            "role_labels": ROLE_LABELS,
            "mail_status_labels": MAIL_STATUS_LABELS,
            "invitation_state_labels": INVITATION_STATE_LABELS,
        }
