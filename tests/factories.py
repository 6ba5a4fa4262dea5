"""factory_boy factories for the models. Use inside an app context (the ``factories``
fixture gives one). Objects are flushed and committed so the test client sees them."""
import factory
from factory.alchemy import SQLAlchemyModelFactory

from app.extensions import db
from app.models import Department, Invitation, User
from app.orm import utcnow
from app.services.passwords import _fast

PASSWORD = "Rahasia-Kuat-2026"
_PASSWORD_HASH = _fast.hash(PASSWORD)


def _grant(user, create, roles):
    for role in roles:
        user.grant(role)
    if create and roles:
        db.session.commit()


def _with_roles(*default):
    """A post-generation hook granting ``default`` roles unless the caller names others."""

    def hook(obj, create, extracted, **kwargs):
        _grant(obj, create, extracted if extracted is not None else default)

    return factory.PostGeneration(hook)


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class DepartmentFactory(BaseFactory):
    class Meta:
        model = Department

    code = factory.Sequence(lambda n: f"OPD{n:03d}")
    name = factory.Sequence(lambda n: f"Dinas Contoh {n}")
    address = "Jl. Rahadi Usman No. 3, Pontianak Kota"


class UserFactory(BaseFactory):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    full_name = factory.Sequence(lambda n: f"Pengguna {n}")
    password_hash = _PASSWORD_HASH
    email_verified_at = factory.LazyFunction(utcnow)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        _grant(self, create, extracted or ())


class BuyerFactory(UserFactory):
    email = factory.Sequence(lambda n: f"asn{n}@pontianak.go.id")
    department = factory.SubFactory(DepartmentFactory)
    roles = _with_roles("buyer")


class SellerFactory(UserFactory):
    email = factory.Sequence(lambda n: f"seller{n}@umkm.test")
    roles = _with_roles("seller")


class MentorFactory(UserFactory):
    email = factory.Sequence(lambda n: f"mentor{n}@inkubator.test")
    roles = _with_roles("mentor")


class AdminFactory(UserFactory):
    email = factory.Sequence(lambda n: f"admin{n}@pontianak.go.id")
    roles = _with_roles("admin")


class InvitationFactory(BaseFactory):
    class Meta:
        model = Invitation

    token_id = factory.Sequence(lambda n: f"token-{n}")
    email = factory.Sequence(lambda n: f"invitee{n}@inkubator.test")
    role = "mentor"
    invited_by = factory.SubFactory(AdminFactory)
