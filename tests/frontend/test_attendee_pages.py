"""Attendee pages with Django's test client: every page as each role, the forms and their
errors, and privacy (no other attendee's name or phone on group or session pages)."""

import html
import re
import uuid
import zoneinfo
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from sessions_app import services
from sessions_app.models import RSVP, GroupInvite, Membership, Session, SupportGroup, User
from sessions_app.recurrence import WEEKDAYS
from sms.models import OutboundSms, SmsConsent
from sms.services import CONSENT_TEXT
from tests.factories import GroupFactory, UserFactory, member, one_off_session, weekly_schedule

pytestmark = pytest.mark.django_db

PRIVATE = ["Zed Secretname", "+14155550199", "4155550199", "other@example.org"]


def text(response) -> str:
    """The page's HTML with entities decoded and whitespace collapsed."""
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def assert_private(response):
    body = text(response)
    for secret in PRIVATE:
        assert secret not in body


# --- every page, every role -------------------------------------------------------------------


def test_directory_for_every_role(role_client, world):
    for url in ["/", "/groups/"]:
        response = role_client.get(url)
        assert response.status_code == 200
        assert "Tuesday Circle" in text(response)
        assert_private(response)


def test_group_page_for_every_role(role_client, world):
    response = role_client.get("/groups/tuesday-circle/")
    assert response.status_code == 200
    body = text(response)
    assert "A circle for grief." in body
    assert "What is said here stays here." in body
    assert "Central Library" in body and "Hearing loop in room 2." in body
    assert 'href="/groups/tuesday-circle/calendar.ics"' in body
    assert_private(response)
    if role_client.role == "anonymous":
        assert "to join." in body and 'action="/groups/tuesday-circle/join/"' not in body
    elif role_client.role == "attendee":
        assert "You are a member. Others see you as “Ann Attendee”." in body
    elif role_client.role in {"facilitator", "coordinator"}:
        assert "You help run this group." in body
    else:
        assert 'action="/groups/tuesday-circle/join/"' in body


def test_session_page_for_every_role(role_client, world):
    session = world["session"]
    response = role_client.get(f"/sessions/{session.pk}/")
    assert response.status_code == 200
    body = text(response)
    assert "Tuesday Circle" in body
    assert "1 of 2 seats taken" in body
    assert f'href="/sessions/{session.pk}/calendar.ics"' in body
    assert_private(response)
    expected = {
        "anonymous": "and join the group to RSVP.",
        "attendee": "RSVP: I'm coming",
        "facilitator": "You facilitate this group",
        "coordinator": "Join the group",
        "outsider": "Join the group",
        "other_facilitator": "Join the group",
    }[role_client.role]
    assert expected in body


def test_private_group_is_a_404_for_outsiders(role_client, world):
    hidden = GroupFactory(name="Hidden Circle", slug="hidden-circle", is_public=False)
    member(hidden, world["attendee"])
    session = one_off_session(hidden)
    visible = role_client.role in {"attendee", "coordinator"}
    for url in ["/groups/hidden-circle/", f"/sessions/{session.pk}/"]:
        assert role_client.get(url).status_code == (200 if visible else 404)
    assert ("Hidden Circle" in text(role_client.get("/"))) is visible


@pytest.mark.parametrize("url", ["/me/sessions/", "/account/"])
def test_personal_pages_need_a_login(client, world, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(
    "role", ["attendee", "facilitator", "coordinator", "outsider", "other_facilitator"]
)
@pytest.mark.parametrize("url", ["/me/sessions/", "/account/"])
def test_personal_pages_for_every_logged_in_role(client, world, role, url):
    client.force_login(world[role])
    response = client.get(url)
    assert response.status_code == 200
    assert_private(response)


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/signup/", "/accounts/password-reset/"]
)
def test_account_pages_for_every_role(role_client, world, url):
    response = role_client.get(url)
    if role_client.role == "anonymous" or url == "/accounts/password-reset/":
        assert response.status_code == 200
        assert "<form" in response.content.decode()
    else:  # already logged in: nothing to do there
        assert response.status_code == 302
        assert response["Location"] == "/"


def test_a_legacy_zone_is_shown_and_saved_as_its_current_name(client, world):
    attendee = world["attendee"]
    User.objects.filter(pk=attendee.pk).update(timezone="US/Eastern")
    client.force_login(attendee)
    assert 'name="timezone" value="US/Eastern"' in text(client.get("/account/"))
    client.post("/account/profile/", {"display_name": "Ann", "timezone": "US/Eastern"})
    # The same clock under its current name: saving never moves someone's times.
    assert User.objects.get(pk=attendee.pk).timezone == "America/New_York"


