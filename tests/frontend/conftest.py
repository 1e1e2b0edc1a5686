"""Fixtures for the page tests: one group seen by every role, SMS in memory, eager tasks."""

import pytest
from celery import current_app
from django.core.cache import cache

from frontend import throttle
from sessions_app import services
from sessions_app.models import SupportGroup
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session

# The page limits the test client meets from 127.0.0.1, and the e-mail address the reset
# tests ask for.
FRESH_LIMITS = [
    ("register", "signup-attempts", "127.0.0.1"),
    ("login_address", "login-address", "127.0.0.1"),
    ("password_reset", "reset-address", "127.0.0.1"),
    ("password_reset_email", "reset-email", "attendee@example.org"),
]


@pytest.fixture(autouse=True)
def _fresh_page_limits():
    """The page limits count in the cache (Redis in CI, shared by repeated runs and by the
    browser tests): every test starts and ends with none of the counts it can reach, without
    flushing the whole cache."""
    keys = [throttle.PageLimit(scope=s, prefix=p, who=w).key for s, p, w in FRESH_LIMITS]
    cache.delete_many(keys)
    yield
    cache.delete_many(keys)


@pytest.fixture(autouse=True)
def _pages_settings(settings):
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    settings.SMS_BACKEND = "locmem"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.LANGUAGE_CODE = "en"
    yield
    current_app.conf.task_always_eager = eager


@pytest.fixture
def world(db):
    """A public online group with a session, its members, a facilitator and a coordinator."""
    venue = services.venue_create(
        name="Central Library", address="1 Main St", accessibility_notes="Hearing loop in room 2."
    )
    group = GroupFactory(
        name="Tuesday Circle",
        slug="tuesday-circle",
        format=SupportGroup.Format.HYBRID,
        venue=venue,
        capacity=2,
        timezone="America/Chicago",
        description="A circle for grief.",
        guidelines="What is said here stays here.",
    )
    attendee = member(group, UserFactory(username="attendee", display_name="Ann Attendee"))
    other = member(group, UserFactory(username="other", display_name="Zed Secretname"))
    other.phone = "+14155550199"
    other.save(update_fields=["phone"])
    lead = facilitator(group, UserFactory(username="lead", display_name="Lee Lead"))
    coordinator = UserFactory(username="coord", is_staff=True, display_name="Casey")
    outsider = UserFactory(username="outsider", display_name="Olly Outsider")
    elsewhere = facilitator(GroupFactory(slug="elsewhere"), UserFactory(username="elsewhere"))
    session = one_off_session(group)
    services.rsvp_create(session=session, user=other)
    return {
        "group": group,
        "session": session,
        "attendee": attendee,
        "other": other,
        "facilitator": lead,
        "coordinator": coordinator,
        "outsider": outsider,
        "other_facilitator": elsewhere,
    }


# "other_facilitator" facilitates another group: here they are nobody special.
ROLES = ["anonymous", "attendee", "facilitator", "coordinator", "outsider", "other_facilitator"]


@pytest.fixture(params=ROLES)
def role_client(request, world, client):
    """A test client logged in as each role in turn (anonymous: not logged in)."""
    if request.param != "anonymous":
        client.force_login(world[request.param])
    client.role = request.param
    return client
