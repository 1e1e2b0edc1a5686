"""Issue 17, a newcomer's first visit: help in plain sight on every page (crisis numbers to
tap, in the reader's language or the organisation's own words), and the group page's
trust section and leaving a group."""

import html
import re

import pytest

from rooms.selectors import CrisisLine, crisis_lines
from tests.frontend.conftest import ROLES

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


# --- help in plain sight ----------------------------------------------------------------------


def test_the_help_page_for_every_role(role_client, world):
    response = role_client.get("/help/")
    assert response.status_code == 200
    body = text(response)
    assert "call or text 988" in body
    assert '<a class="button" href="tel:988">Call 988</a>' in body
    assert '<a class="button secondary" href="sms:988">Text 988</a>' in body
    assert '<a class="button" href="tel:911">Call 911</a>' in body
    assert "sms:911" not in body  # 911 takes no texts everywhere: no link that may fail
    assert "Suicide &amp; Crisis Lifeline" in response.content.decode()


PUBLIC_PAGES = ["/", "/groups/", "/groups/tuesday-circle/", "/accounts/login/", "/accounts/signup/"]


@pytest.mark.parametrize("role", ROLES)
def test_every_page_links_to_help_in_the_header_and_the_footer(client, world, role):
    if role != "anonymous":
        client.force_login(world[role])
    pages = [*PUBLIC_PAGES, f"/sessions/{world['session'].pk}/", "/help/"]
    if role != "anonymous":
        pages += ["/me/sessions/", "/account/"]
    for url in pages:
        body = client.get(url, follow=True).content.decode()
        header = body[body.index('<header class="site">') : body.index("</header>")]
        footer = body[body.index('<footer class="site">') : body.index("</footer>")]
        assert 'href="/help/"' in header, url
        assert 'href="/help/"' in footer, url


def test_the_help_page_in_spanish(client, world):
    body = text(client.get("/help/", HTTP_ACCEPT_LANGUAGE="es"))
    assert "llame o envíe un mensaje de texto al 988" in body
    assert '<a class="button" href="tel:988">Llamar al 988</a>' in body
    assert '<a class="button secondary" href="sms:988">Escribir al 988</a>' in body
    assert "Ayuda ahora" in body


def test_the_organisations_own_text_and_its_numbers(client, world, settings):
    settings.CRISIS_RESOURCES_TEXT = (
        "Call the Samaritans free on 116 123, or 999 in an emergency. Text SHOUT to 85258."
    )
    body = text(client.get("/help/", HTTP_ACCEPT_LANGUAGE="es"))
    assert "Call the Samaritans free on 116 123" in body  # as written, whatever the language
    assert "988" not in body
    # Without CRISIS_RESOURCES_NUMBERS every number in the text is one to call.
    assert '<a class="button" href="tel:116123">Llamar al 116 123</a>' in body
    assert '<a class="button" href="tel:999">Llamar al 999</a>' in body
    assert '<a class="button" href="tel:85258">Llamar al 85258</a>' in body
    assert "sms:" not in body
    settings.CRISIS_RESOURCES_NUMBERS = ["116 123:call", "999:call", "85258:text"]
    body = text(client.get("/help/"))
    assert '<a class="button" href="tel:116123">Call 116 123</a>' in body
    assert '<a class="button secondary" href="sms:85258">Text 85258</a>' in body
    assert "tel:85258" not in body


def test_crisis_lines_selector(settings):
    assert crisis_lines("es")[0] == CrisisLine(
        "988", "988", "Línea de Prevención del Suicidio y Crisis", True, True
    )
    settings.CRISIS_RESOURCES_TEXT = "Ring +44 20 7123 4567 or 112 (24/7), or 112 again."
    assert crisis_lines() == [
        CrisisLine("+44 20 7123 4567", "+442071234567", "", True, False),
        CrisisLine("112", "112", "", True, False),
    ]
    settings.CRISIS_RESOURCES_NUMBERS = ["+1 (800) 273-8255:call+text", " :text"]
    assert crisis_lines() == [CrisisLine("+1 (800) 273-8255", "+18002738255", "", True, True)]


def test_the_room_has_the_numbers_to_tap(client, world):
    from tests.rooms.conftest import build_room_world  # noqa: PLC0415 - the rooms' world

    room = build_room_world()
    client.force_login(room.ana)
    body = text(client.get(f"/sessions/{room.session.pk}/room/"))
    assert 'id="crisis-text"' in body
    # In the "Need support now?" panel and in the private note after crisis words.
    assert body.count('href="tel:988"') == 2
    assert body.count('href="sms:988"') == 2


# --- trust on the group page ------------------------------------------------------------------


def test_the_group_page_says_what_to_expect(role_client, world):
    body = text(role_client.get("/groups/tuesday-circle/"))
    assert "What to expect" in body
    assert "passing is always fine" in body
    assert "A session lasts about 90 minutes." in body
    # attendee and other are approved members; the lead runs the group without a membership.
    assert "2 members. At most 2 people at a session" in body
    assert "The group is free" in body
    assert "never your phone number or e-mail address" in body
    assert "deleted 24 hours after the session" in body  # a hybrid group has the online room
    assert "Who runs this group" in body and "Lee Lead" in body


