"""One frame to many sockets, framed once.

Through Channels, every frame a consumer sends passes Channels' session wrapper, Daphne's
`handle_reply` and autobahn's `sendMessage`, which encodes and frames the text again for each
socket: most of what a fan-out costs per recipient. When the room runs on Daphne, the hub
instead frames a fanned-out text once (autobahn's prepared messages) and writes the same bytes
to each socket. Under any other server (the tests' WebsocketCommunicator, another ASGI server)
`daphne_protocol` finds nothing and frames go the ordinary way, through `send`.
"""

from __future__ import annotations

import functools

from channels.sessions import InstanceSessionWrapper

try:
    from daphne.server import Server as DaphneServer
except ImportError:  # pragma: no cover - Daphne is a dependency; the fallback is `send`
    DaphneServer = None


def daphne_protocol(send):
    """The Daphne WebSocket protocol behind a consumer's ASGI `send`, or None.

    Daphne hands each application `partial(server.handle_reply, protocol)`; Channels' auth
    stack wraps it in a session wrapper (whose `real_send` it is).
    """
    for _ in range(4):
        if isinstance(send, functools.partial):
            server = getattr(send.func, "__self__", None)
            if (
                DaphneServer is not None
                and isinstance(server, DaphneServer)
                and getattr(send.func, "__func__", None) is DaphneServer.handle_reply
                and len(send.args) == 1
            ):
                return send.args[0]
            return None
        owner = getattr(send, "__self__", None)
        if not isinstance(owner, InstanceSessionWrapper):
            return None
        send = owner.real_send
    return None


class Frame:
    """A frame's JSON text, and its WebSocket bytes, made the first time a socket needs them."""

    __slots__ = ("_prepared", "text")

    def __init__(self, text: str):
        self.text = text
        self._prepared = None

    def write(self, protocol) -> None:
        """Send on an open Daphne socket; a closing one gets nothing, as Daphne does."""
        if protocol.state != protocol.STATE_OPEN:
            return
        if self._prepared is None:
            self._prepared = protocol.factory.prepareMessage(self.text.encode())
        protocol.sendPreparedMessage(self._prepared)
