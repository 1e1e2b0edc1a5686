"""Pages for facilitators and coordinators under /facilitate/.

Thin: each view looks the object up, asks one `can_*` function, and calls services (writes) or
selectors (reads). Visitors are sent to the login page; signed-in people without the right
get a 403. Forms post back to the same page (they work without JavaScript); htmx swaps only
the part that changed where it helps (attendance rows, the schedule preview).
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from facilitators import access as fac_access
from facilitators import selectors as fac_selectors
from facilitators import services as fac_services
from facilitators.models import SafetyAlert
from frontend.facilitator import charts
from frontend.facilitator.forms import (
    AssignForm,
    CancelForm,
    GroupForm,
    MoveForm,
    NoteForm,
    ResolveForm,
    ScheduleForm,
    errors_onto_form,
)
from frontend.words import recurrence_describe
from rooms import selectors as room_selectors
from rooms import services as room_services
from rooms.models import RoomReport
from sessions_app import access, selectors, services
from sessions_app.errors import DomainError
from sessions_app.models import RSVP, Membership, Schedule, Session, SupportGroup, User
from sessions_app.recurrence import recurrence_parse
from sms import selectors as sms_selectors

# --- access helpers -----------------------------------------------------------------------------


def facilitator_page(view):
    """Signed-in coordinators and facilitators only: visitors go to the login page, everyone
    else gets a 403. Views still check the group or session they are about."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not fac_access.can_use_facilitator_pages(user=request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _managed_group(request, slug: str) -> SupportGroup:
    group = get_object_or_404(SupportGroup.objects.select_related("venue"), slug=slug)
    if not access.can_manage_group(user=request.user, group=group):
        raise PermissionDenied
    return group


def _managed_session(request, pk: int) -> Session:
    session = get_object_or_404(Session.objects.select_related("group", "schedule"), pk=pk)
    if not fac_access.can_take_attendance(user=request.user, session=session):
        raise PermissionDenied
    return session


def _posted(request):
    """The POST data for a bound form (even when empty), None on GET."""
    return request.POST if request.method == "POST" else None


def _domain_error(request, exc: DomainError) -> None:
    messages.error(request, exc.message)


# --- dashboard ----------------------------------------------------------------------------------


@require_GET
@facilitator_page
def dashboard(request):
    """My groups, upcoming sessions, pending members, first-timers, hand-over and charts."""
    user = request.user
    groups = list(
        fac_selectors.groups_managed(user=user)
        .annotate(pending=Count("memberships", filter=Q(memberships__status="pending")))
        .order_by("name")
    )
    group_charts = []
    # Charts for the groups a person facilitates; a coordinator with every group on the
    # dashboard gets them on each group's page instead, so the dashboard stays light.
    charted = groups if not user.is_staff else []
    for group in charted:
        series = fac_selectors.group_attendance_series(group=group)
        if series:
            group_charts.append(
                (group, charts.attendance_charts(series, tz=group.tz, group_name=group.name))
            )
    return render(
        request,
        "frontend/facilitator/dashboard.html",
        {
            "groups": groups,
            "upcoming": fac_selectors.dashboard_upcoming_sessions(user=user, limit=15),
            "pending": fac_selectors.dashboard_pending_members(user=user)[:50],
            "first_timers": fac_selectors.dashboard_first_timers(user=user)[:50],
            "handover": fac_services.notes_handover_read(by=user),
            "group_charts": group_charts,
            "open_alerts": (
                fac_selectors.safety_alerts_open().count()
                if fac_access.can_review_safety(user=user)
                else None
            ),
            "open_reports": (
                room_selectors.room_reports_open().count()
                if fac_access.can_review_safety(user=user)
                else None
            ),
        },
    )


# --- groups -------------------------------------------------------------------------------------


