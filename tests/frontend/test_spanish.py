"""The Spanish translation: the live room and the facilitator pages render in Spanish for a
Spanish account or browser, every string room.js shows is translated, and the committed
catalogue (CI has no msgfmt) is complete, compiled and keeps its placeholders."""

from __future__ import annotations

import ast
import gettext
import html as htmllib
import io
import json
import re
from datetime import date, time
from pathlib import Path

import pytest
from babel.messages.extract import extract_python
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation.template import templatize

from frontend.views_room import room_strings
from frontend.words import recurrence_describe
from sessions_app.recurrence import recurrence_parse
from tests.rooms.conftest import build_room_world

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"
ENGLISH_BROWSER = "en-US,en;q=0.9"


def page_text(response) -> str:
    return htmllib.unescape(response.content.decode())


def catalogue() -> dict:
    """msgid -> msgstr as compiled into the committed django.mo (plurals keyed (msgid, i))."""
    with open(LOCALE / "django.mo", "rb") as fh:
        return gettext.GNUTranslations(fh)._catalog


def po_entries() -> list[dict]:
    """The entries of django.po: msgctxt, msgid, msgid_plural, msgstr/msgstr[i], flags."""
    entries, entry, field = [], None, None
    for line in (LOCALE / "django.po").read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry is not None and "msgid" in entry:
                entries.append(entry)
            entry, field = None, None
            continue
        if entry is None:
            entry = {"flags": set()}
        if line.startswith("#,"):
            entry["flags"] |= {f.strip() for f in line[2:].split(",")}
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            entry[field] += ast.literal_eval(line)
        else:
            field, _, value = line.partition(" ")
            entry[field] = ast.literal_eval(value)
    return [e for e in entries if e["msgid"]]  # not the header


def spanish_account(user):
    user.language = "es"
    user.save(update_fields=["language"])
    return user


def room_json(html: str) -> dict:
    block = re.search(
        r'<script id="room-strings" type="application/json">(.*?)</script>', html, re.S
    )
    return json.loads(block.group(1))


# --- the room --------------------------------------------------------------------------------


