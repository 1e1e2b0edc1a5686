"""Reads about groups: who sees which, the directory's filters, the next session of each."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from sessions_app.models import (
    Session,
    SupportGroup,
)


def groups_visible(*, user) -> QuerySet[SupportGroup]:
    """Groups this user may see: public ones, plus their own and, for staff, all."""
    groups = SupportGroup.objects.select_related("venue")
    if user.is_authenticated and user.is_staff:
        return groups
    if not user.is_authenticated:
        return groups.filter(is_public=True)
    return groups.filter(
        Q(is_public=True)
        | Q(memberships__user=user, memberships__status__in=["approved", "pending"])
        | Q(facilitator_assignments__user=user)
    ).distinct()


def groups_meeting_on_weekday(
    groups: QuerySet[SupportGroup], *, weekday: int, now: datetime | None = None, days: int = 28
) -> QuerySet[SupportGroup]:
    """Groups with a session on `weekday` (0 = Monday, in the group's own zone) in the coming
    `days` days: one EXISTS on the stored weekday (index session_weekday_start_idx)."""
    now = now or timezone.now()
    on_that_day = Session.objects.filter(
        group=OuterRef("pk"),
        weekday=weekday,
        status=Session.Status.SCHEDULED,
        start__gte=now,
        start__lt=now + timedelta(days=days),
    )
    return groups.filter(Exists(on_that_day))


def group_topics(groups: QuerySet[SupportGroup]) -> list[str]:
    """The distinct topics of these groups, sorted, for a filter (DISTINCT in the database)."""
    return sorted(groups.order_by().values_list("topic", flat=True).distinct())


def group_languages(groups: QuerySet[SupportGroup]) -> list[str]:
    """The distinct language codes of these groups, sorted, for a filter."""
    return sorted(groups.order_by().values_list("language", flat=True).distinct())
