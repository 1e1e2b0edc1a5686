"""The private crisis resources and the room's error messages reach each person in their
language: the account's choice, else the browser's, else the site's."""

from channels.db import database_sync_to_async

from rooms.selectors import crisis_resources
from tests.rooms.conftest import enter

SPANISH_START = "Si está en crisis"


async def speaks_spanish(user) -> None:
    user.language = "es"
    await database_sync_to_async(user.save)(update_fields=["language"])


async def test_a_spanish_account_gets_the_crisis_resources_in_spanish(room_world):
    w = room_world
    await speaks_spanish(w.ana)
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
    await speaks_spanish(w.ana)
    _, welcome = await enter(w.session.pk, w.ana)
    assert welcome["crisis_resources"] == "Call the Samaritans on 116 123."


async def test_error_frames_speak_the_persons_language(room_world):
    w = room_world
    await speaks_spanish(w.ana)
    lead, _ = await enter(w.session.pk, w.lead)
    ana, _ = await enter(w.session.pk, w.ana)

    await ana.send({"type": "chat", "text": "   "})
    assert (await ana.error("invalid", field="text"))[
        "message"
    ] == "Un mensaje no puede estar vacío."
    await ana.send({"type": "wave"})
    assert (await ana.error("unknown_type"))["message"] == "Tipo de mensaje desconocido: wave."
    await ana.send({"type": "mod.mute", "user": w.ben.pk})
    assert (await ana.error("forbidden"))["message"] == "Solo los facilitadores pueden hacer eso."
    await lead.send({"type": "mod.mute", "user": w.ana.pk})
    await ana.expect("moderation")
    await ana.send({"type": "chat", "text": "hola"})
    assert (await ana.error("muted"))["message"] == "Un facilitador le ha silenciado por ahora."
    # The call's refusals too (they were missing from the catalogue once, so said in English).
    await ana.send({"type": "media.state", "audio": False, "video": False})
    assert (await ana.error("media_not_joined"))["message"] == "Únase primero a la llamada."

    # The same refusals in English for an account without a language.
    await lead.send({"type": "chat", "text": "   "})
    assert (await lead.error("invalid", field="text"))["message"] == "A message cannot be empty."
    await lead.send({"type": "mod.mute", "user": w.lead.pk})
    assert (await lead.error("conflict"))["message"] == "Facilitators cannot be muted."
