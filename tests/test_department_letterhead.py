"""The department's letterhead (kop surat): the admin edits its lines and uploads, replaces
or removes its logo (checked like a store's logo); every department document prints it at
the top; a document already issued keeps the letterhead of its day."""
import io

from PIL import Image

from app.extensions import db
from app.models import AuditEntry, Department, DepartmentLetterhead, DepartmentPurchase
from app.services import documents_pdf
from app.storage import get_storage
from tests.department_helpers import make_team
from tests.helpers import page_text
from tests.pdf_helpers import pdf_text
from tests.test_department_flow import login, place_department_order


def png(colour=(200, 30, 40), size=(120, 140)):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


def form(department, **changes):
    data = {"action": "save", "name": department.name, "code": department.code, "address": department.address,
            "order_cap": str(department.order_cap), "letterhead_parent": "PEMERINTAH KOTA PONTIANAK",
            "postcode": "78111", "phone": "(0561) 733041", "email": "diskominfo@pontianak.go.id"}
    data.update(changes)
    return data


def versions(department_id):
    db.session.expire_all()
    return db.session.execute(db.select(DepartmentLetterhead).where(DepartmentLetterhead.department_id == department_id)
                              .order_by(DepartmentLetterhead.id)).scalars().all()


def test_admin_edits_the_letterhead_and_its_logo(client, auth, factories):
    team = make_team(factories)
    dept = team.department
    url = f"/admin/departments/{dept.id}"
    login(client, auth, team.admin)
    assert "Letterhead of its documents" in page_text(client.get(url))
    response = client.post(url, data={**form(dept), "logo": (io.BytesIO(png()), "logo.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 303
    db.session.expire_all()
    dept = db.session.get(Department, dept.id)
    assert (dept.postcode, dept.phone, dept.email) == ("78111", "(0561) 733041", "diskominfo@pontianak.go.id")
    assert dept.logo_key and get_storage().exists(f"{dept.logo_key}/large.webp")
    first_logo = dept.logo_key
    # The version of before (dated when the department was made) and the new one.
    assert [v.logo_key for v in versions(dept.id)] == [None, first_logo]
    entry = db.session.execute(db.select(AuditEntry).where(AuditEntry.action == "department.save")
                               .order_by(AuditEntry.id.desc())).scalars().first()
    assert entry.after["postcode"] == "78111" and entry.after["logo_key"] == first_logo
    assert "Current logo" in client.get(url).get_data(as_text=True)
    # Replaced: a new picture, the old one kept for the documents issued with it.
    client.post(url, data={**form(dept), "logo": (io.BytesIO(png((0, 90, 160))), "logo.png")},
                content_type="multipart/form-data")
    db.session.expire_all()
    second_logo = db.session.get(Department, dept.id).logo_key
    assert second_logo != first_logo and get_storage().exists(f"{first_logo}/large.webp")
    # Removed.
    client.post(url, data={**form(dept), "remove_logo": "y"}, content_type="multipart/form-data")
    db.session.expire_all()
    assert db.session.get(Department, dept.id).logo_key is None
    assert len(versions(dept.id)) == 4
    # Saving without a change writes no new version.
    client.post(url, data=form(dept), content_type="multipart/form-data")
    assert len(versions(dept.id)) == 4


def test_bad_letterhead_input_is_refused_with_a_message(client, auth, factories):
    team = make_team(factories)
    dept = team.department
    url = f"/admin/departments/{dept.id}"
    login(client, auth, team.admin)
    response = client.post(url, data={**form(dept), "logo": (io.BytesIO(b"not a picture at all"), "logo.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "JPEG, PNG or WebP" in page_text(response)
    for changes, message in (({"postcode": "7811"}, "5 digits"), ({"phone": "call us"}, "phone number"),
                             ({"email": "nobody"}, "e-mail address")):
        response = client.post(url, data=form(dept, **changes), content_type="multipart/form-data")
        assert response.status_code == 422 and message in page_text(response), changes
    db.session.expire_all()
    dept = db.session.get(Department, dept.id)
    assert dept.logo_key is None and dept.postcode == "" and versions(dept.id) == []


def test_only_admins_edit_a_letterhead(client, auth, factories):
    team = make_team(factories)
    url = f"/admin/departments/{team.department.id}"
    for user in (team.approver, team.purchaser, team.coffee_seller):
        login(client, auth, user)
        assert client.post(url, data=form(team.department, postcode="78112")).status_code == 403
    db.session.expire_all()
    assert db.session.get(Department, team.department.id).postcode == ""


def test_documents_print_the_letterhead_of_the_day_they_were_issued(app, client, auth, factories):
    team = make_team(factories)
    dept = team.department
    url = f"/admin/departments/{dept.id}"
    login(client, auth, team.admin)
    client.post(url, data={**form(dept, letterhead_parent="Pemerintah Kota Pontianak"),
                           "logo": (io.BytesIO(png()), "logo.png")}, content_type="multipart/form-data")
    order = place_department_order(client, auth, team, snack=0)[0]
    login(client, auth, team.approver)
    assert client.post(f"/department/orders/{order.id}/approve").status_code == 303
    sp = client.get(f"/department/orders/{order.id}/documents/sp.pdf").data
    text = pdf_text(sp)
    head = text.split("SURAT PESANAN")[0]
    assert "PEMERINTAH KOTA PONTIANAK" in head and "DINAS KOMUNIKASI DAN INFORMATIKA" in head
    assert "Kode Pos 78111" in head and "Telepon (0561) 733041" in head and "diskominfo@pontianak.go.id" in head
    assert sp.count(b"/Subtype /Image") == 2  # the logo and the verification QR code

    # The admin changes the letterhead: the issued SP stays as it was, also drawn again.
    login(client, auth, team.admin)
    client.post(url, data={**form(dept, phone="(0561) 999999"), "remove_logo": "y"},
                content_type="multipart/form-data")
    login(client, auth, team.approver)
    assert client.get(f"/department/orders/{order.id}/documents/sp.pdf").data == sp
    with app.test_request_context("/"):
        purchase = db.session.execute(db.select(DepartmentPurchase).where(DepartmentPurchase.order_id == order.id)
                                      ).scalar_one()
        redrawn = documents_pdf.render_pdf(purchase, "sp")
    assert "(0561) 733041" in pdf_text(redrawn) and redrawn.count(b"/Subtype /Image") == 2
    # A new document prints the new letterhead.
    other = place_department_order(client, auth, team, snack=0)[-1]
    login(client, auth, team.approver)
    client.post(f"/department/orders/{other.id}/approve")
    new_sp = client.get(f"/department/orders/{other.id}/documents/sp.pdf").data
    assert "(0561) 999999" in pdf_text(new_sp) and new_sp.count(b"/Subtype /Image") == 1
