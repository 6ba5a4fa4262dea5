"""Who may do what: role decorators and owner-checked loaders.

Anonymous users are sent to log in; a logged-in user without the role gets 403.
Objects owned by someone else are reported as 404, so their existence does not leak.
"""
from functools import wraps

from flask import abort
from flask_login import current_user

from app.extensions import login_manager


def roles_required(*roles):
    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles
        return wrapped

    return decorator


admin_required = roles_required("admin")
