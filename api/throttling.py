"""Throttles for login, registration and RSVP, backed by Django's cache (Redis when REDIS_URL
is set). Rates come from settings.HEARTH_THROTTLE_RATES at request time, so tests and
deployments can change them without re-importing anything. The client's address is read as
everywhere else (sessions_app.client, settings.TRUSTED_PROXY_COUNT), not from a header the
client chooses."""

import logging

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from sessions_app.client import client_address

log = logging.getLogger(__name__)


class _SettingsRateThrottle(SimpleRateThrottle):
    def get_rate(self) -> str | None:
        return settings.HEARTH_THROTTLE_RATES.get(self.scope)

    def get_ident(self, request) -> str:
        return client_address(request)

    def allow_request(self, request, view) -> bool:
        allowed = super().allow_request(request, view)
        if not allowed:
            log.warning("throttled: %s from %s", self.scope, client_address(request))
        return allowed


class LoginThrottle(_SettingsRateThrottle):
    """Token logins per client address: slows down password guessing."""

    scope = "login"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class RegisterThrottle(_SettingsRateThrottle):
    """Registrations per client address."""

    scope = "register"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class RSVPThrottle(_SettingsRateThrottle):
    """RSVP changes per user (the view requires a signed-in user)."""

    scope = "rsvp"

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class LetterVerifyThrottle(_SettingsRateThrottle):
    """Checks of attendance-letter codes per client address: codes are unguessable, and this
    keeps anyone from trying."""

    scope = "letter_verify"

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
