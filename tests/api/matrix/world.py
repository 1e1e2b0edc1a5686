"""The World each permission-matrix case runs in (built fresh for every case and role)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.utils import timezone

from sessions_app import services
from sessions_app.models import Schedule, Session, SupportGroup, User, Venue
from tests.factories import GroupFactory, UserFactory, facilitator, member

PASSWORD = "a-Long-test-passw0rd"  # UserFactory's


@dataclass
class World:
    group: SupportGroup
    other_group: SupportGroup
    session: Session  # an upcoming session of `group`
    schedule: Schedule  # its series
    users: dict[str, User | None]  # role -> user; "anonymous" -> None
    role: str = "anonymous"  # the role the current case runs as
    extra: dict = field(default_factory=dict)

    @property
    def user(self) -> User | None:
        return self.users[self.role]


def _local(group: SupportGroup, days: int, at: time) -> datetime:
    """A naive wall-clock time in the group's zone, `days` from today."""
    today = timezone.now().astimezone(group.tz).date()
    return datetime.combine(today + timedelta(days=days), at)


def build_world() -> World:
    """Two public groups, one with a weekly series (4 sessions), six people."""
    venue = Venue.objects.create(name="Oak Street Library", address="12 Oak St", city="Albany")
    group = GroupFactory(
        name="Evening grief circle",
        slug="evening-grief",
        topic="grief",
        timezone="America/New_York",
        format=SupportGroup.Format.HYBRID,
        capacity=10,
        venue=venue,
        video_url="https://video.example.org/evening-grief",
    )
    other_group = GroupFactory(
        name="Caregivers together",
        slug="caregivers",
        topic="caregiving",
        timezone="Europe/London",
        video_url="https://video.example.org/caregivers",
    )
    users: dict[str, User | None] = {
        "anonymous": None,
        "attendee": member(group, UserFactory(username="attendee"), display_name="Willow"),
        "other_member": member(other_group, UserFactory(username="other_member")),
        "other_facilitator": facilitator(other_group, UserFactory(username="other_facilitator")),
        "facilitator": facilitator(group, UserFactory(username="facilitator")),
        "staff": UserFactory(username="staff", is_staff=True),
    }
    schedule = services.schedule_create(
        group=group,
        start=_local(group, 3, time(19, 0)),
        duration_minutes=90,
        recurrence={"frequency": "weekly", "count": 4},
        created_by=users["facilitator"],
    )
    services.schedule_create(
        group=other_group,
        start=_local(other_group, 5, time(10, 30)),
        duration_minutes=60,
        recurrence=None,
    )
    session = Session.objects.filter(schedule=schedule).order_by("start").first()
    services.rsvp_create(session=session, user=users["attendee"])
    return World(
        group=group, other_group=other_group, session=session, schedule=schedule, users=users
    )
