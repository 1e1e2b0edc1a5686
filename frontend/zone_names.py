"""Zones named in the reader's language, from the Unicode CLDR (through Babel): the cities and
countries of the zone picker ("Ciudad de México, México: hora central", "Nueva York, Estados
Unidos: hora oriental") and the city in "<city> time" ("hora de Tokio").

English keeps the IANA database's own words (`sessions_app.zones`: "Chicago, United States:
Central (most areas)"); zone.tab's notes on which part of a country a zone covers exist only in
English, so other languages say the zone's CLDR name instead ("hora central") where a country
has more than one.

CLDR keys its data by its own zone ids, some of them older than the IANA names Hearth keeps
(it has "Asia/Calcutta" for "Asia/Kolkata", "America/Buenos_Aires" for
"America/Argentina/Buenos_Aires"), so a name is looked up under those too.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from functools import cache

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from django.utils.translation import get_language

from sessions_app import zones


@cache
def _cldr_ids() -> dict[str, list[str]]:
    """IANA name -> the CLDR ids that stand for it (CLDR's aliases, read the other way)."""
    found: dict[str, list[str]] = {}
    for old, new in get_global("zone_aliases").items():
        found.setdefault(new, []).append(old)
    return found


def _ids(name: str) -> list[str]:
    return [name, *_cldr_ids().get(name, [])]


@cache
def _locale(language: str) -> Locale | None:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None


def _language(language: str | None) -> str:
    return (language or get_language() or "en").split("-")[0].lower()


def zone_city(name: str, language: str | None = None) -> str:
    """The zone's city as the reader says it ("Nueva York" in Spanish, "Kolkata" in English);
    the IANA name's last part where CLDR has no word for it."""
    locale = _locale(_language(language))
    if locale is not None:
        for cldr_id in _ids(name):
            city = locale.time_zones.get(cldr_id, {}).get("city")
            if city:
                return city
    return name.rsplit("/", 1)[-1].replace("_", " ")


def _zone_name(name: str, locale: Locale) -> str:
    """CLDR's generic long name of the zone's clock ("hora central"), or ""."""
    meta_zones = get_global("meta_zones")
    for cldr_id in _ids(name):
        metazone = meta_zones.get(cldr_id)
        if metazone:
            return locale.meta_zones.get(metazone, {}).get("long", {}).get("generic", "")
    return ""


@cache
def _zones_per_country() -> Counter[str]:
    return Counter(zone.country_code for zone in zones.zones().values() if zone.country_code)


def zone_place(name: str, language: str | None = None) -> str:
    """Where the zone's clock is: "Ciudad de México, México", "Chicago, United States"; the
    name itself for a zone outside the picker's list (an offset the API set, say)."""
    zone = zones.zones().get(name)
    if zone is None or name == zones.UTC_NAME:
        return name
    language = _language(language)
    locale = _locale(language)
    if language == "en" or locale is None:
        return f"{zone.city}, {zone.country}"
    country = locale.territories.get(zone.country_code, zone.country)
    return f"{zone_city(name, language)}, {country}"


def zone_choice_label(name: str, language: str | None = None) -> str:
    """A zone as the picker lists it: English "Chicago, United States: Central (most areas)";
    else the place and, where the country has several zones, the clock's name ("Chicago,
    Estados Unidos: hora central")."""
    zone = zones.zones().get(name)
    if zone is None or name == zones.UTC_NAME:
        return name
    language = _language(language)
    locale = _locale(language)
    if language == "en" or locale is None:
        return zone.label
    place = zone_place(name, language)
    if _zones_per_country()[zone.country_code] > 1:
        clock = _zone_name(name, locale)
        if clock and "(" not in clock:
            return f"{place}: {clock}"
    return place


def fold(text: str) -> str:
    """Without accents ("Mexico" for "México"), as people type when they search."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def zone_options(language: str | None = None) -> list[dict[str, str]]:
    """The picker's suggestions: each zone's IANA name (the value sent) and its words in the
    reader's language. Browsers match what is typed against both, letter for letter, so where
    the words have accents the label adds them without, and "Mexico" finds "México" as
    "México" does."""
    return [dict(option) for option in _zone_options(_language(language))]


@cache
def _zone_options(language: str) -> tuple[dict[str, str], ...]:
    # The list and CLDR are fixed for the life of the process: made once per language.
    options = []
    for name in zones.zones():
        label = zone_choice_label(name, language)
        place = zone_place(name, language)
        plain = [fold(part) for part in place.split(", ") if fold(part) != part]
        if plain:
            label = f"{label} ({', '.join(plain)})"
        options.append({"name": name, "label": label})
    return tuple(options)