def test_room_page_in_spanish_from_the_browser(client):
    world = build_room_world()
    client.force_login(world.ana)
    response = client.get(f"/sessions/{world.session.pk}/room/", HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    html = response.content.decode()
    text = page_text(response)
    assert '<html lang="es">' in html
    for spanish in (
        "¿Necesita apoyo ahora?",
        "Puede salir de esta página cuando quiera. Nadie se entera si abre esto.",
        "No está solo/a",
        "Conectando…",
        "Levantar la mano",
        "Compartir cómo está",
        "Su mensaje",
    ):
        assert spanish in text, spanish
    for english in ("Need support now?", "Raise hand", "You are not alone", "Your message"):
        assert english not in text, english
    strings = room_json(html)
    assert strings["your_turn"] == "Le toca hablar."
    assert strings["reconnecting"] == "Volviendo a conectar…"
    assert strings["ended"] == "La sesión ha terminado. Gracias por estar aquí hoy."
    assert "{name}" in strings["remove_title"]


def test_every_room_js_string_is_translated_for_a_spanish_account(client):
    world = build_room_world()
    client.force_login(spanish_account(world.lead))
    response = client.get(
        f"/sessions/{world.session.pk}/room/", HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER
    )
    assert response.status_code == 200
    strings = room_json(response.content.decode())
    with translation.override("en"):
        english = room_strings()
    assert strings.keys() == english.keys()
    compiled = catalogue()
    untranslated = [key for key, msgid in english.items() if not compiled.get(msgid)]
    assert untranslated == []
    for key, msgid in english.items():
        assert strings[key] == compiled[msgid], key
        assert strings[key] != msgid, key
        # The fields room.js fills in survive translation.
        assert set(re.findall(r"\{\w+\}", strings[key])) == set(re.findall(r"\{\w+\}", msgid))


def test_room_refusal_in_spanish(client):
    world = build_room_world(open_room=False)
    client.force_login(spanish_account(world.ana))
    response = client.get(f"/sessions/{world.session.pk}/room/")
    assert response.status_code == 409
    text = page_text(response)
    assert "La sala aún no está abierta" in text
    assert "Vuelva entonces o recargue esta página." in text
    assert "The room isn't open yet" not in text


# --- facilitator pages -----------------------------------------------------------------------


def test_facilitator_dashboard_in_spanish_for_a_spanish_account(client):
    world = build_room_world()
    client.force_login(spanish_account(world.lead))
    response = client.get(reverse("frontend:fac-dashboard"), HTTP_ACCEPT_LANGUAGE=ENGLISH_BROWSER)
    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    text = page_text(response)
    for spanish in ("Panel de facilitación", "Mis grupos", "Facilitar", "Personas nuevas"):
        assert spanish in text, spanish
    for english in ("Facilitator dashboard", "My groups", "First-timers in the next two weeks"):
        assert english not in text, english


def test_facilitator_dashboard_in_spanish_from_the_browser(client):
    world = build_room_world()
    client.force_login(world.lead)
    response = client.get(reverse("frontend:fac-dashboard"), HTTP_ACCEPT_LANGUAGE="es")
    assert response.status_code == 200
    assert "Panel de facilitación" in page_text(response)


def test_facilitator_session_page_in_spanish(client):
    world = build_room_world()
    client.force_login(spanish_account(world.lead))
    response = client.get(reverse("frontend:fac-session", args=[world.session.pk]))
    assert response.status_code == 200
    text = page_text(response)
    for spanish in ("Lista y asistencia", "Nota de la sesión", "Ir a la sala en directo"):
        assert spanish in text, spanish
    assert "Roster and attendance" not in text


def test_facilitator_times_in_spanish_are_on_the_24_hour_clock_with_the_zone(client):
    world = build_room_world()
    client.force_login(spanish_account(world.lead))
    local = world.session.start.astimezone(world.session.group.tz)
    end = world.session.end.astimezone(world.session.group.tz)
    for url in (
        reverse("frontend:fac-session", args=[world.session.pk]),
        reverse("frontend:fac-dashboard"),
        reverse("frontend:fac-group", args=[world.session.group.slug]),
    ):
        text = page_text(client.get(url))
        assert local.strftime("%H:%M") in text, url
        assert " AM" not in text and " PM" not in text, url
    text = page_text(client.get(reverse("frontend:fac-session", args=[world.session.pk])))
    assert end.strftime("%H:%M") in text
    assert world.session.group.timezone == "America/New_York"
    assert f"{local.strftime('%H:%M')} – {end.strftime('%H:%M')}, hora del Este" in text
    assert "Eastern" not in text


# --- the catalogue ---------------------------------------------------------------------------


def test_catalogue_is_complete_compiled_and_not_fuzzy():
    entries = po_entries()
    assert len(entries) > 600
    compiled = catalogue()
    for entry in entries:
        assert "fuzzy" not in entry["flags"], entry["msgid"]
        msgid = entry["msgid"]
        if "msgctxt" in entry:
            msgid = f"{entry['msgctxt']}\x04{msgid}"
        if "msgid_plural" in entry:
            forms = [entry[f"msgstr[{i}]"] for i in range(3)]
            assert all(forms), entry["msgid"]
            assert [compiled[(msgid, i)] for i in range(3)] == forms, entry["msgid"]
        else:
            assert entry["msgstr"], entry["msgid"]
            assert compiled[msgid] == entry["msgstr"], entry["msgid"]


# The Spanish speaks to the reader as "usted", on every page, text and email: one form, not a
# mix. These words only exist in the "tú" form (an imperative such as "escribe" is also the
# third person, "se escribe", so it is not among them).
TU_FORMS = re.compile(
    r"\b(tú|tu|tus|te|ti|contigo|tuy[oa]s?|puedes|estás|tienes|eres|quieres|necesitas|vas|"
    r"sientes|abres|escribes|podrás|hayas|quieras|puedas|elijas|enciendas|participas|"
    r"asististe|bloqueaste|saliste|olvidaste|respondiste|contaste|pediste|abriste|fuiste|"
    r"únete|apúntate|suscríbete|inténtalo|cámbiala|pídela|acéptala|enciéndelo|escríbelo|"
    r"darte|quedártela)\b",
    re.IGNORECASE,
)


def test_the_spanish_is_usted_throughout():
    found = []
    for entry in po_entries():
        for key in ("msgstr", "msgstr[0]", "msgstr[1]", "msgstr[2]"):
            hits = TU_FORMS.findall(entry.get(key, ""))
            if hits:
                found.append((entry["msgid"], hits))
    assert found == []


# What makemessages reads (xgettext's keywords as Django gives them), to find the strings of
# the code without msgfmt's tools, which CI does not have.
GETTEXT_KEYWORDS = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}


