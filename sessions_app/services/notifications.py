"""Writes about how a person wants to be told things (NotificationPreference)."""

from __future__ import annotations

from collections.abc import Mapping

from django.core.exceptions import ValidationError
from django.db import transaction

from sessions_app.models import NotificationPreference, User
from sessions_app.selectors.notifications import notification_default


@transaction.atomic
def notification_preferences_set(*, user: User, choices: Mapping[str, str]) -> dict[str, str]:
    """Store `choices` ({category: channel}) for `user`; categories not named keep theirs.
    Everything is checked before anything is saved. Returns the choices as given."""
    categories = NotificationPreference.Category.values
    channels = NotificationPreference.Channel.values
    errors: dict[str, list[str]] = {}
    for category, channel in choices.items():
        if category not in categories:
            errors[str(category)] = [f"“{category}” is not a kind of notification."]
        elif channel not in channels:
            errors[category] = [f"“{channel}” is not one of {', '.join(channels)}."]
    if errors:
        raise ValidationError({"notifications": [ValidationError(errors)]})
    for category, channel in choices.items():
        NotificationPreference.objects.update_or_create(
            user=user, category=category, defaults={"channel": channel}
        )
    return dict(choices)


@transaction.atomic
def notification_unsubscribe_email(*, user: User, category: str) -> str:
    """Stop email of one category (a one-click unsubscribe): texts stay if they were chosen
    ("both" becomes "sms"), otherwise "none". Returns the channel now chosen."""
    if category not in NotificationPreference.Category.values:
        raise ValidationError({"category": [f"“{category}” is not a kind of notification."]})
    current = (
        NotificationPreference.objects.select_for_update()
        .filter(user=user, category=category)
        .values_list("channel", flat=True)
        .first()
    ) or notification_default(user=user, category=category)
    Channel = NotificationPreference.Channel
    channel = Channel.SMS if current in (Channel.BOTH, Channel.SMS) else Channel.NONE
    NotificationPreference.objects.update_or_create(
        user=user, category=category, defaults={"channel": channel}
    )
    return channel