def test_an_in_person_group_says_nothing_of_an_online_room(client, world):
    world["group"].format = "in_person"
    world["group"].save(update_fields=["format"])
    body = text(client.get("/groups/tuesday-circle/"))
    assert "online room is deleted" not in body


def test_leave_is_offered_to_members_only(role_client, world):
    body = text(role_client.get("/groups/tuesday-circle/"))
    offered = 'action="/groups/tuesday-circle/leave/"' in body
    assert offered == (role_client.role == "attendee")


def test_leaving_from_the_page_cancels_rsvps_and_promotes_the_waitlist(client, world):
    from sessions_app import services  # noqa: PLC0415
    from sessions_app.models import RSVP, Membership, Notice  # noqa: PLC0415
    from tests.factories import UserFactory, member  # noqa: PLC0415

    session = world["session"]  # capacity 2: "other" is going
    services.rsvp_create(session=session, user=world["attendee"])
    waiting = member(world["group"], UserFactory(username="waiting"))
    services.rsvp_create(session=session, user=waiting)
    client.force_login(world["attendee"])
    page = text(client.get("/groups/tuesday-circle/"))
    assert "Leaving cancels your place at 1 upcoming session" in page
    response = client.post("/groups/tuesday-circle/leave/", follow=True)
    assert response.redirect_chain == [("/groups/tuesday-circle/", 302)]
    body = text(response)
    assert "You left Tuesday Circle. Your place at 1 upcoming session is cancelled." in body
    assert 'action="/groups/tuesday-circle/join/"' in body
    assert not Membership.objects.filter(user=world["attendee"]).exists()
    assert RSVP.objects.get(user=world["attendee"]).status == "cancelled"
    assert RSVP.objects.get(user=waiting).status == "going"
    assert Notice.objects.filter(user=waiting, kind="seat_promoted").count() == 1


def test_leaving_from_the_page_in_spanish_and_refusals(client, world):
    client.force_login(world["attendee"])
    body = text(
        client.post("/groups/tuesday-circle/leave/", follow=True, HTTP_ACCEPT_LANGUAGE="es")
    )
    assert "Salió de Tuesday Circle." in body
    client.force_login(world["facilitator"])
    body = text(client.post("/groups/tuesday-circle/leave/", follow=True))
    assert "You help run this group: ask a coordinator to hand it on first." in body
    assert client.get("/groups/tuesday-circle/leave/").status_code == 405
    client.logout()
    response = client.post("/groups/tuesday-circle/leave/")
    assert response["Location"].startswith("/accounts/login/")


def test_a_pending_request_can_be_withdrawn_from_the_page(client, world):
    from sessions_app.models import Membership  # noqa: PLC0415

    world["group"].join_policy = "approval"
    world["group"].save(update_fields=["join_policy"])
    client.force_login(world["outsider"])
    client.post("/groups/tuesday-circle/join/", {"display_name": "Olly"})
    body = text(client.get("/groups/tuesday-circle/"))
    assert "Withdraw your request" in body and "Withdraw the request" in body
    client.post("/groups/tuesday-circle/leave/")
    assert not Membership.objects.filter(user=world["outsider"]).exists()


# --- polish -----------------------------------------------------------------------------------


def test_one_you_are_going_message_not_two(client, world):
    session = world["session"]
    client.force_login(world["attendee"])
    panel = text(client.post(f"/sessions/{session.pk}/rsvp/", HTTP_HX_REQUEST="true"))
    assert panel.count("You are going") == 1
    services_cancel = client.post(f"/sessions/{session.pk}/rsvp/cancel/", follow=True)
    assert services_cancel.status_code == 200
    page = text(client.post(f"/sessions/{session.pk}/rsvp/", follow=True))  # no JavaScript
    assert page.count("You are going") == 1
    assert text(client.get(f"/sessions/{session.pk}/")).count("You are going.") == 1


def test_empty_lists_in_the_room_say_so_in_a_sentence(client, world):
    from tests.rooms.conftest import build_room_world  # noqa: PLC0415

    room = build_room_world()
    client.force_login(room.lead)
    body = text(client.get(f"/sessions/{room.session.pk}/room/"))
    # Not a numbered item inside the list: a sentence after it, hidden once the list fills.
    assert (
        '<ol id="queue" class="queue" aria-labelledby="queue-title"></ol> '
        '<p class="muted empty-note">No hands raised.</p>' in body
    )
    assert '<ol id="alerts" class="alerts"></ol><p class="muted empty-note">No alerts.' in body
    assert (
        '<ol id="checkins" class="checkins"></ol><p class="muted empty-note">No check-ins yet.'
        in body
    )
    strings = client.get(f"/sessions/{room.session.pk}/room/").content.decode()
    assert '"lower_hand": "Lower hand"' in strings and '"raise_hand": "Raise hand"' in strings