@require_GET
@facilitator_page
def group_list(request):
    """Every group this person manages (all of them for coordinators)."""
    groups = fac_selectors.groups_managed(user=request.user).annotate(
        members=Count("memberships", filter=Q(memberships__status="approved"), distinct=True),
        pending=Count("memberships", filter=Q(memberships__status="pending"), distinct=True),
    )
    return render(
        request,
        "frontend/facilitator/group_list.html",
        {"groups": groups.order_by("name"), "can_create": access.is_coordinator(user=request.user)},
    )


@require_http_methods(["GET", "POST"])
@facilitator_page
def group_create(request):
    if not access.is_coordinator(user=request.user):
        raise PermissionDenied
    form = GroupForm(_posted(request), initial={"is_public": True})
    if request.method == "POST" and form.is_valid():
        try:
            group = services.group_create(**form.service_fields())
        except ValidationError as exc:
            errors_onto_form(form, exc, aliases={"reminder_offsets_minutes": "reminder_offsets"})
        else:
            messages.success(request, _("Group created. Now give it a schedule."))
            return redirect("frontend:fac-schedule-new", slug=group.slug)
    return render(request, "frontend/facilitator/group_form.html", {"form": form, "group": None})


@require_GET
@facilitator_page
def group_detail(request, slug):
    group = _managed_group(request, slug)
    schedules = [
        (
            schedule,
            recurrence_describe(
                selectors.schedule_recurrence(schedule=schedule),
                first_date=schedule.first_date,
                start_time=schedule.start_time,
            ),
        )
        for schedule in selectors.schedules_active(group=group)
    ]
    sessions = selectors.sessions_with_counts(selectors.sessions_upcoming(group=group))[:30]
    series = fac_selectors.group_attendance_series(group=group)
    return render(
        request,
        "frontend/facilitator/group_detail.html",
        {
            "group": group,
            "schedules": schedules,
            "sessions": sessions,
            "facilitators": fac_selectors.group_facilitators(group=group),
            "pending_count": selectors.group_members(group=group, status="pending").count(),
            "charts": charts.attendance_charts(series, tz=group.tz) if series else [],
        },
    )


@require_http_methods(["GET", "POST"])
@facilitator_page
def group_edit(request, slug):
    group = _managed_group(request, slug)
    form = GroupForm(_posted(request), initial=GroupForm.initial_for(group))
    if request.method == "POST" and form.is_valid():
        try:
            services.group_update(group=group, **form.service_fields())
        except ValidationError as exc:
            group.refresh_from_db()
            errors_onto_form(form, exc, aliases={"reminder_offsets_minutes": "reminder_offsets"})
        else:
            messages.success(request, _("Saved."))
            return redirect("frontend:fac-group", slug=group.slug)
    return render(request, "frontend/facilitator/group_form.html", {"form": form, "group": group})


# --- schedules ----------------------------------------------------------------------------------


def _preview(group: SupportGroup, form: ScheduleForm) -> dict:
    """The preview context for a bound schedule form: next starts in the group's zone, the
    sentence, or the form errors."""
    if not form.is_valid():
        return {"preview_form": form}
    recurrence = form.recurrence()
    try:
        starts = selectors.schedule_preview(
            group=group, start=form.local_start(), recurrence=recurrence
        )
        parsed = recurrence_parse(recurrence, first_date=form.cleaned_data["first_date"])
    except ValidationError as exc:
        errors_onto_form(form, exc, aliases=ScheduleForm.ALIASES)
        return {"preview_form": form}
    return {
        "preview_form": form,
        "preview_starts": [s.astimezone(group.tz) for s in starts],
        "preview_sentence": recurrence_describe(
            parsed,
            first_date=form.cleaned_data["first_date"],
            start_time=form.cleaned_data["start_time"],
            today=timezone.localdate(timezone=group.tz),
        ),
    }


@require_http_methods(["GET", "POST"])
@facilitator_page
def schedule_create(request, slug):
    group = _managed_group(request, slug)
    return _schedule_form(request, group, schedule=None)


@require_http_methods(["GET", "POST"])
@facilitator_page
def schedule_edit(request, slug, pk):
    group = _managed_group(request, slug)
    schedule = get_object_or_404(Schedule, pk=pk, group=group, ended_at__isnull=True)
    return _schedule_form(request, group, schedule=schedule)