def strings_in_the_code() -> set[tuple[str | None, str]]:
    """(context, msgid) of every translatable string in the project's Python and templates."""
    found = set()
    root = Path(settings.BASE_DIR)
    for path in root.rglob("*"):
        parts = path.relative_to(root).parts
        if any(p.startswith(".") or p in {"node_modules", "staticfiles"} for p in parts):
            continue
        if path.suffix not in {".py", ".html", ".txt"} or not path.is_file():
            continue
        source = path.read_text(encoding="utf-8")
        if path.suffix != ".py":
            # As makemessages does; the indentation it leaves is no concern of xgettext's.
            source = "\n".join(
                line.lstrip() for line in templatize(source, origin=str(path)).splitlines()
            )
        for _line, func, message, _comments in extract_python(
            io.BytesIO(source.encode()), GETTEXT_KEYWORDS, [], {}
        ):
            parts_ = message if isinstance(message, tuple) else (message,)
            if func.startswith(("pgettext", "npgettext")):
                context, msgid = parts_[0], parts_[1]
            else:
                context, msgid = None, parts_[0]
            if msgid:
                found.add((context, msgid))
    return found


def test_every_string_in_the_code_is_in_the_catalogue():
    """A string added without makemessages is shown in English on Spanish pages (the room's
    "Join the call first." was, for a while)."""
    catalogued = {(entry.get("msgctxt"), entry["msgid"]) for entry in po_entries()}
    assert len(catalogued) > 600
    assert sorted(strings_in_the_code() - catalogued) == []


PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\w+\}|%[sd]|</?\w+[^>]*>")


def test_translations_keep_their_placeholders():
    for entry in po_entries():
        if "msgid_plural" in entry:
            wanted = sorted(PLACEHOLDER.findall(entry["msgid_plural"]))
            for i in range(3):
                got = sorted(PLACEHOLDER.findall(entry[f"msgstr[{i}]"]))
                if i == 0:
                    # The singular may leave the count out ("día" for "day", "su próxima
                    # reserva" for "their 1 upcoming RSVP"), but brings in nothing new.
                    allowed = wanted + PLACEHOLDER.findall(entry["msgid"])
                    assert set(got) <= set(allowed), entry["msgid"]
                else:
                    assert got == wanted, entry["msgid"]
        else:
            wanted = sorted(PLACEHOLDER.findall(entry["msgid"]))
            assert sorted(PLACEHOLDER.findall(entry["msgstr"])) == wanted, entry["msgid"]


# --- schedules in words ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("recurrence", "sentence"),
    [
        (None, "Una vez, el lunes 7 de enero de 2030 a las 19:00"),
        (
            {"frequency": "weekly", "interval": 2, "byweekday": ["TU"], "until": "2030-06-30"},
            "Cada 2 semanas el martes a las 19:00, hasta el 30 de junio",
        ),
        (
            {"frequency": "weekly", "byweekday": ["MO", "TH"], "count": 10},
            "Cada semana el lunes y jueves a las 19:00, 10 sesiones en total",
        ),
        (
            {"frequency": "monthly", "byweekday": ["MO"], "bysetpos": 1},
            "Cada mes el primer lunes a las 19:00",
        ),
        ({"frequency": "monthly"}, "Cada mes el día 7 a las 19:00"),
        ({"frequency": "daily", "interval": 3}, "Cada 3 días a las 19:00"),
        (
            {"frequency": "weekly", "byweekday": ["MO"], "until": "2031-02-03"},
            "Cada semana el lunes a las 19:00, hasta el 3 de febrero de 2031",
        ),
    ],
)
def test_schedules_in_spanish_words(recurrence, sentence):
    first = date(2030, 1, 7)
    parsed = recurrence_parse(recurrence, first_date=first) if recurrence else None
    with translation.override("es"):
        text = recurrence_describe(
            parsed, first_date=first, start_time=time(19, 0), today=date(2030, 1, 1)
        )
    assert text == sentence
