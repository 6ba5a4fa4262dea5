"""Who may do what: every permission rule of the app, as small named functions.

- role decorators for views (anonymous users are sent to log in; a logged-in user
  without the role gets 403);
- store rules: membership, who reviews a store (its mentor or an admin, never a member),
  who sees its documents;
- department rules: purchaser, approver, the parties of a department order, and the
  actions each may take on it now (``purchase_actions``), so views ask and never decide.

Objects owned by someone else are reported as 404 by the services, so their existence
does not leak. Rules take the user as an argument; only the decorators read current_user.
"""
from functools import wraps
from typing import Any, Protocol, cast

from flask import abort, g, has_app_context, has_request_context
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import event

from app.extensions import db, login_manager
from app.models import DepartmentRole, OrderState, StoreMember
from app.services import NotAllowed, NotFound


class RoleGuardedView(Protocol):
    """A view behind roles_required: it names its roles, so the tests can list who may open it."""

    required_roles: tuple[str, ...]

    def __call__(self, *args: Any, **kwargs: Any) -> Any: ...


def roles_required(*roles: str):
    def decorator(view) -> RoleGuardedView:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        guarded = cast(RoleGuardedView, wrapped)
        guarded.required_roles = roles
        return guarded

    return decorator


admin_required = roles_required("admin")


# ------------------------------------------------------------------ stores


def is_member(user, store) -> bool:
    """``user`` works for ``store`` (reads the loaded members: no query when they are loaded)."""
    return user is not None and getattr(user, "id", None) is not None and any(
        m.user_id == user.id for m in store.members)


def can_review(user, store) -> bool:
    """The store's mentor or an admin, and never a member of the store."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    if not user.has_role("admin", "mentor"):  # most people: no need to load the store's members
        return False
    if is_member(user, store):
        return False
    return user.has_role("admin") or (user.has_role("mentor") and store.mentor_id == user.id)


def require_reviewer(actor, store):
    """Members of the store: 403 with a reason; anyone else not assigned: 404."""
    if is_member(actor, store):
        raise NotAllowed(_("Nobody reviews their own store; another mentor or an admin must decide."))
    if not can_review(actor, store):
        raise NotFound(_("Store not found."))


def can_see_documents(user, store) -> bool:
    """A store's documents: its members, its reviewers and admins."""
    return is_member(user, store) or can_review(user, store) or (user is not None and user.has_role("admin"))


def is_member_of(user, store_id) -> bool:
    """As is_member, by the store's id (one small query)."""
    if user is None or getattr(user, "id", None) is None:
        return False
    return db.session.execute(
        db.select(StoreMember.id).where(StoreMember.user_id == user.id, StoreMember.store_id == store_id)
    ).first() is not None


def store_ids_of(user) -> list[int]:
    """The ids of the stores ``user`` works for (one small query)."""
    if user is None or getattr(user, "id", None) is None:
        return []
    return list(db.session.execute(db.select(StoreMember.store_id).where(StoreMember.user_id == user.id)).scalars())


# ------------------------------------------------------------------ department roles


_ROLES_KEY = "_department_roles"


def department_roles_of(user) -> tuple[tuple[int, str], ...]:
    """The user's (department_id, role) pairs, read once per request: every page's menu asks
    (purchaser entry, approver entries, the approvals badge) and so do the views. Outside a
    request (CLI, shell) they are read every time."""
    if not has_request_context():
        return _read_department_roles(user.id)
    cache = g.setdefault(_ROLES_KEY, {})
    if user.id not in cache:
        cache[user.id] = _read_department_roles(user.id)
    return cache[user.id]


def remember_department_roles(user_id, pairs):
    """Roles already read (with the signed-in user, in the same statement)."""
    if has_request_context():
        g.setdefault(_ROLES_KEY, {})[user_id] = tuple(pairs)


def _read_department_roles(user_id):
    return tuple(db.session.execute(
        db.select(DepartmentRole.department_id, DepartmentRole.role)
        .where(DepartmentRole.user_id == user_id).order_by(DepartmentRole.id)
    ).tuples())


def forget_department_roles():
    """Drop the remembered roles: at the start of every request, and whenever a role row is
    written (below), so a grant or revoke is seen later in the same request."""
    if has_app_context():
        g.pop(_ROLES_KEY, None)