def test_unknown_pages_are_404(client, world):
    assert client.get("/groups/no-such-group/").status_code == 404
    assert client.get("/sessions/999999/").status_code == 404
    assert client.get("/sessions/999999/calendar.ics").status_code == 404


# --- directory --------------------------------------------------------------------------------


def test_directory_filters(client, world):
    in_person = GroupFactory(
        name="Spanish Coffee", topic="caregiving", language="es", format="in_person"
    )
    # The Tuesday Circle's one session is two days from now, so its weekday depends on today:
    # Spanish Coffee meets weekly, 18:00 in its zone, three weekdays after it.
    circle_day = world["session"].start.astimezone(world["group"].tz).weekday()
    coffee_day = (circle_day + 3) % 7
    start = timezone.now().astimezone(in_person.tz) + timedelta(days=3)
    start += timedelta(days=(coffee_day - start.weekday()) % 7)
    weekly_schedule(
        in_person,
        start.replace(hour=18, minute=0, tzinfo=None),
        byweekday=(WEEKDAYS[coffee_day],),
    )

    def names(query):
        body = text(client.get("/", query))
        return {name for name in ["Tuesday Circle", "Spanish Coffee"] if f">{name}</a>" in body}

    assert names({}) == {"Tuesday Circle", "Spanish Coffee"}
    assert names({"topic": "caregiving"}) == {"Spanish Coffee"}
    assert names({"format": "hybrid"}) == {"Tuesday Circle"}
    assert names({"language": "es"}) == {"Spanish Coffee"}
    assert names({"day": str(coffee_day)}) == {"Spanish Coffee"}
    assert names({"day": str(circle_day)}) == {"Tuesday Circle"}
    assert names({"day": str((coffee_day + 1) % 7), "topic": "caregiving"}) == set()


@pytest.mark.parametrize(
    "query", [{"day": "9"}, {"format": "zoom"}, {"topic": "x" * 500}, {"page": "-1"}, {"day": "é"}]
)
def test_directory_bad_filters_are_a_form_error(client, world, query):
    response = client.get("/", query)
    assert response.status_code == 200
    if "page" not in query:
        assert 'class="errorlist' in response.content.decode()


def test_directory_next_session_in_the_viewers_zone(client, world):
    session = world["session"]
    chicago = session.start.astimezone(zoneinfo.ZoneInfo("America/Chicago"))
    anonymous = text(client.get("/"))
    assert f"{chicago:%-I}:{chicago:%M} " in anonymous and " Central</a>" in anonymous
    client.force_login(world["attendee"])  # America/New_York
    assert " Eastern</a>" in text(client.get("/"))


# --- group page: schedule in words, joining ---------------------------------------------------


def test_group_page_says_when_the_group_meets(client, world):
    group = world["group"]
    start = (timezone.now() + timedelta(days=9)).astimezone(group.tz)
    weekly_schedule(group, start.replace(hour=19, minute=0, tzinfo=None), byweekday=("TU",))
    assert "Tuesdays at 7:00 PM Central" in text(client.get("/groups/tuesday-circle/"))


def test_online_group_says_online(client, world):
    GroupFactory(slug="online-only", format="online")
    assert "Online, in a private room on this site, in your browser" in text(
        client.get("/groups/online-only/")
    )


def test_join_an_open_group(client, world):
    outsider = world["outsider"]
    client.force_login(outsider)
    response = client.post("/groups/tuesday-circle/join/", {"display_name": "Olly"})
    assert response.status_code == 302
    membership = Membership.objects.get(user=outsider, group=world["group"])
    assert (membership.status, membership.display_name) == ("approved", "Olly")
    assert "Welcome to Tuesday Circle." in text(client.get(response["Location"]))


def test_ask_to_join_an_approval_group(client, world):
    GroupFactory(slug="ask-first", join_policy=SupportGroup.JoinPolicy.APPROVAL)
    client.force_login(world["outsider"])
    assert "Ask to join" in text(client.get("/groups/ask-first/"))
    client.post("/groups/ask-first/join/", {"display_name": ""})
    membership = Membership.objects.get(user=world["outsider"], group__slug="ask-first")
    assert membership.status == "pending"
    assert membership.display_name == "Olly Outsider"
    assert "waiting for a facilitator" in text(client.get("/groups/ask-first/"))


def test_join_an_invite_group_needs_a_valid_code(client, world):
    group = GroupFactory(slug="invite-only", join_policy=SupportGroup.JoinPolicy.INVITE)
    client.force_login(world["outsider"])
    response = client.post("/groups/invite-only/join/", {"invite_code": "wrong"})
    assert response.status_code == 400
    assert "This group is by invitation only." in text(response)
    assert not Membership.objects.filter(group=group).exists()
    invite = services.invite_create(group=group, by=world["coordinator"])
    client.post("/groups/invite-only/join/", {"invite_code": invite.token})
    assert Membership.objects.get(group=group, user=world["outsider"]).status == "approved"
    assert GroupInvite.objects.get(pk=invite.pk).use_count == 1


