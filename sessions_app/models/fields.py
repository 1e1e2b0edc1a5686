"""Validators and defaults the models share, and the forms and services that check the same."""

import secrets
import zoneinfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_timezone(value: str) -> None:
    """An IANA zone name that zoneinfo knows ("America/New_York"), nothing else."""
    if not value or value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("“%(value)s” is not a known IANA time zone."), params={"value": value}
        )


def new_calendar_token() -> str:
    return secrets.token_urlsafe(24)
