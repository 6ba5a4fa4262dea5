"""The navigation bar's items and badge counts cost queries: they are worked out only when a
template shows them (a page), never for an e-mail rendered during a request."""
import pytest
from flask import render_template_string

from app import authz
from app import nav
from app.extensions import db
from app.models import DepartmentRole
from app.services import procurement
from tests.helpers import counting_statements


def test_badge_counts_run_only_when_a_template_shows_the_nav(app, factories, monkeypatch):
    calls = []
    monkeypatch.setitem(nav._COUNTERS, "cart_count", lambda user: calls.append(user.id) or 3)
    buyer = factories.BuyerFactory()
    with app.test_request_context("/"):
        from flask_login import login_user

        login_user(buyer)
        assert render_template_string("Halo {{ 1 + 1 }}") == "Halo 2"
        assert calls == []
        shown = render_template_string("{% for i in nav_items %}{% if nav_counts.get(i.badge) %}"
                                       "{{ i.endpoint }}={{ nav_counts.get(i.badge) }} {% endif %}{% endfor %}")
        assert "cart.view=3" in shown and calls == [buyer.id]


# --- department roles: read once per request ------------------------------------------------

def _role_reads(statements):
    return [s for s in statements if "department_roles" in s]


@pytest.fixture
def purchaser_and_approver(app, client, auth, factories):
    """A civil servant who buys and approves for their department (both nav entries, the
    department dashboard and the approvals badge ask for the roles), logged in, in English."""
    client.post("/language", data={"lang": "en", "next": "/"})
    buyer = factories.BuyerFactory()
    factories.department_role(buyer, "purchaser")
    factories.department_role(buyer, "approver")
    auth.login(buyer.email)
    return buyer


@pytest.mark.parametrize("url", ["/", "/account/", "/department/approvals", "/department/purchases"])
def test_a_logged_in_page_reads_the_department_roles_at_most_once(client, purchaser_and_approver, url):
    db.session.expire_all()
    with counting_statements() as statements:
        response = client.get(url)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    # The roles were used: the purchaser's and the approver's entries are in the menu.
    assert 'href="/department/purchases"' in page and 'href="/department/approvals"' in page
    assert 'href="/dashboards/department"' in page
    assert len(_role_reads(statements)) == 1, _role_reads(statements)


def test_a_page_without_roles_reads_them_once_too(client, auth, factories):
    buyer = factories.BuyerFactory()
    auth.login(buyer.email)
    with counting_statements() as statements:
        page = client.get("/").get_data(as_text=True)
    assert 'href="/department/approvals"' not in page and 'href="/department/purchases"' not in page
    assert len(_role_reads(statements)) == 1


def test_each_request_reads_the_roles_afresh(client, purchaser_and_approver):
    """The memory lasts one request: a role removed behind the ORM's back (no event) between
    two requests is gone from the next page (tests share one app context, hence one ``g``)."""
    assert 'href="/department/approvals"' in client.get("/").get_data(as_text=True)
    db.session.execute(db.delete(DepartmentRole).where(DepartmentRole.role == "approver"))
    db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert 'href="/department/approvals"' not in page and 'href="/department/purchases"' in page


def test_granting_and_revoking_within_a_request_is_seen_at_once(app, factories):
    department = factories.DepartmentFactory()
    admin = factories.AdminFactory()
    colleague = factories.BuyerFactory(department=department)
    with app.test_request_context("/"):
        assert not authz.is_approver(colleague) and not authz.is_purchaser(colleague)
        with counting_statements() as statements:  # remembered: no further read
            assert authz.approver_department_ids(colleague) == []
            assert not authz.is_purchaser(colleague)
        assert _role_reads(statements) == []
        row = procurement.grant_department_role(admin, department.id, colleague.email, "approver")
        assert authz.is_approver(colleague, department.id)
        assert authz.approver_department_ids(colleague) == [department.id]
        procurement.grant_department_role(admin, department.id, colleague.email, "purchaser")
        assert authz.is_purchaser(colleague)
        procurement.revoke_department_role(admin, row.id)
        assert not authz.is_approver(colleague) and authz.is_purchaser(colleague)
