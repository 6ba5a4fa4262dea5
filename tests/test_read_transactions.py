"""A request that only read ends with COMMIT on PostgreSQL (psycopg keeps its prepared
statements), anything else is rolled back as before: nothing half-written."""
import pytest
from flask import abort
from sqlalchemy import event

from app.extensions import db
from tests.conftest import make_app, release_app


@pytest.fixture
def app(tmp_path, pg_schema):
    app = make_app(tmp_path, pg_schema)
    from app.models import User

    def read():
        return str(db.session.execute(db.select(db.func.count(User.id))).scalar_one())

    def write_without_commit():
        db.session.execute(db.text("UPDATE users SET full_name = 'Ditulis' WHERE id = 1"))
        return "ok"

    def change_without_commit():
        db.session.get(User, 1).full_name = "Diubah"
        return "ok"

    def read_then_fail():
        db.session.execute(db.text("UPDATE users SET full_name = 'Gagal' WHERE id = 1"))
        abort(409)

    def read_then_raise():
        db.session.execute(db.select(User.id)).all()
        raise RuntimeError("broken view")

    def prepared():
        # Run this request's one statement, then say whether the connection has it prepared.
        db.session.execute(db.text("SELECT count(*) FROM users WHERE id > :n"), {"n": 0}).scalar_one()
        names = db.session.execute(db.text(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'SELECT count(*) FROM users%'"))
        return "yes" if names.scalar_one() else "no"

    def began_but_asked_nothing():
        # As a page whose user and page were both kept: the session's transaction began (an
        # object merged in) but no statement ran.
        db.session.begin()
        return "ok"

    for name, view in (("read", read), ("write", write_without_commit), ("change", change_without_commit),
                       ("fail", read_then_fail), ("raise", read_then_raise), ("prepared", prepared),
                       ("nothing", began_but_asked_nothing)):
        app.add_url_rule(f"/_test/{name}", name, view)
    with app.app_context():
        from tests import factories

        factories.BuyerFactory(full_name="Budi Santoso")
        db.session.commit()
    yield app
    release_app(app, pg_schema)


def _endings(app, path):
    """('commit' / 'rollback' events of the request's connection, the status)."""
    seen = []
    with app.app_context():
        engine = db.engine
    on_commit, on_rollback = (lambda conn: seen.append("commit")), (lambda conn: seen.append("rollback"))
    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    try:
        app.config["PROPAGATE_EXCEPTIONS"] = False
        status = app.test_client().get(path).status_code
    finally:
        event.remove(engine, "commit", on_commit)
        event.remove(engine, "rollback", on_rollback)
    return seen, status


def _name(app):
    with app.app_context():
        return db.session.execute(db.text("SELECT full_name FROM users WHERE id = 1")).scalar_one()


def test_a_request_that_only_read_ends_with_commit_on_postgresql(app, pg_schema):
    seen, status = _endings(app, "/_test/read")
    assert status == 200
    assert seen == (["commit"] if pg_schema else ["rollback"])


def test_a_request_that_asked_the_database_nothing_takes_no_connection(app):
    checkouts = []
    with app.app_context():
        engine = db.engine
    on_checkout = lambda *args: checkouts.append(1)  # noqa: E731
    event.listen(engine, "checkout", on_checkout)
    try:
        assert app.test_client().get("/_test/nothing").status_code == 200
    finally:
        event.remove(engine, "checkout", on_checkout)
    assert checkouts == []


@pytest.mark.parametrize("path, status", [("/_test/write", 200), ("/_test/change", 200), ("/_test/fail", 409),
                                          ("/_test/raise", 500)])
def test_a_request_that_wrote_or_failed_is_rolled_back(app, path, status):
    seen, got = _endings(app, path)
    assert got == status
    assert "commit" not in seen
    assert _name(app) == "Budi Santoso"  # nothing the request left uncommitted was kept


def test_postgresql_keeps_the_statements_it_prepared_across_requests(app, pg_schema):
    if pg_schema is None:
        pytest.skip("prepared statements are psycopg's (PostgreSQL)")
    client = app.test_client()
    answers = [client.get("/_test/prepared").get_data(as_text=True) for _ in range(12)]
    # psycopg prepares a statement the fifth time it runs on a connection; a ROLLBACK at the
    # end of each request made it forget them, so it never got there.
    assert "yes" in answers, answers
