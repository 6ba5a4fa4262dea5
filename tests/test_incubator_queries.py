"""The indicators of a cohort cost a fixed number of queries, whatever its size."""
from datetime import timedelta

from app import clock
from app.extensions import db
from app.models import MentoringSession, SessionAction, StoreRating, TrainingEvent, TrainingRegistration
from app.services.incubator import indicators
from tests.factories import store_owner
from tests.helpers import counting_statements
from tests.incubator_helpers import sale


def _cohort(f, size, buyer):
    stores = [f.StoreFactory(verified=True, cohort="Angkatan 2027") for _ in range(size)]
    mentor = f.MentorFactory()
    now = clock.now()
    event = TrainingEvent(title="Pemasaran digital", topic="marketing", starts_at=now - timedelta(days=3), capacity=500)
    db.session.add(event)
    db.session.flush()
    for index, store in enumerate(stores):
        f.DocumentFactory(store=store, kind="nib")
        sale(store, buyer, 10_000 + index, at=now - timedelta(days=2))
        paid = sale(store, buyer, 20_000, at=now - timedelta(days=40), method="department")
        # The department rated the store after paying: 1 for the first startup (flagged), 3.5 for the others.
        marks = (1, 1, 1, 1) if index == 0 else (4, 3, 4, 3)
        db.session.add(StoreRating(order_id=paid.id, store_id=store.id, rater_id=buyer.id, quality=marks[0],
                                   timeliness=marks[1], quantity=marks[2], service=marks[3]))
        session = MentoringSession(store_id=store.id, cohort_id=store.cohort_id, mentor_id=mentor.id,
                                   held_on=clock.today() - timedelta(days=5), minutes=30, topics=["pricing"])
        session.actions.append(SessionAction(store_id=store.id, title="Hitung HPP", due_on=clock.today()))
        db.session.add(session)
        db.session.add(TrainingRegistration(training_id=event.id, user_id=store_owner(store).id, store_id=store.id,
                                            attended_at=now - timedelta(days=3)))
    db.session.commit()
    return [s.id for s in stores]


def _queries(ids):
    db.session.expire_all()
    with counting_statements() as statements:
        items = indicators.compute(ids)
    assert len(items) == len(ids)
    return len(statements), items


def test_indicators_of_100_startups_take_as_many_queries_as_of_3(app_ctx, factories):
    buyer = factories.BuyerFactory()
    small = _cohort(factories, 3, buyer)
    big = _cohort(factories, 100, buyer)
    few, _ = _queries(small)
    many, items = _queries(big)
    assert many == few <= 15
    # and the figures are the ones seeded, for every startup
    assert all(i.orders == 2 and i.repeat_buyers == 1 and i.trainings == 1 and i.sessions == 1
               and "nib" in i.permits and i.actions_due == 1 and i.rating_count == 1 for i in items)
    # the store rating (issue 18) is an indicator; a store rated below the threshold needs attention
    low = [i for i in items if i.rating_average == 1.0]
    assert len(low) == 1 and low[0].rating_flagged and "low_rating" in low[0].attention
    assert all(i.rating_average == 3.5 and not i.rating_flagged and "low_rating" not in i.attention
               for i in items if i is not low[0])
    assert items[0] is low[0]  # it needs the most attention, so it comes first
