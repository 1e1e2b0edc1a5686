"""`{% group_people %}`: the group page's "who runs this group" and, for the people who
manage its invitation codes, the codes. One tag, so the group page needs one line for it."""

from __future__ import annotations

from django import template

from facilitators.selectors import group_facilitators_shown
from frontend.forms import InviteCreateForm
from sessions_app import access, selectors
from sessions_app.models import GroupInvite

register = template.Library()


@register.inclusion_tag("frontend/_group_people.html", takes_context=True)
def group_people(context) -> dict:
    request, group = context["request"], context["group"]
    user = request.user
    manages_invites = group.join_policy == group.JoinPolicy.INVITE and access.can_manage_invites(
        user=user, group=group
    )
    invites = []
    if manages_invites:
        invites = [
            (invite, selectors.invite_url(invite))
            for invite in selectors.group_invites(group=group)
            if invite.state == GroupInvite.State.ACTIVE
        ]
    return {
        "request": request,
        "user": user,
        "csrf_token": context.get("csrf_token"),
        "group": group,
        "facilitators": group_facilitators_shown(group=group, viewer=user),
        "manages_invites": manages_invites,
        "invites": invites,
        "form": InviteCreateForm(),
        "back": "group",
        "viewer_tz": user.timezone if user.is_authenticated else group.timezone,
    }
