"""Coordinator pages: safety concerns, the audit log and reported room messages (and one
group's reports, read-only, for its facilitators)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from facilitators import access as fac_access
from facilitators import selectors as fac_selectors
from facilitators import services as fac_services
from facilitators.models import SafetyAlert
from frontend.facilitator.forms import PersonReportResolveForm, ResolveForm
from frontend.facilitator.views.common import domain_error, facilitator_page, managed_group
from rooms import selectors as room_selectors
from rooms import services as room_services
from rooms.models import PersonReport, RoomReport
from sessions_app.errors import DomainError

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
        {
            "reports": room_selectors.room_reports_open(),
            "person_reports": room_selectors.person_reports_open(),
            "person_form": PersonReportResolveForm(),
            "group": None,
            "can_resolve": True,
        },
    )


@require_GET
@facilitator_page
def group_reports(request, slug):
    """One group's open reports, read-only: its facilitators follow up in the room, and only
    coordinators resolve (docs/decisions.md, Facilitator pages)."""
    group = managed_group(request, slug)
    return render(
        request,
        "frontend/facilitator/reports.html",
        {
            "reports": room_selectors.room_reports_open(group=group),
            "person_reports": room_selectors.person_reports_open(group=group),
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
            domain_error(request, exc)
        else:
            messages.success(
                request, _("Report resolved. The message now follows normal retention.")
            )
    return redirect("frontend:fac-reports")


@require_POST
@facilitator_page
def person_report_resolve(request, pk):
    """A coordinator resolves a report about a person: no action, warn, mute for the session,
    remove from the group or ban (rooms.services.person_report_resolve)."""
    _coordinator_only(request)
    report = get_object_or_404(PersonReport, pk=pk)
    form = PersonReportResolveForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    elif report.resolved_at is not None:
        messages.info(request, _("That report was already resolved."))
    else:
        try:
            room_services.person_report_resolve(
                report=report,
                by=request.user,
                action=form.cleaned_data["action"],
                resolution=form.cleaned_data["resolution"],
            )
        except DomainError as exc:
            domain_error(request, exc)
        else:
            messages.success(
                request,
                _("Report about %(name)s resolved: %(action)s.")
                % {
                    "name": report.reported_name,
                    "action": PersonReport.Action(form.cleaned_data["action"]).label,
                },
            )
    return redirect("frontend:fac-reports")
