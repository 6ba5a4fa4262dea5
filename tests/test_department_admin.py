"""Department admin: departments, purchasers and approvers, holidays, navigation."""
import pytest

from app.extensions import db
from app.models import AuditEntry, Department, DepartmentRole, PublicHoliday
from tests.department_helpers import make_team
from tests.helpers import page_text
from tests.order_helpers import use_english


@pytest.fixture
def team(factories):
    return make_team(factories)


def login(client, auth, user):
    auth.logout()
    auth.login(user.email)
    use_english(client)


def roles_of(user):
    db.session.expire_all()
    return {(r.department_id, r.role) for r in db.session.execute(
        db.select(DepartmentRole).where(DepartmentRole.user_id == user.id)).scalars()}


def test_admin_creates_and_edits_a_department(client, auth, team):
    login(client, auth, team.admin)
    assert "Departments" in page_text(client.get("/admin/"))
    response = client.post("/admin/departments", data={"name": "Dinas Sosial", "code": "dinsos",
                                                       "address": "Jl. Pangeran Natakusuma", "order_cap": ""})
    assert response.status_code == 303
    dept = db.session.execute(db.select(Department).where(Department.code == "DINSOS")).scalar_one()
    assert dept.order_cap == 200_000_000
    response = client.post(f"/admin/departments/{dept.id}", data={
        "action": "save", "name": "Dinas Sosial", "code": "DINSOS", "address": "Jl. Baru", "order_cap": "50.000.000"})
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Department, dept.id).order_cap == 50_000_000
    entry = db.session.execute(db.select(AuditEntry).where(AuditEntry.action == "department.save")
                               .order_by(AuditEntry.id.desc())).scalars().first()
    assert entry.before["order_cap"] == 200_000_000 and entry.after["order_cap"] == 50_000_000
    # Bad input: message, status, nothing written.
    clash = client.post("/admin/departments", data={"name": "Lain", "code": "DINSOS", "order_cap": "1"})
    assert clash.status_code == 409 and "already has this name or code" in page_text(clash)
    bad = client.post("/admin/departments", data={"name": "Lain", "code": "LAIN", "order_cap": "banyak"})
    assert bad.status_code == 422
    assert db.session.scalar(db.select(db.func.count(Department.id)).where(Department.code == "LAIN")) == 0


def test_admin_names_purchasers_and_approvers(client, auth, team, factories):
    colleague = factories.BuyerFactory(full_name="Nurul Hidayah", department=team.department)
    outsider = factories.BuyerFactory(full_name="Hendra Gunawan")
    login(client, auth, team.admin)
    url = f"/admin/departments/{team.department.id}"
    page = page_text(client.get(url))
    assert "Budi Santoso" in page and "Rahmat Hidayat" in page
    response = client.post(url, data={"action": "role", "email": colleague.email, "role": "approver"})
    assert response.status_code == 303
    assert (team.department.id, "approver") in roles_of(colleague)
    again = client.post(url, data={"action": "role", "email": colleague.email, "role": "approver"})
    assert again.status_code == 409
    wrong = client.post(url, data={"action": "role", "email": outsider.email, "role": "purchaser"})
    assert wrong.status_code == 422 and "does not belong to" in page_text(wrong)
    assert not roles_of(outsider)
    role = db.session.execute(db.select(DepartmentRole).where(DepartmentRole.user_id == colleague.id)).scalar_one()
    assert client.post(f"/department/roles/{role.id}/revoke").status_code == 303
    assert not roles_of(colleague)
    actions = [a for (a,) in db.session.execute(db.select(AuditEntry.action))]
    assert "department.role_grant" in actions and "department.role_revoke" in actions


def test_approver_names_colleagues_as_purchasers_only(client, auth, team, factories):
    colleague = factories.BuyerFactory(full_name="Nurul Hidayah", department=team.department)
    outsider = factories.BuyerFactory()
    login(client, auth, team.approver)
    page = page_text(client.get("/department/team"))
    assert team.department.name in page and "Budi Santoso" in page
    response = client.post("/department/team", data={"department_id": team.department.id, "email": colleague.email})
    assert response.status_code == 303
    assert roles_of(colleague) == {(team.department.id, "purchaser")}
    wrong = client.post("/department/team", data={"department_id": team.department.id, "email": outsider.email})
    assert wrong.status_code == 422
    # Not for another department, and not approvers.
    other = team.other_approver.department
    assert client.post("/department/team", data={"department_id": other.id, "email": outsider.email}).status_code == 404
    from app.services import NotAllowed, procurement

    with pytest.raises(NotAllowed):
        with client.application.test_request_context("/"):
            procurement.grant_department_role(team.approver, team.department.id, outsider.email, "approver")
    # The approver can remove a purchaser, not an approver.
    approver_role = db.session.execute(db.select(DepartmentRole).where(
        DepartmentRole.user_id == team.approver.id)).scalar_one()
    assert client.post(f"/department/roles/{approver_role.id}/revoke").status_code == 404
    # A plain buyer has no team page; a buyer cannot manage departments.
    login(client, auth, colleague)
    assert client.get("/department/team").status_code == 403
    assert client.get("/admin/departments").status_code == 403
    assert client.get("/admin/holidays").status_code == 403


def test_holidays_are_managed_by_admins(client, auth, team):
    login(client, auth, team.admin)
    response = client.post("/admin/holidays", data={"day": "2027-02-06", "name": "Tahun Baru Imlek"})
    assert response.status_code == 303
    assert "Tahun Baru Imlek" in page_text(client.get("/admin/holidays"))
    dup = client.post("/admin/holidays", data={"day": "2027-02-06", "name": "Lagi"})
    assert dup.status_code == 409
    bad = client.post("/admin/holidays", data={"day": "besok", "name": "X"})
    assert bad.status_code == 422
    holiday = db.session.execute(db.select(PublicHoliday)).scalar_one()
    assert client.post(f"/admin/holidays/{holiday.id}/delete").status_code == 303
    assert db.session.scalar(db.select(db.func.count(PublicHoliday.id))) == 0


def test_navigation_shows_duties(client, auth, team):
    login(client, auth, team.purchaser)
    home = page_text(client.get("/"))
    assert "Department purchases" in home and "Approvals" not in home
    login(client, auth, team.approver)
    home = page_text(client.get("/"))
    assert "Approvals" in home and "Department purchases" not in home
    login(client, auth, team.admin)
    assert client.get("/department/spend").status_code == 200


def test_spend_page_for_admins_and_approvers_only(client, auth, team, factories):
    login(client, auth, team.approver)
    assert client.get("/department/spend").status_code == 200
    login(client, auth, factories.BuyerFactory())
    assert client.get("/department/spend").status_code == 403
    login(client, auth, factories.SellerFactory())
    assert client.get("/department/spend").status_code == 403


def test_demo_data_is_idempotent(app, runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        from app.models import DepartmentPurchase, User

        approver = db.session.execute(
            db.select(User).where(User.email == "rahmat.hidayat@pontianak.go.id")).scalar_one()
        assert {r.role for r in db.session.execute(db.select(DepartmentRole).where(
            DepartmentRole.user_id == approver.id)).scalars()} == {"approver"}
        # Two teams of purchaser and approver, and the treasurer of Diskominfo.
        assert db.session.scalar(db.select(db.func.count(DepartmentRole.id))) == 5
        # One at each stage, and one invoiced with tax for the treasurer.
        assert db.session.scalar(db.select(db.func.count(DepartmentPurchase.id))) == 7
        assert db.session.scalar(db.select(db.func.count(PublicHoliday.id))) >= 30
