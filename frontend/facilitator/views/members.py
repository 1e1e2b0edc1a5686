"""A group's people: members to approve or ban, and its facilitators."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from facilitators import access as fac_access
from facilitators import selectors as fac_selectors
from frontend.facilitator.forms import AssignForm, errors_onto_form
from frontend.facilitator.views.common import domain_error, facilitator_page, managed_group, posted
from frontend.words import reach_in_words
from sessions_app import selectors, services
from sessions_app.errors import DomainError
from sessions_app.models import Membership, User

# --- members and facilitators -------------------------------------------------------------------


@require_GET
@facilitator_page
def members(request, slug):
    group = managed_group(request, slug)
    rows = list(selectors.group_members(group=group))
    reach = selectors.notification_reach(users=[m.user for m in rows])
    for m in rows:
        m.reach_words = reach_in_words(reach[m.user_id])  # type: ignore[attr-defined]
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
    group = managed_group(request, slug)
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
        domain_error(request, exc)
    return redirect("frontend:fac-members", slug=group.slug)


@require_http_methods(["GET", "POST"])
@facilitator_page
def facilitators(request, slug):
    group = managed_group(request, slug)
    can_assign = fac_access.can_assign_facilitators(user=request.user, group=group)
    form = AssignForm(posted(request)) if can_assign else None
    if request.method == "POST":
        if not can_assign:
            raise PermissionDenied
        if form.is_valid():
            user = User.objects.filter(username=form.cleaned_data["username"]).first()
            if user is None:
                form.add_error("username", _("No user with that username."))
            else:
                try:
                    services.facilitator_assign(
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
