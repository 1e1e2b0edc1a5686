"""Reads about groups: who sees which, the directory's filters, the next session of each."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from sessions_app.models import (
    Session,
    SupportGroup,
)
from sessions_app.selectors.compiled import (
    CompiledList,
    compiled_rows,
    stand_in_viewer,
    viewer_shape,
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


WEEKDAY_FILTER_DAYS = 28


def groups_meeting_on_weekday(
    groups: QuerySet[SupportGroup],
    *,
    weekday: int,
    now: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[SupportGroup]:
    """Groups with a session on `weekday` (0 = Monday, in the group's own zone) from now until
    `until` (WEEKDAY_FILTER_DAYS days on): one EXISTS on the stored weekday (index
    session_weekday_start_idx)."""
    now = now or timezone.now()
    on_that_day = Session.objects.filter(
        group=OuterRef("pk"),
        weekday=weekday,
        status=Session.Status.SCHEDULED,
        start__gte=now,
        start__lt=until or now + timedelta(days=WEEKDAY_FILTER_DAYS),
    )
    return groups.filter(Exists(on_that_day))


def group_filter_choices(*, user) -> tuple[list[str], list[str]]:
    """The distinct topics and the distinct language codes of the groups this user may see,
    each sorted, for the directory's filters: one DISTINCT query, compiled once per kind of
    viewer."""
    kind, values = viewer_shape(user)

    def build(values: Mapping[str, Any]) -> QuerySet:
        groups = groups_visible(user=stand_in_viewer(kind, values))
        return groups.order_by().values_list("topic", "language").distinct()

    pairs = compiled_rows(("group_filter_choices", kind), build, values)
    return sorted({topic for topic, _ in pairs}), sorted({language for _, language in pairs})


# What a directory card reads of a group (frontend/templates/frontend/home.html) and the
# next session's capacity; the other fields are deferred (read on access, never wrong).
DIRECTORY_GROUP_FIELDS = (
    "id",
    "name",
    "slug",
    "description",
    "topic",
    "language",
    "format",
    "timezone",
    "capacity",
    "join_policy",
)


def groups_directory(
    *,
    user,
    lookups: Mapping[str, str],
    weekday: int | None = None,
    now: datetime | None = None,
) -> CompiledList:
    """The groups this user may see, filtered by `lookups` (exact ORM lookups, text) and
    meeting on `weekday` if given, by name: a sequence a Paginator pages (the count and each
    page one query compiled once per shape), of groups with DIRECTORY_GROUP_FIELDS loaded."""
    kind, values = viewer_shape(user)
    names = tuple(lookups)
    values = {**values, **lookups}
    if weekday is not None:
        now = now or timezone.now()
        values |= {
            "weekday": weekday,
            "now": now,
            "until": now + timedelta(days=WEEKDAY_FILTER_DAYS),
        }

    def build(values: Mapping[str, Any]) -> QuerySet[SupportGroup]:
        groups = groups_visible(user=stand_in_viewer(kind, values))
        for name in names:
            groups = groups.filter(**{name: values[name]})
        if "weekday" in values:
            groups = groups_meeting_on_weekday(
                groups, weekday=values["weekday"], now=values["now"], until=values["until"]
            )
        return groups.order_by("name", "pk")

    columns = tuple(
        f.attname for f in SupportGroup._meta.concrete_fields if f.attname in DIRECTORY_GROUP_FIELDS
    )
    db = SupportGroup.objects.db

    def make(row: tuple) -> SupportGroup:
        return SupportGroup.from_db(db, columns, row)

    return CompiledList(
        ("groups_directory", kind, names, weekday is not None),
        build,
        values,
        columns=columns,
        make=make,
    )
