"""Stores: creation and editing by sellers, members, verification, admin pages."""

from app.extensions import db
from app.models import AuditEntry, Store, StoreInvitation, StoreMember
from tests.conftest import outbox
from tests.listing_utils import english, login, png_bytes, upload

STORE_FORM = {
    "name": "Kopi Aming Tan", "slug": "", "description": "Kopi Pontianak sejak 1958.",
    "kecamatan": "Pontianak Kota", "address": "Jl. Gajah Mada No. 12", "phone": "0812 5678 9012",
    "bank_name": "Bank Kalbar", "bank_account_number": "1234567890", "bank_account_holder": "Aming Tan",
}


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_seller_creates_a_store(client, factories, app):
    seller = factories.SellerFactory()
    factories.AdminFactory(email="staff@pontianak.go.id")
    english(seller)
    login(client, seller)
    data = dict(STORE_FORM, logo=upload(png_bytes(), "logo.png", "image/png"))
    response = client.post("/seller/store/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    store = db.session.execute(db.select(Store)).scalar_one()
    assert store.slug == "kopi-aming-tan" and store.status == "pending_verification"
    assert store.logo_key and store.logo_key.startswith(f"public/stores/{store.id}/")
    assert [m.user_id for m in store.members] == [seller.id]
    assert outbox(app, "staff@pontianak.go.id")  # admins hear a store needs a mentor
    page = client.get("/seller/", follow_redirects=True).get_data(as_text=True)
    assert "Kopi Aming Tan" in page and "Awaiting verification" in page
    # A second store for the same seller is refused: the form redirects to the edit page.
    assert client.get("/seller/store/new").status_code == 302


def test_store_form_errors(client, factories):
    factories.StoreFactory(slug="ambil")
    seller = factories.SellerFactory()
    english(seller)
    login(client, seller)
    response = client.post("/seller/store/new", data=dict(STORE_FORM, slug="ambil"))
    assert response.status_code == 422 and "is taken" in response.get_data(as_text=True)
    response = client.post("/seller/store/new", data=dict(STORE_FORM, phone="abc", name=""))
    assert response.status_code == 400
    response = client.post("/seller/store/new", data=dict(STORE_FORM, logo=upload(b"%PDF-1.4 x", "logo.png")),
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert _count(Store) == 1


def test_buyer_and_anonymous_cannot_use_the_desk(client, factories):
    assert client.get("/seller/").status_code == 302  # to the login
    buyer = factories.BuyerFactory()
    login(client, buyer)
    for url in ("/seller/", "/seller/store/new", "/seller/documents", "/seller/products/new", "/mentor/",
                "/programme/categories", "/programme/stores"):
        assert client.get(url).status_code == 403, url


def test_edit_store_and_changes_requested_goes_back_to_mentor(client, factories, app):
    store = factories.StoreFactory(status="changes_requested", status_note="Alamat kurang lengkap")
    seller = factories.store_owner(store)
    english(seller)
    login(client, seller)
    page = client.get("/seller/store").get_data(as_text=True)
    assert "Alamat kurang lengkap" in page
    form = {k: getattr(store, k) for k in STORE_FORM}
    form["address"] = "Jl. Tanjungpura No. 88, RT 2"
    assert client.post("/seller/store", data=form).status_code == 302
    db.session.refresh(store)
    assert store.address.startswith("Jl. Tanjungpura") and store.status == "pending_verification"
    assert outbox(app, store.mentor.email)


def test_members_and_invitations(client, factories, app):
    store = factories.StoreFactory()
    seller = factories.store_owner(store)
    english(seller)
    login(client, seller)
    response = client.post("/seller/store/members", data={"email": "adik@umkm.test"})
    assert response.status_code == 302
    mail = outbox(app, "adik@umkm.test")[-1]
    link = next(word for word in mail[2].split() if "/seller/join/" in word)
    path = link[link.index("/seller/join/"):]
    joiner = factories.SellerFactory(email="adik@umkm.test")
    client.post("/auth/logout")
    login(client, joiner)
    assert client.get(path).status_code == 200
    assert client.post(path).status_code == 302
    db.session.refresh(store)
    assert {m.user_id for m in store.members} == {seller.id, joiner.id}
    assert client.post(path).status_code == 409  # used once


def test_invite_someone_already_in_a_store_is_refused(client, factories):
    store = factories.StoreFactory()
    other = factories.StoreFactory()
    seller = factories.store_owner(store)
    english(seller)
    login(client, seller)
    response = client.post("/seller/store/members", data={"email": factories.store_owner(other).email})
    assert response.status_code == 409 and "already belongs" in response.get_data(as_text=True)
    assert _count(StoreInvitation) == 0


def test_mentor_verifies_store_and_seller_is_told(client, factories, app):
    store = factories.StoreFactory()
    english(store.mentor, factories.store_owner(store))
    login(client, store.mentor)
    page = client.get("/mentor/").get_data(as_text=True)
    assert store.name in page
    response = client.post(f"/mentor/stores/{store.id}/request-changes", data={"note": ""})
    assert response.status_code == 422
    response = client.post(f"/mentor/stores/{store.id}/request-changes", data={"note": "Foto logo buram"})
    assert response.status_code == 302
    db.session.refresh(store)
    assert store.status == "changes_requested" and store.status_note == "Foto logo buram"
    assert client.post(f"/mentor/stores/{store.id}/verify", data={"note": ""}).status_code == 302
    db.session.refresh(store)
    assert store.status == "verified" and store.verified_at
    subjects = [s for _to, s, _b in outbox(app, factories.store_owner(store).email)]
    assert any("verified" in s for s in subjects) and any("needs changes" in s for s in subjects)
    # verifying twice is an invalid transition
    assert client.post(f"/mentor/stores/{store.id}/verify", data={"note": ""}).status_code == 409


def test_other_mentor_cannot_see_or_verify_a_store(client, factories):
    store = factories.StoreFactory()
    login(client, factories.MentorFactory())
    assert client.get(f"/mentor/stores/{store.id}").status_code == 404
    assert client.post(f"/mentor/stores/{store.id}/verify", data={}).status_code == 404
    db.session.refresh(store)
    assert store.status == "pending_verification"


def test_mentor_member_of_store_cannot_verify_it(client, factories):
    store = factories.StoreFactory()
    store.members.append(StoreMember(user=store.mentor, role="member"))
    db.session.commit()
    login(client, store.mentor)
    assert client.post(f"/mentor/stores/{store.id}/verify", data={}).status_code == 403


def test_admin_assigns_mentor_and_suspends(client, factories, app):
    admin = factories.AdminFactory()
    english(admin)
    store = factories.StoreFactory(verified=True)
    new_mentor = factories.MentorFactory(full_name="Yusuf Maulana")
    product = factories.ProductFactory(store=store, live=True)
    login(client, admin)
    page = client.get("/programme/stores").get_data(as_text=True)
    assert store.name in page and "Yusuf Maulana" in page
    assert client.post(f"/programme/stores/{store.id}/mentor", data={"mentor_id": new_mentor.id}).status_code == 302
    db.session.refresh(store)
    assert store.mentor_id == new_mentor.id
    assert outbox(app, new_mentor.email)
    buyer = factories.BuyerFactory()
    assert client.post(f"/programme/stores/{store.id}/mentor", data={"mentor_id": buyer.id}).status_code == 302
    db.session.refresh(store)
    assert store.mentor_id == new_mentor.id  # not a mentor: refused
    client.post(f"/programme/stores/{store.id}/suspend", data={"note": ""})
    db.session.refresh(store)
    assert store.status == "verified"
    client.post(f"/programme/stores/{store.id}/suspend", data={"note": "Keluhan pembeli"})
    db.session.refresh(store)
    db.session.refresh(product)
    assert store.status == "suspended" and not product.listed
    assert db.session.scalar(db.select(db.func.count(AuditEntry.id)).where(AuditEntry.action == "store.suspend")) == 1


def test_mentor_cannot_use_admin_store_pages(client, factories):
    store = factories.StoreFactory()
    login(client, store.mentor)
    assert client.post(f"/programme/stores/{store.id}/suspend", data={"note": "x"}).status_code == 403
    assert client.post(f"/programme/stores/{store.id}/mentor", data={"mentor_id": 0}).status_code == 403


def test_admin_manages_categories(client, factories):
    admin = factories.AdminFactory()
    english(admin)
    login(client, admin)
    response = client.post("/programme/categories/new", data={
        "name_id": "Makanan & Minuman Kemasan", "name_en": "Packaged food & drink", "slug": "",
        "parent_id": 0, "required_documents": "pirt, bpom_md, bpom_ml\nhalal", "position": 1})
    assert response.status_code == 302
    from app.models import Category

    parent = db.session.execute(db.select(Category)).scalar_one()
    assert parent.slug == "makanan-minuman-kemasan"
    assert parent.required_documents == [["pirt", "bpom_md", "bpom_ml"], ["halal"]]
    client.post("/programme/categories/new", data={"name_id": "Minuman", "name_en": "Drinks", "parent_id": parent.id,
                                                    "required_documents": ""})
    child = db.session.execute(db.select(Category).where(Category.slug == "minuman")).scalar_one()
    assert child.parent_id == parent.id and child.requirement_groups() == parent.required_documents
    page = client.get("/programme/categories").get_data(as_text=True)
    assert "Minuman" in page and "Halal certificate" in page
    bad = client.post("/programme/categories/new", data={"name_id": "X", "name_en": "X", "parent_id": 0,
                                                          "required_documents": "sim"})
    assert bad.status_code == 422 and "Unknown document kind" in bad.get_data(as_text=True)
    # cannot delete a parent with children; cannot put a category under its own child
    assert client.post(f"/programme/categories/{parent.id}/delete").status_code == 302
    assert db.session.get(Category, parent.id) is not None
    cycle = client.post(f"/programme/categories/{parent.id}", data={
        "name_id": parent.name_id, "name_en": parent.name_en, "slug": parent.slug, "parent_id": child.id,
        "required_documents": "halal"})
    assert cycle.status_code == 422


def test_remove_member_but_not_the_owner(client, factories):
    store = factories.StoreFactory()
    helper = factories.SellerFactory()
    store.members.append(StoreMember(user=helper, role="member"))
    db.session.commit()
    owner = factories.store_owner(store)
    english(owner)
    login(client, owner)
    page = client.get("/seller/store/members").get_data(as_text=True)
    assert helper.email in page
    owner_member = next(m for m in store.members if m.role == "owner")
    member = next(m for m in store.members if m.role == "member")
    client.post(f"/seller/store/members/{owner_member.id}/remove")
    client.post(f"/seller/store/members/{member.id}/remove")
    db.session.expire_all()
    assert [m.user_id for m in db.session.get(Store, store.id).members] == [owner.id]


def test_member_of_another_store_cannot_remove_members(client, factories):
    store = factories.StoreFactory()
    member = StoreMember(user=factories.SellerFactory(), role="member")
    store.members.append(member)
    db.session.commit()
    login(client, factories.store_owner(factories.StoreFactory()))
    client.post(f"/seller/store/members/{member.id}/remove")
    db.session.expire_all()
    assert len(db.session.get(Store, store.id).members) == 2


def test_category_requirements_change_hides_products_at_once(client, factories):
    admin = factories.AdminFactory()
    english(admin)
    category = factories.CategoryFactory(name_id="Minuman", name_en="Drinks")
    product = factories.ProductFactory(category=category, live=True)
    assert product.listed
    login(client, admin)
    response = client.post(f"/programme/categories/{category.id}", data={
        "name_id": "Minuman", "name_en": "Drinks", "slug": category.slug, "parent_id": 0,
        "required_documents": "halal"})
    assert response.status_code == 302
    db.session.refresh(product)
    assert not product.listed  # the store holds no halal certificate
    response = client.post(f"/programme/categories/{category.id}/delete", follow_redirects=True)
    assert "1 product uses this category" in response.get_data(as_text=True)
    from app.models import Category

    assert db.session.get(Category, category.id) is not None
