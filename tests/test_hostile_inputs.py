"""No input a person can send reaches a 500 (issue 14).

Every route of the URL map, every path parameter, query parameter, form field and file it
takes (found by tests/hostile_walk.py from the views and the rendered pages), each hostile
value, as each role, acting as the owner of the world's objects so owner checks let the
input through. A run sends a sample spread over all routes; the seed is in the failure
message. ``HOSTILE_SEED=<n>`` repeats a run, ``HOSTILE_SAMPLE=<n>`` changes its size,
``HOSTILE_FULL=1`` sends every case (tens of thousands: minutes, not for CI);
``HOSTILE_ONLY=/orders/`` keeps the routes whose rule contains that text.
"""
import os
import random

import pytest

from app.extensions import db
from app.models import User

from tests import hostile_walk
from tests.authz_walk import _build_world, logged_in_client, role_clients, url_args
from tests.conftest import make_app, release_app

FULL = os.environ.get("HOSTILE_FULL") == "1"
SAMPLE = int(os.environ.get("HOSTILE_SAMPLE", "600"))
ONLY = os.environ.get("HOSTILE_ONLY", "")
ROLES = ("anonymous", "buyer", "purchaser", "approver", "seller", "mentor", "admin")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, pg_schema):
    app = make_app(tmp_path_factory.mktemp("hostile"), pg_schema)
    try:
        with app.app_context():
            from tests import factories

            values, per_endpoint, _users, owners = _build_world(factories)
        clients = role_clients(app, owners)
        rules = {rule.rule: rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"}
        urls = {key: rule.build(url_args(rule, values, per_endpoint))[1] for key, rule in rules.items()}
        inputs = hostile_walk.discover(app, rules, clients, urls)

        def stay_logged_in(client, email):
            """A walked logout (or a session ended some other way) must not turn a role anonymous.
            A walked admin button may have deactivated or locked the role's user: undo that first."""
            with client.session_transaction() as session:
                if "_user_id" in session:
                    return
            with app.app_context():
                db.session.execute(db.update(User).where(User.email == email)
                                   .values(active=True, failed_logins=0, locked_until=None))
                db.session.commit()
            logged_in_client(app, email, client)

        yield hostile_walk.Walker(app, rules, inputs, values, per_endpoint, clients, owners, stay_logged_in)
    finally:
        release_app(app, pg_schema)


def test_the_walk_finds_the_inputs_of_routes_nobody_listed(hostile):
    """The discovery itself: a path id, a query filter, a WTForms field, a hand-read field, a file."""
    inputs = hostile.inputs
    assert inputs["/orders/<int:order_id>"].path == {"order_id": "int"}
    assert "q" in inputs["/katalog"].query  # the catalogue's GET search form
    assert "reason" in inputs["/orders/<int:order_id>/cancel"].form  # read by hand in the view
    assert "email" in inputs["/auth/login"].form  # LoginForm
    assert "file" in inputs["/seller/documents"].files
    assert "actor" in inputs["/admin/audit/"].query


def test_no_hostile_input_reaches_a_500(hostile):
    seed = int(os.environ.get("HOSTILE_SEED") or random.SystemRandom().randrange(10**6))
    cases = [case for key, rule in hostile.rules.items()
             if ONLY in key for case in hostile_walk.cases_for(key, rule, hostile.inputs[key], ROLES)]
    picked = cases if FULL else hostile_walk.sample(cases, SAMPLE, hostile_walk.new_rng(seed))
    failures = hostile.run(picked)
    routes = {(c.rule, c.method) for c in picked}
    per_route = {}
    for c in cases:
        per_route.setdefault((c.rule, c.method), set()).add((c.where, c.name, c.value))
    sizes = sorted(len(v) for v in per_route.values())
    print(f"hostile walk: {len(hostile.rules)} rules, {len(per_route)} routes and methods, inputs per route and "
          f"method (each sent as each of {len(ROLES)} roles) min {sizes[0]}, median {sizes[len(sizes) // 2]}, "
          f"max {sizes[-1]}")
    lines = hostile_walk.grouped(failures)
    print(f"hostile walk: seed {seed}, {len(picked)} of {len(cases)} cases over {len(routes)} routes and methods; "
          f"{len(failures)} answered 500, in {len(lines)} places")
    assert not failures, (
        f"{len(failures)} of {len(picked)} hostile inputs answered 500, in {len(lines)} places (repeat with "
        f"HOSTILE_SEED={seed}{'' if FULL else f' HOSTILE_SAMPLE={SAMPLE}'}):\n" + "\n".join(lines))
