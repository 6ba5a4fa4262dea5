"""Stores of the incubator's startups, their members and business documents, and the
admin-managed product categories that name the documents they require."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.states import STORE_STATES, StoreState, in_clause  # noqa: F401
from app.orm import UTCDateTime, utcnow

if TYPE_CHECKING:
    # Names of the other aggregates, for the relationships' annotations; at run time
    # SQLAlchemy resolves them by name, and importing them here would be circular.
    from app.models.incubator import Cohort
    from app.models.user import User

KECAMATAN = (
    "Pontianak Barat",
    "Pontianak Kota",
    "Pontianak Selatan",
    "Pontianak Tenggara",
    "Pontianak Timur",
    "Pontianak Utara",
)


# Business document kinds. BPOM comes as MD (domestic) or ML (imported).
# The tax profile is documents too, checked by the mentor: npwp (taxpayer number), sppkp
# (VAT registration: the store is PKP), pp55 (the surat keterangan of the final 0.5 % tax).
DOCUMENT_KINDS = ("nib", "halal", "pirt", "bpom_md", "bpom_ml", "hki", "other", "npwp", "sppkp", "pp55")
DOCUMENT_STATES = ("pending", "valid", "rejected")


class Store(Model):
    __tablename__ = "stores"
    __table_args__ = (CheckConstraint(in_clause("status", STORE_STATES), name="status_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    logo_key: Mapped[Optional[str]] = mapped_column(String(255))
    kecamatan: Mapped[str] = mapped_column(String(40))
    address: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(30), default="")  # WhatsApp or phone
    bank_name: Mapped[str] = mapped_column(String(80), default="")
    bank_account_number: Mapped[str] = mapped_column(String(40), default="")
    bank_account_holder: Mapped[str] = mapped_column(String(120), default="")
    # The incubator cohort the store is in now (its history: CohortMembership); admins decide.
    cohort_id: Mapped[Optional[int]] = mapped_column(ForeignKey("cohorts.id", ondelete="SET NULL"), index=True)
    status: Mapped[str] = mapped_column(String(30), default=StoreState.PENDING_VERIFICATION.value, index=True)
    status_note: Mapped[str] = mapped_column(Text, default="")
    mentor_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    verified_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    mentor: Mapped[Optional["User"]] = relationship(foreign_keys=[mentor_id])
    cohort: Mapped[Optional["Cohort"]] = relationship()
    created_by: Mapped["User"] = relationship(foreign_keys=[created_by_id])
    members: Mapped[list["StoreMember"]] = relationship(back_populates="store", cascade="all, delete-orphan")
    documents: Mapped[list["BusinessDocument"]] = relationship(
        back_populates="store", cascade="all, delete-orphan", order_by="BusinessDocument.id"
    )

    @property
    def is_verified(self):
        return self.status == StoreState.VERIFIED

    def __repr__(self):
        return f"<Store {self.slug}>"


class StoreMember(Model):
    """A seller working for a store. A user belongs to at most one store."""

    __tablename__ = "store_members"
    __table_args__ = (UniqueConstraint("user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(20), default="member")  # owner or member
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    store: Mapped[Store] = relationship(back_populates="members")
    user: Mapped["User"] = relationship()


class StoreInvitation(Model):
    """A store member's invitation for another person to join the store."""

    __tablename__ = "store_invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_id: Mapped[str] = mapped_column(String(64), unique=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    invited_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    store: Mapped[Store] = relationship()


class BusinessDocument(Model):
    """A permit or registration a store holds: NIB, halal, PIRT-IRT, BPOM, HKI, other."""

    __tablename__ = "business_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(80))
    issuer: Mapped[str] = mapped_column(String(120), default="")
    issued_on: Mapped[Optional[date]] = mapped_column(Date)
    expires_on: Mapped[Optional[date]] = mapped_column(Date)  # None: does not expire (e.g. NIB)
    file_key: Mapped[Optional[str]] = mapped_column(String(255))
    file_name: Mapped[str] = mapped_column(String(255), default="")
    file_type: Mapped[str] = mapped_column(String(60), default="")
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The expiry date the 30-day reminder was sent about (None: not yet); a changed date is reminded again.
    expiry_reminder_sent_for: Mapped[Optional[date]] = mapped_column(Date)

    store: Mapped[Store] = relationship(back_populates="documents")
    reviewed_by: Mapped[Optional["User"]] = relationship()

    def is_valid_on(self, day: date) -> bool:
        return self.status == "valid" and (self.expires_on is None or self.expires_on >= day)


class Category(Model):
    """Admin-managed; ``required_documents`` lists groups of document kinds: the store
    needs one valid document of every group, e.g. ``[["pirt", "bpom_md", "bpom_ml"], ["halal"]]``.
    A sub-category also requires what its parent requires."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("categories.id"), index=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_id: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer, default=0)
    required_documents: Mapped[list] = mapped_column(JSON, default=list)
    # goods, service or catering: which tax rules apply to its lines (app.models.tax).
    tax_kind: Mapped[str] = mapped_column(String(10), default="goods")
    # The option groups its products' variants may have, e.g. ["Ukuran", "Warna"].
    option_groups: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Optional["Category"]] = relationship(remote_side="Category.id", back_populates="children")
    children: Mapped[list["Category"]] = relationship(back_populates="parent", order_by="Category.position")

    def name_for(self, locale: str) -> str:
        return self.name_en if str(locale).startswith("en") and self.name_en else self.name_id

    def requirement_groups(self) -> list[list[str]]:
        """Own groups plus every ancestor's."""
        groups: list[list[str]] = []
        node: Optional[Category] = self
        seen: set[int] = set()
        while node is not None and node.id not in seen:
            seen.add(node.id)
            groups.extend(list(g) for g in (node.required_documents or []))
            node = node.parent
        return groups
