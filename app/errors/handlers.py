"""Error pages: HTML for browsers, JSON for clients that ask for it."""
from flask import jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from app.extensions import db


def wants_json():
    best = request.accept_mimetypes.best_match(["application/json", "text/html"])
    return best == "application/json" and request.accept_mimetypes[best] > request.accept_mimetypes["text/html"]


def _messages():
    return {
        400: _("The request could not be understood. Check what you entered and try again."),
        401: _("Please log in to open this page."),
        403: _("You do not have permission to open this page."),
        404: _("The page you are looking for does not exist or is no longer available."),
        405: _("This action is not allowed here."),
        409: _("This cannot be done in the current state."),
        413: _("The file is too large."),
        422: _("Some of what you entered is not valid."),
        429: _("Too many attempts. Wait a moment and try again."),
        500: _("Something went wrong on our side. It has been logged; please try again later."),
    }


def _titles():
    return {
        400: _("Bad request"), 401: _("Log in required"), 403: _("No access"), 404: _("Not found"),
        405: _("Not allowed"), 409: _("Conflict"), 413: _("File too large"), 422: _("Invalid input"),
        429: _("Too many attempts"), 500: _("Server error"),
    }


def error_response(status, message=None):
    message = message or _messages().get(status, _messages()[500])
    if wants_json():
        return jsonify(error=_titles().get(status, str(status)), message=message, status=status), status
    return render_template("errors/error.html", status=status, title=_titles().get(status, str(status)),
                           message=message), status


def register(app):
    for status in (400, 401, 403, 404, 405, 409, 413, 422, 429):
        app.register_error_handler(status, lambda e, s=status: error_response(s))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return error_response(400, _("Your form expired or was sent from elsewhere. Reload the page and try again."))

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return error_response(500)