def _schedule_form(request, group: SupportGroup, *, schedule: Schedule | None):
    from_session = None
    initial = {}
    if schedule is not None:
        from_session = (
            selectors.sessions_upcoming(group=group)
            .filter(schedule=schedule, status=Session.Status.SCHEDULED)
            .first()
        )
        first = from_session.start.astimezone(group.tz).date() if from_session else None
        initial = ScheduleForm.initial_for(
            schedule, selectors.schedule_recurrence(schedule=schedule), first_date=first
        )
    form = ScheduleForm(_posted(request), initial=initial)
    context = {"group": group, "form": form, "schedule": schedule, "from_session": from_session}
    if request.method == "GET" and schedule is not None and from_session is not None:
        # Show what the series does now, from the session the change would start at.
        context.update(_preview(group, ScheduleForm(_as_data(initial))))
        context.pop("preview_form", None)
    if request.method == "POST" and "preview" in request.POST:
        context.update(_preview(group, form))
    elif request.method == "POST" and form.is_valid():
        try:
            if schedule is None:
                services.schedule_create(
                    group=group,
                    start=form.local_start(),
                    duration_minutes=form.cleaned_data["duration_minutes"],
                    recurrence=form.recurrence(),
                    created_by=request.user,
                )
            elif from_session is None:
                raise ValidationError(_("This series has no upcoming session to change from."))
            else:
                services.schedule_change(
                    schedule=schedule,
                    from_session=from_session,
                    start=form.local_start(),
                    duration_minutes=form.cleaned_data["duration_minutes"],
                    recurrence=form.recurrence(),
                    by=request.user,
                )
        except ValidationError as exc:
            errors_onto_form(form, exc, aliases=ScheduleForm.ALIASES)
        else:
            messages.success(request, _("Schedule saved; its sessions are on the calendar."))
            return redirect("frontend:fac-group", slug=group.slug)
    return render(request, "frontend/facilitator/schedule_form.html", context)


def _as_data(initial: dict) -> dict:
    """Form initial values as submitted data (for a preview of a stored schedule)."""
    data = {}
    for key, value in initial.items():
        if hasattr(value, "isoformat"):
            value = (
                value.isoformat(timespec="minutes") if key == "start_time" else value.isoformat()
            )
        data[key] = value
    data.setdefault("ends", "never")
    return data


@require_GET
@facilitator_page
def schedule_preview(request, slug):
    """htmx partial: the next sessions the schedule form describes, not saved."""
    group = _managed_group(request, slug)
    context = {"group": group, **_preview(group, ScheduleForm(request.GET))}
    return render(request, "frontend/facilitator/_schedule_preview.html", context)


@require_http_methods(["GET", "POST"])
@facilitator_page
def schedule_end(request, slug, pk):
    group = _managed_group(request, slug)
    schedule = get_object_or_404(Schedule, pk=pk, group=group, ended_at__isnull=True)
    if request.method == "POST":
        services.schedule_end(schedule=schedule, by=request.user)
        messages.success(request, _("The series has ended. Attendees with an RSVP were told."))
        return redirect("frontend:fac-group", slug=group.slug)
    sentence = recurrence_describe(
        selectors.schedule_recurrence(schedule=schedule),
        first_date=schedule.first_date,
        start_time=schedule.start_time,
    )
    affected = (
        selectors.sessions_with_counts(selectors.sessions_upcoming(group=group))
        .filter(schedule=schedule, status=Session.Status.SCHEDULED)
        .filter(Q(going_count__gt=0) | Q(waitlist_count__gt=0))
        .count()
    )
    return render(
        request,
        "frontend/facilitator/schedule_end.html",
        {"group": group, "schedule": schedule, "sentence": sentence, "affected": affected},
    )


# --- members and facilitators -------------------------------------------------------------------


