"""The Stripe stand-in for tests, and signed webhook deliveries.

``localstripe`` (GPL, dev/test only) runs once per test session in its own process,
bound to 127.0.0.1 on a free port, its store in memory (``tests/stripe_standin.py``).
If it cannot start, the tests that need it are skipped with the reason, unless
``CI=true`` (then they fail).
"""
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "sk_test_pkb_local"
WEBHOOK_SECRET = "whsec_pkb_test_secret"


class StandIn:
    def __init__(self, process, port):
        self.process = process
        self.port = port
        self.base = f"http://127.0.0.1:{port}"

    def get(self, path):
        request = urllib.request.Request(self.base + path, headers={"Authorization": f"Bearer {SECRET_KEY}"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local stand-in
            return json.loads(response.read())

    def post(self, path, data=None):
        body = json.dumps(data or {}).encode()
        request = urllib.request.Request(self.base + path, data=body, method="POST", headers={
            "Authorization": f"Bearer {SECRET_KEY}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - local stand-in
            return json.loads(response.read() or b"{}")

    def events_for(self, object_id, type_=None):
        """The stand-in's events about ``object_id``, oldest first."""
        data = self.get("/v1/events?limit=100")["data"]
        found = [e for e in data
                 if e["data"]["object"].get("id") == object_id and (type_ is None or e["type"] == type_)]
        return sorted(found, key=lambda e: e["created"])

    def register_webhook(self, url, secret=WEBHOOK_SECRET):
        data = urllib.parse.urlencode({"url": url, "secret": secret}).encode()
        request = urllib.request.Request(f"{self.base}/_config/webhooks/pkb", data=data, method="POST")
        urllib.request.urlopen(request, timeout=10).close()  # noqa: S310 - local stand-in


def _start():
    process = subprocess.Popen(
        [sys.executable, "-m", "tests.stripe_standin"], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    deadline = time.monotonic() + 20
    line = ""
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("LOCALSTRIPE_PORT="):
            port = int(line.strip().split("=", 1)[1])
            standin = StandIn(process, port)
            # Keep reading its output so a chatty stand-in never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in process.stdout], daemon=True).start()
            for _ in range(50):
                try:
                    standin.get("/v1/customers?limit=1")
                    return standin
                except OSError:
                    time.sleep(0.1)
            break
        if process.poll() is not None:
            break
    process.kill()
    raise RuntimeError(f"localstripe did not start: {line.strip() or 'no output'}")


@pytest.fixture(scope="session")
def localstripe():
    try:
        standin = _start()
    except Exception as error:  # noqa: BLE001
        if os.environ.get("CI") == "true":
            pytest.fail(f"the Stripe stand-in (localstripe) must run in CI: {error}")
        pytest.skip(f"the Stripe stand-in (localstripe) could not start: {error}")
    yield standin
    standin.process.terminate()
    try:
        standin.process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        standin.process.kill()


def card_config(localstripe, **extra):
    config = {
        "STRIPE_SECRET_KEY": SECRET_KEY,
        "STRIPE_PUBLISHABLE_KEY": None,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": localstripe.base,
        "PLATFORM_FEE_PERCENT": 0,
        "CARD_PAYMENT_TIMEOUT_MINUTES": 30,
    }
    config.update(extra)
    return config


# ------------------------------------------------------------------ signed webhooks


def signature(payload: str, secret=WEBHOOK_SECRET, timestamp=None):
    """Stripe's scheme: ``t=<unix time>,v1=HMAC-SHA256(secret, "<t>.<payload>")``."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def deliver(client, event, **sign_kwargs):
    payload = json.dumps(event)
    return client.post("/webhooks/stripe", data=payload, content_type="application/json",
                       headers={"Stripe-Signature": signature(payload, **sign_kwargs)})


def make_event(type_, obj):
    return {"id": f"evt_test_{uuid.uuid4().hex[:20]}", "object": "event", "type": type_,
            "created": int(time.time()), "api_version": "2017-08-15", "data": {"object": obj}}
