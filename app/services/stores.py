"""Stores: creation and profile by their sellers, members and invitations, verification
by the assigned mentor, mentor assignment and suspension by admins.

Rules: a user belongs to at most one store; only members edit a store; only the store's
mentor (or an admin) verifies it, never a member of the store; every change of status
re-computes the visibility of the store's products.
"""
from __future__ import annotations

import re
import secrets

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.authz import is_member, require_reviewer
from app.urls import slugify
from app.urls import absolute_url
from app.labels import STORE_ACTION_LABELS, STORE_STATE_LABELS
from app import clock
from app.extensions import db
from app.models import KECAMATAN, Store, StoreState, StoreInvitation, StoreMember, User, UserRole
from app.services import Conflict, Invalid, NotAllowed, NotFound, audit
from app.services import images as image_service
from app.services.listings.visibility import refresh_visibility
from app.services.mail import queue_email
from app.services.tokens import TokenError, make_token, read_token


PROFILE_FIELDS = ("name", "slug", "description", "kecamatan", "address", "phone", "bank_name",
                  "bank_account_number", "bank_account_holder")
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# state -> {action: new state}
STORE_TRANSITIONS = {
    StoreState.PENDING_VERIFICATION: {"verify": StoreState.VERIFIED, "request_changes": StoreState.CHANGES_REQUESTED,
                                      "suspend": StoreState.SUSPENDED},
    StoreState.CHANGES_REQUESTED: {"resubmit": StoreState.PENDING_VERIFICATION, "verify": StoreState.VERIFIED,
                                   "suspend": StoreState.SUSPENDED},
    StoreState.VERIFIED: {"request_changes": StoreState.CHANGES_REQUESTED, "suspend": StoreState.SUSPENDED},
    StoreState.SUSPENDED: {"reinstate": StoreState.PENDING_VERIFICATION},
}


def store_of(user) -> Store | None:
    """The store the user works for, or None."""
    if user is None or not getattr(user, "is_authenticated", True) or getattr(user, "id", None) is None:
        return None
    member = db.session.execute(db.select(StoreMember).where(StoreMember.user_id == user.id)).scalar_one_or_none()
    return member.store if member else None


def _clean_profile(data: dict, store: Store | None = None) -> dict:
    clean = {k: (data.get(k) or "").strip() for k in PROFILE_FIELDS if k in data}
    if not clean.get("name", store.name if store else ""):
        raise Invalid(_("The store needs a name."))
    slug = clean.get("slug") or (store.slug if store else slugify(clean["name"]))
    slug = slug.lower()
    if not SLUG_RE.match(slug):
        raise Invalid(_("The web address may only hold lowercase letters, digits and dashes."))
    clash = db.session.execute(db.select(Store.id).where(Store.slug == slug)).scalar_one_or_none()
    if clash is not None and (store is None or clash != store.id):
        raise Invalid(_("The web address %(slug)s is taken; choose another.", slug=slug))
    clean["slug"] = slug
    if "kecamatan" in clean and clean["kecamatan"] not in KECAMATAN:
        raise Invalid(_("Choose a kecamatan in Pontianak."))
    if clean.get("bank_account_number") and not re.fullmatch(r"[0-9 .-]{5,40}", clean["bank_account_number"]):
        raise Invalid(_("The bank account number may only hold digits."))
    return clean


def create_store(actor: User, data: dict, logo=None) -> Store:
    """A seller who is in no store yet creates one; it waits for verification."""
    if not actor.has_role("seller"):
        raise NotAllowed(_("Only sellers can open a store."))
    if store_of(actor) is not None:
        raise Conflict(_("You already belong to a store."))
    clean = _clean_profile(data)
    store = Store(created_by=actor, status="pending_verification", **clean)
    store.members.append(StoreMember(user=actor, role="owner"))
    db.session.add(store)
    db.session.flush()
    if logo is not None:
        try:
            store.logo_key, _processed = image_service.store_image(f"public/stores/{store.id}", logo)
        except Exception:
            db.session.rollback()  # a refused logo leaves no store behind
            raise
    audit.record(actor, "store.created", store, after={"name": store.name, "slug": store.slug})
    _notify_admins_of_new_store(store)
    db.session.commit()
    return store


