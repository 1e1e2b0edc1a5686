"""Permission expectations of the SMS area's API routes (me, phone, outbound log)."""

from sessions_app import selectors
from sms.services import CONSENT_TEXT
from tests.api.matrix import Case, expect_all


def me_json(user) -> dict:
    """The whole /me/ payload of `user`, read back from the database after the request."""
    user.refresh_from_db()
    return {
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


SELF = {
    "attendee": 200,
    "other_member": 200,
    "other_facilitator": 200,
    "facilitator": 200,
    "staff": 200,
    "anonymous": 401,
}

CASES: list[Case] = [
    Case(name="me", method="GET", expect=SELF, body=lambda w: me_json(w.user)),
    Case(
        name="me",
        method="PATCH",
        expect=SELF,
        data=lambda w: {
            "display_name": "Robin",
            "language": "es",
            "notifications": {"reminders": "none"},
        },
        body=lambda w: {
            **me_json(w.user),
            "display_name": "Robin",
            "language": "es",
            "notifications": {**me_json(w.user)["notifications"], "reminders": "none"},
        },
    ),
    Case(
        name="me-phone",
        method="PUT",
        expect={**{role: 202 for role in SELF}, "anonymous": 401},
        data=lambda w: {"phone": "+14155550188"},
    ),
    Case(
        name="me-phone-verify",
        method="POST",
        # Nobody has a code waiting in a fresh world: a field error, never a 500.
        expect={**{role: 400 for role in SELF}, "anonymous": 401},
        data=lambda w: {"code": "123456"},
    ),
    Case(
        name="sms-messages",
        method="GET",
        expect={
            "attendee": 403,
            "other_member": 403,
            "other_facilitator": 403,
            "facilitator": 403,
            "staff": 200,
            "anonymous": 401,
        },
    ),
    # Twilio's webhooks answer only to a valid X-Twilio-Signature, whoever is logged in.
    Case(name="sms-inbound", method="POST", expect=expect_all(403), data=lambda w: {"Body": "YES"}),
    Case(
        name="sms-status",
        method="POST",
        expect=expect_all(403),
        data=lambda w: {"MessageStatus": "sent"},
    ),
]
