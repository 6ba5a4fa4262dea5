"""Product questions (Diskusi produk): a signed-in person asks on a product page, the store
answers once, a mentor or an admin may hide the question with a reason."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Optional

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.states import QUESTION_STATES, QuestionState, in_clause
from app.orm import UTCDateTime, utcnow

if TYPE_CHECKING:
    from app.models.product import Product
    from app.models.user import User


class ProductQuestion(Model):
    __tablename__ = "product_questions"
    __table_args__ = (
        CheckConstraint(in_clause("state", QUESTION_STATES), name="state_known"),
        # The product page: a product's public questions, newest first.
        Index("ix_product_questions_product_state", "product_id", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"))
    # Denormalised from the product: the store's desk counts its unanswered questions.
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id", ondelete="CASCADE"), index=True)
    asker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20), default=QuestionState.OPEN.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    answered_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    # What the state was before it was hidden (open or answered), so the page knows
    # whether an answer exists; the reason is shown to the asker and the store.
    hidden_reason: Mapped[str] = mapped_column(Text, default="")
    hidden_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    hidden_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)

    product: Mapped["Product"] = relationship()
    asker: Mapped["User"] = relationship(foreign_keys=[asker_id])
    answered_by: Mapped[Optional["User"]] = relationship(foreign_keys=[answered_by_id])
    hidden_by: Mapped[Optional["User"]] = relationship(foreign_keys=[hidden_by_id])

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None
