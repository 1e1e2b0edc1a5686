"""Feedback after a session: one question for people who were there, once; facilitators see
it counted per session and on the dashboard's chart, comments named only when signed."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from sessions_app import selectors, services
from sessions_app.errors import NotAllowed, StateConflict
from sessions_app.models import RSVP, SessionFeedback
from tests.factories import (
    GroupFactory,
    UserFactory,
    ended_session,
    facilitator,
    member,
    one_off_session,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    class World:
        pass

    w = World()
    w.group = GroupFactory(name="Tuesday circle", slug="tuesday")
    w.lead = facilitator(w.group, UserFactory(username="lead"))
    w.ash = member(w.group, UserFactory(username="ash"), display_name="Ash")
    w.bo = member(w.group, UserFactory(username="bo"), display_name="Bo")
    w.cy = member(w.group, UserFactory(username="cy"), display_name="Cy")
    w.absent = member(w.group, UserFactory(username="absent"))
    w.outsider = UserFactory(username="outsider")
    w.other_lead = facilitator(GroupFactory(slug="other"), UserFactory(username="otherlead"))
    w.session = ended_session(w.group, days_ago=1)
    RSVP.objects.create(session=w.session, user=w.ash, status="going", attendance="attended")
    # Bo was in the room, nobody took attendance.
    RSVP.objects.create(
        session=w.session, user=w.bo, status="going", first_joined_at=w.session.start
    )
    RSVP.objects.create(session=w.session, user=w.cy, status="going", attendance="attended")
    RSVP.objects.create(session=w.session, user=w.absent, status="going", attendance="no_show")
    return w


def test_people_who_were_there_answer_once(world):
    services.feedback_give(session=world.session, user=world.ash, helpful="yes")
    with pytest.raises(StateConflict) as exc:
        services.feedback_give(session=world.session, user=world.ash, helpful="no")
    assert exc.value.code == "feedback_given"
    assert SessionFeedback.objects.get(user=world.ash).helpful == "yes"
    services.feedback_give(session=world.session, user=world.bo, helpful="somewhat")
    assert SessionFeedback.objects.count() == 2


def test_people_who_were_not_there_cannot_answer(world):
    for user in (world.absent, world.outsider, world.lead):
        with pytest.raises(NotAllowed):
            services.feedback_give(session=world.session, user=user, helpful="yes")
    assert not SessionFeedback.objects.exists()


def test_not_before_the_end_nor_long_after(world):
    upcoming = one_off_session(world.group)
    RSVP.objects.create(session=upcoming, user=world.ash, status="going", attendance="attended")
    with pytest.raises(StateConflict) as exc:
        services.feedback_give(session=upcoming, user=world.ash, helpful="yes")
    assert exc.value.code == "feedback_closed"
    with time_machine.travel(timezone.now() + timedelta(days=selectors.FEEDBACK_DAYS), tick=False):
        with pytest.raises(StateConflict):
            services.feedback_give(session=world.session, user=world.ash, helpful="yes")


def test_bad_answers_name_the_field(world):
    with pytest.raises(ValidationError) as exc:
        services.feedback_give(session=world.session, user=world.ash, helpful="maybe")
    assert "helpful" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.feedback_give(
            session=world.session, user=world.ash, helpful="yes", comment="x" * 1001
        )
    assert "comment" in exc.value.message_dict


def test_summary_names_only_signed_comments(world):
    services.feedback_give(
        session=world.session, user=world.ash, helpful="yes", comment="Kind people.", signed=True
    )
    services.feedback_give(
        session=world.session, user=world.bo, helpful="no", comment="Too long.", signed=False
    )
    services.feedback_give(session=world.session, user=world.cy, helpful="no", signed=True)
    assert selectors.session_feedback_summary(session=world.session) == {
        "counts": {"yes": 1, "somewhat": 0, "no": 2},
        "total": 3,
        "comments": [
            {"helpful": "yes", "comment": "Kind people.", "name": "Ash"},
            {"helpful": "no", "comment": "Too long.", "name": None},
        ],
    }
    # Signing without a comment signs nothing.
    assert SessionFeedback.objects.get(user=world.cy).signed is False


def test_group_series_covers_twelve_weeks_of_sessions_with_answers(world):
    old = ended_session(world.group, days_ago=7 * 13)
    RSVP.objects.create(session=old, user=world.ash, status="going", attendance="attended")
    SessionFeedback.objects.create(session=old, user=world.ash, helpful="yes")
    services.feedback_give(session=world.session, user=world.ash, helpful="somewhat")
    series = selectors.group_feedback_series(group=world.group)
    assert series == [
        {
            "session_id": world.session.pk,
            "start": world.session.start,
            "yes": 0,
            "somewhat": 1,
            "no": 0,
        }
    ]


def test_asks_due_are_the_people_there_who_have_not_answered(world):
    services.feedback_give(session=world.session, user=world.ash, helpful="yes")
    due = {rsvp.user.username for rsvp in selectors.feedback_asks_due()}
    assert due == {"bo", "cy"}


# --- API ------------------------------------------------------------------------------------


def _client(user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _url(session):
    return f"/api/v1/sessions/{session.pk}/feedback/"


def test_api_answer_once_then_409(world):
    body = {"helpful": "somewhat", "comment": "Good but rushed.", "signed": True}
    first = _client(world.ash).post(_url(world.session), body, format="json")
    assert first.status_code == 201
    assert first.json() == {
        "helpful": "somewhat",
        "comment": "Good but rushed.",
        "signed": True,
        "created_at": first.json()["created_at"],
    }
    again = _client(world.ash).post(_url(world.session), {"helpful": "yes"}, format="json")
    assert again.status_code == 409
    assert again.json() == {
        "detail": "You have already answered for this session. Thank you.",
        "code": "feedback_given",
    }
    feedback = SessionFeedback.objects.get()
    assert (feedback.helpful, feedback.source) == ("somewhat", "api")


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("absent", 403), ("outsider", 403), ("lead", 403), ("other_lead", 403)],
)
def test_api_answer_refused_for_people_who_were_not_there(world, who, status):
    user = None if who == "anonymous" else getattr(world, who)
    response = _client(user).post(_url(world.session), {"helpful": "yes"}, format="json")
    assert response.status_code == status
    assert not SessionFeedback.objects.exists()


def test_api_bad_answer_is_400(world):
    response = _client(world.ash).post(_url(world.session), {"helpful": "maybe"}, format="json")
    assert response.status_code == 400 and "helpful" in response.json()


@pytest.mark.parametrize(
    ("who", "status"),
    [("anonymous", 401), ("ash", 403), ("outsider", 403), ("other_lead", 403), ("lead", 200)],
)
def test_api_summary_for_the_facilitators_only(world, who, status):
    services.feedback_give(
        session=world.session, user=world.bo, helpful="yes", comment="Thanks.", signed=False
    )
    user = None if who == "anonymous" else getattr(world, who)
    response = _client(user).get(_url(world.session))
    assert response.status_code == status
    if status == 200:
        assert response.json() == {
            "counts": {"yes": 1, "somewhat": 0, "no": 0},
            "total": 1,
            "comments": [{"helpful": "yes", "comment": "Thanks.", "name": None}],
        }
    else:
        assert "Thanks." not in response.content.decode()


# --- pages ----------------------------------------------------------------------------------


def test_session_page_asks_once(world, client):
    client.force_login(world.ash)
    page = client.get(f"/sessions/{world.session.pk}/")
    assert b"Was this session helpful?" in page.content
    response = client.post(
        f"/sessions/{world.session.pk}/feedback/", {"helpful": "yes", "comment": "", "signed": ""}
    )
    assert response.status_code == 302
    page = client.get(f"/sessions/{world.session.pk}/")
    assert b"Was this session helpful?" not in page.content
    assert b"You told the facilitators" in page.content
    again = client.post(f"/sessions/{world.session.pk}/feedback/", {"helpful": "no"}, follow=True)
    assert b"You have already answered" in again.content
    assert SessionFeedback.objects.get().helpful == "yes"


def test_session_page_does_not_ask_people_who_were_not_there(world, client):
    client.force_login(world.absent)
    page = client.get(f"/sessions/{world.session.pk}/")
    assert b"Was this session helpful?" not in page.content
    response = client.post(f"/sessions/{world.session.pk}/feedback/", {"helpful": "yes"})
    assert response.status_code == 302 and not SessionFeedback.objects.exists()


def test_session_page_bad_answer_is_400(world, client):
    client.force_login(world.ash)
    response = client.post(f"/sessions/{world.session.pk}/feedback/", {"helpful": ""})
    assert response.status_code == 400


def test_facilitator_pages_show_counts_comments_and_the_chart(world, client):
    services.feedback_give(
        session=world.session, user=world.ash, helpful="yes", comment="Kind people.", signed=True
    )
    services.feedback_give(
        session=world.session, user=world.bo, helpful="no", comment="Too long.", signed=False
    )
    client.force_login(world.lead)
    page = client.get(f"/facilitate/sessions/{world.session.pk}/").content.decode()
    assert "Kind people." in page and "Too long." in page
    assert "Ash" in page and "not signed" in page
    dashboard = client.get("/facilitate/").content.decode()
    assert "Was it helpful? Answers per session: Tuesday circle" in dashboard
    assert "Not really" in dashboard
