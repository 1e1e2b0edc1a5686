"""iCalendar feeds (RFC 5545) built from Session rows with the icalendar library.

Each event carries DTSTART/DTEND with TZID= in the group's zone (and a VTIMEZONE for it, one
component per change of offset: frontend/ical_timezones.py says why), a UID that never changes
for a session, SEQUENCE from Session.sequence (bumped on every move or cancellation, so calendar
apps take the change), DTSTAMP and STATUS:CANCELLED for cancelled sessions, which stay in the
feed so subscribers see the cancellation. In the personal feed a session the person is only
waitlisted for is STATUS:TENTATIVE and its title says so.
"""

from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.views.decorators.http import require_GET
from icalendar import Calendar, Event

from frontend.ical_timezones import vtimezone
from sessions_app import access, selectors
from sessions_app.models import RSVP, Session, SupportGroup

# Sessions that ended longer ago than this are left out of the feeds.
FEED_PAST_DAYS = 30


def _host() -> str:
    return urlsplit(settings.PUBLIC_BASE_URL).hostname or "hearth.invalid"


def _event(session: Session, host: str, *, waitlisted: bool = False) -> Event:
    group = session.group
    tz = group.tz
    event = Event()
    event.add("uid", f"session-{session.pk}@{host}")
    event.add("dtstamp", session.updated_at)
    event.add("dtstart", session.start.astimezone(tz))
    event.add("dtend", session.end.astimezone(tz))
    event.add("sequence", session.sequence)
    if waitlisted and session.status != Session.Status.CANCELLED:
        event.add("summary", gettext("%(group)s (waitlist)") % {"group": group.name})
    else:
        event.add("summary", group.name)
    event.add("url", f"{settings.PUBLIC_BASE_URL}/groups/{group.slug}/")
    if group.venue is not None:
        event.add("location", ", ".join(filter(None, [group.venue.name, group.venue.address])))
    else:
        event.add("location", str(SupportGroup.Format(group.format).label))
    if session.status == Session.Status.CANCELLED:
        event.add("status", "CANCELLED")
        if session.cancel_reason:
            event.add("description", session.cancel_reason)
    elif waitlisted:
        event.add("status", "TENTATIVE")
        event.add(
            "description",
            gettext("You are on the waitlist: Hearth tells you if a place opens."),
        )
    else:
        event.add("status", "CONFIRMED")
    return event


def calendar_build(sessions, *, name: str, waitlisted: frozenset[int] = frozenset()) -> bytes:
    """An RFC 5545 calendar of these sessions, with a VTIMEZONE for each zone used.

    Sessions whose id is in `waitlisted` are tentative (the personal feed's waitlist places).
    """
    cal = Calendar()
    cal.add("prodid", "-//Hearth//Support group sessions//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    host = _host()
    sessions = list(sessions)
    for session in sessions:
        cal.add_component(_event(session, host, waitlisted=session.pk in waitlisted))
    if sessions:
        # VTIMEZONEs covering the feed's years only (from the year before the first session to
        # the year after the last), ahead of the events as RFC 5545 readers expect.
        first = date(min(s.start for s in sessions).year - 1, 1, 1)
        last = date(max(s.end for s in sessions).year + 1, 12, 31)
        for tzid in sorted({s.group.timezone for s in sessions}):
            cal.subcomponents.insert(0, vtimezone(tzid, first, last))
    return cal.to_ical()


def _response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


def _feed_sessions():
    since = timezone.now() - timedelta(days=FEED_PAST_DAYS)
    return (
        Session.objects.filter(end__gte=since)
        .select_related("group", "group__venue")
        .order_by("start", "pk")
    )


@require_GET
def group_calendar(request, slug: str):
    """Every session of one group (public groups, or private ones the visitor may see)."""
    group = access.access_group(user=request.user, slug=slug)
    body = calendar_build(_feed_sessions().filter(group=group), name=group.name)
    return _response(body, f"{group.slug}.ics")


@require_GET
def my_calendar(request):
    """The personal feed: sessions you RSVPed to and those of groups you facilitate.

    Calendar apps cannot sign in, so the secret per-user token in the URL is the credential;
    an unknown or missing token is a 404 that says nothing about whether the account exists.
    """
    user = selectors.user_for_calendar_token(request.GET.get("token", ""))
    if user is None:
        raise Http404
    sessions = _feed_sessions().filter(
        Q(
            rsvps__user=user,
            rsvps__status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED],
        )
        | Q(group__facilitator_assignments__user=user)
    )
    # Waitlisted, and not running the group: not a place yet.
    waitlisted = frozenset(
        RSVP.objects.filter(user=user, status=RSVP.Status.WAITLISTED)
        .exclude(session__group__facilitator_assignments__user=user)
        .values_list("session_id", flat=True)
    )
    # Calendar apps send no language: the feed speaks the person's (or the site's) language.
    with translation.override(user.language or settings.LANGUAGE_CODE):
        body = calendar_build(
            sessions.distinct(), name=gettext("My Hearth sessions"), waitlisted=waitlisted
        )
    return _response(body, "hearth.ics")


@require_GET
def session_calendar(request, pk: int):
    """One session as an .ics download, for "Add to calendar"."""
    session = access.access_session(user=request.user, pk=pk)
    body = calendar_build([session], name=session.group.name)
    response = _response(body, f"{session.group.slug}-{session.pk}.ics")
    response["Content-Disposition"] = response["Content-Disposition"].replace(
        "inline", "attachment"
    )
    return response
