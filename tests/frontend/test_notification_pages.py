"""Notification choices on the account page, and how members can be reached on a group's
roster and members page: channel names only, never an address, only for its facilitators."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions_app import selectors, services
from sessions_app.models import NotificationPreference
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def test_the_account_page_shows_and_saves_the_choices(client):
    user = UserFactory(username="ann")
    client.force_login(user)
    body = text(client.get("/account/"))
    assert "How we tell you things" in body
    assert '<option value="email" selected>Email</option>' in body
    assert "Texts need a verified number" in body
    choices = {
        "reminders": "none",
        "changes": "email",
        "waitlist": "both",
        "news": "sms",
        "checkins": "email",
    }
    response = client.post("/account/notifications/", choices, follow=True)
    assert response.status_code == 200
    assert "Your notification choices are saved." in text(response)
    assert selectors.notification_choices(user=user) == choices


def test_a_bad_choice_is_a_form_error_and_nothing_is_saved(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        "/account/notifications/",
        {
            "reminders": "pigeon",
            "changes": "email",
            "waitlist": "email",
            "news": "none",
            "checkins": "none",
        },
    )
    assert response.status_code == 400
    assert "errorlist" in text(response)
    assert not NotificationPreference.objects.filter(user=user).exists()


def test_logged_out_posts_change_nothing(client):
    response = client.post("/account/notifications/", {"reminders": "none"})
    assert response.status_code == 302
    assert not NotificationPreference.objects.exists()


def test_the_profile_form_sets_the_email_address_and_leaves_it_alone_when_absent(client):
    user = UserFactory()
    client.force_login(user)
    client.post("/account/profile/", {"display_name": "A", "timezone": "UTC", "email": "a@b.org"})
    user.refresh_from_db()
    assert user.email == "a@b.org"
    client.post("/account/profile/", {"display_name": "A", "timezone": "UTC"})
    user.refresh_from_db()
    assert user.email == "a@b.org"
    response = client.post(
        "/account/profile/", {"display_name": "A", "timezone": "UTC", "email": "nope"}
    )
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email == "a@b.org"


@pytest.fixture
def group_with_people():
    group = GroupFactory(slug="circle")
    lead = facilitator(group, UserFactory(username="lead"))
    texter = member(
        group,
        UserFactory(
            username="texter",
            email="texter-secret@example.org",
            phone="+14155550123",
            phone_verified_at=timezone.now(),
            sms_opt_in=True,
        ),
        display_name="Tex",
    )
    mailer = member(
        group, UserFactory(username="mailer", email="mailer-secret@example.org"), display_name="Mai"
    )
    services.notification_preferences_set(user=mailer, choices={"reminders": "none"})
    session = one_off_session(group, starts_in=timedelta(days=2))
    for person in (texter, mailer):
        services.rsvp_create(session=session, user=person)
    return group, session, lead


@pytest.mark.parametrize("page", ["session", "members"])
def test_facilitators_see_channels_never_addresses(client, group_with_people, page):
    group, session, lead = group_with_people
    url = (
        reverse("frontend:fac-session", args=[session.pk])
        if page == "session"
        else reverse("frontend:fac-members", args=[group.slug])
    )
    client.force_login(lead)
    body = text(client.get(url))
    assert "Reminders: text · Changes: text · Waitlist: text" in body
    assert "Reminders: site only · Changes: email · Waitlist: email" in body
    for secret in ("texter-secret", "mailer-secret", "4155550123"):
        assert secret not in body


@pytest.mark.parametrize("page", ["session", "members"])
def test_nobody_else_sees_the_reach(client, group_with_people, page):
    group, session, _lead = group_with_people
    url = (
        reverse("frontend:fac-session", args=[session.pk])
        if page == "session"
        else reverse("frontend:fac-members", args=[group.slug])
    )
    other = facilitator(GroupFactory(slug="elsewhere"), UserFactory(username="elsewhere"))
    for user in (None, group.memberships.get(display_name="Tex").user, other):
        client.logout()
        if user is not None:
            client.force_login(user)
        response = client.get(url)
        assert response.status_code in (302, 403, 404)
        assert "Reminders:" not in text(response)
