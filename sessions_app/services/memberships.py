"""Writes about membership: join (with an invitation: services/invites.py), approve, ban."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sessions_app import access, events
from sessions_app.audit import audit_log
from sessions_app.errors import NotAllowed, StateConflict
from sessions_app.models import (
    RSVP,
    Membership,
    Notice,
    SupportGroup,
    User,
)
from sessions_app.notices import notice_params, notices_create
from sessions_app.services.invites import invite_redeem
from sessions_app.services.rsvps import rsvp_cancel


def _display_name(user: User, display_name: str | None) -> str:
    name = (display_name or "").strip() or user.public_name
    if len(name) > 60:
        raise ValidationError({"display_name": ["At most 60 characters."]})
    return name


@transaction.atomic
def membership_join(
    *,
    group: SupportGroup,
    user: User,
    display_name: str | None = None,
    invite_token: str | None = None,
) -> Membership:
    """Join a group: open approves at once, approval waits, invite needs a valid invite."""
    name = _display_name(user, display_name)
    membership = Membership.objects.select_for_update().filter(group=group, user=user).first()
    if membership is not None:
        if membership.status == Membership.Status.BANNED:
            raise NotAllowed("You cannot join this group.", code="banned")
        if display_name and membership.display_name != name:
            membership.display_name = name
            membership.save(update_fields=["display_name"])
        return membership

    status = Membership.Status.APPROVED
    if group.join_policy == SupportGroup.JoinPolicy.APPROVAL:
        status = Membership.Status.PENDING
    elif group.join_policy == SupportGroup.JoinPolicy.INVITE:
        invite_redeem(group=group, token=invite_token)
    return Membership.objects.create(
        group=group,
        user=user,
        status=status,
        display_name=name,
        decided_at=timezone.now() if status == Membership.Status.APPROVED else None,
    )


@transaction.atomic
def membership_approve(*, membership: Membership, by: User) -> Membership:
    """Approve a pending (or lift a ban on a) membership."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status == Membership.Status.APPROVED:
        return membership
    membership.status = Membership.Status.APPROVED
    membership.decided_at, membership.decided_by = timezone.now(), by
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    audit_log(
        actor=by, action="member.approve", obj=membership, metadata={"group": membership.group_id}
    )
    notices_create(
        users=[membership.user],
        session=None,
        kind=Notice.Kind.MEMBERSHIP_APPROVED,
        params=notice_params(group=membership.group),
    )
    events.publish(events.MembershipApproved(membership_id=membership.pk))
    return membership


@transaction.atomic
def membership_ban(*, membership: Membership, by: User) -> Membership:
    """Ban a member: their upcoming RSVPs are cancelled and their seats given on."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if access.is_group_facilitator(user=membership.user, group=membership.group):
        raise StateConflict("Remove the facilitator role before banning.", code="is_facilitator")
    membership.status = Membership.Status.BANNED
    membership.decided_at, membership.decided_by = timezone.now(), by
    membership.save(update_fields=["status", "decided_at", "decided_by"])
    audit_log(
        actor=by, action="member.ban", obj=membership, metadata={"group": membership.group_id}
    )
    upcoming = RSVP.objects.filter(
        user=membership.user,
        session__group=membership.group,
        session__end__gt=timezone.now(),
        status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED],
    ).select_related("session")
    for rsvp in upcoming:
        rsvp_cancel(session=rsvp.session, user=membership.user)
    events.publish(
        events.MembershipEnded(
            group_id=membership.group_id, user_id=membership.user_id, banned=True
        )
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, by: User) -> None:
    """Take someone out of a group (they may join again, unlike a ban): their upcoming RSVPs
    are cancelled, their seats given on, and the membership deleted."""
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if access.is_group_facilitator(user=membership.user, group=membership.group):
        raise StateConflict("Remove the facilitator role first.", code="is_facilitator")
    upcoming = RSVP.objects.filter(
        user=membership.user,
        session__group=membership.group,
        session__end__gt=timezone.now(),
        status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED],
    ).select_related("session")
    for rsvp in upcoming:
        rsvp_cancel(session=rsvp.session, user=membership.user)
    audit_log(
        actor=by, action="member.remove", obj=membership, metadata={"group": membership.group_id}
    )
    events.publish(
        events.MembershipEnded(
            group_id=membership.group_id, user_id=membership.user_id, banned=False
        )
    )
    membership.delete()


@transaction.atomic
def membership_leave(*, group: SupportGroup, user: User) -> int:
    """Leave a group (or withdraw a request to join): the membership goes, and so do the
    person's places at its sessions not yet over, each seat given on to the waitlist as any
    cancellation does. Returns how many RSVPs were cancelled; leaving a group you are not in
    changes nothing, so a retry is harmless."""
    membership = Membership.objects.select_for_update().filter(group=group, user=user).first()
    if access.is_group_facilitator(user=user, group=group):
        raise StateConflict(
            "You help run this group: ask a coordinator to hand it on first.",
            code="is_facilitator",
        )
    if membership is None:
        return 0
    if membership.status == Membership.Status.BANNED:
        # Deleting the row would lift the ban.
        raise NotAllowed("You cannot join this group.", code="banned")
    upcoming = RSVP.objects.filter(
        user=user,
        session__group=group,
        session__end__gt=timezone.now(),
        status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED],
    ).select_related("session")
    cancelled = 0
    for rsvp in upcoming.order_by("session__start", "pk"):
        # The same service as a cancellation from the page, the API or a text: the first
        # person waiting gets the seat (or an offer close to the start) and is told.
        if rsvp_cancel(session=rsvp.session, user=user) is not None:
            cancelled += 1
    audit_log(
        actor=user,
        action="member.leave",
        obj=membership,
        metadata={"group": group.pk, "status": membership.status, "rsvps_cancelled": cancelled},
    )
    # As when a facilitator removes someone: whatever holds them in the group's rooms lets go.
    events.publish(events.MembershipEnded(group_id=group.pk, user_id=user.pk, banned=False))
    membership.delete()
    return cancelled