@require_GET
@facilitator_page
def members(request, slug):
    group = _managed_group(request, slug)
    rows = list(selectors.group_members(group=group))
    facilitator_ids = set(
        fac_selectors.group_facilitators(group=group).values_list("user_id", flat=True)
    )
    return render(
        request,
        "frontend/facilitator/members.html",
        {
            "group": group,
            "pending": [m for m in rows if m.status == Membership.Status.PENDING],
            "approved": [m for m in rows if m.status == Membership.Status.APPROVED],
            "banned": [m for m in rows if m.status == Membership.Status.BANNED],
            "facilitator_ids": facilitator_ids,
        },
    )


@require_http_methods(["GET", "POST"])
@facilitator_page
def member_decide(request, slug, pk, action):
    """Approve (one click) or ban (after a confirmation page: it cancels their RSVPs)."""
    group = _managed_group(request, slug)
    if action not in ("approve", "ban"):
        raise Http404
    membership = get_object_or_404(Membership.objects.select_related("user"), pk=pk, group=group)
    if request.method == "GET":
        if action != "ban":
            return redirect("frontend:fac-members", slug=group.slug)
        upcoming = (
            selectors.user_rsvps_upcoming(user=membership.user).filter(session__group=group).count()
        )
        return render(
            request,
            "frontend/facilitator/member_ban.html",
            {"group": group, "membership": membership, "upcoming": upcoming},
        )
    try:
        if action == "approve":
            services.membership_approve(membership=membership, by=request.user)
            messages.success(
                request, _("%(name)s is now a member.") % {"name": membership.display_name}
            )
        else:
            services.membership_ban(membership=membership, by=request.user)
            messages.success(request, _("%(name)s is banned.") % {"name": membership.display_name})
    except DomainError as exc:
        _domain_error(request, exc)
    return redirect("frontend:fac-members", slug=group.slug)


@require_http_methods(["GET", "POST"])
@facilitator_page
def facilitators(request, slug):
    group = _managed_group(request, slug)
    can_assign = fac_access.can_assign_facilitators(user=request.user, group=group)
    form = AssignForm(_posted(request)) if can_assign else None
    if request.method == "POST":
        if not can_assign:
            raise PermissionDenied
        if form.is_valid():
            user = User.objects.filter(username=form.cleaned_data["username"]).first()
            if user is None:
                form.add_error("username", _("No user with that username."))
            else:
                try:
                    fac_services.facilitator_assign(
                        group=group, user=user, role=form.cleaned_data["role"], by=request.user
                    )
                except ValidationError as exc:
                    errors_onto_form(form, exc)
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(request, _("Assigned."))
                    return redirect("frontend:fac-facilitators", slug=group.slug)
    return render(
        request,
        "frontend/facilitator/facilitators.html",
        {
            "group": group,
            "assignments": fac_selectors.group_facilitators(group=group),
            "form": form,
        },
    )


# --- one session --------------------------------------------------------------------------------


def _roster(session: Session) -> list[RSVP]:
    return list(fac_selectors.session_attendance_roster(session=session))


@require_GET
@facilitator_page
def session_detail(request, pk):
    session = _managed_session(request, pk)
    note = fac_services.note_read(session=session, by=request.user)
    return _session_page(
        request, session, note=note, form=_note_form_for(note), follow_ups=note["follow_ups"]
    )


def _session_page(request, session, *, note, form, follow_ups, conflict=None, status=200):
    roster = _roster(session)
    return render(
        request,
        "frontend/facilitator/session_detail.html",
        {
            "session": session,
            "group": session.group,
            "roster": roster,
            "going": sum(1 for r in roster if r.status == RSVP.Status.GOING),
            "waiting": sum(1 for r in roster if r.status == RSVP.Status.WAITLISTED),
            "texts": sms_selectors.session_outbound(session=session),
            "note": note,
            "note_form": form,
            "follow_up_rows": _follow_up_rows(follow_ups),
            "note_json": _note_client_state(session, note),
            "conflict": conflict,
            "show_phone": access.is_coordinator(user=request.user),
            "is_over": session.end <= timezone.now(),
            "room": room_selectors.session_room_summary(session=session),
        },
        status=status,
    )


