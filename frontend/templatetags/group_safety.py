"""`{% group_report %}`: the group page's "Report a person" form, for members who have been in
one of the group's rooms with someone (rooms.selectors.reportable_people). One tag, so the
group page needs one line for it."""

from __future__ import annotations

from django import template

from frontend.forms import PersonReportForm
from rooms import selectors as room_selectors
from sessions_app import access
from sessions_app.models import Membership

register = template.Library()


@register.inclusion_tag("frontend/_group_report.html", takes_context=True)
def group_report(context) -> dict:
    request, group = context["request"], context["group"]
    user = request.user
    people: list[dict] = []
    if user.is_authenticated:
        membership = access.membership_of(user=user, group=group)
        if (
            membership is not None and membership.status == Membership.Status.APPROVED
        ) or access.is_group_facilitator(user=user, group=group):
            people = room_selectors.reportable_people(user=user, group=group)
    return {
        "csrf_token": context.get("csrf_token"),
        "group": group,
        "form": PersonReportForm(people=people) if people else None,
    }
