"""Baseline: a minimal raw ``websockets`` broadcast server (rooms keyed by URL path).

Each incoming ``{"type": "chat", "text": ...}`` frame is decoded once, re-encoded once
as ``{"type": "chat", "text": ...}`` and the same encoded frame is pushed to every
connection in the room (sender included) with ``websockets.broadcast``. This is
about as cheap as fan-out gets in Python: one JSON encode per message, not per
recipient.

    python -m room_fanout.raw_server --port 8101 [--uvloop]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging

from websockets.asyncio.server import ServerConnection, broadcast, serve

ROOMS: dict[str, set[ServerConnection]] = {}


async def handler(ws: ServerConnection) -> None:
    path = ws.request.path.split("?", 1)[0] if ws.request else "/"
    room = ROOMS.setdefault(path, set())
    room.add(ws)
    try:
        async for message in ws:
            try:
                data = json.loads(message)
            except ValueError:
                continue
            if not isinstance(data, dict) or data.get("type") != "chat":
                continue
            frame = json.dumps({"type": "chat", "text": str(data.get("text", ""))})
            broadcast(room, frame)
    finally:
        room.discard(ws)
        if not room:
            ROOMS.pop(path, None)


async def run(host: str, port: int) -> None:
    async with serve(handler, host, port, compression=None, max_size=64 * 1024) as server:
        await server.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--uvloop", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    if args.uvloop:
        import uvloop

        uvloop.run(run(args.host, args.port))
    else:
        asyncio.run(run(args.host, args.port))


if __name__ == "__main__":
    main()
