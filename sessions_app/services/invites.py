"""Writes about invitation codes of invite-only groups: make, revoke, redeem.

A code is shared as a link (selectors.invite_url). Its facilitators (and coordinators) make
codes with a limit of uses and an expiry, and can revoke one at any time; a revoked, expired
or used-up code admits nobody. Making and revoking a code are audited; the code itself never
goes into the audit log (it is a credential).
"""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from sessions_app.audit import audit_log
from sessions_app.errors import NotAllowed, StateConflict
from sessions_app.models import GroupInvite, SupportGroup, User

INVITE_DAYS_MAX = 90
INVITE_USES_MAX = 100


@transaction.atomic
def invite_create(
    *, group: SupportGroup, by: User, days_valid: int = 14, max_uses: int = 1
) -> GroupInvite:
    """Make an invitation code for an invite-only group, valid `days_valid` days for
    `max_uses` people."""
    if group.join_policy != SupportGroup.JoinPolicy.INVITE:
        raise StateConflict("Only invite-only groups use invitation codes.", code="not_invite_only")
    if not 1 <= days_valid <= INVITE_DAYS_MAX:
        raise ValidationError({"days_valid": [f"From 1 to {INVITE_DAYS_MAX} days."]})
    if not 1 <= max_uses <= INVITE_USES_MAX:
        raise ValidationError({"max_uses": [f"From 1 to {INVITE_USES_MAX}."]})
    invite = GroupInvite.objects.create(
        group=group,
        created_by=by,
        expires_at=timezone.now() + timedelta(days=days_valid),
        max_uses=max_uses,
    )
    audit_log(
        actor=by,
        action="invite.create",
        obj=invite,
        metadata={"group": group.pk, "max_uses": max_uses, "days_valid": days_valid},
    )
    return invite


@transaction.atomic
def invite_revoke(*, invite: GroupInvite, by: User) -> GroupInvite:
    """Revoke a code: from now on it admits nobody. Revoking it again changes nothing."""
    invite = GroupInvite.objects.select_for_update().get(pk=invite.pk)
    if invite.revoked_at is not None:
        return invite
    invite.revoked_at, invite.revoked_by = timezone.now(), by
    invite.save(update_fields=["revoked_at", "revoked_by"])
    audit_log(
        actor=by,
        action="invite.revoke",
        obj=invite,
        metadata={"group": invite.group_id, "use_count": invite.use_count},
    )
    return invite


# Why a code admits nobody, as the stable code and the sentence people read.
INVITE_REFUSALS = {
    GroupInvite.State.REVOKED: ("invite_revoked", "This invitation was withdrawn."),
    GroupInvite.State.EXPIRED: ("invite_expired", "This invitation has expired."),
    # The same stable code as an expired one (it was so before codes could be revoked).
    GroupInvite.State.USED_UP: ("invite_expired", "This invitation has been used up."),
}


def invite_redeem(*, group: SupportGroup, token: str | None) -> GroupInvite:
    """Count one use of `token` for `group`, inside the caller's transaction (the row is
    locked, so two people cannot both take a code's last use). NotAllowed when there is no
    such code for this group, or it no longer admits anyone."""
    invite = (
        GroupInvite.objects.select_for_update().filter(group=group, token=token).first()
        if token and len(token) <= 64 and "\x00" not in token
        else None
    )
    if invite is None:
        raise NotAllowed("This group is by invitation only.", code="invite_required")
    refusal = INVITE_REFUSALS.get(invite.state)
    if refusal is not None:
        code, message = refusal
        raise NotAllowed(message, code=code)
    invite.use_count += 1
    invite.save(update_fields=["use_count"])
    return invite
