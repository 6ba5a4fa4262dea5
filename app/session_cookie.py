"""Flask's signed session cookie, with each cookie value verified once per process.

Why: every request of a signed-in browser sends the same cookie value until the session
changes, and Flask checked its signature, inflated and parsed it on each: measured ~7 % of a
signed-in catalogue page served from the cache (cProfile). The verified contents are kept by
the cookie's exact value, so the same value gives the same answer without the work: a
changed byte is another value, verified from scratch; a value older than the session's
lifetime is refused as Flask refuses it (its signed timestamp is kept and checked again on
each use). Only sessions of plain values (strings, numbers) are kept, because a request may
change a nested value in place (a list of flashed messages, the checkout's details), which
would change the kept copy too; those are read the usual way. The secret key changes only
with a restart, which empties what is kept.
"""
from __future__ import annotations

import threading
import time
from collections import OrderedDict

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

MAX_ENTRIES = 4096
_PLAIN = (str, int, float, bool, type(None))


class VerifiedOnceSessionInterface(SecureCookieSessionInterface):
    def __init__(self):
        self._verified: OrderedDict[str, tuple[dict, float]] = OrderedDict()
        self._lock = threading.Lock()

    def open_session(self, app, request):
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        kept = self._verified.get(value)
        if kept is not None and time.time() - kept[1] <= max_age:
            return self.session_class(kept[0])
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        if all(isinstance(item, _PLAIN) for item in data.values()):
            with self._lock:
                self._verified[value] = (dict(data), signed_at.timestamp())
                while len(self._verified) > MAX_ENTRIES:
                    self._verified.popitem(last=False)
        return self.session_class(data)


def register(app):
    app.session_interface = VerifiedOnceSessionInterface()
