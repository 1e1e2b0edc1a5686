"""The facilitator dashboard: my groups, upcoming sessions, pending members, first-timers,
hand-over and charts."""

from __future__ import annotations

from django.db.models import Count, Q
from django.shortcuts import render
from django.views.decorators.http import require_GET

from facilitators import access as fac_access
from facilitators import selectors as fac_selectors
from facilitators import services as fac_services
from frontend.facilitator import charts
from frontend.facilitator.views.common import facilitator_page
from rooms import selectors as room_selectors
from sessions_app import selectors

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
        group_chart_list = (
            charts.attendance_charts(series, tz=group.tz, group_name=group.name) if series else []
        )
        feedback = selectors.group_feedback_series(group=group)
        if feedback:
            group_chart_list.append(
                charts.feedback_chart(feedback, tz=group.tz, group_name=group.name)
            )
        if group_chart_list:
            group_charts.append((group, group_chart_list))
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
