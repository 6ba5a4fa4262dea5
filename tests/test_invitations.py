"""Mentors and admins join through an admin's invitation; the outbox page is for admins."""
import re
from urllib.parse import urlsplit

import pytest

from app import clock
from app.extensions import db
from app.models import Invitation, OutboxMessage, User
from tests.conftest import PASSWORD, outbox
from tests.helpers import count, last_link, page_text

INVITEE = "rina@inkubator.test"


@pytest.fixture
def admin_client(app, factories):
    factories.AdminFactory(email="admin@pontianak.go.id", full_name="Dewi Lestari")
    client = app.test_client()
    with client.session_transaction() as session:
        session["locale"] = "en"
    client.post("/auth/login", data={"email": "admin@pontianak.go.id", "password": PASSWORD})
    return client


def invite(client, email=INVITEE, role="mentor"):
    return client.post("/admin/invitations", data={"email": email, "role": role})


def english(app):
    client = app.test_client()
    with client.session_transaction() as session:
        session["locale"] = "en"
    return client


def test_admin_invites_a_mentor_who_accepts_and_is_logged_in(app, admin_client):
    response = invite(admin_client, email=" Rina@Inkubator.test ")
    assert response.status_code == 302
    assert "Invitation sent to" in page_text(admin_client.get("/admin/invitations"))
    [(to, subject, body)] = outbox(app)
    assert to == INVITEE and "Dewi Lestari" in body
    link = last_link(app, INVITEE, "/auth/invitation/")

    invitee = english(app)
    page = page_text(invitee.get(link))
    assert "You are invited to join as Mentor" in page and INVITEE in page
    response = invitee.post(link, data={"full_name": "Rina Hartati", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 302
    assert "Welcome to Pasar Kite Bise, Rina Hartati." in page_text(invitee.get("/"))
    assert "Rina Hartati" in page_text(invitee.get("/account/"))
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.email == INVITEE)).scalar_one()
        assert user.roles == {"mentor"} and user.is_verified
        invitation = db.session.execute(db.select(Invitation)).scalar_one()
        assert invitation.state == "accepted" and invitation.accepted_by_id == user.id
    assert "Accepted" in page_text(admin_client.get("/admin/invitations"))


def test_an_admin_can_invite_another_admin(app, admin_client):
    invite(admin_client, email="staf@pontianak.go.id", role="admin")
    link = last_link(app, "staf@pontianak.go.id", "/auth/invitation/")
    client = english(app)
    client.post(link, data={"full_name": "Staf Baru", "password": PASSWORD, "confirm": PASSWORD})
    assert client.get("/admin/").status_code == 200


