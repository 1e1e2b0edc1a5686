"""Domain errors with stable codes. The API maps them to HTTP statuses in one handler.

Field-level input problems are Django `ValidationError`s keyed by field name (nested fields
use dots, e.g. ``recurrence.byweekday``); these are the state and permission problems.
"""

from django.utils.functional import Promise


class DomainError(Exception):
    """Base class: `code` is stable and machine-readable, the message is for people."""

    code = "domain_error"

    def __init__(self, message: str | Promise, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class StateConflict(DomainError):
    """The request is valid but the object's state forbids it (HTTP 409)."""

    code = "conflict"


class NotAllowed(DomainError):
    """The user may not do this (HTTP 403)."""

    code = "not_allowed"
