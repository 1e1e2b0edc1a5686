"""Room tickets for API clients: `?ticket=...` on the room URL stands for the session cookie.

A ticket is single-use and short-lived (services.room_ticket_issue), so a URL that ends up in
a log is worthless a minute later. An invalid ticket makes the connection close with 4401,
even if a session cookie came along: the client asked to be someone in particular.
"""

import re
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from channels.security.websocket import OriginValidator
from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from rooms import services

ROOM_PATH = re.compile(r"^/ws/sessions/(?P<session_id>\d{1,18})/room/$")


class RoomTicketMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        # keep_blank_values: an empty `?ticket=` is an invalid ticket, not "no ticket".
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        tickets = query.get("ticket")
        if tickets is not None:
            scope = dict(scope)
            match = ROOM_PATH.match(scope.get("path", ""))
            user = None
            if match:
                user = await database_sync_to_async(services.room_ticket_redeem)(
                    token=tickets[0], session_id=int(match["session_id"])
                )
            scope["user"] = user or AnonymousUser()
            scope["room_ticket_invalid"] = user is None
        return await super().__call__(scope, receive, send)


class BrowserOriginValidator(OriginValidator):
    """Channels' AllowedHostsOriginValidator, except that a handshake without an Origin header
    is let through. Browsers always send Origin, so cross-site pages (the attack the check is
    for) are still refused; API clients and scripts send none and prove who they are with a
    room ticket instead. See docs/decisions.md, "Rooms"."""

    def valid_origin(self, parsed_origin):
        if parsed_origin is None:
            return True
        return super().valid_origin(parsed_origin)


def origin_validated(application):
    """Refuse WebSocket handshakes from pages on hosts outside ALLOWED_HOSTS."""
    allowed_hosts = settings.ALLOWED_HOSTS
    if settings.DEBUG and not allowed_hosts:
        allowed_hosts = ["localhost", "127.0.0.1", "[::1]"]
    return BrowserOriginValidator(application, allowed_hosts)
