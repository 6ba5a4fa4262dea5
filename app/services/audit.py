"""The audit log: who did what to which object, with before and after."""
from app.extensions import db
from app.models import AuditEntry


def record(actor, action, obj=None, *, object_type=None, object_id=None, before=None, after=None, note=""):
    """Add an audit entry to the session; the calling service commits it."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=object_type or (type(obj).__name__.lower() if obj is not None else ""),
        object_id=object_id if object_id is not None else getattr(obj, "id", None),
        before=before,
        after=after,
        note=note or "",
    )
    db.session.add(entry)
    return entry
