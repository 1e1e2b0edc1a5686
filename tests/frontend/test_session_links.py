"""One-tap links (/s/<token>): what they show and do for their person without a password,
refused for anyone else and after the session; the token is signed; the reminder text with
the link fits one GSM-7 segment or says why it has none; the endpoint is throttled."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from rooms import services as room_services
from sessions_app import selectors, services
from sessions_app.models import RSVP, SessionFeedback
from sms import bodies
from tests.factories import (
    GroupFactory,
    UserFactory,
    ended_session,
    facilitator,
    member,
    one_off_session,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db):
    class World:
        pass

    w = World()
    w.group = GroupFactory(name="Tuesday circle", capacity=1)
    w.lead = facilitator(w.group, UserFactory(username="lead"))
    w.ash = member(w.group, UserFactory(username="ash", display_name="Ash"))
    w.bo = member(w.group, UserFactory(username="bo"))
    w.session = one_off_session(w.group, starts_in=timedelta(minutes=10), minutes=60)
    services.rsvp_create(session=w.session, user=w.ash)
    services.rsvp_create(session=w.session, user=w.bo)  # waitlisted: capacity 1
    w.path = selectors.session_link_path(session_id=w.session.pk, user_id=w.ash.pk)
    return w


def test_the_token_is_short_signed_and_checked(world):
    token = selectors.session_link_token(session_id=world.session.pk, user_id=world.ash.pk)
    assert len(token) <= 24
    link = selectors.session_link_read(token)
    assert (link.session, link.user, link.expired) == (world.session, world.ash, False)
    # Someone else's id with this signature, or any character changed: not a link.
    other = selectors.session_link_token(session_id=world.session.pk, user_id=world.bo.pk)
    forged = token.split("-")[0] + "-" + other.split("-")[1][:-10] + token[-10:]
    assert selectors.session_link_read(forged) is None
    for i in range(len(token)):
        if token[i] == "-":
            continue
        changed = token[:i] + ("a" if token[i] != "a" else "b") + token[i + 1 :]
        assert selectors.session_link_read(changed) is None, changed
    assert selectors.session_link_read("nonsense") is None
    assert selectors.session_link_read("") is None


def test_the_link_shows_the_rsvp_and_cancels_it_without_a_password(world, client):
    page = client.get(world.path)
    assert page.status_code == 200
    text = page.content.decode()
    assert "You are going." in text and "Cancel my RSVP" in text and "Ash" in text
    assert "Join the room" not in text  # the room is not open
    response = client.post(world.path + "/cancel/")
    assert response.status_code == 302 and response["Location"] == world.path
    assert RSVP.objects.get(session=world.session, user=world.ash).status == "cancelled"
    # The freed seat went to the waitlist, as from any other page (close to the start: offered).
    bo = RSVP.objects.get(session=world.session, user=world.bo)
    assert selectors.rsvp_open_seat_offer(rsvp=bo) is not None
    assert "You have no place at this session." in client.get(world.path).content.decode()


def test_the_link_logs_nobody_in(world, client):
    client.get(world.path)
    client.post(world.path + "/cancel/")
    assert "_auth_user_id" not in client.session
    assert client.get("/account/").status_code == 302
    assert client.get("/me/sessions/").status_code == 302


def test_the_link_is_refused_to_someone_else_logged_in(world, client):
    client.force_login(world.bo)
    assert client.get(world.path).status_code == 403
    assert client.post(world.path + "/cancel/").status_code == 403
    assert client.get(world.path + "/room/").status_code == 403
    assert client.post(world.path + "/ticket/").status_code == 403
    assert RSVP.objects.get(session=world.session, user=world.ash).status == "going"


def test_the_link_works_for_its_person_logged_in(world, client):
    client.force_login(world.ash)
    assert client.get(world.path).status_code == 200


def test_the_link_expires_when_the_session_ends(world, client):
    with time_machine.travel(world.session.end + timedelta(seconds=1), tick=False):
        page = client.get(world.path)
        assert page.status_code == 410 and b"This link has expired" in page.content
        assert client.post(world.path + "/cancel/").status_code == 410
        assert client.post(world.path + "/ticket/").status_code == 410
    assert RSVP.objects.get(session=world.session, user=world.ash).status == "going"


def test_a_made_up_link_is_404(world, client):
    assert client.get("/s/1-AAAAAAAAAAAAA").status_code == 404
    assert client.post("/s/1-AAAAAAAAAAAAA/cancel/").status_code == 404


def test_the_room_from_the_link_when_it_is_open(world, client):
    room_services.room_open(session=world.session, by=world.lead)
    page = client.get(world.path).content.decode()
    assert f'href="{world.path}/room/"' in page
    room = client.get(world.path + "/room/")
    assert room.status_code == 200
    assert f'data-ticket-path="{world.path}/ticket/"' in room.content.decode()
    ticket = client.post(world.path + "/ticket/")
    assert ticket.status_code == 200
    user = room_services.room_ticket_redeem(
        token=ticket.json()["ticket"], session_id=world.session.pk
    )
    assert user == world.ash


def test_no_room_for_someone_without_a_seat(world, client):
    room_services.room_open(session=world.session, by=world.lead)
    bo_path = selectors.session_link_path(session_id=world.session.pk, user_id=world.bo.pk)
    assert "Join the room" not in client.get(bo_path).content.decode()
    assert client.post(bo_path + "/ticket/").status_code == 403


def test_the_ticket_is_refused_while_the_room_is_closed(world, client):
    assert client.post(world.path + "/ticket/").status_code == 409


def test_the_link_endpoint_is_throttled(world, client, settings):
    settings.HEARTH_THROTTLE_RATES = {**settings.HEARTH_THROTTLE_RATES, "session_link": "3/hour"}
    assert [client.get(world.path).status_code for _ in range(4)] == [200, 200, 200, 429]


# --- the text with the link -----------------------------------------------------------------

START = timezone.now().replace(microsecond=0)
NY = ZoneInfo("America/New_York")


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("base", ["http://127.0.0.1:8000", "https://hearth.example.org"])
def test_a_reminder_with_its_link_fits_one_segment(settings, language, base):
    settings.PUBLIC_BASE_URL = base
    link = selectors.session_link_url(session_id=62**6 - 1, user_id=62**6 - 1)
    body = bodies.reminder(
        group_name="A support group with a really rather long name indeed, yes",
        start=START,
        tz=NY,
        language=language,
        link=link,
    )
    assert len(body) <= 160 and bodies.is_gsm7(body)
    assert body.endswith(link)  # the link is whole; the group's name was shortened instead
    assert "..." in body


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_site_address_too_long_for_a_link_is_said(settings, language):
    settings.PUBLIC_BASE_URL = "https://support-groups.a-long-organisation-name.example.org/hearth"
    link = selectors.session_link_url(session_id=5, user_id=7)
    body = bodies.reminder(
        group_name="Tuesday circle", start=START, tz=NY, language=language, link=link
    )
    assert len(body) <= 160 and "/s/" not in body
    assert ("No link: it would not fit in one text." in body) or (
        "Sin enlace: no cabria en un solo SMS." in body
    )


def test_a_site_address_outside_gsm7_gets_no_link(settings):
    settings.PUBLIC_BASE_URL = "https://h~earth.example"
    link = selectors.session_link_url(session_id=5, user_id=7)
    body = bodies.reminder(group_name="Circle", start=START, tz=NY, link=link)
    assert "No link" in body and "~" not in body


# --- the question's link (/f/<token>) -------------------------------------------------------


@pytest.fixture
def after(world):
    """Ash was at a session that ended yesterday; the feedback link is hers."""
    session = ended_session(world.group, days_ago=1)
    RSVP.objects.create(session=session, user=world.ash, status="going", attendance="attended")
    url = selectors.feedback_link_url(session_id=session.pk, user_id=world.ash.pk)
    return session, url.removeprefix(settings.PUBLIC_BASE_URL)


def test_the_feedback_link_asks_once_without_a_password(after, client):
    session, path = after
    assert b"Was this session helpful?" in client.get(path).content
    response = client.post(path, {"helpful": "somewhat", "comment": "Good.", "signed": ""})
    assert response.status_code == 302
    feedback = SessionFeedback.objects.get(session=session)
    assert (feedback.user.username, feedback.helpful, feedback.comment) == (
        "ash",
        "somewhat",
        "Good.",
    )
    again = client.post(path, {"helpful": "no"}, follow=True)
    assert b"You have already answered" in again.content
    assert SessionFeedback.objects.get(session=session).helpful == "somewhat"
    assert "_auth_user_id" not in client.session


def test_the_feedback_link_is_not_a_session_link_and_not_for_others(world, after, client):
    session, path = after
    token = path.rsplit("/", 1)[1]
    assert client.get(f"/s/{token}").status_code == 404  # another purpose, another key
    reminder_token = selectors.session_link_token(session_id=session.pk, user_id=world.ash.pk)
    assert client.get(f"/f/{reminder_token}").status_code == 404
    client.force_login(world.bo)
    assert client.post(path, {"helpful": "yes"}).status_code == 403
    assert not SessionFeedback.objects.exists()


def test_the_feedback_link_expires(after, client):
    session, path = after
    later = session.end + timedelta(days=selectors.FEEDBACK_DAYS, seconds=1)
    with time_machine.travel(later, tick=False):
        assert client.get(path).status_code == 410
