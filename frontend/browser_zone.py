"""The zone a visitor's browser reported (the `hearth_tz` cookie zone.js keeps)."""

from __future__ import annotations

from urllib.parse import unquote

from sessions_app import zones

COOKIE = "hearth_tz"


def browser_zone(request) -> str | None:
    """The cookie's zone if it is one of the list (an alias gives its zone), else None."""
    return zones.zone_canonical(unquote(request.COOKIES.get(COOKIE, ""))[:64])
