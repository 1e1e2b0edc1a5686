"""One-tap links, `/s/<token>`: a reminder's link to one session for one person. Without a
password it shows that person's RSVP, cancels it, and lets them into the room while it is
open; it logs nobody in, so it opens nothing else. Someone else logged in is refused, as is
anyone once the session has ended. Every request counts against THROTTLE_SESSION_LINK per
address (the token is unguessable; this keeps anyone from trying)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from frontend import forms, throttle
from frontend.views_room import room_page
from rooms import services as room_services
from sessions_app import access, selectors, services
from sessions_app.client import client_address
from sessions_app.errors import DomainError, StateConflict
from sessions_app.models import RSVP, Session
from sessions_app.selectors import SessionLink


def _refused(request, reason: str, status: int) -> HttpResponse:
    return render(request, "frontend/session_link.html", {"refusal": reason}, status=status)


def _link_or_refusal(
    request, token: str, purpose: str = selectors.SESSION_LINK_PATH
) -> SessionLink | HttpResponse:
    """The link, or the page that says why not: throttled (429), not a link of ours (404),
    for someone else than who is logged in (403), expired (410)."""
    address = client_address(request)
    limit = throttle.PageLimit(scope="session_link", prefix="session-link", who=address)
    if limit.reached():
        throttle.refused(limit, address)
        return _refused(request, "throttled", 429)
    limit.count()
    link = selectors.session_link_read(token, purpose=purpose)
    if link is None:
        return _refused(request, "invalid", 404)
    if request.user.is_authenticated and request.user.pk != link.user.pk:
        return _refused(request, "someone_else", 403)
    if link.expired:
        return _refused(request, "expired", 410)
    return link


def _may_enter(link: SessionLink, rsvp: RSVP | None) -> bool:
    session = link.session
    going = rsvp is not None and rsvp.status == RSVP.Status.GOING
    facilitates = access.is_group_facilitator(user=link.user, group=session.group)
    return (
        session.room_open and session.status == Session.Status.SCHEDULED and (going or facilitates)
    )


@require_GET
def session_link(request, token: str):
    """What the link is for: the session, the person's RSVP, cancel, and the room when open."""
    link = _link_or_refusal(request, token)
    if isinstance(link, HttpResponse):
        return link
    session = (
        selectors.sessions_with_counts(Session.objects.select_related("group", "group__venue"))
        .filter(pk=link.session.pk)
        .first()
    )
    rsvp = selectors.user_rsvp_for(user=link.user, session=session)
    # In the person's language when they chose one (nobody is logged in to say so).
    with translation.override(link.user.language or translation.get_language()):
        return render(
            request,
            "frontend/session_link.html",
            {
                "link_user": link.user,
                "session": session,
                "group": session.group,
                "rsvp": rsvp,
                "position": selectors.rsvp_waitlist_position(rsvp=rsvp) if rsvp else None,
                "cancelled": session.status == Session.Status.CANCELLED,
                "can_enter": _may_enter(link, rsvp),
                "token": token,
                "viewer_tz": link.user.timezone,
            },
        )


@require_POST
def session_link_cancel(request, token: str):
    link = _link_or_refusal(request, token)
    if isinstance(link, HttpResponse):
        return link
    if link.session.end <= timezone.now():
        return _refused(request, "expired", 410)
    try:
        services.rsvp_cancel(session=link.session, user=link.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your RSVP is cancelled."))
    return redirect("frontend:session-link", token=token)


@require_GET
def session_link_room(request, token: str):
    """The room, for the link's person, connecting with tickets from session_link_ticket."""
    link = _link_or_refusal(request, token)
    if isinstance(link, HttpResponse):
        return link
    return room_page(
        request,
        session=link.session,
        user=link.user,
        ticket_path=f"/{selectors.SESSION_LINK_PATH}/{token}/ticket/",
    )


@require_POST
def session_link_ticket(request, token: str):
    """A single-use room ticket for the link's person (room.js asks before each connection)."""
    link = _link_or_refusal(request, token)
    if isinstance(link, HttpResponse):
        return JsonResponse({"detail": "refused"}, status=link.status_code)
    try:
        ticket, expires_at = room_services.room_ticket_issue(
            session=link.session, user=link.user, now=timezone.now()
        )
    except DomainError as exc:
        status = 409 if isinstance(exc, StateConflict) else 403
        return JsonResponse({"detail": str(exc.message), "code": exc.code}, status=status)
    return JsonResponse({"ticket": ticket, "expires_at": expires_at.isoformat()})


# --- the question after a session, from its text (/f/<token>) -------------------------------


@require_http_methods(["GET", "POST"])
def feedback_link(request, token: str):
    """The one question for the link's person, answered without a password, once."""
    link = _link_or_refusal(request, token, purpose=selectors.FEEDBACK_LINK_PATH)
    if isinstance(link, HttpResponse):
        return link
    session, user = link.session, link.user
    form = forms.FeedbackForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.feedback_give(session=session, user=user, **form.cleaned_data)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Thank you. Your answer helps the facilitators."))
            return redirect("frontend:feedback-link", token=token)
        status = 400
    given = selectors.user_feedback_for(user=user, session=session)
    asking = (
        given is None
        and selectors.feedback_open(session=session)
        and selectors.user_was_there(user=user, session=session)
    )
    with translation.override(user.language or translation.get_language()):
        return render(
            request,
            "frontend/feedback_link.html",
            {
                "session": session,
                "group": session.group,
                "link_user": user,
                "feedback_form": form if asking else None,
                "feedback_given": given,
                "action": request.path,
                "viewer_tz": user.timezone,
            },
            status=status,
        )
