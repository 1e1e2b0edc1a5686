"""GET/PATCH /api/v1/me/, PUT /api/v1/me/phone/, POST .../verify/, GET /api/v1/sms/messages/."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from sessions_app import selectors
from sms.models import OutboundSms, PhoneVerification, SmsConsent
from sms.services import CONSENT_TEXT
from tests.factories import UserFactory
from tests.sms.conftest import sms_user

pytestmark = pytest.mark.django_db


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def me_body(user, **overrides):
    body = {
        "username": user.username,
        "display_name": user.display_name,
        "email": user.email,
        "timezone": user.timezone,
        "language": user.language,
        "sms_opt_in": user.sms_opt_in,
        "phone": str(user.phone) if user.phone else None,
        "phone_verified": bool(user.phone and user.phone_verified_at),
        "sms_consent_text": CONSENT_TEXT,
        "notifications": selectors.notification_choices(user=user),
    }
    body.update(overrides)
    return body


def test_me_requires_login_and_shows_only_own_data():
    assert client_for().get("/api/v1/me/").status_code == 401
    user = sms_user()
    response = client_for(user).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json() == me_body(user)
    for word in ("SMS", "Msg & data rates may apply", "HELP", "STOP", "reminders"):
        assert word in CONSENT_TEXT


def test_opt_in_needs_a_verified_phone():
    user = UserFactory()
    response = client_for(user).patch("/api/v1/me/", {"sms_opt_in": True}, format="json")
    assert response.status_code == 400
    assert response.json() == {"sms_opt_in": ["Verify your phone number first."]}
    user.refresh_from_db()
    assert user.sms_opt_in is False
    assert SmsConsent.objects.count() == 0


def test_bad_timezone_is_a_field_error():
    user = UserFactory()
    response = client_for(user).patch("/api/v1/me/", {"timezone": "Mars/Base"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["timezone"]


def test_language_is_read_and_changed_through_me():
    user = UserFactory(language="es")
    client = client_for(user)
    assert client.get("/api/v1/me/").json() == me_body(user, language="es")
    response = client.patch("/api/v1/me/", {"language": "en"}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.language == "en"
    assert response.json() == me_body(user, language="en")
    # Blank goes back to following the browser.
    response = client.patch("/api/v1/me/", {"language": ""}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.language == ""
    assert response.json() == me_body(user, language="")


@pytest.mark.parametrize("value", ["fr", "ES", "english", 7])
def test_unknown_language_is_a_field_error_and_nothing_changes(value):
    user = UserFactory(language="es", display_name="Kim")
    response = client_for(user).patch(
        "/api/v1/me/", {"language": value, "display_name": "Other"}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["language"]
    user.refresh_from_db()
    assert (user.language, user.display_name) == ("es", "Kim")


def _code_from(outbox) -> str:
    return re.search(r"code is (\d{6})", outbox[-1]["body"]).group(1)


def test_phone_verify_opt_in_and_out(outbox, django_capture_on_commit_callbacks):
    user = UserFactory(display_name="Sam")
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.put("/api/v1/me/phone/", {"phone": "+1 (415) 555-0142"}, format="json")
    assert response.status_code == 202
    body = response.json()
    assert body["phone"] == "+14155550142" and body["phone_verified"] is False
    assert [m["to"] for m in outbox] == ["+14155550142"]
    code = _code_from(outbox)
    assert OutboundSms.objects.get().kind == "verification"
    assert PhoneVerification.objects.get().code_hash != code  # only a hash is stored

    wrong = "000000" if code != "000000" else "111111"
    response = client.post("/api/v1/me/phone/verify/", {"code": wrong}, format="json")
    assert response.status_code == 400
    assert response.json() == {"code": ["That code is not right. 4 tries left."]}
    response = client.post("/api/v1/me/phone/verify/", {"code": code}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert response.json() == me_body(user, phone_verified=True)

    response = client.patch(
        "/api/v1/me/", {"sms_opt_in": True, "display_name": "Sam R"}, format="json"
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert response.json() == me_body(user, sms_opt_in=True, display_name="Sam R")
    response = client.patch("/api/v1/me/", {"sms_opt_in": False}, format="json")
    assert response.json()["sms_opt_in"] is False
    consents = list(SmsConsent.objects.order_by("pk").values_list("action", "source", "phone"))
    assert consents == [("grant", "api", "+14155550142"), ("revoke", "api", "+14155550142")]
    grant = SmsConsent.objects.get(action="grant")
    assert CONSENT_TEXT in grant.evidence


def test_invalid_phone_is_a_clear_400():
    response = client_for(UserFactory()).put("/api/v1/me/phone/", {"phone": "12"}, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "phone": ["Enter a valid phone number in international form, e.g. +14155550123."]
    }


def test_codes_expire_and_tries_are_limited(outbox, django_capture_on_commit_callbacks):
    user = UserFactory()
    client = client_for(user)
    with django_capture_on_commit_callbacks(execute=True):
        client.put("/api/v1/me/phone/", {"phone": "+14155550143"}, format="json")
    code = _code_from(outbox)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        response = client.post("/api/v1/me/phone/verify/", {"code": code}, format="json")
    assert response.json() == {"code": ["No code is waiting or it expired. Ask for a new one."]}

    with django_capture_on_commit_callbacks(execute=True):
        client.put("/api/v1/me/phone/", {"phone": "+14155550143"}, format="json")
    code = _code_from(outbox)
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        response = client.post("/api/v1/me/phone/verify/", {"code": wrong}, format="json")
    assert response.json() == {
        "code": ["That code is not right and no tries are left. Ask for a new code."]
    }
    response = client.post("/api/v1/me/phone/verify/", {"code": code}, format="json")
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.phone_verified_at is None


def test_phone_requests_are_throttled(django_capture_on_commit_callbacks):
    client = client_for(UserFactory())
    statuses = []
    for i in range(6):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.put("/api/v1/me/phone/", {"phone": f"+1415555017{i}"}, format="json")
        statuses.append(response.status_code)
    assert statuses == [202, 202, 202, 202, 202, 429]


def test_outbound_log_is_for_staff_only():
    user = sms_user()
    row = OutboundSms.objects.create(
        idempotency_key="k",
        kind="reminder",
        to=str(user.phone),
        body="Hearth: hi",
        user=user,
        send_after=timezone.now(),
        expires_at=timezone.now() + timedelta(hours=1),
    )
    assert client_for().get("/api/v1/sms/messages/").status_code == 401
    assert client_for(user).get("/api/v1/sms/messages/").status_code == 403
    response = client_for(UserFactory(is_staff=True)).get("/api/v1/sms/messages/")
    assert response.status_code == 200
    assert response.json() == {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": row.pk,
                "to": str(user.phone),
                "body": "Hearth: hi",
                "kind": "reminder",
                "session": None,
                "status": "pending",
                "delivery_status": "",
                "error_code": None,
                "reason": "",
                "attempts": 0,
                "created_at": row.created_at.isoformat().replace("+00:00", "Z"),
            }
        ],
    }


def test_notification_choices_are_read_and_changed_through_me():
    user = UserFactory()
    client = client_for(user)
    assert client.get("/api/v1/me/").json()["notifications"] == {
        "reminders": "email",
        "changes": "email",
        "waitlist": "email",
        "news": "none",
        "checkins": "none",
    }
    response = client.patch(
        "/api/v1/me/", {"notifications": {"reminders": "none", "news": "both"}}, format="json"
    )
    assert response.status_code == 200
    assert response.json() == me_body(user)
    assert response.json()["notifications"] == {
        "reminders": "none",
        "changes": "email",
        "waitlist": "email",
        "news": "both",
        "checkins": "none",
    }


@pytest.mark.parametrize(
    ("value", "errors"),
    [
        (
            {"reminders": "pigeon"},
            {"notifications": {"reminders": ['"pigeon" is not a valid choice.']}},
        ),
        (
            {"gossip": "sms"},
            {"notifications": {"gossip": ["“gossip” is not a kind of notification."]}},
        ),
        ("sms", {"notifications": ['Expected a dictionary of items but got type "str".']}),
        ({"reminders": None}, {"notifications": {"reminders": ["This field may not be null."]}}),
    ],
)
def test_a_bad_notification_choice_is_a_400_naming_the_field_and_nothing_changes(value, errors):
    user = UserFactory(display_name="Kim")
    response = client_for(user).patch(
        "/api/v1/me/", {"notifications": value, "display_name": "Other"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() == errors
    user.refresh_from_db()
    assert user.display_name == "Kim"
    assert not user.notification_preferences.exists()


def test_email_is_changed_through_me_and_checked():
    user = UserFactory()
    client = client_for(user)
    response = client.patch("/api/v1/me/", {"email": "new@example.org"}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.email == "new@example.org"
    response = client.patch("/api/v1/me/", {"email": "not an address"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["email"]
    response = client.patch("/api/v1/me/", {"email": ""}, format="json")
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.email == ""
    assert response.json()["notifications"]["reminders"] == "email"
