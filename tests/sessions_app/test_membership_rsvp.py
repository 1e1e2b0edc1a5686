"""Membership and join policies, RSVP with capacity, waitlist, seat offers, attendance."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone

from sessions_app import selectors, services
from sessions_app.errors import NotAllowed, StateConflict
from sessions_app.models import RSVP, Membership, Notice, SeatOffer, SupportGroup
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session

pytestmark = pytest.mark.django_db


# --- join policies ---------------------------------------------------------------------------


def test_open_group_approves_at_once_with_a_pseudonym(user):
    group = GroupFactory(join_policy=SupportGroup.JoinPolicy.OPEN)
    membership = services.membership_join(group=group, user=user, display_name="  Willow ")
    assert (membership.status, membership.display_name) == ("approved", "Willow")
    # Joining again is idempotent.
    assert services.membership_join(group=group, user=user).pk == membership.pk


def test_approval_group_waits_for_a_facilitator(user):
    group = GroupFactory(join_policy=SupportGroup.JoinPolicy.APPROVAL)
    lead = facilitator(group)
    membership = services.membership_join(group=group, user=user)
    assert membership.status == Membership.Status.PENDING
    session = one_off_session(group)
    with pytest.raises(NotAllowed):
        services.rsvp_create(session=session, user=user)
    services.membership_approve(membership=membership, by=lead)
    membership.refresh_from_db()
    assert membership.status == Membership.Status.APPROVED and membership.decided_by == lead
    assert Notice.objects.filter(user=user, kind=Notice.Kind.MEMBERSHIP_APPROVED).exists()
    assert services.rsvp_create(session=session, user=user).status == RSVP.Status.GOING


def test_invite_group_needs_a_valid_invite(user):
    group = GroupFactory(join_policy=SupportGroup.JoinPolicy.INVITE)
    lead = facilitator(group)
    with pytest.raises(NotAllowed) as exc:
        services.membership_join(group=group, user=user)
    assert exc.value.code == "invite_required"
    with pytest.raises(NotAllowed):
        services.membership_join(group=group, user=user, invite_token="guessed")
    invite = services.invite_create(group=group, by=lead, max_uses=1)
    membership = services.membership_join(group=group, user=user, invite_token=invite.token)
    assert membership.status == Membership.Status.APPROVED
    with pytest.raises(NotAllowed) as exc:  # single use
        services.membership_join(group=group, user=UserFactory(), invite_token=invite.token)
    assert exc.value.code == "invite_expired"
    assert Membership.objects.filter(group=group).count() == 1


def test_banned_member_cannot_rejoin_and_loses_upcoming_rsvps(user):
    group = GroupFactory(capacity=1)
    lead = facilitator(group)
    session = one_off_session(group)
    services.membership_join(group=group, user=user)
    waiting = member(group)
    services.rsvp_create(session=session, user=user)
    services.rsvp_create(session=session, user=waiting)
    services.membership_ban(membership=Membership.objects.get(user=user, group=group), by=lead)
    with pytest.raises(NotAllowed):
        services.membership_join(group=group, user=user)
    assert RSVP.objects.get(user=user).status == RSVP.Status.CANCELLED
    assert RSVP.objects.get(user=waiting).status == RSVP.Status.GOING


def test_display_name_too_long_is_a_field_error(user, group):
    with pytest.raises(ValidationError) as exc:
        services.membership_join(group=group, user=user, display_name="x" * 61)
    assert "display_name" in exc.value.message_dict


# --- RSVP, capacity and the waitlist ---------------------------------------------------------


def test_capacity_then_fifo_waitlist_then_promotion():
    group = GroupFactory(capacity=2)
    session = one_off_session(group)
    people = [member(group) for _ in range(5)]
    rsvps = [services.rsvp_create(session=session, user=p) for p in people]
    assert [r.status for r in rsvps] == ["going", "going", "waitlisted", "waitlisted", "waitlisted"]
    assert [selectors.rsvp_waitlist_position(rsvp=r) for r in rsvps] == [None, None, 1, 2, 3]
    # Again is idempotent: same row, same place.
    again = services.rsvp_create(session=session, user=people[3])
    assert again.pk == rsvps[3].pk and selectors.rsvp_waitlist_position(rsvp=again) == 2

    services.rsvp_cancel(session=session, user=people[0])
    statuses = dict(RSVP.objects.filter(session=session).values_list("user__username", "status"))
    assert statuses[people[0].username] == "cancelled"
    assert statuses[people[2].username] == "going"  # position 1 promoted
    assert Notice.objects.filter(user=people[2], kind=Notice.Kind.SEAT_PROMOTED).count() == 1
    positions = [
        selectors.rsvp_waitlist_position(rsvp=RSVP.objects.get(user=p)) for p in people[3:]
    ]
    assert positions == [1, 2]
    counted = selectors.sessions_with_counts().get(pk=session.pk)
    assert (counted.going_count, counted.waitlist_count) == (2, 2)


def test_waitlisted_cancel_closes_the_gap():
    group = GroupFactory(capacity=1)
    session = one_off_session(group)
    a, b, c, d = (member(group) for _ in range(4))
    for person in (a, b, c, d):
        services.rsvp_create(session=session, user=person)
    services.rsvp_cancel(session=session, user=c)
    assert selectors.rsvp_waitlist_position(rsvp=RSVP.objects.get(user=d)) == 2
    # Re-RSVP after cancelling goes to the back of the queue.
    back = services.rsvp_create(session=session, user=c)
    assert selectors.rsvp_waitlist_position(rsvp=back) == 3


def test_rsvp_to_cancelled_or_past_session_is_a_conflict():
    group = GroupFactory()
    attendee = member(group)
    session = one_off_session(group)
    services.session_cancel(session=session)
    with pytest.raises(StateConflict) as exc:
        services.rsvp_create(session=session, user=attendee)
    assert exc.value.code == "session_cancelled"
    past = one_off_session(group, starts_in=timedelta(hours=1), minutes=30)
    with (
        time_machine.travel(timezone.now() + timedelta(hours=2)),
        pytest.raises(StateConflict) as exc,
    ):
        services.rsvp_create(session=past, user=attendee)
    assert exc.value.code == "session_past"


def test_non_member_cannot_rsvp(user, group):
    with pytest.raises(NotAllowed):
        services.rsvp_create(session=one_off_session(group), user=user)


def test_raising_capacity_promotes_the_waitlist():
    group = GroupFactory(capacity=1)
    session = one_off_session(group)
    first, second = member(group), member(group)
    services.rsvp_create(session=session, user=first)
    services.rsvp_create(session=session, user=second)
    services.group_update(group=group, capacity=2)
    assert RSVP.objects.get(user=second).status == RSVP.Status.GOING


# --- seat offers close to the start -----------------------------------------------------------


@override_settings(SEAT_OFFER_CUTOFF_MINUTES=180, SEAT_OFFER_TTL_MINUTES=30)
def test_close_to_start_a_freed_seat_is_offered_then_passed_on():
    group = GroupFactory(capacity=1)
    session = one_off_session(group, starts_in=timedelta(hours=2))
    holder, first, second = member(group), member(group), member(group)
    for person in (holder, first, second):
        services.rsvp_create(session=session, user=person)

    services.rsvp_cancel(session=session, user=holder)
    offer = SeatOffer.objects.get(status="open")
    assert offer.rsvp.user == first
    assert RSVP.objects.get(user=first).status == RSVP.Status.WAITLISTED
    # The offered seat is held: a newcomer queues behind.
    late = member(group)
    assert services.rsvp_create(session=session, user=late).status == RSVP.Status.WAITLISTED

    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert services.seat_offers_expire() == 1
        with pytest.raises(StateConflict):
            services.seat_offer_claim(offer=offer)
        second_offer = SeatOffer.objects.get(status="open")
        assert second_offer.rsvp.user == second
        rsvp = services.seat_offer_claim(offer=second_offer)
    assert rsvp.status == RSVP.Status.GOING
    assert RSVP.objects.get(user=first).status == RSVP.Status.WAITLISTED


# --- attendance -------------------------------------------------------------------------------


def test_attendance_marks_and_rejects_unknown_people():
    group = GroupFactory()
    lead = facilitator(group)
    session = one_off_session(group)
    attendee = member(group)
    services.rsvp_create(session=session, user=attendee)
    with pytest.raises(ValidationError) as exc:
        services.attendance_set(
            session=session, marks=[{"username": "nobody", "status": "attended"}], by=lead
        )
    assert "0.username" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.attendance_set(
            session=session, marks=[{"username": attendee.username, "status": "maybe"}], by=lead
        )
    assert RSVP.objects.get(user=attendee).attendance == ""
    services.attendance_set(
        session=session, marks=[{"username": attendee.username, "status": "attended"}], by=lead
    )
    rsvp = RSVP.objects.get(user=attendee)
    assert (rsvp.attendance, rsvp.attendance_marked_by) == ("attended", lead)
    assert selectors.session_is_first_time(rsvp=rsvp)
