"""Reads about sessions: counts of seats and waitlist, windows of time, who may see which."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from sessions_app.models import (
    RSVP,
    SeatOffer,
    Session,
    SupportGroup,
)
from sessions_app.selectors.compiled import (
    CompiledList,
    compiled_rows,
    stand_in_viewer,
    viewer_shape,
)
from sessions_app.selectors.groups import groups_visible


def sessions_with_counts(queryset: QuerySet[Session] | None = None) -> QuerySet[Session]:
    """Sessions with their group and venue; going_count and waitlist_count are columns of the
    session row, kept by triggers in the RSVP's own transaction (sessions_app/counts.py)."""
    queryset = Session.objects.all() if queryset is None else queryset
    return queryset.select_related("group", "group__venue")


def sessions_upcoming(
    *, group: SupportGroup | None = None, now: datetime | None = None
) -> QuerySet[Session]:
    """Sessions not yet over, soonest first (cancelled ones included, with their status)."""
    sessions = Session.objects.upcoming(now)
    return sessions.filter(group=group) if group is not None else sessions


def sessions_between(
    *, start: datetime, end: datetime, groups: QuerySet[SupportGroup] | None = None
) -> QuerySet[Session]:
    """Sessions starting in [start, end), ordered by start; one indexed range query."""
    sessions = Session.objects.filter(start__gte=start, start__lt=end).order_by("start", "pk")
    if groups is not None:
        sessions = sessions.filter(group__in=groups)
    return sessions


def session_rows_between(*, start: datetime, end: datetime) -> list[tuple]:
    """(id, group id, start, end, status) of every session starting in [start, end), by start.

    Plain tuples from one indexed range query: for sweeps, feeds and dashboards that read many.
    """
    return list(
        sessions_between(start=start, end=end).values_list(
            "pk", "group_id", "start", "end", "status"
        )
    )


def session_free_seats(*, session: Session) -> int:
    """Seats not taken by a going RSVP nor held by an open seat offer."""
    taken = RSVP.objects.filter(session=session, status=RSVP.Status.GOING).count()
    held = SeatOffer.objects.filter(rsvp__session=session, status=SeatOffer.Status.OPEN).count()
    return session.effective_capacity - taken - held


def sessions_visible(*, user) -> QuerySet[Session]:
    """Sessions of the groups this user may see (groups_visible): all for staff."""
    sessions = Session.objects.all()
    if user.is_authenticated and user.is_staff:
        return sessions
    if not user.is_authenticated:
        return sessions.filter(group__is_public=True)
    return sessions.filter(group__in=groups_visible(user=user))


# What the directory reads of a group's next session (its link, time and whether it is full).
NEXT_SESSION_FIELDS = (
    "id",
    "group_id",
    "start",
    "end",
    "status",
    "capacity",
    "going_count",
    "waitlist_count",
)


def groups_next_session(
    groups: Sequence[SupportGroup], *, now: datetime | None = None
) -> dict[int, Session]:
    """The next scheduled (not cancelled) session of each of these groups, keyed by group id,
    with NEXT_SESSION_FIELDS loaded and `group` the one given: one query, compiled once per
    number of groups."""
    if not groups:
        return {}
    by_id = {group.pk: group for group in groups}
    values: dict[str, Any] = {f"group{i}": pk for i, pk in enumerate(by_id)}
    values["now"] = now or timezone.now()
    count = len(by_id)

    def build(values: Mapping[str, Any]) -> QuerySet:
        next_pk = (
            Session.objects.filter(
                group=OuterRef("pk"), status=Session.Status.SCHEDULED, end__gt=values["now"]
            )
            .order_by("start", "pk")
            .values("pk")[:1]
        )
        next_pks = (
            SupportGroup.objects.filter(pk__in=[values[f"group{i}"] for i in range(count)])
            .order_by()
            .annotate(next_pk=Subquery(next_pk))
            .values("next_pk")
        )
        return Session.objects.filter(pk__in=next_pks).values_list(*columns)

    columns = tuple(
        f.attname for f in Session._meta.concrete_fields if f.attname in NEXT_SESSION_FIELDS
    )
    db = Session.objects.db
    out = {}
    for row in compiled_rows(("groups_next_session", count), build, values):
        session = Session.from_db(db, columns, row)
        session.group = by_id[session.group_id]
        out[session.group_id] = session
    return out


def session_rows_visible(
    *, user, columns: tuple[str, ...], lookups: Mapping[str, Any]
) -> CompiledList:
    """Sessions this user may see, filtered by `lookups` (ORM lookups: values are text or
    aware datetimes), ordered by start then id, as tuples of `columns`: a sequence a
    Paginator pages, its count and each page one query compiled once per shape."""
    kind, values = viewer_shape(user)
    names = tuple(lookups)

    def build(values: Mapping[str, Any]) -> QuerySet[Session]:
        sessions = sessions_visible(user=stand_in_viewer(kind, values))
        for name in names:
            sessions = sessions.filter(**{name: values[name]})
        return sessions.order_by("start", "pk")

    count_as = None
    if kind == "anonymous":
        # A visitor sees the sessions of public groups (sessions_visible): counted as every
        # session of the window less those of the groups that are not public, which are few
        # (docs/benchmarks.md, API); tests compare both with sessions_visible.
        def every(values: Mapping[str, Any]) -> QuerySet[Session]:
            sessions = Session.objects.all()
            for name in names:
                sessions = sessions.filter(**{name: values[name]})
            return sessions

        def hidden(values: Mapping[str, Any]) -> QuerySet[Session]:
            return every(values).filter(group__is_public=False)

        count_as = (every, hidden)
    return CompiledList(
        ("session_rows", kind, names),
        build,
        {**values, **lookups},
        columns=columns,
        count_as=count_as,
    )
