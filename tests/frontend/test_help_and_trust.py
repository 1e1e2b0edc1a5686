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
    assert "llama o envía un mensaje de texto al 988" in body
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