def test_join_with_a_too_long_name_is_a_form_error(client, world):
    client.force_login(world["outsider"])
    response = client.post("/groups/tuesday-circle/join/", {"display_name": "x" * 61})
    assert response.status_code == 400
    assert "errorlist" in text(response)
    assert not Membership.objects.filter(user=world["outsider"]).exists()


def test_join_needs_a_login_and_a_post(client, world):
    response = client.post("/groups/tuesday-circle/join/", {"display_name": "A"})
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(world["outsider"])
    assert client.get("/groups/tuesday-circle/join/").status_code == 405


def test_banned_member_cannot_join_again(client, world):
    membership = Membership.objects.get(user=world["attendee"])
    services.membership_ban(membership=membership, by=world["facilitator"])
    client.force_login(world["attendee"])
    assert "You cannot join this group." in text(client.get("/groups/tuesday-circle/"))
    response = client.post("/groups/tuesday-circle/join/", {"display_name": "Again"})
    assert response.status_code == 400
    assert Membership.objects.get(pk=membership.pk).status == "banned"


# --- session page: RSVP, waitlist, cancel, room link, calendar --------------------------------


def test_rsvp_waitlist_and_cancel(client, world):
    session, attendee = world["session"], world["attendee"]
    client.force_login(attendee)
    response = client.post(f"/sessions/{session.pk}/rsvp/", follow=True)
    assert "You are going. See you there." in text(response)
    assert RSVP.objects.get(session=session, user=attendee).status == "going"
    assert "2 of 2 seats taken" in text(response)

    late = member(world["group"], UserFactory(username="late"))
    client.force_login(late)
    assert "Join the waitlist" in text(client.get(f"/sessions/{session.pk}/"))
    response = client.post(f"/sessions/{session.pk}/rsvp/", follow=True)
    assert "you are number 1 on the waitlist" in text(response)
    assert "You are number 1 on the waitlist." in text(
        client.get("/me/sessions/").content and response
    )
    assert "Waitlist: you are number 1." in text(client.get("/me/sessions/"))

    client.force_login(attendee)
    response = client.post(f"/sessions/{session.pk}/rsvp/cancel/", follow=True)
    assert "Your RSVP is cancelled." in text(response)
    assert RSVP.objects.get(session=session, user=attendee).status == "cancelled"
    assert RSVP.objects.get(session=session, user=late).status == "going"


