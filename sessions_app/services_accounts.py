"""Writes about accounts: registration and the personal calendar token."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from sessions_app.models import User, new_calendar_token


@transaction.atomic
def user_register(
    *, username: str, password: str, display_name: str = "", email: str = "", language: str = ""
) -> User:
    """Create an attendee account; the password goes through Django's validators."""
    user = User(
        username=username,
        display_name=(display_name or "").strip(),
        email=email or "",
        language=language or "",
    )
    errors: dict[str, list[str]] = {}
    try:
        user.full_clean(exclude=["password", "calendar_token"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    user.save()
    return user


@transaction.atomic
def user_calendar_token_reset(*, user: User) -> User:
    """Give a user a new secret calendar token; the old feed URL stops working at once."""
    user.calendar_token = new_calendar_token()
    user.save(update_fields=["calendar_token"])
    return user
