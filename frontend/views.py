"""Attendee pages: the group directory, group and session pages, RSVPs, "My sessions" and the
account page. Views are thin: reads go through sessions_app.selectors, writes through the
services, permission questions through sessions_app.access."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language_info, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from frontend import forms, fragments
from frontend.browser_zone import browser_zone
from frontend.words import clock_time, group_schedule_in_words
from sessions_app import access, selectors, services
from sessions_app.errors import DomainError
from sessions_app.models import RSVP, Membership, Session, SupportGroup

GROUPS_PER_PAGE = 20
UPCOMING_ON_GROUP_PAGE = 8


def _language_name(code: str) -> str:
    try:
        return get_language_info(code)["name_translated"]
    except KeyError:
        return code


def _viewer_tz(request) -> str | None:
    """The zone to show times in: the account's when logged in, else the visitor's browser's
    (zone.js's cookie), else None (the group's)."""
    return request.user.timezone if request.user.is_authenticated else browser_zone(request)


# --- directory --------------------------------------------------------------------------------


def _card_shown(group: SupportGroup, next_session: Session | None) -> tuple:
    """Everything a directory card shows of its group and next session (the fragment's key)."""
    return (
        tuple(getattr(group, name) for name in selectors.DIRECTORY_GROUP_FIELDS),
        next_session
        and (
            tuple(getattr(next_session, name) for name in selectors.NEXT_SESSION_FIELDS),
            next_session.effective_capacity,
        ),
    )


@require_GET
def home(request):
    """The directory of groups this visitor may see, with filters and each group's next session."""
    topics, languages = selectors.group_filter_choices(user=request.user)
    form = forms.DirectoryFilterForm(
        request.GET or None,
        topics=topics,
        languages=[(c, _language_name(c)) for c in languages],
    )
    lookups: dict[str, str] = {}
    weekday = None
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        lookups = {name: data[name] for name in ("topic", "format", "language") if data[name]}
        if data["day"] != "":
            weekday = int(data["day"])
    groups = selectors.groups_directory(user=request.user, lookups=lookups, weekday=weekday)
    page = Paginator(groups, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
    next_sessions = selectors.groups_next_session(list(page))
    cards = [(group, next_sessions.get(group.pk)) for group in page]
    viewer_tz = _viewer_tz(request)
    # The filters' HTML follows from the query string's values for them and their choices.
    filters_html = fragments.cached_fragment(
        "frontend/_directory_filters.html",
        {"form": form},
        shown=(
            form.is_bound,
            [(name, request.GET.getlist(name)) for name in form.fields],
            topics,
            languages,
        ),
    )
    cards_html = fragments.cached_fragment(
        "frontend/_directory_cards.html",
        {"cards": cards, "viewer_tz": viewer_tz},
        shown=(viewer_tz, [_card_shown(group, next_session) for group, next_session in cards]),
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "frontend/home.html",
        {
            "form": form,
            "cards": cards,
            "cards_html": cards_html,
            "filters_html": filters_html,
            "page": page,
            "query": query.urlencode(),
            "viewer_tz": viewer_tz,
        },
    )


@require_GET
def help_page(request):
    """Crisis resources for anyone, signed in or not, linked from every page."""
    return render(request, "frontend/help.html")


# --- group page -------------------------------------------------------------------------------


def _group_page(request, group: SupportGroup, *, join_form=None, status: int = 200):
    membership = access.membership_of(user=request.user, group=group)
    manages = access.can_manage_group(user=request.user, group=group)
    if join_form is None:
        join_form = forms.JoinForm(
            initial={"display_name": request.user.public_name}
            if request.user.is_authenticated
            else None
        )
    sessions = selectors.sessions_with_counts(selectors.sessions_upcoming(group=group))[
        :UPCOMING_ON_GROUP_PAGE
    ]
    first = sessions[0] if sessions else None
    trust = {
        "members": selectors.group_members(group=group, status=Membership.Status.APPROVED).count(),
        "minutes": int((first.end - first.start).total_seconds() // 60) if first else None,
        "retention_hours": settings.ROOM_MESSAGE_RETENTION_HOURS,
    }
    return render(
        request,
        "frontend/group_detail.html",
        {
            "group": group,
            "schedule_words": group_schedule_in_words(group=group),
            "sessions": sessions,
            "membership": membership,
            "manages": manages,
            "show_video": bool(group.video_url)
            and access.can_see_video_link(user=request.user, group=group),
            "join_form": join_form,
            "viewer_tz": _viewer_tz(request),
            "trust": trust,
            "open_early_minutes": settings.ROOM_OPEN_EARLY_MINUTES,
            "upcoming_rsvps": selectors.user_rsvps_upcoming(user=request.user)
            .filter(session__group=group)
            .count()
            if membership is not None
            else 0,
        },
        status=status,
    )


@require_GET
def group_detail(request, slug: str):
    return _group_page(request, access.access_group(user=request.user, slug=slug))


@login_required
@require_POST
def group_join(request, slug: str):
    """Join (open groups), ask to join (approval) or join with an invitation code."""
    group = access.access_group(user=request.user, slug=slug)
    form = forms.JoinForm(request.POST)
    if not form.is_valid():
        return _group_page(request, group, join_form=form, status=400)
    try:
        membership = services.membership_join(
            group=group,
            user=request.user,
            display_name=form.cleaned_data["display_name"],
            invite_token=form.cleaned_data["invite_code"] or None,
        )
    except ValidationError as exc:
        forms.errors_onto(form, exc)
        return _group_page(request, group, join_form=form, status=400)
    except DomainError as exc:
        form.add_error("invite_code" if "invit" in exc.code else None, exc.message)
        return _group_page(request, group, join_form=form, status=400)
    if membership.status == Membership.Status.APPROVED:
        messages.success(request, _("Welcome to %(group)s.") % {"group": group.name})
    else:
        messages.success(request, _("Your request is sent. A facilitator will look at it soon."))
    return redirect("frontend:group-detail", slug=group.slug)


@login_required
@require_POST
def group_leave(request, slug: str):
    """Leave the group (or withdraw a request): upcoming RSVPs cancelled, the waitlist moves."""
    group = access.access_group(user=request.user, slug=slug)
    try:
        cancelled = services.membership_leave(group=group, user=request.user)
    except DomainError as exc:
        messages.error(request, _domain_message(exc))
        return redirect("frontend:group-detail", slug=group.slug)
    if cancelled:
        messages.success(
            request,
            ngettext(
                "You left %(group)s. Your place at %(n)s upcoming session is cancelled.",
                "You left %(group)s. Your places at %(n)s upcoming sessions are cancelled.",
                cancelled,
            )
            % {"group": group.name, "n": cancelled},
        )
    else:
        messages.success(request, _("You left %(group)s.") % {"group": group.name})
    return redirect("frontend:group-detail", slug=group.slug)


def _domain_message(exc: DomainError) -> str:
    """A domain refusal in the reader's language, by its stable code."""
    words = {
        "banned": _("You cannot join this group."),
        "is_facilitator": _("You help run this group: ask a coordinator to hand it on first."),
        "session_cancelled": _("This session is cancelled."),
        "session_past": _("This session is over."),
        "not_a_member": _("Join this group before you RSVP."),
        "offer_expired": _("This seat offer has passed."),
    }
    return str(words.get(exc.code, exc.message))


# --- session page and RSVP --------------------------------------------------------------------


def _visible_session(request, pk: int) -> Session:
    """With the RSVP counts the page shows."""
    queryset = selectors.sessions_with_counts(Session.objects.all())
    return access.access_session(user=request.user, pk=pk, queryset=queryset)


def _rsvp_context(request, session: Session, notice: str = "") -> dict:
    user = request.user
    rsvp = selectors.user_rsvp_for(user=user, session=session)
    facilitates = access.is_group_facilitator(user=user, group=session.group)
    going = rsvp is not None and rsvp.status == RSVP.Status.GOING
    offer = selectors.rsvp_open_seat_offer(rsvp=rsvp) if rsvp is not None else None
    tz = user.timezone if user.is_authenticated else session.group.timezone
    return {
        "offer": offer,
        "offer_expires": clock_time(offer.expires_at.astimezone(ZoneInfo(tz))) if offer else "",
        "session": session,
        "group": session.group,
        "rsvp": rsvp,
        "membership": access.membership_of(user=user, group=session.group),
        "can_rsvp": access.can_rsvp(user=user, group=session.group),
        "facilitates": facilitates,
        "is_open": session.status == Session.Status.SCHEDULED and session.end > timezone.now(),
        "is_over": session.end <= timezone.now(),
        # The room page (another part of the site) makes the final decision when it opens.
        "room_path": f"/sessions/{session.pk}/room/"
        if session.room_open and (facilitates or going)
        else "",
        "free_seats": max(session.effective_capacity - session.going_count, 0),
        "show_video": bool(session.group.video_url)
        and access.can_see_video_link(user=user, group=session.group),
        "open_early_minutes": settings.ROOM_OPEN_EARLY_MINUTES,
        "notice": notice,
    }


def _feedback_context(request, session: Session, form=None) -> dict:
    """The question after a session, for someone who was there and has not answered yet."""
    user = request.user
    if not selectors.feedback_open(session=session) or not selectors.user_was_there(
        user=user, session=session
    ):
        return {}
    given = selectors.user_feedback_for(user=user, session=session)
    if given is not None:
        return {"feedback_given": given}
    return {"feedback_form": form or forms.FeedbackForm()}


def _session_page(
    request, session: Session, notice: str = "", status: int = 200, feedback_form=None
):
    if request.htmx:
        return render(request, "frontend/_rsvp_panel.html", _rsvp_context(request, session, notice))
    if notice:
        messages.info(request, notice)
        return redirect("frontend:session-detail", pk=session.pk)
    context = _rsvp_context(request, session)
    tz = _viewer_tz(request)
    context["viewer_tz"] = tz
    context["show_group_tz"] = tz is not None and tz != session.group.timezone
    context.update(_feedback_context(request, session, feedback_form))
    return render(request, "frontend/session_detail.html", context, status=status)


@require_GET
def session_detail(request, pk: int):
    return _session_page(request, _visible_session(request, pk))


@login_required
@require_POST
def session_rsvp(request, pk: int):
    """RSVP: a seat if one is free, else a place on the waitlist."""
    session = _visible_session(request, pk)
    try:
        rsvp = services.rsvp_create(session=session, user=request.user)
    except DomainError as exc:
        return _session_page(request, session, _domain_message(exc))
    session = _visible_session(request, pk)  # fresh counts
    if rsvp.status == RSVP.Status.GOING:
        notice = _("You are going. See you there.")
    else:
        position = selectors.rsvp_waitlist_position(rsvp=rsvp)
        notice = _("The session is full: you are number %(n)s on the waitlist.") % {"n": position}
    return _session_page(request, session, notice)


@login_required
@require_POST
def session_rsvp_cancel(request, pk: int):
    """Cancel an RSVP; a freed seat goes to the first person on the waitlist."""
    session = _visible_session(request, pk)
    if session.end <= timezone.now():
        # As in the API: once it is over, an RSVP is attendance history, not a plan.
        return _session_page(request, session, _("This session is over."))
    try:
        services.rsvp_cancel(session=session, user=request.user)
    except DomainError as exc:
        return _session_page(request, session, _domain_message(exc))
    session = _visible_session(request, pk)
    return _session_page(request, session, _("Your RSVP is cancelled."))


@login_required
@require_POST
def session_claim(request, pk: int):
    """Claim a seat offered to you from the waitlist, before it passes to the next person."""
    session = _visible_session(request, pk)
    rsvp = selectors.user_rsvp_for(user=request.user, session=session)
    offer = selectors.rsvp_open_seat_offer(rsvp=rsvp) if rsvp is not None else None
    if offer is None:
        return _session_page(request, session, _("There is no seat offer for you to claim."))
    try:
        services.seat_offer_claim(offer=offer)
    except DomainError as exc:
        return _session_page(request, session, _domain_message(exc))
    session = _visible_session(request, pk)
    return _session_page(request, session, _("The seat is yours. See you there."))


# --- my sessions ------------------------------------------------------------------------------


@login_required
@require_GET
def my_sessions(request):
    """Upcoming RSVPs (going and waitlisted, with the place) and memberships still pending."""
    return render(
        request,
        "frontend/my_sessions.html",
        {
            "rsvps": selectors.user_rsvps_upcoming(user=request.user)[:100],
            "pending": Membership.objects.filter(
                user=request.user, status=Membership.Status.PENDING
            ).select_related("group"),
            "notices": selectors.user_notices_recent(user=request.user),
            "viewer_tz": request.user.timezone,
        },
    )


# --- feedback after a session -----------------------------------------------------------------


@login_required
@require_POST
def session_feedback(request, pk: int):
    """The answer to "was this session helpful?", once."""
    session = _visible_session(request, pk)
    form = forms.FeedbackForm(request.POST)
    if not form.is_valid():
        return _session_page(request, session, status=400, feedback_form=form)
    try:
        services.feedback_give(session=session, user=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("frontend:session-detail", pk=session.pk)
    messages.success(request, _("Thank you. Your answer helps the facilitators."))
    return redirect("frontend:session-detail", pk=session.pk)