def _note_form_for(note: dict, data=None) -> NoteForm:
    return NoteForm(
        data,
        initial={
            "summary": note["summary"],
            "body": note["body"],
            "themes": ", ".join(note["themes"]),
            "safety_concern": note["safety_concern"],
            "revision": note["revision"],
        },
    )


def _follow_up_rows(follow_ups: list[dict], spare: int = 2) -> list[dict]:
    """The checklist rows: every follow-up plus `spare` empty ones (to add without JS)."""
    return [*follow_ups, *({"text": "", "done": False} for _ in range(spare))]


def _note_client_state(session: Session, note: dict) -> dict:
    """What facilitator.js needs: where to save and the revision it is based on."""
    return {
        "session": session.pk,
        "revision": note["revision"],
        "api": reverse("session-note", args=[session.pk]),
    }


@require_POST
@facilitator_page
def note_save(request, pk):
    """The note form without JavaScript (autosave uses the API). A stale revision shows the
    saved version next to the text just sent, which stays in the form."""
    session = _managed_session(request, pk)
    form = NoteForm(request.POST)
    conflict = None
    if form.is_valid():
        data = form.note_data(request.POST)
        try:
            fac_services.note_save(session=session, by=request.user, **data)
        except fac_services.NoteStale:
            conflict = fac_services.note_read(session=session, by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, _("Note saved."))
            return redirect(reverse("frontend:fac-session", args=[session.pk]) + "#note")
    note = conflict or fac_services.note_read(session=session, by=request.user)
    done = set(request.POST.getlist("follow_up_done"))
    mine_follow_ups = [
        {"text": text, "done": str(i) in done}
        for i, text in enumerate(request.POST.getlist("follow_up_text"))
        if text.strip()
    ]
    if conflict is not None:
        # Keep the person's text in the form, based on the current revision: saving again
        # replaces the other version on purpose, after they have seen it.
        data = request.POST.copy()
        data["revision"] = str(conflict["revision"])
        form = NoteForm(data)
        form.is_valid()
    return _session_page(
        request,
        session,
        note=note,
        form=form,
        follow_ups=mine_follow_ups,
        conflict=conflict,
        status=409 if conflict is not None else 400,
    )


@require_GET
@facilitator_page
def note_revisions(request, pk):
    session = _managed_session(request, pk)
    revisions = fac_services.note_revisions_read(session=session, by=request.user)
    return render(
        request,
        "frontend/facilitator/note_revisions.html",
        {"session": session, "group": session.group, "revisions": revisions},
    )