def _notify_admins_of_new_store(store):
    admins = db.session.execute(
        db.select(User).join(User.role_rows).where(UserRole.role == "admin", User.active.is_(True))
    ).scalars().all()
    for admin in admins:
        queue_email(admin.email, _l("New store waiting for a mentor: %(name)s", name=store.name),
                    "store_created", locale=admin.locale, store=store,
                    url=absolute_url("programme.stores"))


def update_store(actor: User, store: Store, data: dict, logo=None) -> Store:
    """A member edits the profile; a store asked for changes goes back to the mentor."""
    if not is_member(actor, store):
        raise NotFound(_("Store not found."))
    if store.status == "suspended":
        raise Conflict(_("The store is suspended; contact the programme staff."))
    clean = _clean_profile({**{k: getattr(store, k) for k in PROFILE_FIELDS}, **data}, store)
    before = {k: getattr(store, k) for k in clean}
    for key, value in clean.items():
        setattr(store, key, value)
    if logo is not None:
        old = store.logo_key
        store.logo_key, _processed = image_service.store_image(f"public/stores/{store.id}", logo)
        if old:
            image_service.delete_image(old)
    after = {k: getattr(store, k) for k in clean}
    audit.record(actor, "store.updated", store, before=_diff(before, after)[0], after=_diff(before, after)[1])
    if store.status == "changes_requested":
        _transition(actor, store, "resubmit")
        if store.mentor is not None:
            queue_email(store.mentor.email, _l("Store updated for verification: %(name)s", name=store.name),
                        "store_resubmitted", locale=store.mentor.locale, store=store,
                        url=absolute_url("mentor.store", store_id=store.id))
    db.session.commit()
    return store


def _diff(before, after):
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def _transition(actor, store, action, note=""):
    allowed = STORE_TRANSITIONS.get(store.status, {})
    if action not in allowed:
        raise Conflict(_("A store that is %(state)s cannot be %(action)s.",
                         state=str(STORE_STATE_LABELS.get(store.status, store.status)).lower(),
                         action=str(STORE_ACTION_LABELS.get(action, action)).lower()))
    before = store.status
    store.status = allowed[action]
    store.status_note = note or ""
    if store.status == "verified":
        store.verified_at = clock.now()
    audit.record(actor, f"store.{action}", store, before={"status": before}, after={"status": store.status},
                 note=note or "")
    db.session.flush()
    refresh_visibility(store)




def _decide(actor, store, action, note, subject, decision):
    """A reviewer's decision on a store: the transition, an e-mail to its members, one commit."""
    _transition(actor, store, action, note)
    _notify_members(store, subject, "store_decision", decision=decision, note=note)
    db.session.commit()
    return store


def _required_reason(note, missing):
    """The reason typed for a decision that needs one, stripped; Invalid with ``missing`` when blank."""
    if not (note or "").strip():
        raise Invalid(missing)
    return note.strip()


def verify_store(actor: User, store: Store, note: str = "") -> Store:
    require_reviewer(actor, store)
    return _decide(actor, store, "verify", note, _l("Your store %(name)s is verified", name=store.name), "verified")


def request_store_changes(actor: User, store: Store, note: str) -> Store:
    require_reviewer(actor, store)
    note = _required_reason(note, _("Say what the store should change."))
    return _decide(actor, store, "request_changes", note, _l("Your store %(name)s needs changes", name=store.name),
                   "changes_requested")


def suspend_store(actor: User, store: Store, note: str) -> Store:
    """Admins suspend a store: all its products disappear from the market at once."""
    if not actor.has_role("admin"):
        raise NotAllowed(_("Only programme staff can suspend a store."))
    note = _required_reason(note, _("Give the reason for the suspension."))
    return _decide(actor, store, "suspend", note, _l("Your store %(name)s is suspended", name=store.name),
                   "suspended")


def reinstate_store(actor: User, store: Store) -> Store:
    if not actor.has_role("admin"):
        raise NotAllowed(_("Only programme staff can reinstate a store."))
    _transition(actor, store, "reinstate")
    db.session.commit()
    return store