# --- online groups say how they meet -----------------------------------------------------------


def test_online_groups_say_how_they_meet(client, world):
    group, session = world["group"], world["session"]  # hybrid, no video link
    body = text(client.get("/groups/tuesday-circle/"))
    assert "voice and video, and a text chat" in body
    assert "up to 15 minutes before the start" in body
    assert "Or in person:" in body
    session_body = text(client.get(f"/sessions/{session.pk}/"))
    assert "voice and video, and a text chat" in session_body
    group.voice_only = True
    group.format = "online"
    group.save(update_fields=["voice_only", "format"])
    body = text(client.get(f"/sessions/{session.pk}/"))
    assert "you talk by voice (no cameras)" in body and "voice and video" not in body


def test_a_group_with_its_own_video_link_says_so_and_shows_it_to_members(client, world):
    group, session = world["group"], world["session"]
    group.video_url = "https://video.example.org/tuesday"
    group.save(update_fields=["video_url"])
    for url in ("/groups/tuesday-circle/", f"/sessions/{session.pk}/"):
        body = text(client.get(url))
        assert "on the group's own video call. Members see its link here." in body
        assert "video.example.org" not in body
    client.force_login(world["attendee"])
    for url in ("/groups/tuesday-circle/", f"/sessions/{session.pk}/"):
        body = text(client.get(url))
        assert 'href="https://video.example.org/tuesday"' in body


# --- Spanish, whole ---------------------------------------------------------------------------


def test_spanish_topics_zones_and_month_abbreviations(client, world):
    from sessions_app.models import SupportGroup  # noqa: PLC0415

    SupportGroup.objects.filter(pk=world["group"].pk).update(
        topic="grief", timezone="America/Mexico_City"
    )
    directory = text(client.get("/?topic=grief", HTTP_ACCEPT_LANGUAGE="es"))
    assert '<option value="grief" selected>Duelo</option>' in directory
    assert "<span>Duelo</span>" in directory and "Grief" not in directory
    body = text(client.get("/groups/tuesday-circle/", HTTP_ACCEPT_LANGUAGE="es"))
    assert "hora del centro de México" in body and "Mexico City" not in body  # English keeps it
    # "lun 7 dic": the month in lower case, as Spanish writes it.
    assert re.search(
        r"(lun|mar|mié|jue|vie|sáb|dom) \d{1,2} (ene|feb|mar|abr|may|jun|jul|ago|sep|oct|nov|dic),",
        body,
    )
    assert not re.search(r"\d{1,2} (Ene|Feb|Mar|Abr|May|Jun|Jul|Ago|Sep|Oct|Nov|Dic)\b", body)
    unknown = SupportGroup.objects.filter(pk=world["group"].pk)
    unknown.update(topic="long covid")
    assert "<span>Long covid</span>" in text(client.get("/groups/tuesday-circle/"))


def test_the_note_editors_autosave_words_are_translated(client, world):
    import json  # noqa: PLC0415

    from django.utils import translation  # noqa: PLC0415

    from frontend.facilitator.views.sessions import note_strings  # noqa: PLC0415

    with translation.override("es"):
        spanish = {k: str(v) for k, v in note_strings().items()}
    with translation.override("en"):
        english = {k: str(v) for k, v in note_strings().items()}
    same = {k for k in english if english[k] == spanish[k]}
    assert same == set(), same
    assert spanish["saving"] == "Guardando…" and spanish["saved"] == "Guardado"
    client.force_login(world["facilitator"])
    world["facilitator"].language = "es"
    world["facilitator"].save(update_fields=["language"])
    page = client.get(f"/facilitate/sessions/{world['session'].pk}/").content.decode()
    state = json.loads(re.search(r'id="note-state"[^>]*>(.*?)</script>', page, re.S).group(1))
    assert state["strings"]["not_saved_yet"] == "Aún sin guardar"
    # facilitator.js shows no word of its own: each comes from the page's strings.
    script = __import__("pathlib").Path("frontend/static/frontend/facilitator.js").read_text()
    for word in ("Saving", '"Saved"', "Not saved", "Dismiss", "Use their version"):
        assert word not in script.split("const T =", 1)[1].replace("// ", "//"), word


def test_spanish_actions_use_one_verb_form(client, world):
    """Buttons and action links say what they do in the infinitive ("Unirme", "Buscar"), not
    a mix with the imperative ("Únete", "Busca")."""
    body = text(client.get(f"/sessions/{world['session'].pk}/", HTTP_ACCEPT_LANGUAGE="es"))
    assert "Buscar ayuda ahora" in body and "Busca ayuda" not in body
    client.force_login(world["outsider"])
    body = text(client.get(f"/sessions/{world['session'].pk}/", HTTP_ACCEPT_LANGUAGE="es"))
    assert "Unirme al grupo" in body and "Únete" not in body