@require_POST
@facilitator_page
def attendance_mark(request, pk):
    """One tick: attended or no-show for one RSVP. htmx gets the row back, others a redirect."""
    session = _managed_session(request, pk)
    error = None
    try:
        services.attendance_set(
            session=session,
            marks=[
                {"username": request.POST.get("username"), "status": request.POST.get("status")}
            ],
            by=request.user,
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except DomainError as exc:
        error = exc.message
    if request.htmx:
        row = next(
            (r for r in _roster(session) if r.user.username == request.POST.get("username")), None
        )
        if row is None:
            return HttpResponse(status=400)
        return render(
            request,
            "frontend/facilitator/_roster_row.html",
            {"session": session, "r": row, "row_error": error},
            status=400 if error else 200,
        )
    if error:
        messages.error(request, error)
    return redirect(reverse("frontend:fac-session", args=[session.pk]) + "#roster")


@require_POST
@facilitator_page
def room_set(request, pk):
    session = _managed_session(request, pk)
    want_open = request.POST.get("open") == "1"
    try:
        if want_open:
            room_services.room_open(session=session, by=request.user)
        else:
            room_services.room_close(session=session, by=request.user)
    except DomainError as exc:
        _domain_error(request, exc)
    else:
        messages.success(request, _("The room is open.") if want_open else _("The room is closed."))
    return redirect("frontend:fac-session", pk=session.pk)


@require_http_methods(["GET", "POST"])
@facilitator_page
def session_cancel(request, pk):
    session = _managed_session(request, pk)
    form = CancelForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.session_cancel(
                session=session, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as exc:
            errors_onto_form(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Session cancelled. Attendees with an RSVP were told."))
            return redirect("frontend:fac-group", slug=session.group.slug)
    going = selectors.sessions_with_counts(Session.objects.filter(pk=session.pk)).get()
    return render(
        request,
        "frontend/facilitator/session_cancel.html",
        {"session": session, "group": session.group, "form": form, "counts": going},
    )


@require_http_methods(["GET", "POST"])
@facilitator_page
def session_move(request, pk):
    session = _managed_session(request, pk)
    local = session.start.astimezone(session.group.tz)
    minutes = int((session.end - session.start).total_seconds() // 60)
    form = MoveForm(
        _posted(request),
        initial={"date": local.date(), "time": local.time(), "duration_minutes": minutes},
    )
    if request.method == "POST" and form.is_valid():
        start, end = form.start_end()
        try:
            services.session_move(session=session, start=start, end=end, by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc, aliases={"start": "date", "end": "duration_minutes"})
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Session moved. Attendees with an RSVP were told."))
            return redirect("frontend:fac-session", pk=session.pk)
    return render(
        request,
        "frontend/facilitator/session_move.html",
        {"session": session, "group": session.group, "form": form},
    )


# --- coordinators -------------------------------------------------------------------------------


def _coordinator_only(request) -> None:
    if not fac_access.can_review_safety(user=request.user):
        raise PermissionDenied


@require_GET
@facilitator_page
def safety(request):
    _coordinator_only(request)
    return render(
        request,
        "frontend/facilitator/safety.html",
        {
            "alerts": fac_selectors.safety_alerts_open(),
            "open_reports": room_selectors.room_reports_open().count(),
        },
    )


@require_POST
@facilitator_page
def safety_acknowledge(request, pk):
    _coordinator_only(request)
    alert = get_object_or_404(SafetyAlert, pk=pk)
    fac_services.safety_alert_acknowledge(alert=alert, by=request.user)
    messages.success(request, _("Marked as seen. Thank you for following up."))
    return redirect("frontend:fac-safety")


@require_GET
@facilitator_page
def audit(request):
    _coordinator_only(request)
    page = Paginator(fac_selectors.audit_entries_recent(), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "frontend/facilitator/audit.html",
        {"page": page},
    )


# --- reported room messages ---------------------------------------------------------------------


@require_GET
@facilitator_page
def reports(request):
    """Every open room-message report, each with a Resolve form: coordinators only."""
    _coordinator_only(request)
    return render(
        request,
        "frontend/facilitator/reports.html",
        {"reports": room_selectors.room_reports_open(), "group": None, "can_resolve": True},
    )


@require_GET
@facilitator_page
def group_reports(request, slug):
    """One group's open reports, read-only: its facilitators follow up in the room, and only
    coordinators resolve (docs/decisions.md, Facilitator pages)."""
    group = _managed_group(request, slug)
    return render(
        request,
        "frontend/facilitator/reports.html",
        {
            "reports": room_selectors.room_reports_open(group=group),
            "group": group,
            "can_resolve": False,
        },
    )


@require_POST
@facilitator_page
def report_resolve(request, pk):
    _coordinator_only(request)
    report = get_object_or_404(RoomReport, pk=pk)
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors.get("resolution", [])))
    elif report.resolved_at is not None:
        messages.info(request, _("That report was already resolved."))
    else:
        try:
            room_services.report_resolve(
                report=report, by=request.user, resolution=form.cleaned_data["resolution"]
            )
        except DomainError as exc:
            _domain_error(request, exc)
        else:
            messages.success(
                request, _("Report resolved. The message now follows normal retention.")
            )
    return redirect("frontend:fac-reports")
