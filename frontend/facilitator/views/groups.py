"""Groups and their schedules: the group list, create and edit, a group's page, and the
schedule form with its preview and ending a series."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from facilitators import selectors as fac_selectors
from frontend.facilitator import charts
from frontend.facilitator.forms import GroupForm, ScheduleForm, errors_onto_form
from frontend.facilitator.views.common import facilitator_page, managed_group, posted
from frontend.words import recurrence_describe
from sessions_app import access, selectors, services
from sessions_app.models import Schedule, Session, SupportGroup
from sessions_app.recurrence import recurrence_parse

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
    form = GroupForm(posted(request), initial={"is_public": True, "absence_check_ins": True})
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
    group = managed_group(request, slug)
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
    group = managed_group(request, slug)
    form = GroupForm(posted(request), initial=GroupForm.initial_for(group))
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
    group = managed_group(request, slug)
    return _schedule_form(request, group, schedule=None)


@require_http_methods(["GET", "POST"])
@facilitator_page
def schedule_edit(request, slug, pk):
    group = managed_group(request, slug)
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
    form = ScheduleForm(posted(request), initial=initial)
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
    group = managed_group(request, slug)
    context = {"group": group, **_preview(group, ScheduleForm(request.GET))}
    return render(request, "frontend/facilitator/_schedule_preview.html", context)


@require_http_methods(["GET", "POST"])
@facilitator_page
def schedule_end(request, slug, pk):
    group = managed_group(request, slug)
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
