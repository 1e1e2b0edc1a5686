"""Times in the person's zone from the first page: the browser's zone at sign-up (zone.js's
hidden field, else its cookie), visitors' pages in the cookie's zone, the zone confirmed on the
account page, and the picker's list of current zones (no deprecated aliases)."""

import html
import re
import zoneinfo

import pytest
from django.utils import translation

from frontend import forms, zone_names
from frontend.words import timezone_label
from sessions_app import zones
from sessions_app.models import User

pytestmark = pytest.mark.django_db

PASSWORD = "a-Long-fresh-passw0rd"


def text(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def sign_up(client, username: str, **extra):
    return client.post(
        "/accounts/signup/",
        {"username": username, "password": PASSWORD, "password_again": PASSWORD, **extra},
        follow=True,
    )


def test_the_list_has_current_zones_named_as_people_know_them():
    names = set(zones.zones())
    assert {"UTC", "America/Chicago", "Europe/Kyiv", "Asia/Kolkata", "Africa/Asmara"} <= names
    deprecated = {"Africa/Asmera", "Africa/Timbuktu", "US/Eastern", "Asia/Calcutta", "Europe/Kiev"}
    assert not names & deprecated
    assert not [n for n in names if n.startswith(("Etc/", "SystemV/", "US/"))]
    assert names <= zoneinfo.available_timezones()
    assert len(names) < len(zoneinfo.available_timezones()) * 3 // 4
    assert zones.zones()["America/Chicago"].label == "Chicago, United States: Central (most areas)"
    assert zones.zones()["Europe/Amsterdam"].label == "Amsterdam, Netherlands"


@pytest.mark.parametrize(
    ("given", "zone"),
    [
        ("America/Chicago", "America/Chicago"),
        ("Asia/Calcutta", "Asia/Kolkata"),  # what some browsers still report
        ("US/Eastern", "America/New_York"),
        ("Europe/Kiev", "Europe/Kyiv"),
        ("Etc/UTC", "UTC"),
        ("GMT", "UTC"),
        ("Mars/Olympus", None),
        ("", None),
        ("America/Chicago\x00", None),
        ("a" * 200, None),
        (None, None),
    ],
)
def test_a_name_resolves_to_the_lists_zone_or_nothing(given, zone):
    assert zones.zone_canonical(given) == zone


def test_sign_up_takes_the_browsers_zone_and_confirms_it(client):
    page = text(client.get("/accounts/signup/"))
    assert 'type="hidden" name="timezone"' in page and "data-browser-zone" in page
    assert "/static/frontend/zone.js" in page
    page = text(sign_up(client, "cora", timezone="America/Chicago"))
    assert User.objects.get(username="cora").timezone == "America/Chicago"
    assert "Times are shown in Central (Chicago, United States), your browser's time zone." in page
    account = text(client.get("/account/"))
    assert (
        "Times on Hearth are shown to you in <strong>Central</strong> (Chicago, United States)."
        in account
    )


def test_sign_up_takes_an_alias_as_its_zone_and_ignores_what_is_not_a_zone(client):
    sign_up(client, "ravi", timezone="Asia/Calcutta")
    assert User.objects.get(username="ravi").timezone == "Asia/Kolkata"
    client.logout()
    page = text(sign_up(client, "nobody", timezone="<script>alert(1)</script>"))
    assert User.objects.get(username="nobody").timezone == "UTC"
    assert "Times are shown in UTC. Set your time zone on your account page." in page


def test_sign_up_without_the_field_uses_the_cookie_and_the_field_wins(client):
    client.cookies["hearth_tz"] = "Europe/Berlin"
    sign_up(client, "berta")
    assert User.objects.get(username="berta").timezone == "Europe/Berlin"
    client.logout()
    client.cookies["hearth_tz"] = "Europe/Berlin"
    sign_up(client, "carl", timezone="America/Denver")
    assert User.objects.get(username="carl").timezone == "America/Denver"
    client.logout()
    client.cookies["hearth_tz"] = "Nowhere/Land"
    sign_up(client, "dora")
    assert User.objects.get(username="dora").timezone == "UTC"


def test_visitors_see_times_in_their_browsers_zone(client, world):
    session = world["session"]
    chicago = session.start.astimezone(zoneinfo.ZoneInfo("America/Chicago"))
    tokyo = session.start.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    group_page = f"/groups/{world['group'].slug}/"
    # No cookie yet: the group's zone (Chicago).
    assert chicago.strftime("%-I:%M %p Central") in text(client.get(group_page))
    client.cookies["hearth_tz"] = "Asia/Tokyo"
    for url in (group_page, "/"):
        assert tokyo.strftime("%-I:%M %p Tokyo time") in text(client.get(url)), url
    assert tokyo.strftime("%-d %B %Y, %-I:%M %p –") in text(client.get(f"/sessions/{session.pk}/"))
    assert "Tokyo time" in text(client.get(f"/sessions/{session.pk}/"))
    # The session page also gives the group's own time when they differ.
    assert chicago.strftime("%-I:%M %p") in text(client.get(f"/sessions/{session.pk}/"))
    client.cookies["hearth_tz"] = "not a zone"
    assert chicago.strftime("%-I:%M %p Central") in text(client.get(group_page))


def test_a_signed_in_persons_zone_wins_over_the_cookie(client, world):
    attendee = world["attendee"]
    User.objects.filter(pk=attendee.pk).update(timezone="Europe/London")
    client.force_login(attendee)
    client.cookies["hearth_tz"] = "Asia/Tokyo"
    london = world["session"].start.astimezone(zoneinfo.ZoneInfo("Europe/London"))
    assert london.strftime("%-I:%M %p UK time") in text(
        client.get(f"/groups/{world['group'].slug}/")
    )


def test_the_picker_is_a_searchable_list_and_saves_a_zone_from_it(client, world):
    attendee = world["attendee"]
    client.force_login(attendee)
    page = client.get("/account/").content.decode()
    assert 'list="id_timezone-zones"' in page
    assert '<datalist id="id_timezone-zones">' in page
    assert (
        '<option value="America/Chicago" label="Chicago, United States: Central (most areas)">'
        in page
    )
    assert 'value="Africa/Asmera"' not in page and 'value="Africa/Timbuktu"' not in page
    assert page.count("<option value=") >= len(zones.zones())
    response = client.post(
        "/account/profile/", {"display_name": "Ann", "timezone": "Asia/Calcutta"}
    )
    assert response.status_code == 302
    assert User.objects.get(pk=attendee.pk).timezone == "Asia/Kolkata"
    response = client.post("/account/profile/", {"display_name": "Ann", "timezone": "Chicago"})
    assert response.status_code == 400
    assert "Pick a time zone from the list: type a city or a country." in text(response)
    assert User.objects.get(pk=attendee.pk).timezone == "Asia/Kolkata"


def test_an_iana_zone_outside_the_list_is_kept_as_the_api_set_it():
    assert forms.clean_zone_field("Etc/GMT+5") == "Etc/GMT+5"
    assert forms.clean_zone_field(" Europe/Kiev ") == "Europe/Kyiv"


# --- zones in the reader's language ----------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "english", "spanish"),
    [
        ("America/Mexico_City", "Mexico City, Mexico", "Ciudad de México, México"),
        ("America/New_York", "New York, United States", "Nueva York, Estados Unidos"),
        ("Asia/Tokyo", "Tokyo, Japan", "Tokio, Japón"),
        # CLDR keeps these under their older ids (Asia/Calcutta, America/Indianapolis).
        ("Asia/Kolkata", "Kolkata, India", "Calcuta, India"),
        (
            "America/Indiana/Indianapolis",
            "Indianapolis, United States",
            "Indianápolis, Estados Unidos",
        ),
        ("Etc/GMT+5", "Etc/GMT+5", "Etc/GMT+5"),  # outside the list: as it is
        ("UTC", "UTC", "UTC"),
    ],
)
def test_a_zones_place_in_the_readers_language(zone, english, spanish):
    assert zone_names.zone_place(zone, "en") == english
    assert zone_names.zone_place(zone, "es") == spanish


