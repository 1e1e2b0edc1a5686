"""Reads about sessions: counts of seats and waitlist, windows of time, who may see which."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from sessions_app.models import (
    RSVP,
    SeatOffer,
    Session,
    SupportGroup,
    User,
)
from sessions_app.selectors.compiled import compiled_count, compiled_rows
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


def groups_next_session(
    groups: QuerySet[SupportGroup], *, now: datetime | None = None
) -> dict[int, Session]:
    """The next scheduled (not cancelled) session of each group, keyed by group id: two queries."""
    now = now or timezone.now()
    next_pk = (
        Session.objects.filter(group=OuterRef("pk"), status=Session.Status.SCHEDULED, end__gt=now)
        .order_by("start", "pk")
        .values("pk")[:1]
    )
    pks = [
        pk
        for pk in groups.order_by()
        .annotate(next_pk=Subquery(next_pk))
        .values_list("next_pk", flat=True)
        if pk
    ]
    return {s.group_id: s for s in sessions_with_counts(Session.objects.filter(pk__in=pks))}


class SessionRows:
    """The sessions a viewer may see (sessions_visible) filtered by ORM lookups, by start, as
    tuples of `columns`: a sequence a Paginator pages, its count() and each slice one query
    compiled once per shape (sessions_app/selectors/compiled.py)."""

    def __init__(self, *, user, columns: tuple[str, ...], lookups: Mapping[str, Any]):
        if not user.is_authenticated:
            self._viewer: tuple = ("anonymous",)
            self._values: dict[str, Any] = {}
        elif user.is_staff:
            self._viewer = ("staff",)
            self._values = {}
        else:
            self._viewer = ("member",)
            self._values = {"viewer": user.pk}
        self._names = tuple(lookups)
        self._values.update(lookups)
        self._columns = columns

    def _visible(self, values: Mapping[str, Any]) -> QuerySet[Session]:
        # A stand-in viewer of the same kind: sessions_visible decides on is_authenticated,
        # is_staff and the user's memberships, which the compiled SQL takes from "viewer".
        kind = self._viewer[0]
        if kind == "anonymous":
            viewer: Any = AnonymousUser()
        elif kind == "staff":
            viewer = User(is_staff=True)
        else:
            viewer = User(pk=values["viewer"], is_staff=False)
        sessions = sessions_visible(user=viewer)
        for name in self._names:
            sessions = sessions.filter(**{name: values[name]})
        return sessions

    def count(self) -> int:
        key = ("session_rows", self._viewer, self._names)
        return compiled_count(key, self._visible, self._values)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, page: slice) -> list[tuple]:
        start, stop = page.start or 0, page.stop
        if stop is not None and stop <= start:
            return []  # the one page of an empty list

        def build(values: Mapping[str, Any]) -> QuerySet:
            rows = self._visible(values).order_by("start", "pk").values_list(*self._columns)
            return rows[start:stop]

        key = ("session_rows", self._viewer, self._names, self._columns, start, stop)
        return compiled_rows(key, build, self._values)


def session_rows_visible(
    *, user, columns: tuple[str, ...], lookups: Mapping[str, Any]
) -> SessionRows:
    """Sessions this user may see, filtered by `lookups` (ORM lookups: values are text or
    aware datetimes), ordered by start then id, as tuples of `columns`, pageable."""
    return SessionRows(user=user, columns=columns, lookups=lookups)
