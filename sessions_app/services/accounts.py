"""Writes about accounts: profile, registration, the personal calendar token, login sessions."""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.contrib.auth import (
    BACKEND_SESSION_KEY,
    HASH_SESSION_KEY,
    SESSION_KEY,
    password_validation,
)
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from sessions_app.models import (
    User,
    new_calendar_token,
    validate_timezone,
)
from sessions_app.services.memberships import _display_name


@transaction.atomic
def user_update_profile(
    *,
    user: User,
    display_name: str | None = None,
    timezone_name: str | None = None,
    language: str | None = None,
    email: str | None = None,
) -> User:
    """Change what a user shows, where their clock is, the language of their pages and
    texts ("" follows the browser) and their email address ("" removes it)."""
    fields = []
    if email is not None:
        email = email.strip()
        if email:
            try:
                validate_email(email)
            except ValidationError as exc:
                raise ValidationError({"email": exc.messages}) from None
        user.email = email
        fields.append("email")
    if display_name is not None:
        user.display_name = _display_name(user, display_name) if display_name.strip() else ""
        fields.append("display_name")
    if timezone_name is not None:
        try:
            validate_timezone(timezone_name)
        except ValidationError as exc:
            raise ValidationError({"timezone": exc.messages}) from None
        user.timezone = timezone_name
        fields.append("timezone")
    if language is not None:
        if language and language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": [f"“{language}” is not a language of Hearth."]})
        user.language = language
        fields.append("language")
    if fields:
        user.save(update_fields=fields)
    return user


@transaction.atomic
def user_register(
    *,
    username: str,
    password: str,
    display_name: str = "",
    email: str = "",
    language: str = "",
    timezone_name: str = "",
) -> User:
    """Create an attendee account; the password goes through Django's validators.

    `timezone_name` is where their clock is (an IANA zone; blank is UTC): the sign-up page sends
    the browser's, so times are right from the first page."""
    user = User(
        username=username,
        display_name=(display_name or "").strip(),
        email=email or "",
        language=language or "",
        timezone=timezone_name or "UTC",
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


def login_session_create(*, user: User) -> str:
    """A logged-in Django session for `user`, as the login page makes it; returns its key
    (the `sessionid` cookie). For the benchmark's clients and the browser tests."""
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()  # sets the key
    return cast(str, store.session_key)
