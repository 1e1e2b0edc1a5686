"""The SMS texts in Spanish: still GSM-7 and at most 160 characters; English unchanged."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from sms import bodies

START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
TZ = ZoneInfo("America/Mexico_City")
LONG_NAME = "Grupo de duelo en español para familias que perdieron a alguien querido " * 3
FIXED = [
    bodies.HELP_TEXT,
    bodies.UNKNOWN_TEXT,
    bodies.STOP_TEXT,
    bodies.START_TEXT,
    bodies.UNKNOWN_NUMBER_TEXT,
    bodies.NO_SESSION_TEXT,
    bodies.NOT_IN_SESSION_TEXT,
]
KINDS = ["session_cancelled", "session_moved", "seat_promoted", "seat_offered"]


def _all_bodies(language):
    texts = [bodies.translated(text, language) for text in FIXED]
    for name in ["Grupo de duelo", LONG_NAME]:
        texts.append(bodies.reminder(group_name=name, start=START, tz=TZ, language=language))
        texts += [
            bodies.notice(kind=k, group_name=name, session_start=START, tz=TZ, language=language)
            for k in KINDS
        ]
        texts.append(
            bodies.notice(
                kind="membership_approved",
                group_name=name,
                session_start=None,
                tz=TZ,
                language=language,
            )
        )
        texts.append(
            bodies.late(
                attendee_name="Álvaro", group_name=name, start=START, tz=TZ, language=language
            )
        )
        texts += [
            bodies.reply(
                kind=kind, group_name=name, start=START, tz=TZ, language=language, position=12
            )
            for kind in bodies.REPLY_TEXTS
        ]
        texts.append(bodies.refusal("This seat offer has passed.", language))
    texts.append(bodies.verification("123456", 10, language))
    return texts


@pytest.mark.parametrize("language", ["en", "es"])
def test_every_text_is_gsm7_and_fits(language):
    for text in _all_bodies(language):
        assert bodies.is_gsm7(text), text
        assert len(text) <= bodies.MAX_LEN, text


def test_spanish_is_spanish_and_english_is_unchanged():
    spanish = bodies.reminder(group_name="Grupo de duelo", start=START, tz=TZ, language="es")
    assert spanish.startswith("Hearth: Grupo de duelo se reune lun 30 Nov 19:00 CST. Responda Y")
    assert bodies.translated(bodies.STOP_TEXT, "es").startswith("Hearth: no le enviaremos")
    english = bodies.reminder(group_name="Grief", start=START, tz=TZ)
    assert english == (
        "Hearth: Grief meets Mon 30 Nov 19:00 CST. Reply Y to confirm, N if you can't come, "
        "HELP for help, STOP to opt out."
    )
    # The text of a change follows the recipient, not the language of the page it came from.
    with translation.override("es"):
        assert bodies.reminder(group_name="Grief", start=START, tz=TZ) == english
        assert bodies.verification("123456", 10) == (
            "Hearth: your code is 123456. It expires in 10 minutes. Do not share it."
        )


def test_replies_in_spanish_and_english():
    spanish = bodies.reply(
        kind="waitlisted",
        group_name="Grupo de duelo",
        start=START,
        tz=TZ,
        language="es",
        position=3,
    )
    assert spanish == (
        "Hearth: Grupo de duelo, lun 30 Nov 19:00 CST: es el numero 3 de la lista de espera."
    )
    english = bodies.reply(kind="waitlisted", group_name="Grief", start=START, tz=TZ, position=3)
    assert english == "Hearth: Grief, Mon 30 Nov 19:00 CST: you are number 3 on the waitlist."
    assert bodies.translated(bodies.NOT_IN_SESSION_TEXT, "es") == (
        "Hearth: ahora mismo no tiene ninguna sesion en curso."
    )
    # A long Spanish reply shortens only the group's name.
    long = bodies.reply(kind="late_told", group_name=LONG_NAME, start=START, tz=TZ, language="es")
    assert len(long) == bodies.MAX_LEN
    assert long.startswith("Hearth: Grupo de duelo en español para familias")
    assert long.endswith(
        "..., lun 30 Nov 19:00 CST: gracias, avisamos a los facilitadores de que llegas tarde."
    )
    assert (
        bodies.refusal("This session is cancelled.", "es") == "Hearth: Esta sesion esta cancelada."
    )
