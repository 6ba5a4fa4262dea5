"""A small programme world for the incubator tests: a cohort with two mentors, stores in it,
a store outside it, sales placed at chosen times."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from app import clock
from app.extensions import db
from app.models import Order
from tests.factories import store_owner


def sale(store, buyer, total, at=None, method="cod", state="completed"):
    """An order of ``store`` placed at ``at`` (default: an hour ago), as the order flow leaves it."""
    at = at or clock.now() - timedelta(hours=1)
    order = Order(buyer_id=buyer.id, store_id=store.id, state=state, payment_method=method, delivery_method="office",
                  requested_date=at.date(), time_window="10-12", subtotal=total, total=total, created_at=at)
    db.session.add(order)
    db.session.flush()
    order.number = f"PKB-T-{order.id:06d}"
    return order


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


@dataclass
class Programme:
    admin: object
    mentor: object
    mentor2: object
    outsider_mentor: object
    cohort: object
    stores: list = field(default_factory=list)
    outside_store: object = None
    buyer: object = None

    @property
    def seller(self):
        return store_owner(self.stores[0])


def programme(f, stores=2):
    """Angkatan 2026 coached by ``mentor`` and ``mentor2``; ``stores`` verified stores in it, one
    store in another cohort coached by ``outsider_mentor``."""
    from app.models import CohortMentor
    from app.services.incubator.cohorts import cohort_named

    admin, mentor, mentor2, outsider = f.AdminFactory(), f.MentorFactory(), f.MentorFactory(), f.MentorFactory()
    members = [f.StoreFactory(verified=True, mentor=mentor) for _ in range(stores)]
    cohort = members[0].cohort
    other = f.StoreFactory(verified=True, mentor=outsider, cohort="Angkatan 2025")
    for m in (mentor, mentor2):
        db.session.add(CohortMentor(cohort_id=cohort.id, mentor_id=m.id))
    db.session.add(CohortMentor(cohort_id=cohort_named("Angkatan 2025").id, mentor_id=outsider.id))
    db.session.commit()
    return Programme(admin, mentor, mentor2, outsider, cohort, members, other, f.BuyerFactory())
