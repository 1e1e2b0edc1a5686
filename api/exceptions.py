"""One exception handler: Django ValidationError -> 400 with field errors, domain errors ->
403/409 with their stable code, everything else as DRF does it."""

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from sessions_app.errors import DomainError, NotAllowed, StateConflict


def _nest(message_dict: dict[str, list[str]]) -> dict:
    """{"recurrence.byweekday": [...]} -> {"recurrence": {"byweekday": [...]}}, like DRF."""
    nested: dict = {}
    for key, messages in message_dict.items():
        key = "non_field_errors" if key == "__all__" else key
        parts = key.split(".")
        node = nested
        for part in parts[:-1]:
            existing = node.get(part)
            if not isinstance(existing, dict):
                existing = {} if existing is None else {"non_field_errors": existing}
                node[part] = existing
            node = existing
        leaf = parts[-1]
        if isinstance(node.get(leaf), dict):
            node[leaf].setdefault("non_field_errors", []).extend(messages)
        else:
            node[leaf] = list(messages)
    return nested


def exception_handler(exc, context):
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            body = _nest(exc.message_dict)
        else:
            body = {"non_field_errors": exc.messages}
        return Response(body, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DomainError):
        code = (
            status.HTTP_409_CONFLICT
            if isinstance(exc, StateConflict)
            else status.HTTP_403_FORBIDDEN
        )
        if not isinstance(exc, StateConflict | NotAllowed):
            code = status.HTTP_400_BAD_REQUEST
        return Response({"detail": exc.message, "code": exc.code}, status=code)
    return drf_exception_handler(exc, context)
