"""Email as a second channel: each channel choice and kind, the message itself (text and HTML,
the recipient's language, RFC 8058 headers), quiet hours in the recipient's zone, retries,
a claim left by a dead sender, and one-click unsubscribe."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail as django_mail
from django.utils import timezone

from mail import content, services
from mail.models import OutboundEmail
from sessions_app import services as core_services
from sessions_app.models import RSVP, NotificationPreference
from sms import backends as sms_backends
from tests.factories import GroupFactory, UserFactory, member, one_off_session

pytestmark = pytest.mark.django_db

NOON_NY = "2026-06-10T16:00:00Z"


def texter(**fields):
    return UserFactory(
        phone="+14155550188", phone_verified_at=timezone.now(), sms_opt_in=True, **fields
    )


@pytest.fixture
def session():
    with time_machine.travel(NOON_NY, tick=False):
        group = GroupFactory(name="Evening Circle", topic="grief", reminder_offsets_minutes=[1440])
        yield one_off_session(group, starts_in=timedelta(days=2))


def _cancel(session, capture):
    with time_machine.travel(NOON_NY, tick=False), capture(execute=True):
        core_services.session_cancel(session=session, reason="")


@pytest.mark.parametrize(
    ("channel", "emailed", "texted"),
    [
        (None, True, False),  # the default without a phone: email
        ("email", True, False),
        ("both", True, True),
        ("sms", False, True),
        ("none", False, False),
    ],
)
def test_a_change_reaches_each_person_by_the_channels_they_chose(
    session, channel, emailed, texted, django_capture_on_commit_callbacks
):
    person = member(session.group, texter() if channel in ("both", "sms") else UserFactory())
    RSVP.objects.create(session=session, user=person, status=RSVP.Status.GOING)
    if channel:
        core_services.notification_preferences_set(user=person, choices={"changes": channel})
    sms_backends.outbox.messages.clear()
    _cancel(session, django_capture_on_commit_callbacks)
    assert [m.to for m in django_mail.outbox] == ([[person.email]] if emailed else [])
    assert len(sms_backends.outbox.messages) == (1 if texted else 0)


@pytest.mark.parametrize(
    ("kind", "category"),
    [
        ("session_cancelled", "changes"),
        ("session_moved", "changes"),
        ("membership_approved", "changes"),
        ("seat_promoted", "waitlist"),
    ],
)
def test_each_kind_follows_its_category(
    session, kind, category, django_capture_on_commit_callbacks
):
    person = member(session.group, UserFactory())
    other = "waitlist" if category == "changes" else "changes"
    core_services.notification_preferences_set(user=person, choices={other: "none"})
    with time_machine.travel(NOON_NY, tick=False), django_capture_on_commit_callbacks(execute=True):
        from sessions_app.notices import notice_params, notices_create  # noqa: PLC0415

        notices_create(
            users=[person],
            kind=kind,
            session=session,
            params=notice_params(group=session.group, session=session, old_start=session.start),
        )
    row = OutboundEmail.objects.get()
    assert (row.kind, row.category, row.status) == (kind, category, "sent")
    # Choosing none for that category: the next one is not emailed.
    core_services.notification_preferences_set(user=person, choices={category: "none"})
    with time_machine.travel(NOON_NY, tick=False), django_capture_on_commit_callbacks(execute=True):
        notices_create(
            users=[person],
            kind=kind,
            session=session,
            params=notice_params(group=session.group, session=session, old_start=session.start),
        )
    assert OutboundEmail.objects.count() == 1


def test_the_message_has_text_html_the_readers_language_and_one_click_headers(
    session, django_capture_on_commit_callbacks
):
    person = member(session.group, UserFactory(language="es"))
    RSVP.objects.create(session=session, user=person, status=RSVP.Status.GOING)
    _cancel(session, django_capture_on_commit_callbacks)
    (message,) = django_mail.outbox
    assert message.subject == "Cancelada: Evening Circle"
    assert "Evening Circle del vie 12 jun, 12:00 se cancela." in message.body
    assert "grief" not in message.subject + message.body
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html" and '<html lang="es">' in html
    unsubscribe = message.extra_headers["List-Unsubscribe"]
    assert unsubscribe.startswith("<https://hearth.example.org/mail/unsubscribe/")
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert unsubscribe.strip("<>") in message.body


def test_reminders_are_planned_once_for_email_choosers_and_carry_their_link(session):
    mailer = member(session.group, UserFactory())
    silent = member(session.group, UserFactory())
    by_text = member(session.group, texter())
    for person in (mailer, silent, by_text):
        RSVP.objects.create(session=session, user=person, status=RSVP.Status.GOING)
    core_services.notification_preferences_set(user=silent, choices={"reminders": "none"})
    at = session.start - timedelta(hours=24)
    with time_machine.travel(at, tick=False):
        first = services.mail_sweep(send_here=True)
        second = services.mail_sweep(send_here=True)
    assert first["sent"] == 1 and second["sent"] == 0
    (message,) = django_mail.outbox
    assert message.to == [mailer.email]
    assert message.subject == "Reminder: Evening Circle"
    assert "https://hearth.example.org/s/" in message.body
    assert OutboundEmail.objects.get().idempotency_key.startswith(
        f"reminder:{session.pk}:{mailer.pk}:1440:"
    )


def test_quiet_hours_are_the_recipients_own(session, django_capture_on_commit_callbacks):
    # 16:00 UTC is noon in New York but 01:00 in Tokyo.
    tokyo = member(session.group, UserFactory(timezone="Asia/Tokyo"))
    RSVP.objects.create(session=session, user=tokyo, status=RSVP.Status.GOING)
    _cancel(session, django_capture_on_commit_callbacks)
    row = OutboundEmail.objects.get()
    assert django_mail.outbox == []
    assert row.status == "pending"
    assert row.send_after.isoformat() == "2026-06-11T00:00:00+00:00"  # 09:00 in Tokyo
    with time_machine.travel("2026-06-10T23:59:00Z", tick=False):
        assert services.mail_sweep(send_here=True)["sent"] == 0
    with time_machine.travel("2026-06-11T00:00:30Z", tick=False):
        assert services.mail_sweep(send_here=True)["sent"] == 1
    assert [m.to for m in django_mail.outbox] == [[tokyo.email]]


def test_a_choice_changed_after_queueing_stops_the_email(
    session, django_capture_on_commit_callbacks
):
    tokyo = member(session.group, UserFactory(timezone="Asia/Tokyo"))
    RSVP.objects.create(session=session, user=tokyo, status=RSVP.Status.GOING)
    _cancel(session, django_capture_on_commit_callbacks)
    core_services.notification_preferences_set(user=tokyo, choices={"changes": "none"})
    with time_machine.travel("2026-06-11T00:00:30Z", tick=False):
        services.mail_sweep(send_here=True)
    assert django_mail.outbox == []
    assert OutboundEmail.objects.get().reason == "not_chosen"


def test_a_refusing_server_is_retried_with_backoff_then_given_up(session, settings):
    settings.EMAIL_BACKEND = "tests.mail.conftest.FailingBackend"
    settings.MAIL_MAX_ATTEMPTS = 3
    person = member(session.group, UserFactory())
    RSVP.objects.create(session=session, user=person, status=RSVP.Status.GOING)
    at = session.start - timedelta(hours=24)
    outcomes, moments = [], []
    moment = at
    with time_machine.travel(at, tick=False):
        services.reminders_plan()
    row = OutboundEmail.objects.get()
    for _ in range(3):
        row.refresh_from_db()
        moment = max(moment, row.send_after)
        moments.append(moment)
        outcomes.append(services.outbound_send(outbound_id=row.pk, now=moment))
    row.refresh_from_db()
    assert outcomes == ["retry", "retry", "failed"]
    assert (row.status, row.attempts) == ("failed", 3)
    assert "SMTPServerDisconnected" in row.reason
    assert moments[1] > moments[0] and moments[2] > moments[1]


def test_a_claim_left_by_a_dead_sender_is_never_sent_again(session, settings):
    person = member(session.group, UserFactory())
    RSVP.objects.create(session=session, user=person, status=RSVP.Status.GOING)
    at = session.start - timedelta(hours=24)
    with time_machine.travel(at, tick=False):
        services.reminders_plan()
        # A worker claimed it, then died before it could record the outcome.
        OutboundEmail.objects.update(status="claimed", claimed_at=timezone.now(), attempts=1)
        assert services.mail_sweep(send_here=True)["settled"] == 0
    later = at + timedelta(seconds=settings.MAIL_CLAIM_STALE_SECONDS + 1)
    with time_machine.travel(later, tick=False):
        result = services.mail_sweep(send_here=True)
    row = OutboundEmail.objects.get()
    assert result["settled"] == 1 and result["sent"] == 0
    assert row.status == "failed" and row.reason.startswith("outcome unknown")
    assert django_mail.outbox == []


# --- one-click unsubscribe ---------------------------------------------------------------------


def test_one_click_post_unsubscribes_without_login_and_drops_pending_mail(client, session):
    person = member(session.group, texter())
    core_services.notification_preferences_set(user=person, choices={"reminders": "both"})
    RSVP.objects.create(session=session, user=person, status=RSVP.Status.GOING)
    with time_machine.travel(session.start - timedelta(hours=24) - timedelta(minutes=1)):
        pass
    url = content.unsubscribe_url(user_id=person.pk, category="reminders")
    path = url.removeprefix("https://hearth.example.org")
    # GET only asks (link scanners fetch every link); nothing changes.
    page = client.get(path)
    assert page.status_code == 200 and b"Stop these emails" in page.content
    assert NotificationPreference.objects.get(user=person, category="reminders").channel == "both"
    response = client.post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    assert NotificationPreference.objects.get(user=person, category="reminders").channel == "sms"
    # Texts still reach them; other categories are untouched.
    from sessions_app import selectors  # noqa: PLC0415

    assert selectors.notification_channels(user=person, category="reminders") == {"sms"}
    assert selectors.notification_choices(user=person)["changes"] == "sms"


@pytest.mark.parametrize("how", ["tampered", "other_user", "other_salt", "garbage"])
def test_forged_or_altered_unsubscribe_links_change_nothing(client, how):
    victim = UserFactory()
    token = content.unsubscribe_token(user_id=victim.pk, category="changes")
    if how == "tampered":
        token = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    elif how == "other_user":
        # The signed part names the person: swapping in another id breaks the signature.
        from django.core import signing  # noqa: PLC0415

        payload, _, sig = token.partition(":")
        other = signing.dumps({"u": victim.pk + 1, "c": "changes"}, salt="mail.unsubscribe")
        token = other.partition(":")[0] + ":" + sig
    elif how == "other_salt":
        from django.core import signing  # noqa: PLC0415

        token = signing.dumps({"u": victim.pk, "c": "changes"}, salt="links.session")
    else:
        token = "not-a-token"
    response = client.post(f"/mail/unsubscribe/{token}/")
    assert response.status_code == 400
    assert client.get(f"/mail/unsubscribe/{token}/").status_code == 400
    assert not NotificationPreference.objects.exists()


def test_a_link_unsubscribes_only_the_person_it_names(client):
    one, two = UserFactory(), UserFactory()
    url = content.unsubscribe_url(user_id=one.pk, category="changes")
    client.force_login(two)  # logged in as someone else: still only the named person
    client.post(url.removeprefix("https://hearth.example.org"))
    assert NotificationPreference.objects.get().user == one
    assert not NotificationPreference.objects.filter(user=two).exists()
