"""Signed, expiring tokens for e-mail links (verification, reset, invitation) and trusted browsers."""
from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from app import clock

SALTS = {
    "verify": "pkb-verify-email",
    "reset": "pkb-reset-password",
    "invite": "pkb-invitation",
    "device": "pkb-trusted-device",
}


class TokenError(Exception):
    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason  # "expired" or "invalid"


class ClockSigner(TimestampSigner):
    """Signs and checks ages with app.clock, so tests can let a link expire."""

    def get_timestamp(self):
        return int(clock.now().timestamp())


def _serializer(purpose):
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALTS[purpose], signer=ClockSigner)


def make_token(purpose, payload):
    return _serializer(purpose).dumps(payload)


def read_token(purpose, token, max_age):
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError("expired") from exc
    except BadSignature as exc:
        raise TokenError("invalid") from exc
