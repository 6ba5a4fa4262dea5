"""Every route in the URL map against the authorization table (tests/authz_table.py).

GET: each role and an anonymous visitor get exactly what the table says. POST: each role
without permission is refused (403, or 404 for someone else's object, or sent to log in)
and nothing is sent for the roles the table marks OK. With CSRF on, a POST without a token
is refused with 400 on every state-changing route; the Stripe webhook checks signatures.
"""
import os

from tests.authz_table import OK, TABLE
from tests.authz_walk import ROLES, summary, walk_fixture  # noqa: F401 - the fixture

RECORD = os.environ.get("AUTHZ_RECORD")  # print a draft table of what the walk sees


def _post_rules(walk):
    return [key for key, rule in walk.rules.items() if "POST" in rule.methods]


def test_every_rule_is_in_the_table(walk):
    missing = sorted(set(walk.rules) - set(TABLE))
    assert not missing, "routes missing from tests/authz_table.py: " + ", ".join(
        f"{key} ({walk.rules[key].endpoint})" for key in missing)
    no_post = sorted(key for key, rule in walk.rules.items() if "POST" in rule.methods and "POST" not in TABLE[key])
    assert not no_post, "routes taking POST without a POST row in tests/authz_table.py: " + ", ".join(no_post)
    stale = sorted(set(TABLE) - set(walk.rules))
    assert not stale, "table rows for routes that no longer exist: " + ", ".join(stale)


def test_get_as_each_role_matches_the_table(walk):
    wrong = []
    for key, url in walk.urls.items():
        expected = TABLE.get(key, {}).get("GET")
        for role in ROLES:
            got = summary(walk.get[(key, role)])
            if RECORD:
                print("RECORD-GET", key, role, got)
                continue
            if expected is not None and expected[role] != got:
                wrong.append(f"GET {url} ({key}) as {role}: table says {expected[role]}, got {got}")
    assert not wrong, "\n".join(wrong)


# Enough of a form that the owner check, not the form check, answers.
POST_DATA = {"cart.update": {"quantity": "1"}}
SELF_SERVICE = {"auth.", "account.", "main.set_language", "seller.join", "webhooks."}


def test_post_without_permission_is_refused(walk):
    """Only roles the table does not mark OK send the POST (nothing of theirs changes)."""
    wrong = []
    for key in _post_rules(walk):
        rule = walk.rules[key]
        expected = TABLE.get(key, {}).get("POST")
        if RECORD:
            if any(rule.endpoint.startswith(prefix) for prefix in SELF_SERVICE):
                continue
            roles = getattr(walk.app.view_functions[rule.endpoint], "required_roles", ())
            expected = {role: OK if roles == ("admin",) and role == "admin" else None for role in ROLES}
        if expected is None:
            continue
        for role in ROLES:
            if expected[role] == OK:
                continue
            data = POST_DATA.get(rule.endpoint, {})
            got = summary(walk.clients[role].post(walk.urls[key], data=data))
            if RECORD:
                print("RECORD-POST", key, role, got)
                continue
            if got != expected[role]:
                wrong.append(f"POST {walk.urls[key]} ({key}) as {role}: table says {expected[role]}, got {got}")
    assert not wrong, "\n".join(wrong)


def test_post_without_csrf_token_is_refused_on_every_state_changing_route(walk):
    walk.app.config["WTF_CSRF_ENABLED"] = True
    try:
        wrong = []
        for key in _post_rules(walk):
            rule = walk.rules[key]
            url = walk.urls[key]
            if rule.endpoint == "webhooks.stripe_webhook":
                continue
            expected = TABLE.get(key, {}).get("POST", {})
            # as a role allowed to use it (the strongest case) and as an anonymous visitor
            allowed = [role for role in ROLES if expected.get(role) == OK] or ["admin"]
            for role in {allowed[-1], "anonymous"}:
                response = walk.clients[role].post(url, data={"payload": "x"})
                if response.status_code != 400:
                    wrong.append(f"POST {url} ({key}) as {role} without a CSRF token: {response.status_code}")
        assert not wrong, "\n".join(wrong)
    finally:
        walk.app.config["WTF_CSRF_ENABLED"] = False


def test_stripe_webhook_needs_a_valid_signature_not_a_csrf_token(walk):
    walk.app.config.update(WTF_CSRF_ENABLED=True, STRIPE_WEBHOOK_SECRET="whsec_walk")
    try:
        client = walk.clients["anonymous"]
        url = walk.urls["/webhooks/stripe"]
        body = '{"id": "evt_1", "type": "payment_intent.succeeded", "data": {"object": {}}}'
        assert client.post(url, data=body, content_type="application/json").status_code == 400
        response = client.post(url, data=body, content_type="application/json",
                               headers={"Stripe-Signature": "t=1,v1=deadbeef"})
        assert response.status_code == 400 and "signature" in response.get_json()["error"]
    finally:
        walk.app.config.update(WTF_CSRF_ENABLED=False, STRIPE_WEBHOOK_SECRET=None)
