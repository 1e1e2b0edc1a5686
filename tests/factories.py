"""factory_boy factories for the domain. Writes that have rules go through services."""

from datetime import datetime, timedelta

import factory
import time_machine
from django.utils import timezone

from sessions_app import services
from sessions_app.models import FacilitatorAssignment, Membership, Session, SupportGroup, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"Member {n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")
    timezone = "America/New_York"
    password = factory.PostGenerationMethodCall("set_password", "a-Long-test-passw0rd")

    @classmethod
    def _after_postgeneration(cls, instance, create, results=None):
        if create:
            instance.save(update_fields=["password"])


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportGroup

    name = factory.Sequence(lambda n: f"Support group {n}")
    slug = factory.Sequence(lambda n: f"group-{n}")
    topic = "grief"
    format = SupportGroup.Format.ONLINE
    timezone = "America/New_York"
    capacity = 10
    join_policy = SupportGroup.JoinPolicy.OPEN
    reminder_offsets_minutes = factory.LazyFunction(lambda: [1440, 120])


def member(group, user=None, status=Membership.Status.APPROVED, display_name=None) -> User:
    """Make `user` (or a new user) a member of `group` with the given status."""
    user = user or UserFactory()
    Membership.objects.update_or_create(
        group=group,
        user=user,
        defaults={"status": status, "display_name": display_name or user.public_name},
    )
    return user


def facilitator(group, user=None, role=FacilitatorAssignment.Role.LEAD) -> User:
    user = user or UserFactory()
    FacilitatorAssignment.objects.get_or_create(group=group, user=user, defaults={"role": role})
    return user


def one_off_session(group, *, starts_in=timedelta(days=2), minutes=90) -> Session:
    """A single future session of `group`, made through the schedule service.

    The service takes wall-clock time. In the hour a fall-back night repeats, that names the
    first of its two instants, which can be past: then the session is the hour after."""
    local = (timezone.now() + starts_in).astimezone(group.tz)
    if local.fold:
        local += timedelta(hours=1)
    local = local.replace(tzinfo=None)
    schedule = services.schedule_create(
        group=group, start=local, duration_minutes=minutes, recurrence=None
    )
    return Session.objects.get(schedule=schedule)


def weekly_schedule(group, start: datetime | str, *, byweekday=("TU",), **recurrence):
    return services.schedule_create(
        group=group,
        start=start,
        duration_minutes=90,
        recurrence={"frequency": "weekly", "byweekday": list(byweekday), **recurrence},
    )


def ended_session(group, *, days_ago: float, minutes: int = 90) -> Session:
    """A session of `group` that started `days_ago` days ago (made while the clock was back)."""
    with time_machine.travel(timezone.now() - timedelta(days=days_ago, hours=1), tick=False):
        return one_off_session(group, starts_in=timedelta(hours=1), minutes=minutes)
