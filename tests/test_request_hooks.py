"""The app checks each hook and view for ``async def`` once (app.PasarApp.ensure_sync), not
on every request; a coroutine function still goes through Flask's own handling."""
import flask.app

from app import PasarApp


def test_a_plain_function_is_checked_once_and_returned_as_it_is(app, monkeypatch):
    assert isinstance(app, PasarApp)
    checked = []
    original = flask.app.iscoroutinefunction

    def counting(func):
        checked.append(func)
        return original(func)

    monkeypatch.setattr(flask.app, "iscoroutinefunction", counting)

    def hook():
        return None

    assert app.ensure_sync(hook) is hook
    assert app.ensure_sync(hook) is hook
    assert checked == [hook]

    client = app.test_client()
    client.get("/healthz")
    first = len(checked)
    client.get("/healthz")
    assert len(checked) == first  # the second request asks about nothing new


def test_a_coroutine_function_is_handed_to_flask_each_time(app, monkeypatch):
    handed = []
    monkeypatch.setattr(PasarApp, "async_to_sync", lambda self, func: handed.append(func) or (lambda: "run"))

    async def view():
        return "x"

    assert app.ensure_sync(view)() == "run"
    assert app.ensure_sync(view)() == "run"
    assert handed == [view, view]
