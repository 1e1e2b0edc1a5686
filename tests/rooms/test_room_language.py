"""The private crisis resources reach each person in their language: the account's choice,
else the browser's, else the site's."""

from channels.db import database_sync_to_async

from sessions_app.rooms.selectors import crisis_resources
from tests.rooms.conftest import enter

SPANISH_START = "Si estás en crisis"


async def test_a_spanish_account_gets_the_crisis_resources_in_spanish(room_world):
    w = room_world
    w.ana.language = "es"
    await database_sync_to_async(w.ana.save)(update_fields=["language"])
    lead, lead_welcome = await enter(w.session.pk, w.lead)
    ana, ana_welcome = await enter(w.session.pk, w.ana)
    assert ana_welcome["crisis_resources"].startswith(SPANISH_START)
    assert lead_welcome["crisis_resources"] == crisis_resources("en")

    await ana.send({"type": "chat", "text": "ya no quiero vivir"})
    support = await ana.expect("support")
    assert support == {"type": "support", "text": crisis_resources("es"), "seq": 1}
    assert support["text"].startswith(SPANISH_START)
    alert = await lead.expect("alert")
    assert alert["text"] == "ya no quiero vivir"


async def test_an_organisation_text_is_used_as_configured(room_world, settings):
    settings.CRISIS_RESOURCES_TEXT = "Call the Samaritans on 116 123."
    w = room_world
    w.ana.language = "es"
    await database_sync_to_async(w.ana.save)(update_fields=["language"])
    _, welcome = await enter(w.session.pk, w.ana)
    assert welcome["crisis_resources"] == "Call the Samaritans on 116 123."
