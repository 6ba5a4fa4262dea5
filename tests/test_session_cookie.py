"""The session cookie is verified once per process for each value (app/session_cookie.py):
the same value opens the same session, a changed or expired one is refused as Flask
refuses it, and a request's changes never reach what is kept."""
from datetime import timedelta

from flask import session

from app.session_cookie import VerifiedOnceSessionInterface


def _cookie(client):
    return client.get_cookie("session").value


def _app_with_routes(app):
    @app.route("/_t/set")
    def _set():
        session["colour"] = "merah"
        return "ok"

    @app.route("/_t/read")
    def _read():
        return session.get("colour", "-")

    @app.route("/_t/change")
    def _change():
        session["colour"] = "biru"
        return session["colour"]

    return app


def test_the_same_cookie_opens_the_same_session_and_a_change_is_not_kept(app):
    app = _app_with_routes(app)
    assert isinstance(app.session_interface, VerifiedOnceSessionInterface)
    client = app.test_client()
    client.get("/_t/set")
    value = _cookie(client)
    calls = []
    loads = app.session_interface.get_signing_serializer

    def counting(app_):
        calls.append(1)
        return loads(app_)

    app.session_interface.get_signing_serializer = counting
    for _ in range(3):
        assert client.get("/_t/read").get_data(as_text=True) == "merah"
    assert calls == [1]  # verified once, then taken as it was

    other = app.test_client()
    other.set_cookie("session", value)
    assert other.get("/_t/change").get_data(as_text=True) == "biru"
    replay = app.test_client()
    replay.set_cookie("session", value)  # the old value still says what it said
    assert replay.get("/_t/read").get_data(as_text=True) == "merah"


def test_a_tampered_or_expired_cookie_is_refused_even_after_it_was_kept(app):
    app = _app_with_routes(app)
    client = app.test_client()
    client.get("/_t/set")
    value = _cookie(client)
    assert client.get("/_t/read").get_data(as_text=True) == "merah"  # kept now
    tampered = app.test_client()
    tampered.set_cookie("session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert tampered.get("/_t/read").get_data(as_text=True) == "-"
    app.permanent_session_lifetime = timedelta(seconds=-1)  # every signature is now too old
    assert client.get("/_t/read").get_data(as_text=True) == "-"


def test_a_session_holding_a_list_is_read_each_time(app):
    @app.route("/_t/flash")
    def _flash():
        session["items"] = ["a"]
        return "ok"

    @app.route("/_t/append")
    def _append():
        session["items"].append("b")  # in place: must not reach a kept copy
        return ",".join(session["items"])

    client = app.test_client()
    client.get("/_t/flash")
    value = _cookie(client)
    for _ in range(2):
        again = app.test_client()
        again.set_cookie("session", value)
        assert again.get("/_t/append").get_data(as_text=True) == "a,b"
    assert value not in app.session_interface._verified
