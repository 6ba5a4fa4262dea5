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


# ---------------------------------------------------------------- stores and listings
#
# How to get a live, buyer-visible product:
#
#     product = ProductFactory(live=True)
#
# makes a verified store (with a mentor and an owner seller), valid documents for every
# requirement group of the product's category, an approved product with ``listed`` set
# by ``app.services.listings.refresh_product_visibility``, so that
# ``Product.visible_condition(clock.today())`` selects it. Useful keyword arguments:
#   ProductFactory(live=True, price=25000, stock=10)
#   ProductFactory(live=True, store=some_store)          # the store is verified for you
#   ProductFactory(live=True, category=CategoryFactory(food=True))  # PIRT + halal made valid
#   store_owner(product.store)  -> the seller who owns the store (log in as them)
# Without ``live`` a product is a draft in a pending store. FoodCategory needs
# [["pirt", "bpom_md", "bpom_ml"], ["halal"]]; CategoryFactory needs nothing.
from datetime import timedelta  # noqa: E402

from app import clock  # noqa: E402
from app.models import (  # noqa: E402
    BusinessDocument,
    Category,
    ListingReview,
    Product,
    ProductImage,
    Store,
    StoreMember,
)

FOOD_REQUIREMENTS = [["pirt", "bpom_md", "bpom_ml"], ["halal"]]


class CategoryFactory(BaseFactory):
    """A category; ``CategoryFactory(food=True)`` requires PIRT/BPOM and halal."""

    class Meta:
        model = Category

    class Params:
        food = factory.Trait(
            required_documents=FOOD_REQUIREMENTS,
            name_id=factory.Sequence(lambda n: f"Minuman {n}"),
            name_en=factory.Sequence(lambda n: f"Drinks {n}"),
        )

    slug = factory.Sequence(lambda n: f"kategori-{n}")
    name_id = factory.Sequence(lambda n: f"Kerajinan {n}")
    name_en = factory.Sequence(lambda n: f"Crafts {n}")
    position = factory.Sequence(lambda n: n)
    required_documents = factory.LazyFunction(list)


class StoreFactory(BaseFactory):
    """A store with an owner (a seller, ``owner=`` to choose) and a mentor.
    ``StoreFactory(verified=True)`` is verified."""

    class Meta:
        model = Store

    class Params:
        verified = factory.Trait(status="verified", verified_at=factory.LazyFunction(clock.now))

    slug = factory.Sequence(lambda n: f"toko-{n}")
    name = factory.Sequence(lambda n: f"Toko Contoh {n}")
    description = "Produk lokal Pontianak."
    kecamatan = "Pontianak Kota"
    address = "Jl. Gajah Mada No. 10"
    phone = "081234567890"
    bank_name = "Bank Kalbar"
    bank_account_number = "1234567890"
    bank_account_holder = factory.SelfAttribute("name")
    status = "pending_verification"
    mentor = factory.SubFactory(MentorFactory)
    created_by = factory.SubFactory(SellerFactory)

    @factory.post_generation
    def owner(self, create, extracted, **kwargs):
        user = extracted or self.created_by
        if user is not None and not any(m.user_id == user.id for m in self.members):
            self.members.append(StoreMember(user=user, role="owner"))
        if create:
            db.session.commit()

    @factory.post_generation
    def cohort(self, create, extracted, **kwargs):
        """``cohort="Angkatan 2025"`` (made when missing; the default "Angkatan 2026"), a
        Cohort, or "" for a store in no cohort. Joined as an admin would place it."""
        from app.services.incubator.cohorts import cohort_named, place_in_cohort

        label = "Angkatan 2026" if extracted is None else extracted
        if not create or label == "":
            return
        db.session.flush()
        place_in_cohort(self, cohort_named(label) if isinstance(label, str) else label)
        db.session.commit()


def store_owner(store):
    """The owner seller of a factory store."""
    for member in store.members:
        if member.role == "owner":
            return member.user
    return store.members[0].user if store.members else None


class DocumentFactory(BaseFactory):
    """A business document; default a valid NIB without expiry.
    ``DocumentFactory(store=s, kind="halal", expires_on=date)``; ``pending=True`` not yet reviewed."""

    class Meta:
        model = BusinessDocument

    class Params:
        pending = factory.Trait(status="pending", reviewed_at=None)

    store = factory.SubFactory(StoreFactory)
    kind = "nib"
    number = factory.Sequence(lambda n: f"91203{n:08d}")
    issuer = "OSS RBA"
    issued_on = factory.LazyFunction(lambda: clock.today() - timedelta(days=200))
    expires_on = None
    status = "valid"
    file_name = "dokumen.pdf"
    file_type = "application/pdf"
    reviewed_at = factory.LazyFunction(clock.now)


class ProductFactory(BaseFactory):
    """A product. ``ProductFactory(live=True)`` is approved and buyer-visible (see the
    comment above); otherwise a draft."""

    class Meta:
        model = Product

    store = factory.SubFactory(StoreFactory)
    category = factory.SubFactory(CategoryFactory)
    slug = factory.Sequence(lambda n: f"produk-{n}")
    name = factory.Sequence(lambda n: f"Produk Contoh {n}")
    description = "Dibuat di Pontianak."
    price = 25000
    stock = 20
    unit = "pcs"
    weight_grams = 250
    min_order = 1
    lead_time_days = 0
    status = "draft"

    @factory.post_generation
    def live(self, create, extracted, **kwargs):
        if extracted and create:
            make_live(self)


def make_live(product):
    """Verify the product's store, add valid documents for its category's requirements,
    approve the product and recompute its visibility."""
    from app.services.listings import missing_requirements, refresh_visibility

    store = product.store
    if store.status != "verified":
        store.status = "verified"
        store.verified_at = clock.now()
    for group in missing_requirements(store, product.category):
        db.session.add(BusinessDocument(
            store=store, kind=group[0], number=f"{group[0].upper()}-{store.id}-{product.id}",
            issuer="Dinas Kesehatan Kota Pontianak" if group[0] == "pirt" else "BPJPH",
            issued_on=clock.today() - timedelta(days=100), expires_on=clock.today() + timedelta(days=365),
            status="valid", reviewed_at=clock.now(), file_name="dokumen.pdf", file_type="application/pdf",
        ))
        db.session.flush()
        db.session.refresh(store)
    product.status = "approved"
    product.paused = False
    if product.approved_at is None:
        product.approved_at = clock.now()
    refresh_visibility(store)
    db.session.commit()
    return product


class ProductImageFactory(BaseFactory):
    class Meta:
        model = ProductImage

    product = factory.SubFactory(ProductFactory)
    key = factory.Sequence(lambda n: f"public/products/test/{n:06d}")
    position = factory.Sequence(lambda n: n)
    is_cover = False
    width = 800
    height = 800


class ListingReviewFactory(BaseFactory):
    class Meta:
        model = ListingReview

    product = factory.SubFactory(ProductFactory)
    action = "submitted"
    submitted_at = factory.LazyFunction(clock.now)


# ------------------------------------------------------------------ department purchases


def department_role(user, role, department=None):
    """Make ``user`` a purchaser or approver of ``department`` (default: their own)."""
    from app import clock as _clock
    from app.models import DepartmentRole

    row = DepartmentRole(user_id=user.id, department_id=(department or user.department).id, role=role,
                         granted_at=_clock.now())
    db.session.add(row)
    db.session.commit()
    return row