def test_used_invitation_is_refused(app, admin_client):
    invite(admin_client)
    link = last_link(app, INVITEE, "/auth/invitation/")
    english(app).post(link, data={"full_name": "Rina", "password": PASSWORD, "confirm": PASSWORD})
    response = english(app).get(link)
    assert response.status_code == 409 and "already been used or withdrawn" in page_text(response)
    response = english(app).post(link, data={"full_name": "Other", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 409 and count(app, User) == 2


def test_withdrawn_invitation_is_refused(app, admin_client):
    invite(admin_client)
    link = last_link(app, INVITEE, "/auth/invitation/")
    with app.app_context():
        invitation_id = db.session.execute(db.select(Invitation.id)).scalar_one()
    response = admin_client.post(f"/admin/invitations/{invitation_id}/revoke", follow_redirects=True)
    assert "Invitation withdrawn." in page_text(response)
    response = english(app).post(link, data={"full_name": "Rina", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 409 and "already been used or withdrawn" in page_text(response)
    assert count(app, User) == 1
    # Withdrawing twice says why instead of failing.
    response = admin_client.post(f"/admin/invitations/{invitation_id}/revoke", follow_redirects=True)
    assert "already been used or withdrawn" in page_text(response)


def test_expired_invitation_is_refused(app, admin_client):
    invite(admin_client)
    link = last_link(app, INVITEE, "/auth/invitation/")
    clock.travel(seconds=app.config["INVITE_TOKEN_MAX_AGE"] + 1)
    response = english(app).post(link, data={"full_name": "Rina", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 400 and "This link has expired" in page_text(response)
    assert count(app, User) == 1


def test_tampered_invitation_link_is_refused(app, admin_client):
    invite(admin_client)
    link = last_link(app, INVITEE, "/auth/invitation/")
    response = english(app).get(link[:-2] + "xx")
    assert response.status_code == 400 and "This link is not valid" in page_text(response)


def _logged_in(app, email):
    client = english(app)
    client.post("/auth/login", data={"email": email, "password": PASSWORD})
    return client


def _assert_wrong_account_page(response, link):
    page = page_text(response)
    assert response.status_code == 403 and "This invitation was sent to another e-mail address." in page
    assert f"You are logged in as aming@umkm.test, but this invitation is for {INVITEE}." in page
    # No accept button; a logout form (a POST, with its CSRF token) that comes back to the link.
    assert "Accept the invitation" not in page
    form = re.search(r'<form id="invitation-logout" method="post" action="/auth/logout">(.*?)</form>',
                     page, re.S).group(1)
    assert re.search(r'name="csrf_token" value="[^"]+"', form)
    assert f'name="next" value="{urlsplit(link).path}"' in form


def _nothing_changed(app):
    with app.app_context():
        seller = db.session.execute(db.select(User).where(User.email == "aming@umkm.test")).scalar_one()
        assert seller.roles == {"seller"}
        assert db.session.execute(db.select(Invitation)).scalar_one().state == "open"
        assert db.session.execute(db.select(User).where(User.email == INVITEE)).scalar_one_or_none() is None


def test_invitation_opened_while_logged_in_as_someone_else_is_refused_on_sight(app, admin_client, factories):
    factories.SellerFactory(email="aming@umkm.test")
    invite(admin_client)
    link = last_link(app, INVITEE, "/auth/invitation/")
    other = _logged_in(app, "aming@umkm.test")
    _assert_wrong_account_page(other.get(link), link)
    _nothing_changed(app)


def test_invitation_sent_while_logged_in_as_someone_else_is_refused(app, admin_client, factories):
    factories.SellerFactory(email="aming@umkm.test")
    invite(admin_client)
    link = last_link(app, INVITEE, "/auth/invitation/")
    other = _logged_in(app, "aming@umkm.test")
    _assert_wrong_account_page(other.post(link), link)
    # Neither does the new-account form's data make it a new account for the invitee.
    response = other.post(link, data={"full_name": "Rina", "password": PASSWORD, "confirm": PASSWORD})
    _assert_wrong_account_page(response, link)
    _nothing_changed(app)


def test_logging_out_from_the_refusal_leads_back_to_the_invitation(app, admin_client, factories):
    """With CSRF on, as in production: the token the page carries logs out, and the
    invitee then sees the page to create their account."""
    factories.SellerFactory(email="aming@umkm.test")
    invite(admin_client)
    link = last_link(app, INVITEE, "/auth/invitation/")
    other = _logged_in(app, "aming@umkm.test")
    app.config["WTF_CSRF_ENABLED"] = True
    page = other.get(link)
    assert page.status_code == 403
    assert other.post("/auth/logout", data={"next": urlsplit(link).path}).status_code == 400  # no token
    token = re.search(r'name="csrf_token" value="([^"]+)"', page_text(page)).group(1)
    response = other.post("/auth/logout", data={"csrf_token": token, "next": urlsplit(link).path})
    assert response.status_code == 302 and response.location == urlsplit(link).path
    page = other.get(link)
    assert page.status_code == 200 and "Accept and create my account" in page_text(page)
    assert other.get("/account/").status_code == 302  # logged out


def test_logout_goes_on_only_to_a_page_of_this_site(app, factories):
    factories.SellerFactory(email="aming@umkm.test")
    for target in ("https://evil.example/", "//evil.example/x", ""):
        client = _logged_in(app, "aming@umkm.test")
        response = client.post("/auth/logout", data={"next": target})
        assert response.status_code == 302 and response.location == "/"


def test_existing_account_accepting_gets_the_role_added(app, admin_client, factories):
    factories.BuyerFactory(email="siti@pontianak.go.id")
    invite(admin_client, email="siti@pontianak.go.id")
    link = last_link(app, "siti@pontianak.go.id", "/auth/invitation/")
    client = english(app)
    # Not logged in: creating a second account for the address is refused.
    response = client.post(link, data={"full_name": "Siti", "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 409 and "Log in first" in page_text(response)
    client.post("/auth/login", data={"email": "siti@pontianak.go.id", "password": PASSWORD})
    assert "Accept the invitation" in page_text(client.get(link))
    response = client.post(link, follow_redirects=True)
    assert "You now also have the Mentor role." in page_text(response)
    with app.app_context():
        user = db.session.execute(db.select(User).where(User.email == "siti@pontianak.go.id")).scalar_one()
        assert user.roles == {"buyer", "mentor"}


def test_accepting_with_a_weak_password_creates_nothing(app, admin_client):
    invite(admin_client)
    link = last_link(app, INVITEE, "/auth/invitation/")
    response = english(app).post(link, data={"full_name": "Rina", "password": "weak", "confirm": "weak"})
    assert response.status_code == 422 and "Use at least 10 characters." in page_text(response)
    assert count(app, User) == 1


def test_inviting_someone_who_already_has_the_role_is_a_conflict(app, admin_client, factories):
    factories.MentorFactory(email=INVITEE)
    response = invite(admin_client)
    assert response.status_code == 409 and "already has this role" in page_text(response)
    assert count(app, Invitation) == 0 and count(app, OutboxMessage) == 0


def test_invitation_form_checks_its_input(app, admin_client):
    assert invite(admin_client, email="not-an-address").status_code == 400
    assert invite(admin_client, role="buyer").status_code == 400
    assert count(app, Invitation) == 0


def test_only_admins_invite(app, client, auth, factories):
    factories.MentorFactory(email="m@inkubator.test")
    auth.login("m@inkubator.test")
    assert invite(client, email="x@inkubator.test").status_code == 403
    assert count(app, Invitation) == 0


def test_service_refuses_non_admin(app_ctx, factories):
    from app.services import NotAllowed, accounts

    mentor = factories.MentorFactory()
    with app_ctx.test_request_context(), pytest.raises(NotAllowed):
        accounts.invite(mentor, "x@inkubator.test", "mentor")


# --- outbox --------------------------------------------------------------------------------

def test_outbox_page_shows_messages_and_their_links_to_admins(app, admin_client, factories):
    factories.SellerFactory(email="aming@umkm.test")
    admin_client.post("/auth/logout")
    english(app).post("/auth/forgot", data={"email": "aming@umkm.test"})
    admin_client.post("/auth/login", data={"email": "admin@pontianak.go.id", "password": PASSWORD})
    page = page_text(admin_client.get("/admin/outbox"))
    assert "aming@umkm.test" in page and "WIB" in page
    with app.app_context():
        message_id = db.session.execute(db.select(OutboxMessage.id)).scalar_one()
    page = page_text(admin_client.get(f"/admin/outbox/{message_id}"))
    assert "/auth/reset/" in page
    assert admin_client.get("/admin/outbox/99999").status_code == 404


def test_outbox_is_not_for_other_roles(app, client, auth, factories):
    factories.SellerFactory(email="aming@umkm.test")
    auth.login("aming@umkm.test")
    assert client.get("/admin/outbox").status_code == 403
    assert client.get("/admin/outbox/1").status_code == 403


def test_messages_are_kept_without_smtp(app, admin_client):
    invite(admin_client)
    with app.app_context():
        assert db.session.execute(db.select(OutboxMessage.status)).scalar_one() == "kept"


def test_smtp_delivery_marks_messages_sent(app, admin_client, monkeypatch):
    from app.services import mail

    sent = []
    monkeypatch.setattr(mail, "_send_smtp", lambda message: sent.append(message.to))
    app.config["MAIL_SERVER"] = "smtp.example.test"
    invite(admin_client)
    assert sent == [INVITEE]
    with app.app_context():
        assert db.session.execute(db.select(OutboxMessage.status)).scalar_one() == "sent"


def test_smtp_failure_keeps_the_message_queued_and_the_page_works(app, admin_client, monkeypatch):
    from app.services import mail

    def refuse(message):
        raise OSError("connection refused")

    monkeypatch.setattr(mail, "_send_smtp", refuse)
    app.config["MAIL_SERVER"] = "smtp.example.test"
    assert invite(admin_client).status_code == 302
    with app.app_context():
        message = db.session.execute(db.select(OutboxMessage)).scalar_one()
        assert (message.status, message.attempts, message.last_error) == ("queued", 1, "OSError")


def test_admin_sees_an_old_invitation_as_expired(app, admin_client):
    invite(admin_client)
    clock.travel(seconds=app.config["INVITE_TOKEN_MAX_AGE"] + 1)
    page = page_text(admin_client.get("/admin/invitations"))
    assert "Expired" in page and "Withdraw" not in page
