"""The directory's cards come from a cached fragment (frontend/fragments.py): the page is the
one the template gives, and a change of data, viewer zone or language shows at once."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string

from sessions_app import selectors, services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def cards(response) -> str:
    return re.search(r'<ul class="cards">.*?</ul>', response.content.decode(), re.S).group(0)


def test_the_cards_follow_every_change_at_once(client, world):
    group, session = world["group"], world["session"]
    first = cards(client.get("/"))
    assert cards(client.get("/")) == first and "Tuesday Circle" in first
    assert "Full: waitlist open" not in first  # capacity 2, one going

    traveller = UserFactory(timezone="Asia/Tokyo")
    client.force_login(traveller)
    in_tokyo = cards(client.get("/"))
    assert in_tokyo != first and "Tokyo" in in_tokyo
    client.logout()

    services.rsvp_create(session=session, user=world["attendee"])
    assert "Full: waitlist open" in cards(client.get("/"))
    assert "Completa: lista de espera abierta" in cards(client.get("/", HTTP_ACCEPT_LANGUAGE="es"))

    group.name = "Tuesday Evening Circle"
    group.save(update_fields=["name"])
    assert "Tuesday Evening Circle" in cards(client.get("/"))

    services.session_cancel(session=session, reason="Snow", by=world["coordinator"])
    assert "No upcoming sessions yet." in cards(client.get("/"))
    assert "Aún no hay sesiones previstas." in cards(client.get("/", HTTP_ACCEPT_LANGUAGE="es"))
    assert cards(client.get("/")) != first


def test_a_cached_page_is_the_page_the_template_renders(client, world):
    client.get("/")  # fills the cache
    cached = cards(client.get("/"))
    page = list(selectors.groups_directory(user=AnonymousUser(), lookups={})[:20])
    assert page  # the world's public groups
    nexts = selectors.groups_next_session(page)
    fresh = render_to_string(
        "frontend/_directory_cards.html",
        {"cards": [(g, nexts.get(g.pk)) for g in page], "viewer_tz": None},
    )
    assert cached == fresh


def test_the_filters_follow_the_query_and_the_groups_at_once(client, world):
    plain = client.get("/").content.decode()
    assert 'value="grief" selected' not in plain
    chosen = client.get("/?topic=grief").content.decode()
    assert re.search(r'<option value="grief" selected>', chosen)
    bad = client.get("/?day=9").content.decode()
    assert "Please check the fields marked below." in bad and "has-error" in bad
    assert "Please check the fields marked below." not in client.get("/").content.decode()
    assert 'value="anxiety"' not in plain
    services.group_update(group=world["group"], topic="anxiety")
    assert 'value="anxiety"' in client.get("/").content.decode()
