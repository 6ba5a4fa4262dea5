"""Accounts: users, their roles, departments (OPD) and invitations."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.orm import UTCDateTime, utcnow

ROLES = ("buyer", "seller", "mentor", "admin")
INVITABLE_ROLES = ("mentor", "admin")
DEFAULT_ORDER_CAP = 200_000_000
DEFAULT_LETTERHEAD_PARENT = "PEMERINTAH KOTA PONTIANAK"


class Department(Model):
    """A department of the city government (OPD)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    address: Mapped[str] = mapped_column(Text, default="")
    order_cap: Mapped[int] = mapped_column(Integer, default=DEFAULT_ORDER_CAP)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The letterhead (kop surat) of its documents: the government it belongs to, above its
    # name; the address (above), postcode, phone and e-mail under it; the logo on the left
    # (a stored picture, as a store's logo). Every change also writes a DepartmentLetterhead,
    # so a document is printed with the letterhead of the day it was issued.
    letterhead_parent: Mapped[str] = mapped_column(String(120), default=DEFAULT_LETTERHEAD_PARENT)
    postcode: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    logo_key: Mapped[Optional[str]] = mapped_column(String(255))

    members: Mapped[list["User"]] = relationship(back_populates="department")

    def __repr__(self):
        return f"<Department {self.code}>"


class DepartmentLetterhead(Model):
    """One version of a department's letterhead, never changed: the documents issued from
    ``created_at`` on print it, until the next version."""

    __tablename__ = "department_letterheads"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), index=True)
    parent: Mapped[str] = mapped_column(String(120), default="")
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(Text, default="")
    postcode: Mapped[str] = mapped_column(String(10), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    logo_key: Mapped[Optional[str]] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self):
        return f"<DepartmentLetterhead {self.department_id} {self.created_at}>"


class UserRole(Model):
    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(UserMixin, Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(120))
    phone: Mapped[str] = mapped_column(String(30), default="")
    # NIP: the civil servant's staff number, optional.
    nip: Mapped[str] = mapped_column(String(30), default="")
    job_title: Mapped[str] = mapped_column(String(120), default="")
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("departments.id"), index=True)
    locale: Mapped[Optional[str]] = mapped_column(String(5))
    email_verified_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True)
    # Bumped on every password change or reset: reset links carry it, so a used link stops
    # working. (Sessions are rows of their own: UserSession.)
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # Lockout: consecutive failed log-ins, and until when the account refuses log-ins.
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    department: Mapped[Optional[Department]] = relationship(back_populates="members")
    role_rows: Mapped[list[UserRole]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by=UserRole.role
    )

    # The browser session this request runs in and the secret its cookies carry: set at log-in
    # and by the user loader (services.sessions), never stored on the user's row.
    session_token = None
    _current_session = None
    _make_current_session = None  # with the id of the row it makes
    _current_session_id = None

    def signed_in_as(self, user_session, token, session_id=None):
        """``user_session`` is the row, or a callable that makes it (with ``session_id``, the
        row's id): a user kept between requests (signed_in_cache) brings the row's values,
        and most pages never look at the row, so it becomes an object of the request's
        session only when one does."""
        if callable(user_session):
            self._current_session, self._make_current_session = None, user_session
            self._current_session_id = session_id
        else:
            self._current_session, self._make_current_session = user_session, None
        self.session_token = token

    @property
    def current_session(self):
        if self._make_current_session is not None:
            self._current_session, self._make_current_session = self._make_current_session(), None
        return self._current_session

    @property
    def current_session_id(self):
        if self._make_current_session is not None:
            return self._current_session_id
        return self._current_session.id if self._current_session is not None else None

    # Flask-Login puts this in the session and the remember-me cookie: both name the
    # UserSession row, so ending the row ends every copy of either cookie.
    def get_id(self):
        return f"{self.id}:{self.session_token or ''}"

    @property
    def is_active(self):
        return self.active

    @property
    def is_verified(self):
        return self.email_verified_at is not None

    @property
    def roles(self) -> set[str]:
        return {row.role for row in self.role_rows}

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    def grant(self, role: str):
        if role not in ROLES:
            raise ValueError(f"unknown role {role}")
        if role not in self.roles:
            self.role_rows.append(UserRole(role=role))

    def revoke(self, role: str):
        self.role_rows = [row for row in self.role_rows if row.role != role]

    def __repr__(self):
        return f"<User {self.email}>"


class UserSession(Model):
    """One browser that logged in: its cookies name this row, and they open the account only
    while it is live (see services.sessions)."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # SHA-256 of the secret in the cookie: a copy of this table opens no account.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    ip: Mapped[str] = mapped_column(String(45), default="")
    ended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # logout, ended (from the list), everywhere, password, reset, lock, deactivated
    end_reason: Mapped[str] = mapped_column(String(20), default="")


class Invitation(Model):
    """An admin's invitation for a mentor or admin to join."""

    __tablename__ = "invitations"
    __table_args__ = (UniqueConstraint("token_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[str] = mapped_column(String(64))
    email: Mapped[str] = mapped_column(String(254), index=True)
    role: Mapped[str] = mapped_column(String(20))
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    invited_by: Mapped[User] = relationship(foreign_keys=[invited_by_id])
    accepted_by: Mapped[Optional[User]] = relationship(foreign_keys=[accepted_by_id])

    @property
    def state(self):
        if self.revoked_at:
            return "revoked"
        if self.accepted_at:
            return "accepted"
        return "open"

    def state_for_admin(self, now, max_age_seconds):
        """The state an admin sees: an open invitation whose link no longer works is expired."""
        if self.state == "open" and (now - self.created_at).total_seconds() > max_age_seconds:
            return "expired"
        return self.state


class AuditEntry(Model):
    """One decision or change of state or money. Never edited or deleted by the app."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[Optional[int]] = mapped_column(Integer)
    before: Mapped[Optional[dict]] = mapped_column(JSON)
    after: Mapped[Optional[dict]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")

    actor: Mapped[Optional[User]] = relationship()


class OutboxMessage(Model):
    """Every e-mail the app sends; readable by admins at /admin/outbox in development."""

    __tablename__ = "outbox_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    to: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(255))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    status: Mapped[str] = mapped_column(String(12), default="queued")  # queued, sent, failed, kept
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")
    # When the delivery job may (re)try: NULL = not tried yet; after a failed attempt
    # now + back-off; while a worker holds it, a short lease (see services.mail.deliver_message).
    next_attempt_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime, index=True)
