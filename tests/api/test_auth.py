"""Registration, token login, session auth with CSRF, throttling."""

import pytest
from django.test import override_settings
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from sessions_app.models import User
from tests.factories import GroupFactory, UserFactory, member, one_off_session

pytestmark = pytest.mark.django_db
PASSWORD = "a-Long-test-passw0rd"


def test_register_creates_a_user_with_a_hashed_password(api_client):
    response = api_client.post(
        "/api/v1/auth/register/",
        {"username": "willow", "password": PASSWORD, "display_name": " Willow ", "email": ""},
        format="json",
    )
    assert response.status_code == 201
    assert response.json() == {
        "username": "willow",
        "display_name": "Willow",
        "email": "",
        "timezone": "UTC",
    }
    user = User.objects.get(username="willow")
    assert user.check_password(PASSWORD) and user.password != PASSWORD
    assert not user.is_staff and user.calendar_token


def test_register_takes_a_language_and_refuses_one_hearth_does_not_speak(api_client):
    response = api_client.post(
        "/api/v1/auth/register/",
        {"username": "lucia", "password": PASSWORD, "language": "es"},
        format="json",
    )
    assert response.status_code == 201
    assert User.objects.get(username="lucia").language == "es"
    assert (
        api_client.post(
            "/api/v1/auth/register/", {"username": "ines", "password": PASSWORD}, format="json"
        ).status_code
        == 201
    )
    assert User.objects.get(username="ines").language == ""  # pages follow the browser
    response = api_client.post(
        "/api/v1/auth/register/",
        {"username": "kai", "password": PASSWORD, "language": "xx"},
        format="json",
    )
    assert response.status_code == 400 and list(response.json()) == ["language"]
    assert not User.objects.filter(username="kai").exists()


def test_register_takes_a_time_zone_and_names_the_field_when_it_is_not_one(api_client):
    response = api_client.post(
        "/api/v1/auth/register/",
        {"username": "cora", "password": PASSWORD, "timezone": "America/Chicago"},
        format="json",
    )
    assert response.status_code == 201 and response.json()["timezone"] == "America/Chicago"
    assert User.objects.get(username="cora").timezone == "America/Chicago"
    for bad in ("Mars/Olympus", "chicago", "x" * 65, 7, ["UTC"]):
        response = api_client.post(
            "/api/v1/auth/register/",
            {"username": "dan", "password": PASSWORD, "timezone": bad},
            format="json",
        )
        assert response.status_code == 400 and list(response.json()) == ["timezone"], bad
    assert not User.objects.filter(username="dan").exists()
    response = api_client.post(
        "/api/v1/auth/register/",
        {"username": "eve", "password": PASSWORD, "timezone": ""},
        format="json",
    )
    assert response.status_code == 201 and response.json()["timezone"] == "UTC"


