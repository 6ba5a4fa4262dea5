"""Use cases. Each takes the acting user as an argument, checks permission, changes
state, writes the audit log, queues notifications and commits exactly once."""


class DomainError(Exception):
    """A rule a person broke: the route shows ``message`` with ``status``."""

    status = 400

    def __init__(self, message, status=None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status


class NotAllowed(DomainError):
    status = 403


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """The object is not in a state that allows this."""

    status = 409


class Invalid(DomainError):
    status = 422
