"""Words on screen for codes stored in the database."""
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


def register(app):
    # A global, not a context variable: macros imported without context (catalog cards) use it too.
    app.jinja_env.globals["unit_label"] = unit_label

    @app.context_processor
    def inject_labels():
        return {
            "role_labels": ROLE_LABELS,
            "mail_status_labels": MAIL_STATUS_LABELS,
            "invitation_state_labels": INVITATION_STATE_LABELS,
        }
