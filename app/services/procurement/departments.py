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
    DEFAULT_LETTERHEAD_PARENT,
    Department,
    DepartmentLetterhead,
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


LETTERHEAD_FIELDS = ("letterhead_parent", "postcode", "phone", "email")


def _clean_letterhead(values: dict) -> dict:
    clean = {key: (values.get(key) or "").strip() for key in LETTERHEAD_FIELDS}
    # Every department's kop carries the government it belongs to: empty is the city's.
    clean["letterhead_parent"] = clean["letterhead_parent"].upper() or DEFAULT_LETTERHEAD_PARENT
    if len(clean["letterhead_parent"]) > 120:
        raise Invalid(_("Keep the government line of the letterhead under 120 characters."))
    if clean["postcode"] and not re.fullmatch(r"[0-9]{5}", clean["postcode"]):
        raise Invalid(_("The postcode is 5 digits (e.g. 78111)."))
    if len(clean["phone"]) > 40 or (clean["phone"] and not re.fullmatch(r"[0-9 ()+\-./]{5,40}", clean["phone"])):
        raise Invalid(_("Enter the phone number in digits, e.g. (0561) 736033."))
    if len(clean["email"]) > 254 or (clean["email"] and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+",
                                                                          clean["email"])):
        raise Invalid(_("Enter the department's e-mail address, e.g. bappeda@pontianak.go.id."))
    return clean


def _letterhead_of(department) -> dict:
    return {"parent": department.letterhead_parent, "name": department.name, "address": department.address,
            "postcode": department.postcode, "phone": department.phone, "email": department.email,
            "logo_key": department.logo_key}


def save_department(actor, department_id, name, code, address, order_cap: int | None, letterhead=None,
                    logo=None, remove_logo=False):
    """Create (department_id None) or change a department. Admin only. ``letterhead``: the
    government line, postcode, phone and e-mail of its kop surat; ``logo``: an Upload,
    checked and stored like a store's logo (app.services.images); ``remove_logo`` takes it
    off. A change of what the letterhead prints writes a new DepartmentLetterhead version:
    documents already issued keep theirs (their files are kept too)."""
    from app.services import images as image_service

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
    if letterhead is None:
        letterhead = ({key: getattr(department, key) for key in LETTERHEAD_FIELDS} if department is not None
                      else {"letterhead_parent": DEFAULT_LETTERHEAD_PARENT})
    letterhead = _clean_letterhead(letterhead)
    clash = db.session.execute(
        db.select(Department).where(db.or_(Department.code == code, Department.name == name))
    ).scalars().all()
    if any(d is not department for d in clash):
        raise Conflict(_("Another department already has this name or code."))
    before = None
    if department is None:
        department = Department()
        db.session.add(department)
        old_letterhead = None
    else:
        before = {"name": department.name, "code": department.code, "address": department.address,
                  "order_cap": department.order_cap, **{k: getattr(department, k) for k in LETTERHEAD_FIELDS},
                  "logo_key": department.logo_key}
        old_letterhead = _letterhead_of(department)
        if _letterhead_version(department.id, None) is None:
            # Made before letterheads were versioned (demo, import): what its documents printed
            # until now becomes the first version, so they stay as issued.
            db.session.add(DepartmentLetterhead(department_id=department.id, created_at=department.created_at,
                                                **old_letterhead))
    department.name, department.code, department.address, department.order_cap = name, code, address, cap
    for key, value in letterhead.items():
        setattr(department, key, value)
    db.session.flush()
    if logo is not None:
        # The same checks as a store's logo; the old picture stays, for the documents issued with it.
        department.logo_key, _processed = image_service.store_image(f"public/departments/{department.id}", logo)
    elif remove_logo:
        department.logo_key = None
    if _letterhead_of(department) != old_letterhead:
        db.session.add(DepartmentLetterhead(department_id=department.id, **_letterhead_of(department)))
    audit.record(actor, "department.save", department, before=before,
                 after={"name": name, "code": code, "address": address, "order_cap": cap, **letterhead,
                        "logo_key": department.logo_key})
    db.session.commit()
    return department


def letterhead_on(department_id, moment=None) -> DepartmentLetterhead | None:
    """The letterhead a document of the department issued at ``moment`` prints: the last
    version made before it (a document older than every version: the first one; a department
    never saved since letterheads are versioned: its own fields, unsaved)."""
    found = _letterhead_version(department_id, moment)
    if found is None:
        department = db.session.get(Department, department_id)
        return DepartmentLetterhead(department_id=department_id, **_letterhead_of(department)) if department else None
    return found


def _letterhead_version(department_id, moment):
    query = db.select(DepartmentLetterhead).where(DepartmentLetterhead.department_id == department_id)
    if moment is not None:
        found = db.session.execute(
            query.where(DepartmentLetterhead.created_at <= moment)
            .order_by(DepartmentLetterhead.created_at.desc(), DepartmentLetterhead.id.desc()).limit(1)
        ).scalar_one_or_none()
        if found is not None:
            return found
        return db.session.execute(
            query.order_by(DepartmentLetterhead.created_at, DepartmentLetterhead.id).limit(1)).scalar_one_or_none()
    return db.session.execute(
        query.order_by(DepartmentLetterhead.created_at.desc(), DepartmentLetterhead.id.desc()).limit(1)
    ).scalar_one_or_none()
