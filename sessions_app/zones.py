"""The time zones people pick from: current, canonical IANA names, named as people know them.

The list is the IANA database's own `zone.tab` (from the `tzdata` package, the same release the
clocks use): one or more current zones per country, with the country's name and, where a country
has several, the part of it each covers. It leaves out deprecated aliases (Africa/Asmera,
Africa/Timbuktu, US/Eastern, Asia/Calcutta), Etc/ offsets and the like; UTC is added.

A name from a browser or an old record that is an alias (`Link` in the database) resolves to the
zone it names, so "Asia/Calcutta" (which some browsers still report) becomes "Asia/Kolkata" and
"US/Eastern" "America/New_York": the same clock, the current name. Anything else is not a zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

UTC_NAME = "UTC"
# Names of the UTC clock that are not links to "UTC" itself.
_SAME_AS_UTC = frozenset(
    ["Etc/UTC", "Etc/UCT", "Etc/Universal", "Etc/Zulu", "UCT", "Universal", "Zulu"]
    + ["GMT", "Etc/GMT", "GMT0", "GMT+0", "GMT-0", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0"]
    + ["Greenwich", "Etc/Greenwich"]
)


@dataclass(frozen=True)
class Zone:
    name: str  # "America/Chicago"
    city: str  # "Chicago"
    country: str  # "United States"
    area: str  # "Central (most areas)", "" where the country has one zone
    country_code: str = ""  # ISO 3166 ("US"), "" for UTC

    @property
    def label(self) -> str:
        """ "Chicago, United States: Central (most areas)", "Amsterdam, Netherlands"."""
        if self.name == UTC_NAME:
            return "UTC"
        place = f"{self.city}, {self.country}" if self.country else self.city
        return f"{place}: {self.area}" if self.area else place


def _read(name: str) -> list[list[str]]:
    text = resources.files("tzdata.zoneinfo").joinpath(name).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines() if line and not line.startswith("#")]


@cache
def zones() -> dict[str, Zone]:
    """Every zone of the picker, by name, sorted by city within region (UTC first)."""
    countries = {row[0]: row[1] for row in _read("iso3166.tab")}
    found = {UTC_NAME: Zone(UTC_NAME, "UTC", "", "")}
    rows = sorted(_read("zone.tab"), key=lambda row: row[2])
    for row in rows:
        code, name = row[0], row[2]
        comment = row[3] if len(row) > 3 else ""
        city = name.rsplit("/", 1)[-1].replace("_", " ")
        found.setdefault(name, Zone(name, city, countries.get(code, code), comment, code))
    return found


@cache
def _links() -> dict[str, str]:
    """Alias -> target, from the database's `L target alias` lines."""
    text = resources.files("tzdata.zoneinfo").joinpath("tzdata.zi").read_text(encoding="utf-8")
    links = {}
    for line in text.splitlines():
        if line.startswith("L "):
            _l, target, alias = line.split()
            links[alias] = target
    return links


def zone_canonical(name: str | None) -> str | None:
    """The picker's name for `name` (itself, or what an alias points to); None if not a zone."""
    if not name or not isinstance(name, str) or len(name) > 64:
        return None
    known = zones()
    if name in known:
        return name
    seen = set()
    while name in _links() and name not in seen:  # links point at zones, but be sure
        seen.add(name)
        name = _links()[name]
        if name in known:
            return name
    if name in _SAME_AS_UTC:
        return UTC_NAME
    return None


def zone_info(name: str | None) -> ZoneInfo:
    """The clock of a stored zone name, for wording and timing a message to its person: UTC
    for an empty or unknown name rather than an error in a sweep."""
    try:
        return ZoneInfo(name or UTC_NAME)
    except (ValueError, KeyError):
        return ZoneInfo(UTC_NAME)