@event.listens_for(DepartmentRole, "after_insert")
@event.listens_for(DepartmentRole, "after_update")
@event.listens_for(DepartmentRole, "after_delete")
def _department_role_written(mapper, connection, target):
    forget_department_roles()


def is_purchaser(user) -> bool:
    """A purchaser of the department the user belongs to."""
    if not getattr(user, "department_id", None):
        return False
    return (user.department_id, "purchaser") in department_roles_of(user)


def approver_department_ids(user) -> list[int]:
    if not getattr(user, "is_authenticated", False):
        return []
    return [department_id for department_id, role in department_roles_of(user) if role == "approver"]


def is_approver(user, department_id=None) -> bool:
    ids = approver_department_ids(user)
    return bool(ids) if department_id is None else department_id in ids


def treasurer_department_ids(user) -> list[int]:
    """The departments ``user`` is treasurer (bendahara pengeluaran) of."""
    if not getattr(user, "is_authenticated", False):
        return []
    return [department_id for department_id, role in department_roles_of(user) if role == "treasurer"]


def is_treasurer(user, department_id=None) -> bool:
    ids = treasurer_department_ids(user)
    return bool(ids) if department_id is None else department_id in ids


def is_purchase_party(user, purchase) -> bool:
    """The purchaser, the department's approvers and treasurers, the store's members and admins."""
    if not getattr(user, "is_authenticated", False):
        return False
    return (user.has_role("admin") or purchase.requester_id == user.id
            or is_approver(user, purchase.department_id) or is_treasurer(user, purchase.department_id)
            or is_member_of(user, purchase.order.store_id))


def purchase_actions(purchase, user) -> set[str]:
    """What ``user`` may do on a department order now: ``decide`` (approve or refuse: an
    approver of the department, never on their own order), ``confirm_bast`` (the purchaser,
    once delivered), ``record_treasury_payment`` (the department's treasurer or an admin,
    once invoiced), ``pay_on_delivery`` (the treasurer, a UP order paid at the handover, once
    delivered); and ``own_order_waiting`` when an approver looks at their own order awaiting
    approval."""
    order = purchase.order
    actions = set()
    approver = is_approver(user, purchase.department_id)
    own = purchase.requester_id == user.id
    if order.state == OrderState.AWAITING_APPROVAL and approver:
        actions.add("own_order_waiting" if own else "decide")
    if own and order.state == OrderState.DELIVERED:
        actions.add("confirm_bast")
    treasurer = is_treasurer(user, purchase.department_id)
    up_at_handover = purchase.payment_mode == "up_treasurer"
    if own and order.state == OrderState.DELIVERED and up_at_handover:
        actions.discard("confirm_bast")  # the treasurer's payment at the handover confirms it
    if (treasurer or user.has_role("admin")) and order.state == OrderState.INVOICED:
        actions.add("record_treasury_payment")
    if treasurer and up_at_handover and order.state == OrderState.DELIVERED:
        actions.add("pay_on_delivery")
    if (own and purchase.payment_mode == "up_card" and order.payment_state == "due"
            and order.state in (OrderState.PLACED, OrderState.ACCEPTED, OrderState.READY, OrderState.DELIVERED)):
        actions.add("pay_by_card")  # KKPD: only the purchaser who placed it
    return actions


# ------------------------------------------------------------------ incubator programme


def mentor_cohort_ids(user) -> list[int]:
    """The cohorts ``user`` coaches (one small query)."""
    from app.models import CohortMentor

    if user is None or getattr(user, "id", None) is None or not user.has_role("mentor"):
        return []
    return list(db.session.execute(
        db.select(CohortMentor.cohort_id).where(CohortMentor.mentor_id == user.id)).scalars())


def can_coach(user, store) -> bool:
    """Admins, and the mentors of the store's current cohort; never a member of the store."""
    if user is None or not getattr(user, "is_authenticated", True) or is_member(user, store):
        return False
    if user.has_role("admin"):
        return True
    return store.cohort_id is not None and store.cohort_id in mentor_cohort_ids(user)


def can_follow_programme(user, store) -> bool:
    """Who sees a startup's sessions, actions and indicators: its coaches and its members."""
    return can_coach(user, store) or is_member(user, store)
