"""Departments and their people: the purchaser (PP) and approver (PPK) roles, who may name
them, and the department's own data (name, code, address, cap per order). Admin only, except
that an approver names purchasers of their own department."""
from __future__ import annotations

import re

from flask_babel import gettext as _

from app import clock
from app.authz import is_approver
from app.extensions import db
from app.labels import DEPARTMENT_ROLE_LABELS
from app.models import (
    DEFAULT_ORDER_CAP,
    Department,
    DepartmentRole,
    User,
)
from app.parsing import RUPIAH_MAX
from app.services import Conflict, Invalid, NotAllowed, NotFound, audit
from app.services.procurement.terms import rupiah


def roles_of(user, role=None):
    query = db.select(DepartmentRole).where(DepartmentRole.user_id == user.id)
    if role:
        query = query.where(DepartmentRole.role == role)
    return db.session.execute(query).scalars().all()


def people_with_role(department_id, role):
    return db.session.execute(
        db.select(User).join(DepartmentRole, DepartmentRole.user_id == User.id)
        .where(DepartmentRole.department_id == department_id, DepartmentRole.role == role, User.active.is_(True))
        .order_by(User.full_name)
    ).scalars().all()


def department_roles(department_id):
    return db.session.execute(
        db.select(DepartmentRole).where(DepartmentRole.department_id == department_id)
        .options(db.joinedload(DepartmentRole.user), db.joinedload(DepartmentRole.granted_by))
        .order_by(DepartmentRole.role, DepartmentRole.id)
    ).scalars().all()


def get_department(department_id) -> Department:
    department = db.session.get(Department, department_id)
    if department is None:
        raise NotFound(_("This department does not exist."))
    return department


def _can_manage_roles(actor, department, role):
    if actor.has_role("admin"):
        return True
    # A department's approver may name purchasers among their colleagues.
    return role == "purchaser" and is_approver(actor, department.id)


def nip_of(user, department_id, role) -> str:
    """The NIP recorded with ``user``'s ``role`` in the department ("" when none)."""
    if user is None:
        return ""
    return db.session.execute(
        db.select(DepartmentRole.nip).where(DepartmentRole.user_id == user.id,
                                            DepartmentRole.department_id == department_id,
                                            DepartmentRole.role == role)
    ).scalar_one_or_none() or ""


def grant_department_role(actor, department_id, email, role, nip: str | None = ""):
    """An admin names a purchaser, approver or treasurer of a department; an approver of the
    department may name purchasers. The person must belong to the department."""
    department = get_department(department_id)
    if role not in DEPARTMENT_ROLE_LABELS:
        raise Invalid(_("Choose purchaser, approver or treasurer."))
    if not _can_manage_roles(actor, department, role):
        if actor.has_role("admin") or is_approver(actor, department.id):
            raise NotAllowed(_("Only the programme admin can name approvers."))
        raise NotFound(_("This department does not exist."))
    nip = re.sub(r"\s", "", nip or "")
    if nip and not re.fullmatch(r"\d{18}", nip):
        raise Invalid(_("A NIP is the 18 digits of the civil servant's number, e.g. 198503142010011002."))
    email = (email or "").strip().lower()
    user = db.session.execute(db.select(User).where(db.func.lower(User.email) == email)).scalar_one_or_none()
    if user is None or not user.active:
        raise Invalid(_("No active account has the e-mail %(email)s.", email=email or "-"))
    if user.department_id != department.id:
        raise Invalid(_("%(name)s does not belong to %(department)s: they pick their department in their account.",
                        name=user.full_name, department=department.name))
    if not user.has_role("buyer"):
        raise Invalid(_("%(name)s is not a civil servant buyer.", name=user.full_name))
    exists = db.session.execute(
        db.select(DepartmentRole).where(DepartmentRole.user_id == user.id,
                                        DepartmentRole.department_id == department.id,
                                        DepartmentRole.role == role)
    ).scalar_one_or_none()
    if exists is not None:
        raise Conflict(_("%(name)s is already %(role)s.", name=user.full_name, role=DEPARTMENT_ROLE_LABELS[role]))
    row = DepartmentRole(user_id=user.id, department_id=department.id, role=role, granted_by_id=actor.id,
                         granted_at=clock.now(), nip=nip)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "department.role_grant", row, before=None,
                 after={"user_id": user.id, "department_id": department.id, "role": role, "nip": nip})
    db.session.commit()
    return row


def revoke_department_role(actor, role_id):
    row = db.session.get(DepartmentRole, role_id)
    if row is None:
        raise NotFound(_("This role does not exist."))
    department = row.department
    if not _can_manage_roles(actor, department, row.role):
        raise NotFound(_("This role does not exist."))
    before = {"user_id": row.user_id, "department_id": row.department_id, "role": row.role}
    audit.record(actor, "department.role_revoke", row, before=before, after=None)
    db.session.delete(row)
    db.session.commit()
    return before


# ------------------------------------------------------------------ departments and holidays


def save_department(actor, department_id, name, code, address, order_cap: int | None):
    """Create (department_id None) or change a department. Admin only."""
    if not actor.has_role("admin"):
        raise NotAllowed(_("Only the programme admin manages departments."))
    name, code, address = (name or "").strip(), (code or "").strip().upper(), (address or "").strip()
    if not name or len(name) > 200:
        raise Invalid(_("Enter the department's name (at most 200 characters)."))
    if not re.fullmatch(r"[A-Z0-9_-]{2,40}", code):
        raise Invalid(_("The code is 2 to 40 letters, digits, - or _ (e.g. DISKOMINFO)."))
    if len(address) > 500:
        raise Invalid(_("Keep the address under 500 characters."))
    cap = DEFAULT_ORDER_CAP if order_cap is None else order_cap
    if not 0 < cap <= RUPIAH_MAX:
        raise Invalid(_("The cap per order must be more than Rp 0 and at most %(cap)s.", cap=rupiah(RUPIAH_MAX)))
    department = get_department(department_id) if department_id else None
    clash = db.session.execute(
        db.select(Department).where(db.or_(Department.code == code, Department.name == name))
    ).scalars().all()
    if any(d is not department for d in clash):
        raise Conflict(_("Another department already has this name or code."))
    before = None
    if department is None:
        department = Department()
        db.session.add(department)
    else:
        before = {"name": department.name, "code": department.code, "address": department.address,
                  "order_cap": department.order_cap}
    department.name, department.code, department.address, department.order_cap = name, code, address, cap
    db.session.flush()
    audit.record(actor, "department.save", department, before=before,
                 after={"name": name, "code": code, "address": address, "order_cap": cap})
    db.session.commit()
    return department
