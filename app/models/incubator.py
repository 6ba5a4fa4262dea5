"""The incubator programme: cohorts (angkatan) and their mentors, which store is in which
cohort (with history), mentoring sessions and their agreed actions, training events with
registration and attendance, the monthly self-report, and graduation with its check-ins."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import JSON, Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.states import GRADUATION_STATES, GraduationState, in_clause
from app.orm import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.store import Store
    from app.models.user import User

# What a mentoring session can be about (labels in app/labels.py).
SESSION_TOPICS = ("permits", "product", "copywriting", "marketing", "design", "pricing", "bookkeeping", "other")
# Who is to do an agreed action.
ACTION_OWNERS = ("store", "mentor")
# What a graduation criterion measures (labels in app/labels.py; thresholds are data).
CRITERIA_KINDS = ("permits", "live_products", "months_with_sales", "revenue", "trainings", "actions_on_time")
# Months after graduation at which the mentor checks in.
CHECKIN_MONTHS = (3, 6, 12)


class Cohort(Model):
    """An angkatan: a group of startups coached together for a period."""

    __tablename__ = "cohorts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    starts_on: Mapped[Optional[date]] = mapped_column(Date)
    ends_on: Mapped[Optional[date]] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    mentors: Mapped[list["CohortMentor"]] = relationship(back_populates="cohort", cascade="all, delete-orphan")

    def __str__(self):
        return self.name


class CohortMentor(Model):
    __tablename__ = "cohort_mentors"

    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    cohort: Mapped[Cohort] = relationship(back_populates="mentors")
    mentor: Mapped["User"] = relationship()


class CohortMembership(Model):
    """One stay of a store in a cohort; ``left_at`` None is the current one (also
    ``stores.cohort_id``). Moving a store closes its stay and opens another."""

    __tablename__ = "cohort_memberships"
    __table_args__ = (Index("ix_cohort_memberships_cohort_current", "cohort_id", "left_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    added_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(Text, default="")

    cohort: Mapped[Cohort] = relationship()
    store: Mapped["Store"] = relationship()
    added_by: Mapped[Optional["User"]] = relationship()


class MentoringSession(Model):
    __tablename__ = "mentoring_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    held_on: Mapped[date] = mapped_column(Date, index=True)
    minutes: Mapped[int] = mapped_column(Integer)
    topics: Mapped[list] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    store: Mapped["Store"] = relationship()
    mentor: Mapped["User"] = relationship()
    actions: Mapped[list["SessionAction"]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="SessionAction.id")


class SessionAction(Model):
    """Something agreed in a session, to be done by ``due_on`` by the store or the mentor."""

    __tablename__ = "session_actions"
    __table_args__ = (CheckConstraint(in_clause("owner", ACTION_OWNERS), name="owner_known"),
                      Index("ix_session_actions_store_open", "store_id", "done_at", "due_on"))

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("mentoring_sessions.id", ondelete="CASCADE"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(10), default="store")
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    done_on: Mapped[Optional[date]] = mapped_column(Date)  # the local day it was ticked (on time: <= due_on)
    done_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[MentoringSession] = relationship(back_populates="actions")

    def is_overdue(self, today: date) -> bool:
        return self.done_at is None and self.due_on < today


class TrainingEvent(Model):
    __tablename__ = "training_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(160))
    topic: Mapped[str] = mapped_column(String(20))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    minutes: Mapped[int] = mapped_column(Integer, default=120)
    place: Mapped[str] = mapped_column(String(200), default="")
    online_url: Mapped[str] = mapped_column(String(300), default="")
    capacity: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    invitations: Mapped[list["TrainingInvitation"]] = relationship(back_populates="training",
                                                                   cascade="all, delete-orphan")
    registrations: Mapped[list["TrainingRegistration"]] = relationship(
        back_populates="training", cascade="all, delete-orphan", order_by="TrainingRegistration.id")


class TrainingInvitation(Model):
    """A cohort invited to a training."""

    __tablename__ = "training_invitations"

    training_id: Mapped[int] = mapped_column(ForeignKey("training_events.id", ondelete="CASCADE"), primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), primary_key=True)

    training: Mapped[TrainingEvent] = relationship(back_populates="invitations")
    cohort: Mapped[Cohort] = relationship()


class TrainingRegistration(Model):
    """A store member registered for a training; ``attended_at`` once the organiser records
    them present, and then a certificate number and verification code."""

    __tablename__ = "training_registrations"
    __table_args__ = (UniqueConstraint("training_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    training_id: Mapped[int] = mapped_column(ForeignKey("training_events.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    attended_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    recorded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    certificate_number: Mapped[Optional[str]] = mapped_column(String(40), unique=True)
    certificate_code: Mapped[Optional[str]] = mapped_column(String(10), unique=True)

    training: Mapped[TrainingEvent] = relationship(back_populates="registrations")
    user: Mapped["User"] = relationship(foreign_keys=[user_id])
    store: Mapped["Store"] = relationship()


class SelfReport(Model):
    """What the app cannot know, told by the store once a month and confirmed by the mentor."""

    __tablename__ = "self_reports"
    __table_args__ = (UniqueConstraint("store_id", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    employees: Mapped[int] = mapped_column(Integer)
    outside_sales: Mapped[int] = mapped_column(Integer)  # rupiah sold outside the market
    submitted_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)


class GraduationCriterion(Model):
    """One rule a startup must meet to graduate: ``kind`` at least ``threshold``."""

    __tablename__ = "graduation_criteria"

    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    threshold: Mapped[int] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class GraduationCase(Model):
    """The mentor's recommendation and the admin's decision on it."""

    __tablename__ = "graduation_cases"
    __table_args__ = (CheckConstraint(in_clause("state", GRADUATION_STATES), name="state_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(20), default=GraduationState.RECOMMENDED.value, index=True)
    recommended_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recommended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recommendation_note: Mapped[str] = mapped_column(Text, default="")
    criteria_snapshot: Mapped[list] = mapped_column(JSON, default=list)
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text, default="")
    letter_number: Mapped[Optional[str]] = mapped_column(String(40), unique=True)
    letter_code: Mapped[Optional[str]] = mapped_column(String(10), unique=True)

    store: Mapped["Store"] = relationship()
    cohort: Mapped[Optional[Cohort]] = relationship()
    recommended_by: Mapped["User"] = relationship(foreign_keys=[recommended_by_id])
    decided_by: Mapped[Optional["User"]] = relationship(foreign_keys=[decided_by_id])
    checkins: Mapped[list["GraduationCheckin"]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="GraduationCheckin.due_on")


class GraduationCheckin(Model):
    """A follow-up with a graduate 3, 6 or 12 months on."""

    __tablename__ = "graduation_checkins"
    __table_args__ = (UniqueConstraint("case_id", "months"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("graduation_cases.id", ondelete="CASCADE"))
    months: Mapped[int] = mapped_column(Integer)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    done_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    done_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    still_selling: Mapped[Optional[bool]] = mapped_column(Boolean)
    employees: Mapped[Optional[int]] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[GraduationCase] = relationship(back_populates="checkins")
