"""Invitation codes on the pages: the link a facilitator shares (`/invite/<code>/`), which
leads a visitor through sign-in or sign-up and back, then joins; and the group's
invitations, which its facilitators and coordinators make, list and revoke. Thin: the rules
are in sessions_app.services (invites) and sessions_app.access."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from frontend import forms
from sessions_app import access, selectors, services
from sessions_app.errors import DomainError
from sessions_app.models import GroupInvite, Membership, SupportGroup


def _refusal(state: str) -> str:
    """Why a code admits nobody, in words (the service says the same with a stable code)."""
    return {
        GroupInvite.State.REVOKED: _(
            "This invitation was withdrawn by the group's facilitators. Ask them for a new one."
        ),
        GroupInvite.State.EXPIRED: _(
            "This invitation has expired. Ask the facilitator for a new one."
        ),
        GroupInvite.State.USED_UP: _(
            "This invitation has been used as many times as it allows. Ask the facilitator "
            "for a new one."
        ),
    }[state]


def _invite_page(request, context: dict, status: int = 200):
    return render(request, "frontend/invite.html", context, status=status)


@require_http_methods(["GET", "POST"])
def invite_accept(request, code: str):
    """An invitation link. GET shows what it is for (and, to a visitor, the way to sign in
    or up and come back); POST joins. A code that admits nobody says why and joins no one."""
    invite = selectors.invite_for_code(code)
    if invite is None:
        return _invite_page(
            request, {"refusal": _("This invitation link is not valid.")}, status=404
        )
    group = invite.group
    if invite.state != GroupInvite.State.ACTIVE:
        return _invite_page(request, {"refusal": _refusal(invite.state)}, status=410)
    user = request.user
    if user.is_authenticated:
        membership = access.membership_of(user=user, group=group)
        if access.is_group_facilitator(user=user, group=group) or (
            membership is not None and membership.status == Membership.Status.APPROVED
        ):
            messages.info(request, _("You are already in %(group)s.") % {"group": group.name})
            return redirect("frontend:group-detail", slug=group.slug)
    form = forms.InviteAcceptForm(
        request.POST if request.method == "POST" else None,
        initial={"display_name": user.public_name} if user.is_authenticated else None,
    )
    context = {"group": group, "invite": invite, "form": form, "next": request.path}
    if request.method == "GET" or not user.is_authenticated:
        # A visitor's POST (a form left open while signed out) asks them to sign in first.
        return _invite_page(request, context)
    if not form.is_valid():
        return _invite_page(request, context, status=400)
    try:
        membership = services.membership_join(
            group=group,
            user=user,
            display_name=form.cleaned_data["display_name"],
            invite_token=invite.token,
        )
    except ValidationError as exc:
        forms.errors_onto(form, exc)
        return _invite_page(request, context, status=400)
    except DomainError as exc:
        # Used up or revoked between the page and the click, or a ban: say so, join nobody.
        invite.refresh_from_db()
        if invite.state != GroupInvite.State.ACTIVE:
            return _invite_page(request, {"refusal": _refusal(invite.state)}, status=410)
        refusal = _("You cannot join this group.") if exc.code == "banned" else exc.message
        return _invite_page(request, {"refusal": refusal}, status=403)
    if membership.status == Membership.Status.APPROVED:
        messages.success(request, _("Welcome to %(group)s.") % {"group": group.name})
    return redirect("frontend:group-detail", slug=group.slug)


def _managed_invite_group(request, slug: str) -> SupportGroup:
    return access.access_managed_group(user=request.user, slug=slug, may=access.can_manage_invites)


def _invites_page(request, group: SupportGroup, form, status: int = 200):
    invites = [(i, selectors.invite_url(i)) for i in selectors.group_invites(group=group)]
    return render(
        request,
        "frontend/group_invites.html",
        {"group": group, "invites": invites, "form": form, "viewer_tz": request.user.timezone},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def group_invites(request, slug: str):
    """A group's invitation codes (all of them) and the form that makes one."""
    group = _managed_invite_group(request, slug)
    if request.method == "GET":
        return _invites_page(request, group, forms.InviteCreateForm())
    form = forms.InviteCreateForm(request.POST)
    if not form.is_valid():
        return _invites_page(request, group, form, status=400)
    try:
        invite = services.invite_create(
            group=group,
            by=request.user,
            max_uses=form.cleaned_data["max_uses"],
            days_valid=form.cleaned_data["days_valid"],
        )
    except ValidationError as exc:
        forms.errors_onto(form, exc)
        return _invites_page(request, group, form, status=400)
    except DomainError as exc:
        form.add_error(None, exc.message)
        return _invites_page(request, group, form, status=409)
    messages.success(
        request,
        _("Invitation made. Share this link: %(url)s") % {"url": selectors.invite_url(invite)},
    )
    return _back(group, form.cleaned_data.get("back"))


def _back(group: SupportGroup, back: str | None):
    if back == "group":
        return redirect(reverse("frontend:group-detail", args=[group.slug]) + "#invites-h")
    return redirect("frontend:group-invites", slug=group.slug)


@login_required
@require_POST
def group_invite_revoke(request, slug: str, invite_id: int):
    """Revoke one code: it admits nobody from now on."""
    invite = access.access_group_invite(user=request.user, slug=slug, invite_id=invite_id)
    services.invite_revoke(invite=invite, by=request.user)
    messages.success(request, _("Invitation revoked. Its link no longer works."))
    return _back(invite.group, request.POST.get("back"))
