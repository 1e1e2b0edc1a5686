"""Invitation codes: making, limiting, revoking and redeeming them (services), and the audit
entries they leave."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from sessions_app import services
from sessions_app.errors import NotAllowed, StateConflict
from sessions_app.models import AuditEntry, GroupInvite, Membership, SupportGroup
from tests.factories import GroupFactory, UserFactory, facilitator

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite_group():
    return GroupFactory(join_policy=SupportGroup.JoinPolicy.INVITE)


def test_create_limits_and_audits(invite_group):
    lead = facilitator(invite_group)
    before = timezone.now()
    invite = services.invite_create(group=invite_group, by=lead, max_uses=5, days_valid=30)
    assert (invite.max_uses, invite.use_count, invite.created_by, invite.revoked_at) == (
        5,
        0,
        lead,
        None,
    )
    assert before + timedelta(days=30) <= invite.expires_at <= timezone.now() + timedelta(days=30)
    assert invite.state == GroupInvite.State.ACTIVE
    entry = AuditEntry.objects.get(action="invite.create")
    assert (entry.actor, entry.object_type, entry.object_id) == (
        lead,
        "sessions_app.groupinvite",
        str(invite.pk),
    )
    assert entry.metadata == {"group": invite_group.pk, "max_uses": 5, "days_valid": 30}
    assert invite.token not in str(entry.metadata)  # the code is a credential


@pytest.mark.parametrize(
    ("fields", "error"),
    [
        ({"max_uses": 0}, "max_uses"),
        ({"max_uses": 101}, "max_uses"),
        ({"days_valid": 0}, "days_valid"),
        ({"days_valid": 91}, "days_valid"),
    ],
)
def test_create_refuses_limits_out_of_range(invite_group, fields, error):
    with pytest.raises(ValidationError) as exc:
        services.invite_create(group=invite_group, by=facilitator(invite_group), **fields)
    assert list(exc.value.message_dict) == [error]
    assert not GroupInvite.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize("policy", ["open", "approval"])
def test_only_invite_only_groups_have_codes(policy):
    group = GroupFactory(join_policy=policy)
    with pytest.raises(StateConflict) as exc:
        services.invite_create(group=group, by=facilitator(group))
    assert exc.value.code == "not_invite_only"
    assert not GroupInvite.objects.exists()


def test_revoked_code_admits_nobody_and_revoking_twice_changes_nothing(invite_group):
    lead = facilitator(invite_group)
    invite = services.invite_create(group=invite_group, by=lead, max_uses=3)
    services.invite_revoke(invite=invite, by=lead)
    invite.refresh_from_db()
    revoked_at = invite.revoked_at
    assert revoked_at is not None and invite.revoked_by == lead
    assert invite.state == GroupInvite.State.REVOKED
    services.invite_revoke(invite=invite, by=UserFactory(is_staff=True))
    invite.refresh_from_db()
    assert (invite.revoked_at, invite.revoked_by) == (revoked_at, lead)
    entries = AuditEntry.objects.filter(action="invite.revoke")
    assert [(e.actor, e.metadata) for e in entries] == [
        (lead, {"group": invite_group.pk, "use_count": 0})
    ]
    user = UserFactory()
    with pytest.raises(NotAllowed) as exc:
        services.membership_join(group=invite_group, user=user, invite_token=invite.token)
    assert (exc.value.code, str(exc.value.message)) == (
        "invite_revoked",
        "This invitation was withdrawn.",
    )
    assert not Membership.objects.filter(user=user).exists()
    assert GroupInvite.objects.get(pk=invite.pk).use_count == 0


def test_expired_and_used_up_codes_admit_nobody(invite_group):
    lead = facilitator(invite_group)
    invite = services.invite_create(group=invite_group, by=lead, max_uses=2, days_valid=1)
    first, second, third = UserFactory(), UserFactory(), UserFactory()
    services.membership_join(group=invite_group, user=first, invite_token=invite.token)
    services.membership_join(group=invite_group, user=second, invite_token=invite.token)
    with pytest.raises(NotAllowed) as exc:
        services.membership_join(group=invite_group, user=third, invite_token=invite.token)
    assert (exc.value.code, str(exc.value.message)) == (
        "invite_expired",
        "This invitation has been used up.",
    )
    fresh = services.invite_create(group=invite_group, by=lead, days_valid=1)
    with time_machine.travel(timezone.now() + timedelta(days=1, seconds=1)):
        assert GroupInvite.objects.get(pk=fresh.pk).state == GroupInvite.State.EXPIRED
        with pytest.raises(NotAllowed) as exc:
            services.membership_join(group=invite_group, user=third, invite_token=fresh.token)
    assert (exc.value.code, str(exc.value.message)) == (
        "invite_expired",
        "This invitation has expired.",
    )
    assert set(Membership.objects.filter(group=invite_group).values_list("user", flat=True)) == {
        first.pk,
        second.pk,
    }
    assert GroupInvite.objects.get(pk=invite.pk).use_count == 2


def test_a_code_of_another_group_or_a_malformed_one_is_no_invitation(invite_group):
    other = GroupFactory(join_policy=SupportGroup.JoinPolicy.INVITE)
    invite = services.invite_create(group=other, by=facilitator(other))
    user = UserFactory()
    for token in [invite.token, "a\x00b", "x" * 65]:
        with pytest.raises(NotAllowed) as exc:
            services.membership_join(group=invite_group, user=user, invite_token=token)
        assert exc.value.code == "invite_required"
    assert GroupInvite.objects.get(pk=invite.pk).use_count == 0


def test_joining_again_with_the_code_uses_it_once(invite_group):
    invite = services.invite_create(group=invite_group, by=facilitator(invite_group), max_uses=2)
    user = UserFactory()
    services.membership_join(group=invite_group, user=user, invite_token=invite.token)
    services.membership_join(group=invite_group, user=user, invite_token=invite.token)
    assert GroupInvite.objects.get(pk=invite.pk).use_count == 1