def test_register_refuses_weak_passwords_and_taken_names_with_the_field_named(api_client):
    UserFactory(username="taken")
    response = api_client.post(
        "/api/v1/auth/register/", {"username": "taken", "password": "123"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"username", "password"}
    assert body["username"] == ["A user with that username already exists."]
    assert "This password is too short. It must contain at least 8 characters." in body["password"]
    assert User.objects.filter(username="taken").count() == 1


def test_register_rejects_bad_usernames(api_client):
    response = api_client.post(
        "/api/v1/auth/register/", {"username": "no spaces!", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 400 and list(response.json()) == ["username"]
    assert not User.objects.filter(username="no spaces!").exists()


def test_token_login_and_use(api_client):
    user = UserFactory(username="rowan")
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "rowan", "password": PASSWORD}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == {"token": Token.objects.get(user=user).key}
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert api_client.get("/api/v1/me/rsvps/").status_code == 200


def test_token_login_with_a_wrong_password_is_400_without_saying_which(api_client):
    UserFactory(username="rowan")
    response = api_client.post(
        "/api/v1/auth/token/", {"username": "rowan", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}
    assert not Token.objects.exists()


def test_no_credentials_is_401_with_a_challenge(api_client):
    response = api_client.get("/api/v1/me/rsvps/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_browser_session_needs_the_csrf_token_for_writes():
    group = GroupFactory()
    user = member(group)
    session = one_off_session(group)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    refused = client.post(f"/api/v1/sessions/{session.pk}/rsvp/")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not session.rsvps.exists()
    # A page sets the cookie and the page's script sends it back in the header, as htmx does.
    csrf_value = "k" * 32
    client.cookies["csrftoken"] = csrf_value
    accepted = client.post(f"/api/v1/sessions/{session.pk}/rsvp/", HTTP_X_CSRFTOKEN=csrf_value)
    assert accepted.status_code == 200, accepted.content
    assert session.rsvps.get().source == "web"  # session auth: the browser


RATES = {"login": "2/minute", "register": "2/hour", "rsvp": "2/minute"}


@override_settings(HEARTH_THROTTLE_RATES=RATES)
def test_login_is_throttled_with_retry_after(api_client):
    UserFactory(username="rowan")
    for _ in range(2):
        ok = api_client.post(
            "/api/v1/auth/token/", {"username": "rowan", "password": "wrong"}, format="json"
        )
        assert ok.status_code == 400
    throttled = api_client.post(
        "/api/v1/auth/token/", {"username": "rowan", "password": PASSWORD}, format="json"
    )
    assert throttled.status_code == 429
    assert 0 < int(throttled["Retry-After"]) <= 60
    assert throttled.json()["detail"].startswith("Request was throttled.")
    assert not Token.objects.exists()


@override_settings(HEARTH_THROTTLE_RATES=RATES)
def test_registration_is_throttled(api_client):
    for n in range(2):
        response = api_client.post(
            "/api/v1/auth/register/", {"username": f"u{n}", "password": PASSWORD}, format="json"
        )
        assert response.status_code == 201
    throttled = api_client.post(
        "/api/v1/auth/register/", {"username": "u3", "password": PASSWORD}, format="json"
    )
    assert throttled.status_code == 429 and int(throttled["Retry-After"]) > 0
    assert not User.objects.filter(username="u3").exists()


@override_settings(HEARTH_THROTTLE_RATES=RATES)
def test_rsvp_is_throttled_per_user(api_client):
    group = GroupFactory()
    user = member(group)
    session = one_off_session(group)
    api_client.force_authenticate(user)
    assert api_client.post(f"/api/v1/sessions/{session.pk}/rsvp/").status_code == 200
    assert api_client.delete(f"/api/v1/sessions/{session.pk}/rsvp/").status_code == 200
    throttled = api_client.post(f"/api/v1/sessions/{session.pk}/rsvp/")
    assert throttled.status_code == 429 and "Retry-After" in throttled
    assert session.rsvps.get().status == "cancelled"
    # Reading is not throttled, and another person has their own budget.
    assert api_client.get(f"/api/v1/sessions/{session.pk}/").status_code == 200
    other = APIClient()
    other.force_authenticate(member(group))
    assert other.post(f"/api/v1/sessions/{session.pk}/rsvp/").status_code == 200


@override_settings(HEARTH_THROTTLE_RATES=RATES)
def test_made_up_forwarded_for_buys_no_more_logins_or_registrations(api_client):
    """No trusted proxy (TRUSTED_PROXY_COUNT=0): X-Forwarded-For is the client's word, and
    the socket's peer is the address counted."""
    UserFactory(username="rowan")
    statuses = [
        api_client.post(
            "/api/v1/auth/token/",
            {"username": "rowan", "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(6)
    ]
    assert statuses == [400, 400, 429, 429, 429, 429]
    statuses = [
        api_client.post(
            "/api/v1/auth/register/",
            {"username": f"made{n}", "password": PASSWORD},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        ).status_code
        for n in range(4)
    ]
    assert statuses == [201, 201, 429, 429]


@override_settings(HEARTH_THROTTLE_RATES=RATES, TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_it_saw_is_counted(api_client):
    UserFactory(username="rowan")

    def log_in(forwarded_for):
        return api_client.post(
            "/api/v1/auth/token/",
            {"username": "rowan", "password": "wrong"},
            format="json",
            HTTP_X_FORWARDED_FOR=forwarded_for,
        ).status_code

    # The proxy appends the address it saw; what the client put before it changes nothing.
    seen = [log_in(f"198.51.100.{n}, 203.0.113.7") for n in range(3)]
    assert seen == [400, 400, 429]
    # Another client of the same proxy has its own budget.
    assert log_in("203.0.113.8") == 400