def test_the_picker_names_zones_as_spanish_speakers_say_them():
    with translation.override("es"):
        options = {o["name"]: o["label"] for o in zone_names.zone_options()}
        assert timezone_label("Asia/Tokyo") == "hora de Tokio"
        assert timezone_label("America/Mexico_City") == "hora del centro de México"
    assert set(options) == set(zones.zones())
    assert options["America/New_York"] == "Nueva York, Estados Unidos: hora oriental"
    assert options["America/Chicago"] == "Chicago, Estados Unidos: hora central"
    # Accents as written, and without them (browsers match what is typed letter for letter).
    assert options["America/Mexico_City"] == (
        "Ciudad de México, México: hora central (Ciudad de Mexico, Mexico)"
    )
    assert options["Asia/Tokyo"] == "Tokio, Japón (Japon)"
    assert options["Europe/Madrid"] == "Madrid, España: hora de Europa central (Espana)"
    assert len(set(options.values())) == len(options)  # no two zones read the same
    with translation.override("en"):
        english = {o["name"]: o["label"] for o in zone_names.zone_options()}
    assert english["America/Chicago"] == "Chicago, United States: Central (most areas)"
    assert english["Asia/Tokyo"] == "Tokyo, Japan"


def matches(typed: str, option: dict) -> bool:
    """What a browser's suggestion list does with a <datalist>: the typed text anywhere in the
    value or the label, case aside (no accent folding of its own)."""
    return typed.lower() in option["name"].lower() or typed.lower() in option["label"].lower()


@pytest.mark.parametrize("typed", ["Mexico", "México", "mexico", "Ciudad de Mexico", "méxico"])
def test_typing_with_or_without_accents_finds_the_zone(typed):
    with translation.override("es"):
        found = [o["name"] for o in zone_names.zone_options() if matches(typed, o)]
    assert "America/Mexico_City" in found, typed


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Japon", "Asia/Tokyo"),
        ("Tokio", "Asia/Tokyo"),
        ("Nueva York", "America/New_York"),
        ("Bogota", "America/Bogota"),
        ("Bogotá", "America/Bogota"),
    ],
)
def test_spanish_names_find_their_zone(typed, zone):
    with translation.override("es"):
        found = [o["name"] for o in zone_names.zone_options() if matches(typed, o)]
    assert zone in found, typed


def test_the_account_page_in_spanish_names_the_zone_in_spanish(client, world):
    attendee = world["attendee"]
    User.objects.filter(pk=attendee.pk).update(timezone="America/Mexico_City", language="es")
    client.force_login(attendee)
    page = client.get("/account/").content.decode()
    assert (
        "En Hearth usted ve las horas en <strong>hora del centro de México</strong> "
        "(Ciudad de México, México)." in html.unescape(page)
    )
    assert (
        '<option value="America/Mexico_City" '
        'label="Ciudad de México, México: hora central (Ciudad de Mexico, Mexico)">'
        in html.unescape(page)
    )
    assert "Mexico City" not in html.unescape(page)
