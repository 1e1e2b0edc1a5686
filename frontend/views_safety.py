"""Reporting a person from a group's page. The rules are rooms.services.person_reports'."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.forms import PersonReportForm
from rooms import selectors as room_selectors
from rooms import services as room_services
from rooms.models import PersonReport
from sessions_app import access
from sessions_app.errors import DomainError


@login_required
@require_POST
def group_report(request, slug: str):
    group = access.access_group(user=request.user, slug=slug)
    people = room_selectors.reportable_people(user=request.user, group=group)
    form = PersonReportForm(request.POST, people=people)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return redirect("frontend:group-detail", slug=group.slug)
    try:
        room_services.person_report_from_group(
            group=group,
            user=request.user,
            user_id=form.cleaned_data["user"],
            reason=form.cleaned_data["reason"],
            source=PersonReport.Source.GROUP_PAGE,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Thank you. The coordinators will look at your report."))
    return redirect("frontend:group-detail", slug=group.slug)
