"""Reads about a person's account: the calendar feed and its token, recent notices."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone

from sessions_app.models import (
    Notice,
    User,
)


def user_for_calendar_token(token: str) -> User | None:
    """The active account whose personal calendar feed `token` opens, or None. A token is
    URL-safe text of at most 64 characters; anything else (a NUL, which PostgreSQL cannot
    compare) finds nobody without a query."""
    if not 0 < len(token) <= 64 or "\x00" in token:
        return None
    return User.objects.filter(calendar_token=token, is_active=True).first()


def user_notices_recent(*, user, days: int = 30, limit: int = 10) -> QuerySet[Notice]:
    """What a user was told lately (cancelled, moved, seats, approvals), newest first."""
    since = timezone.now() - timedelta(days=days)
    return Notice.objects.filter(user=user, created_at__gte=since).select_related(
        "session", "session__group"
    )[:limit]


# The personal feed's path, defined once: the URLconf (frontend/urls_calendar.py, included at
# the site root) routes it and calendar_feed_url builds links to it, so no face reverses another's.
CALENDAR_FEED_PATH = "me/calendar.ics"


def calendar_feed_url(*, user) -> str:
    """The secret address of `user`'s personal calendar feed, under PUBLIC_BASE_URL (the
    site's public address, as in SMS links), for the API and the account page alike."""
    return f"{settings.PUBLIC_BASE_URL}/{CALENDAR_FEED_PATH}?token={user.calendar_token}"