def test_rsvp_with_htmx_returns_the_panel(client, world):
    session = world["session"]
    client.force_login(world["attendee"])
    response = client.post(f"/sessions/{session.pk}/rsvp/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = text(response)
    assert body.startswith('<section id="rsvp"')
    assert "<html" not in body
    assert "You are going. See you there." in body
    assert f'hx-post="/sessions/{session.pk}/rsvp/cancel/"' in body


def test_rsvp_by_a_non_member_or_to_a_cancelled_session_says_why(client, world):
    session = world["session"]
    client.force_login(world["outsider"])
    response = client.post(f"/sessions/{session.pk}/rsvp/", follow=True)
    assert "Join this group before you RSVP." in text(response)
    assert not RSVP.objects.filter(user=world["outsider"]).exists()

    services.session_cancel(session=session, reason="Snow day")
    client.force_login(world["attendee"])
    response = client.post(f"/sessions/{session.pk}/rsvp/", follow=True)
    assert "This session is cancelled." in text(response)
    assert "Snow day" in text(response)
    assert not RSVP.objects.filter(user=world["attendee"]).exists()


def test_rsvp_needs_a_login(client, world):
    response = client.post(f"/sessions/{world['session'].pk}/rsvp/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(f"/sessions/{world['session'].pk}/rsvp/").status_code == 302


def test_session_times_in_both_zones(client, world):
    session = world["session"]
    client.force_login(world["attendee"])  # New York; the group is in Chicago
    body = text(client.get(f"/sessions/{session.pk}/"))
    ny = session.start.astimezone(zoneinfo.ZoneInfo("America/New_York"))
    chicago = session.start.astimezone(zoneinfo.ZoneInfo("America/Chicago"))
    assert f"{ny:%-I}:{ny:%M}" in body and "Eastern" in body
    assert "The group's time:" in body and f"{chicago:%-I}:{chicago:%M}" in body
    assert "Central" in body


@pytest.mark.parametrize(
    ("who", "rsvp", "shown"),
    [
        ("attendee", "going", True),
        ("attendee", "waitlisted", False),
        ("attendee", None, False),
        ("facilitator", None, True),
        ("outsider", None, False),
        ("anonymous", None, False),
    ],
)
def test_join_the_room_link(client, world, who, rsvp, shown):
    session = world["session"]
    if rsvp == "going":
        services.rsvp_create(session=session, user=world["attendee"])
    elif rsvp == "waitlisted":
        services.rsvp_create(session=session, user=world["attendee"])  # the last seat
        services.rsvp_cancel(session=session, user=world["attendee"])
        member(world["group"], world["outsider"])
        services.rsvp_create(session=session, user=world["outsider"])
        services.rsvp_create(session=session, user=world["attendee"])
        assert RSVP.objects.get(session=session, user=world["attendee"]).status == "waitlisted"
    if who != "anonymous":
        client.force_login(world[who])
    link = f'href="/sessions/{session.pk}/room/"'
    assert link not in text(client.get(f"/sessions/{session.pk}/"))  # room closed
    Session.objects.filter(pk=session.pk).update(room_open=True)
    assert (link in text(client.get(f"/sessions/{session.pk}/"))) is shown


def test_add_to_calendar_downloads_one_session(client, world):
    session = world["session"]
    response = client.get(f"/sessions/{session.pk}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"].startswith("attachment;")
    body = response.content.decode()
    assert body.count("BEGIN:VEVENT") == 1
    assert f"UID:session-{session.pk}@" in body
    assert "DTSTART;TZID=America/Chicago:" in body


# --- my sessions ------------------------------------------------------------------------------


def test_my_sessions_lists_upcoming_rsvps_and_pending_requests(client, world):
    attendee = world["attendee"]
    services.rsvp_create(session=world["session"], user=attendee)
    ask = GroupFactory(name="Ask Group", join_policy=SupportGroup.JoinPolicy.APPROVAL)
    services.membership_join(group=ask, user=attendee)
    past = one_off_session(world["group"], starts_in=timedelta(hours=1))
    services.rsvp_create(session=past, user=attendee)
    client.force_login(attendee)
    with_past = text(client.get("/me/sessions/"))
    assert with_past.count("You are going.") == 2
    assert "Waiting for approval" in with_past and "Ask Group" in with_past
    Session.objects.filter(pk=past.pk).update(
        start=timezone.now() - timedelta(hours=3), end=timezone.now() - timedelta(hours=2)
    )
    assert text(client.get("/me/sessions/")).count("You are going.") == 1


# --- sign up, log in, log out, password reset -------------------------------------------------


def test_sign_up_logs_in_and_follows_next(client, world):
    response = client.post(
        "/accounts/signup/",
        {
            "username": "newbie",
            "display_name": "Nina",
            "email": "nina@example.org",
            "password": "a-Long-fresh-passw0rd",
            "password_again": "a-Long-fresh-passw0rd",
            "next": "/groups/tuesday-circle/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/groups/tuesday-circle/"
    user = User.objects.get(username="newbie")
    assert user.display_name == "Nina"
    assert client.get("/me/sessions/").status_code == 200


@pytest.mark.parametrize(
    ("data", "field_error"),
    [
        (
            {"username": "x", "password": "a-Long-fresh-passw0rd", "password_again": "nope"},
            "not the same",
        ),
        ({"username": "y", "password": "123", "password_again": "123"}, "too short"),
        (
            {
                "username": "attendee",
                "password": "a-Long-fresh-passw0rd",
                "password_again": "a-Long-fresh-passw0rd",
            },
            "already exists",
        ),
        (
            {
                "username": "bad name!",
                "password": "a-Long-fresh-passw0rd",
                "password_again": "a-Long-fresh-passw0rd",
            },
            "Enter a valid username",
        ),
        ({"username": "", "password": "", "password_again": ""}, "This field is required"),
        (
            {
                "username": "z",
                "email": "not-an-email",
                "password": "a-Long-fresh-passw0rd",
                "password_again": "a-Long-fresh-passw0rd",
            },
            "valid email",
        ),
        (
            {
                "username": "w",
                "next": "https://evil.example/",
                "password": "a-Long-fresh-passw0rd",
                "password_again": "nope",
            },
            "not the same",
        ),
    ],
)
def test_sign_up_errors_are_form_errors(client, world, data, field_error):
    response = client.post("/accounts/signup/", data)
    assert response.status_code == 400
    assert field_error in text(response)
    assert User.objects.count() == 6


def test_sign_up_never_redirects_off_site(client, world):
    password = "a-Long-fresh-passw0rd"
    response = client.post(
        "/accounts/signup/",
        {
            "username": "v",
            "password": password,
            "password_again": password,
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/"


def test_login_page_and_logout(client, world):
    body = text(client.get("/accounts/login/"))
    assert '<label for="id_username">Username' in body
    assert '<label for="id_password">Password' in body
    assert ">Log in</button>" in body
    response = client.post("/accounts/login/", {"username": "attendee", "password": "wrong"})
    assert response.status_code == 200 and "errorlist" in text(response)
    response = client.post(
        "/accounts/login/", {"username": "attendee", "password": "a-Long-test-passw0rd"}
    )
    assert response.status_code == 302
    assert ">Log out</button>" in text(client.get("/"))
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/account/").status_code == 302


def test_failed_logins_are_limited(client, world, settings):
    settings.HEARTH_THROTTLE_RATES = {**settings.HEARTH_THROTTLE_RATES, "login": "3/minute"}
    # A fresh name: the counts live in the cache (Redis in CI), shared by repeated runs.
    username = f"guess-{uuid.uuid4().hex[:8]}"
    UserFactory(username=username)
    for _ in range(3):
        response = client.post("/accounts/login/", {"username": username, "password": "no"})
        assert response.status_code == 200
    right = {"username": username, "password": "a-Long-test-passw0rd"}
    response = client.post("/accounts/login/", right)
    assert response.status_code == 429
    assert "Too many failed attempts." in text(response)
    assert client.get("/account/").status_code == 302  # not logged in
    # Another account from the same address is not locked out by these.
    response = client.post(
        "/accounts/login/", {"username": "attendee", "password": "a-Long-test-passw0rd"}
    )
    assert response.status_code == 302


@pytest.mark.parametrize(
    "spelling", ["{name} ", " {name}", "\uff41{rest}", "{name}", "A{rest}", "\t{name}\n"]
)
def test_a_respelt_username_shares_the_lockout(client, world, settings, spelling):
    """The form strips the name and the model applies NFKC: "ann ", " ann" and a full-width
    "ａnn" log in as "ann", so they count as "ann" too."""
    settings.HEARTH_THROTTLE_RATES = {**settings.HEARTH_THROTTLE_RATES, "login": "3/minute"}
    username = f"a{uuid.uuid4().hex[:8]}"
    UserFactory(username=username)
    for _ in range(3):
        response = client.post("/accounts/login/", {"username": username, "password": "no"})
        assert response.status_code == 200
    respelt = spelling.format(name=username, rest=username[1:])
    for password in ("no", "a-Long-test-passw0rd"):
        response = client.post("/accounts/login/", {"username": respelt, "password": password})
        assert response.status_code == 429
    assert client.get("/account/").status_code == 302  # not logged in


def test_failed_logins_are_limited_per_address_across_names(client, world, settings):
    settings.HEARTH_THROTTLE_RATES = {
        **settings.HEARTH_THROTTLE_RATES,
        "login": "3/minute",
        "login_address": "5/hour",
    }
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"

    def log_in(username, password="no", remote_addr=address):  # noqa: S107
        return client.post(
            "/accounts/login/",
            {"username": username, "password": password},
            REMOTE_ADDR=remote_addr,
        )

    # One failure each under five names: none of them is locked, the address is.
    assert [log_in(f"sprayed-{n}").status_code for n in range(5)] == [200] * 5
    response = log_in("attendee", "a-Long-test-passw0rd")
    assert response.status_code == 429
    assert "Too many failed attempts." in text(response)
    # Another address is not held back.
    assert log_in("attendee", "a-Long-test-passw0rd", remote_addr="127.0.0.1").status_code == 302


def test_password_reset_requests_are_limited_per_email(client, world, settings):
    """Per e-mail address asked for, known or not: the answers are the same, so the limit
    tells nobody whether an account has that address."""
    settings.HEARTH_THROTTLE_RATES = {
        **settings.HEARTH_THROTTLE_RATES,
        "password_reset_email": "2/hour",
    }
    known = f"known-{uuid.uuid4().hex[:8]}@example.org"
    UserFactory(username=f"k{uuid.uuid4().hex[:8]}", email=known)
    unknown = f"nobody-{uuid.uuid4().hex[:8]}@example.org"
    answers, refusals = {}, {}
    for email in (known, unknown):
        # Spellings of one address share a count.
        responses = [
            client.post("/accounts/password-reset/", {"email": spelling})
            for spelling in (email, f" {email.upper()} ", email)
        ]
        answers[email] = [(r.status_code, r.get("Location")) for r in responses]
        refusals[email] = re.sub(
            r'name="csrfmiddlewaretoken" value="[^"]*"', "", text(responses[-1])
        ).replace(email, "EMAIL")
        assert "Too many password reset requests. Try again later." in refusals[email]
    done = reverse("frontend:password-reset-done")
    assert answers[known] == answers[unknown] == [(302, done), (302, done), (429, None)]
    assert refusals[known] == refusals[unknown]
    assert len(mail.outbox) == 2  # the two requests let through for the known address


def test_password_reset_requests_are_limited_per_address(client, world, settings):
    settings.HEARTH_THROTTLE_RATES = {**settings.HEARTH_THROTTLE_RATES, "password_reset": "3/hour"}
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    statuses = [
        client.post(
            "/accounts/password-reset/",
            {"email": f"someone-{n}-{uuid.uuid4().hex[:6]}@example.org"},
            REMOTE_ADDR=address,
        ).status_code
        for n in range(5)
    ]
    assert statuses == [302, 302, 302, 429, 429]
    response = client.post(
        "/accounts/password-reset/", {"email": "attendee@example.org"}, REMOTE_ADDR=address
    )
    assert response.status_code == 429 and not mail.outbox
    # Another address may still ask.
    response = client.post("/accounts/password-reset/", {"email": "attendee@example.org"})
    assert response.status_code == 302 and len(mail.outbox) == 1


def test_password_reset_by_email(client, world):
    response = client.post("/accounts/password-reset/", {"email": "attendee@example.org"})
    assert response.status_code == 302
    assert response["Location"] == reverse("frontend:password-reset-done")
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    response = client.post(
        form_url, {"new_password1": "a-New-passw0rd-2026", "new_password2": "a-New-passw0rd-2026"}
    )
    assert response["Location"] == reverse("frontend:password-reset-complete")
    assert User.objects.get(username="attendee").check_password("a-New-passw0rd-2026")


# --- account page -----------------------------------------------------------------------------


def test_account_profile(client, world):
    attendee = world["attendee"]
    client.force_login(attendee)
    body = text(client.get("/account/"))
    assert 'name="timezone" value="America/New_York"' in body
    assert f"/me/calendar.ics?token={attendee.calendar_token}" in body
    assert CONSENT_TEXT in body
    client.post("/account/profile/", {"display_name": "Annie", "timezone": "Europe/Berlin"})
    attendee.refresh_from_db()
    assert (attendee.display_name, attendee.timezone) == ("Annie", "Europe/Berlin")


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/account/profile/", {"display_name": "A", "timezone": "Mars/Olympus"}),
        ("/account/profile/", {"display_name": "x" * 80, "timezone": "UTC"}),
        ("/account/phone/", {"phone": "not a phone"}),
        ("/account/phone/", {"phone": ""}),
        ("/account/phone/verify/", {"code": "12"}),
        ("/account/phone/verify/", {"code": "123456"}),
        ("/account/sms/", {"sms_opt_in": "on"}),
        ("/account/delete/", {"password": "wrong"}),
        ("/account/delete/", {}),
    ],
)
def test_account_bad_input_is_a_form_error(client, world, url, data):
    client.force_login(world["attendee"])
    response = client.post(url, data)
    assert response.status_code == 400
    assert "errorlist" in text(response)
    attendee = User.objects.get(username="attendee")
    assert attendee.timezone == "America/New_York" and not attendee.sms_opt_in


def test_phone_verification_and_sms_consent(client, world):
    attendee = world["attendee"]
    client.force_login(attendee)
    response = client.post("/account/phone/", {"phone": "+1 415 555 0123"}, follow=True)
    assert "We texted you a 6-digit code." in text(response)
    assert "not verified yet" in text(response)
    code = re.search(r"code is (\d{6})", OutboundSms.objects.get(user=attendee).body).group(1)
    wrong = "000000" if code != "000000" else "111111"
    assert "tries left" in text(client.post("/account/phone/verify/", {"code": wrong}))
    response = client.post("/account/phone/verify/", {"code": code}, follow=True)
    assert "Your number is verified." in text(response)
    attendee.refresh_from_db()
    assert str(attendee.phone) == "+14155550123" and attendee.phone_verified_at

    client.post("/account/sms/", {"sms_opt_in": "on"})
    attendee.refresh_from_db()
    assert attendee.sms_opt_in
    grant = SmsConsent.objects.get(user=attendee, action=SmsConsent.Action.GRANT)
    assert grant.source == SmsConsent.Source.WEB
    assert CONSENT_TEXT in grant.evidence
    client.post("/account/sms/", {})
    attendee.refresh_from_db()
    assert not attendee.sms_opt_in


def test_calendar_link_reset(client, world):
    attendee = world["attendee"]
    old = attendee.calendar_token
    client.force_login(attendee)
    client.post("/account/calendar/")
    attendee.refresh_from_db()
    assert attendee.calendar_token != old
    assert client.get(f"/me/calendar.ics?token={old}").status_code == 404
    assert client.get(f"/me/calendar.ics?token={attendee.calendar_token}").status_code == 200


def test_export_my_data(client, world):
    client.force_login(world["attendee"])
    assert client.get("/account/export/").status_code == 405
    response = client.post("/account/export/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="hearth-my-data.json"'
    data = response.json()
    assert data["profile"]["username"] == "attendee"
    assert [m["group"] for m in data["memberships"]] == ["tuesday-circle"]
    assert "Zed Secretname" not in response.content.decode()


def test_delete_my_account(client, world):
    attendee = world["attendee"]
    client.force_login(attendee)
    response = client.post("/account/delete/", {"password": "a-Long-test-passw0rd"}, follow=True)
    assert "Your account and everything in it is deleted." in text(response)
    assert not User.objects.filter(username="attendee").exists()
    assert client.get("/account/").status_code == 302


# --- language ---------------------------------------------------------------------------------


def test_language_from_the_browser(client, world):
    response = client.get("/groups/tuesday-circle/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert '<html lang="es">' in response.content.decode()
    assert "Directrices del grupo" in text(response)


def test_language_switch(client, world):
    response = client.post("/i18n/language/", {"language": "es", "next": "/groups/"})
    assert response.status_code == 302
    assert "Buscar un grupo de apoyo" in text(client.get("/groups/"))


def test_a_spanish_account_sees_spanish_whatever_the_browser_says(client, world):
    attendee = world["attendee"]
    attendee.language = "es"
    attendee.save(update_fields=["language"])
    client.force_login(attendee)
    response = client.get("/groups/tuesday-circle/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="es">' in response.content.decode()
    assert "Directrices del grupo" in text(response)
    assert response["Content-Language"] == "es"
    # A cookie left by the footer switch does not override the account's choice either.
    client.cookies["django_language"] = "en"
    assert "Buscar un grupo de apoyo" in text(client.get("/groups/"))


def test_the_footer_switch_changes_a_chosen_account_language(client, world):
    attendee = world["attendee"]
    attendee.language = "es"
    attendee.save(update_fields=["language"])
    client.force_login(attendee)
    response = client.post("/i18n/language/", {"language": "en", "next": "/groups/"})
    assert response.status_code == 302
    attendee.refresh_from_db()
    assert attendee.language == "en"
    assert "Find a support group" in text(client.get("/groups/", HTTP_ACCEPT_LANGUAGE="es"))
    # Not a language of Hearth: nothing changes.
    client.post("/i18n/language/", {"language": "fr", "next": "/groups/"})
    attendee.refresh_from_db()
    assert attendee.language == "en"


def test_the_footer_switch_leaves_an_account_that_follows_the_browser_alone(client, world):
    attendee = world["attendee"]
    client.force_login(attendee)
    client.post("/i18n/language/", {"language": "es", "next": "/groups/"})
    attendee.refresh_from_db()
    assert attendee.language == ""
    assert "Buscar un grupo de apoyo" in text(client.get("/groups/"))


def test_an_account_without_a_language_follows_the_browser(client, world):
    client.force_login(world["attendee"])
    assert world["attendee"].language == ""
    spanish = client.get("/groups/tuesday-circle/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Directrices del grupo" in text(spanish)
    english = client.get("/groups/tuesday-circle/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in english.content.decode()
    assert "Group guidelines" in text(english)


def test_visitors_follow_the_browser_even_after_a_spanish_account_logs_out(client, world):
    attendee = world["attendee"]
    attendee.language = "es"
    attendee.save(update_fields=["language"])
    client.force_login(attendee)
    client.post("/accounts/logout/")
    response = client.get("/groups/tuesday-circle/", HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in response.content.decode()
    assert "Group guidelines" in text(response)


def test_choosing_a_language_on_the_account_page(client, world):
    attendee = world["attendee"]
    client.force_login(attendee)
    body = text(client.get("/account/", HTTP_ACCEPT_LANGUAGE="en"))
    assert '<select name="language"' in body
    assert '<option value="" selected>Same as my browser</option>' in body
    response = client.post(
        "/account/profile/",
        {"display_name": "Ann Attendee", "timezone": "America/New_York", "language": "es"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    attendee.refresh_from_db()
    assert attendee.language == "es"
    body = text(client.get("/account/", HTTP_ACCEPT_LANGUAGE="en"))
    assert '<html lang="es">' in body
    assert '<option value="es" selected>Español</option>' in body
    assert "Igual que mi navegador" in body
    # Back to the browser's language.
    client.post(
        "/account/profile/",
        {"display_name": "Ann Attendee", "timezone": "America/New_York", "language": ""},
    )
    attendee.refresh_from_db()
    assert attendee.language == ""
    assert '<html lang="en">' in text(client.get("/account/", HTTP_ACCEPT_LANGUAGE="en"))


def test_an_unknown_language_on_the_account_page_is_a_form_error(client, world):
    attendee = world["attendee"]
    client.force_login(attendee)
    response = client.post(
        "/account/profile/",
        {"display_name": "Ann Attendee", "timezone": "America/New_York", "language": "fr"},
    )
    assert response.status_code == 400
    assert "Select a valid choice. fr is not one of the available choices." in text(response)
    attendee.refresh_from_db()
    assert attendee.language == ""


def test_sign_up_with_a_language(client, world):
    password = "a-Long-fresh-passw0rd"
    response = client.post(
        "/accounts/signup/",
        {
            "username": "lucia",
            "password": password,
            "password_again": password,
            "language": "es",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert User.objects.get(username="lucia").language == "es"
    assert '<html lang="es">' in client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_sign_ups_are_limited_per_address(client, world, settings):
    settings.HEARTH_THROTTLE_RATES = {**settings.HEARTH_THROTTLE_RATES, "register": "2/hour"}
    # Fresh addresses: the counts live in the cache (Redis in CI), shared by repeated runs.
    address, other_address = (
        f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}" for n in (uuid.uuid4().int, uuid.uuid4().int)
    )
    password = "a-Long-fresh-passw0rd"

    def sign_up(username, remote_addr=address):
        return client.post(
            "/accounts/signup/",
            {"username": username, "password": password, "password_again": password},
            REMOTE_ADDR=remote_addr,
        )

    # Refused attempts count as well: the page cannot be used to try usernames in bulk.
    assert sign_up("attendee").status_code == 400
    assert sign_up("first").status_code == 302
    client.post("/accounts/logout/")
    response = sign_up("second")
    assert response.status_code == 429
    assert "Too many sign-ups from your address. Try again later." in text(response)
    assert not User.objects.filter(username="second").exists()
    assert User.objects.filter(username="first").exists()
    # Another address is not held back by these.
    assert sign_up("third", remote_addr=other_address).status_code == 302
    assert User.objects.filter(username="third").exists()


# --- seat offers, news, weight, not found -----------------------------------------------------


def test_claim_an_offered_seat(client, world):
    group, attendee, other = world["group"], world["attendee"], world["other"]
    soon = one_off_session(group, starts_in=timedelta(hours=1))
    services.rsvp_create(session=soon, user=attendee)
    services.rsvp_create(session=soon, user=other)
    late = member(group, UserFactory(username="late"))
    services.rsvp_create(session=soon, user=late)
    services.rsvp_cancel(session=soon, user=other)  # close to the start: an offer, not a seat
    assert RSVP.objects.get(session=soon, user=late).status == "waitlisted"

    client.force_login(late)
    body = text(client.get(f"/sessions/{soon.pk}/"))
    assert "A seat is free and it is offered to you. Claim it before" in body
    response = client.post(f"/sessions/{soon.pk}/claim/", HTTP_HX_REQUEST="true")
    assert "The seat is yours. See you there." in text(response)
    assert RSVP.objects.get(session=soon, user=late).status == "going"
    # Nothing left to claim: said so, nothing changes.
    response = client.post(f"/sessions/{soon.pk}/claim/", follow=True)
    assert "There is no seat offer for you to claim." in text(response)
    client.force_login(attendee)
    client.post(f"/sessions/{soon.pk}/claim/")
    assert RSVP.objects.get(session=soon, user=attendee).status == "going"


def test_my_sessions_shows_news(client, world):
    services.rsvp_create(session=world["session"], user=world["attendee"])
    services.session_cancel(session=world["session"], reason="Room flooded")
    client.force_login(world["attendee"])
    body = text(client.get("/me/sessions/"))
    assert "News" in body and "is cancelled. Room flooded" in body
    assert "Cancelled by the group." in body


def test_pages_stay_small(client, world):
    """Under 150 KB on the wire without static files (the account page's zone list is the
    largest part)."""
    client.force_login(world["attendee"])
    for url in [
        "/",
        "/groups/tuesday-circle/",
        f"/sessions/{world['session'].pk}/",
        "/me/sessions/",
        "/account/",
    ]:
        assert len(client.get(url).content) < 150_000, url


def test_not_found_page_is_ours(client, world, settings):
    settings.DEBUG = False
    response = client.get("/groups/nope/")
    assert response.status_code == 404
    assert "We cannot find that page" in text(response)


def test_a_session_that_is_over_keeps_its_rsvps(client, world):
    session, attendee = world["session"], world["attendee"]
    services.rsvp_create(session=session, user=attendee)
    Session.objects.filter(pk=session.pk).update(
        start=timezone.now() - timedelta(hours=3), end=timezone.now() - timedelta(hours=2)
    )
    client.force_login(attendee)
    body = text(client.get(f"/sessions/{session.pk}/"))
    assert "This session is over." in body and "Cancel my RSVP" not in body
    response = client.post(f"/sessions/{session.pk}/rsvp/cancel/", follow=True)
    assert "This session is over." in text(response)
    assert RSVP.objects.get(session=session, user=attendee).status == "going"
