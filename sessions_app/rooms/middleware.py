"""Room tickets for API clients: `?ticket=...` on the room URL stands for the session cookie.

A ticket is single-use and short-lived (services.room_ticket_issue), so a URL that ends up in
a log is worthless a minute later. An invalid ticket makes the connection close with 4401,
even if a session cookie came along: the client asked to be someone in particular.
"""

import re
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.middleware import BaseMiddleware
from django.contrib.auth.models import AnonymousUser

from sessions_app.rooms import services

ROOM_PATH = re.compile(r"^/ws/sessions/(?P<session_id>\d{1,18})/room/$")


class RoomTicketMiddleware(BaseMiddleware):
    async def __call__(self, scope, receive, send):
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
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
