"""Limits on the account pages at the API's rates (settings.HEARTH_THROTTLE_RATES, read at
request time), counted in the default cache (Redis when REDIS_URL is set), so a page is no
easier a door than the API's endpoint for the same thing. Addresses are read as everywhere
else (sessions_app.client, settings.TRUSTED_PROXY_COUNT)."""

from __future__ import annotations

import hashlib
import logging
import unicodedata

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache

log = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def rate(scope: str) -> tuple[int, int]:
    """A HEARTH_THROTTLE_RATES entry ("10/minute") as (count, seconds), read as DRF reads it."""
    count, period = settings.HEARTH_THROTTLE_RATES[scope].split("/")
    return int(count), PERIODS[period[0]]


class PageLimit:
    """So many counted events per `who` (an address, an address and a name) in a window that
    starts with the first one."""

    def __init__(self, *, scope: str, prefix: str, who: str):
        self.limit, self.seconds = rate(scope)
        self.prefix = prefix
        self.key = f"{prefix}:" + hashlib.sha256(who.lower().encode()).hexdigest()

    def reached(self) -> bool:
        return cache.get(self.key, 0) >= self.limit

    def count(self) -> None:
        cache.add(self.key, 0, timeout=self.seconds)
        try:
            cache.incr(self.key)
        except ValueError:  # expired in between
            cache.set(self.key, 1, timeout=self.seconds)


def login_name(raw: str) -> str:
    """A username as authentication reads it (the form strips it, the model applies NFKC),
    casefolded: "ann ", " ann", a full-width "ａnn" and "Ann" are one name to a lockout."""
    return get_user_model().normalize_username(raw.strip()).casefold()


def email_name(raw: str) -> str:
    """An e-mail address as the password-reset form matches it to accounts (stripped, NFKC,
    casefolded), so spellings of one address share a count."""
    return unicodedata.normalize("NFKC", raw.strip()).casefold()


def refused(limit: PageLimit, address: str) -> None:
    """The log line of a refused request: which limit, from which address."""
    log.warning("throttled: %s from %s", limit.prefix, address)
