"""Leaving a group: the membership goes, upcoming RSVPs are cancelled through rsvp_cancel (so
the waitlist moves and the promoted person is told), past ones stay, all or nothing."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from sessions_app import services
from sessions_app.errors import NotAllowed, StateConflict
from sessions_app.models import RSVP, AuditEntry, Membership, Notice, SeatOffer, Session
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session

pytestmark = pytest.mark.django_db


def test_leaving_cancels_upcoming_rsvps_and_promotes_the_waitlist():
    group = GroupFactory(capacity=1)
    leaver, waiting = member(group), member(group)
    soon, later = one_off_session(group), one_off_session(group, starts_in=timedelta(days=9))
    past = one_off_session(group, starts_in=timedelta(days=3))
    for session in (soon, later, past):
        services.rsvp_create(session=session, user=leaver)
    services.rsvp_create(session=soon, user=waiting)
    # The third session is over by the time they leave: its RSVP is history, kept.
    Session.objects.filter(pk=past.pk).update(
        start=timezone.now() - timedelta(days=1), end=timezone.now() - timedelta(hours=22)
    )

    assert services.membership_leave(group=group, user=leaver) == 2

    assert not Membership.objects.filter(group=group, user=leaver).exists()
    statuses = {r.session_id: r.status for r in RSVP.objects.filter(user=leaver)}
    assert statuses == {soon.pk: "cancelled", later.pk: "cancelled", past.pk: "going"}
    assert RSVP.objects.get(session=soon, user=waiting).status == "going"
    promoted = Notice.objects.get(user=waiting)
    assert (promoted.kind, promoted.session_id) == (Notice.Kind.SEAT_PROMOTED, soon.pk)
    entry = AuditEntry.objects.get(action="member.leave")
    assert entry.actor == leaver
    assert entry.metadata == {"group": group.pk, "status": "approved", "rsvps_cancelled": 2}


def test_leaving_withdraws_a_seat_offer():
    group = GroupFactory(capacity=1)
    holder, leaver = member(group), member(group)
    session = one_off_session(group, starts_in=timedelta(hours=2))
    services.rsvp_create(session=session, user=holder)
    services.rsvp_create(session=session, user=leaver)
    services.rsvp_cancel(session=session, user=holder)  # close to the start: an offer
    offer = SeatOffer.objects.get(rsvp__user=leaver)
    assert offer.status == SeatOffer.Status.OPEN
    services.membership_leave(group=group, user=leaver)
    offer.refresh_from_db()
    assert offer.status == SeatOffer.Status.WITHDRAWN


def test_a_pending_request_is_withdrawn_and_joining_again_works():
    group = GroupFactory(join_policy="approval")
    user = UserFactory()
    services.membership_join(group=group, user=user)
    assert services.membership_leave(group=group, user=user) == 0
    assert not Membership.objects.filter(group=group, user=user).exists()
    assert services.membership_join(group=group, user=user).status == "pending"


def test_leaving_a_group_you_are_not_in_changes_nothing():
    group = GroupFactory()
    assert services.membership_leave(group=group, user=UserFactory()) == 0
    assert not AuditEntry.objects.filter(action="member.leave").exists()


def test_a_banned_person_cannot_leave_and_so_lift_the_ban():
    group = GroupFactory()
    lead = facilitator(group)
    banned = member(group)
    services.membership_ban(membership=Membership.objects.get(user=banned), by=lead)
    with pytest.raises(NotAllowed) as refused:
        services.membership_leave(group=group, user=banned)
    assert refused.value.code == "banned"
    assert Membership.objects.get(user=banned).status == "banned"


def test_whoever_runs_the_group_cannot_leave_it_this_way():
    group = GroupFactory()
    lead = facilitator(group, member(group))
    with pytest.raises(StateConflict) as refused:
        services.membership_leave(group=group, user=lead)
    assert refused.value.code == "is_facilitator"
    assert Membership.objects.filter(user=lead).exists()


def test_leaving_is_all_or_nothing():
    group = GroupFactory(capacity=1)
    leaver, waiting = member(group), member(group)
    first, second = one_off_session(group), one_off_session(group, starts_in=timedelta(days=5))
    for session in (first, second):
        services.rsvp_create(session=session, user=leaver)
        services.rsvp_create(session=session, user=waiting)
    real_cancel = services.memberships.rsvp_cancel
    calls = []

    def cancel_then_fail(**kwargs):
        calls.append(kwargs["session"].pk)
        if len(calls) == 2:
            raise RuntimeError("the database went away")
        return real_cancel(**kwargs)

    with (
        mock.patch.object(services.memberships, "rsvp_cancel", cancel_then_fail),
        pytest.raises(RuntimeError),
    ):
        services.membership_leave(group=group, user=leaver)
    assert Membership.objects.filter(group=group, user=leaver).exists()
    assert set(RSVP.objects.filter(user=leaver).values_list("status", flat=True)) == {"going"}
    assert set(RSVP.objects.filter(user=waiting).values_list("status", flat=True)) == {"waitlisted"}
    assert not Notice.objects.exists()