def assign_mentor(actor: User, store: Store, mentor: User | None) -> Store:
    """Admins choose the mentor who reviews a store; not one of its own members."""
    if not actor.has_role("admin"):
        raise NotAllowed(_("Only programme staff can assign mentors."))
    if mentor is not None:
        if not mentor.has_role("mentor") or not mentor.active:
            raise Invalid(_("Choose an active mentor."))
        if is_member(mentor, store):
            raise Invalid(_("A member of the store cannot be its mentor."))
    before = store.mentor_id
    store.mentor = mentor
    audit.record(actor, "store.mentor_assigned", store, before={"mentor_id": before},
                 after={"mentor_id": mentor.id if mentor else None})
    if mentor is not None and mentor.id != before:
        queue_email(mentor.email, _l("You mentor a new store: %(name)s", name=store.name), "store_assigned",
                    locale=mentor.locale, store=store, url=absolute_url("mentor.store", store_id=store.id))
    db.session.commit()
    return store


def _notify_members(store, subject, template, **ctx):
    for member in store.members:
        queue_email(member.user.email, subject, template, locale=member.user.locale, store=store,
                    url=absolute_url("seller.desk"), **ctx)


# ---------------------------------------------------------------- members

def invite_member(actor: User, store: Store, email: str | None) -> StoreInvitation:
    """A member invites someone by e-mail; the link lets them join as a member."""
    if not is_member(actor, store):
        raise NotFound(_("Store not found."))
    email = (email or "").strip().lower()
    if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email):
        raise Invalid(_("Enter a valid e-mail address."))
    existing = db.session.execute(db.select(User).where(db.func.lower(User.email) == email)).scalar_one_or_none()
    if existing is not None and store_of(existing) is not None:
        raise Conflict(_("%(email)s already belongs to a store.", email=email))
    invitation = StoreInvitation(token_id=secrets.token_urlsafe(24), store=store, email=email, invited_by_id=actor.id)
    db.session.add(invitation)
    db.session.flush()
    token = make_token("invite", {"store_invitation": invitation.token_id})
    audit.record(actor, "store.member_invited", store, after={"email": email})
    queue_email(email, _l("Join %(name)s on Pasar Kite Bise", name=store.name), "store_invitation",
                locale=existing.locale if existing else None, store=store, inviter=actor,
                url=absolute_url("seller.join", token=token))
    db.session.commit()
    return invitation


def read_invitation(token: str) -> StoreInvitation:
    try:
        payload = read_token("invite", token, current_app.config.get("INVITE_TOKEN_MAX_AGE", 7 * 24 * 3600))
    except TokenError as exc:
        raise Invalid(_("This invitation link has expired.") if exc.reason == "expired"
                      else _("This invitation link is not valid.")) from exc
    token_id = payload.get("store_invitation") if isinstance(payload, dict) else None
    invitation = db.session.execute(
        db.select(StoreInvitation).where(StoreInvitation.token_id == token_id)).scalar_one_or_none()
    if invitation is None or invitation.revoked_at is not None:
        raise Invalid(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise Conflict(_("This invitation has already been used."))
    return invitation


def accept_invitation(actor: User, token: str) -> Store:
    invitation = read_invitation(token)
    if actor.email.lower() != invitation.email.lower():
        raise NotAllowed(_("This invitation was sent to another e-mail address."))
    if store_of(actor) is not None:
        raise Conflict(_("You already belong to a store."))
    actor.grant("seller")
    invitation.accepted_at = clock.now()
    invitation.store.members.append(StoreMember(user=actor, role="member"))
    audit.record(actor, "store.member_joined", invitation.store, after={"user_id": actor.id})
    db.session.commit()
    return invitation.store


def remove_member(actor: User, store: Store, member_id: int):
    if not is_member(actor, store):
        raise NotFound(_("Store not found."))
    member = next((m for m in store.members if m.id == member_id), None)
    if member is None:
        raise NotFound(_("Member not found."))
    if member.role == "owner":
        raise Conflict(_("The store's owner cannot be removed."))
    store.members.remove(member)
    audit.record(actor, "store.member_removed", store, before={"user_id": member.user_id})
    db.session.commit()
