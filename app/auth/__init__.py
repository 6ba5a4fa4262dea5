from datetime import timedelta

from flask import Blueprint

from app.jobs import periodic

bp = Blueprint("auth", __name__)

# Daily: sessions ended or idle for a week are deleted (services.sessions.KEEP_ENDED).
periodic("sessions-prune", timedelta(days=1), "app.services.sessions:prune_ended_sessions")

from app.auth import routes  # noqa: E402,F401
