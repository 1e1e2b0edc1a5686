"""The server-spec interface: everything the harness needs to know about a chat server.

A server is plugged in by a *builder*: a function ``build(ctx: BenchContext) -> ServerSpec``
registered in ``room_fanout.servers.REGISTRY``. The builder is called once per server
process the harness starts (every shape of every repeat gets a fresh process), before
the process is started. It raises :class:`ServerUnavailable` to have the server skipped
with a message (missing app, missing service, ...).

See README.md in this directory for the contract in prose.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field


class ServerUnavailable(RuntimeError):
    """Raised by a builder (or a setup hook) to skip a server with a clear message."""


@dataclass(frozen=True)
class BenchContext:
    """What a builder gets from the harness."""

    port: int  # the TCP port on 127.0.0.1 the server must listen on
    run_dir: str  # a fresh private directory for this server process (logs, SQLite files)
    repo_root: str  # /work/main (the Hearth checkout)
    bench_dir: str  # /work/main/bench (on PYTHONPATH of the harness and of servers it starts)
    python: str  # the interpreter running the harness (the project venv)
    redis_url: str  # redis://127.0.0.1:6379/0 unless --redis-url says otherwise
    redis_prefix: str  # a per-run key prefix; use it for channel-layer keys
    server_cpu: str  # CPU list the server is pinned to with taskset ("0")


@dataclass
class ClientEndpoint:
    """How one benchmark client connects: a path (with query string) and extra headers."""

    path: str  # e.g. "/ws/sessions/12/room/?ticket=abc" (must start with "/")
    headers: dict[str, str] = field(default_factory=dict)  # e.g. {"Cookie": "sessionid=..."}


@dataclass(frozen=True)
class SetupRequest:
    """Asks a server's setup hook for clients: ``rooms`` rooms of ``clients_per_room``."""

    rooms: int
    clients_per_room: int
    purpose: str  # "warmup", "shape" or "idle" (idle-memory measurement)
    base_url: str  # "http://127.0.0.1:<port>" (for hooks that fetch tickets over HTTP)


# rooms[i][j] is client j of room i. Every client of room i must receive every chat
# message sent by any client of room i (the sender included) and nothing from other rooms.
SetupHook = Callable[[SetupRequest], list[list[ClientEndpoint]]]


@dataclass
class ServerSpec:
    name: str
    # The command line; "{port}" is replaced. The harness prefixes it with
    # ``taskset -c <server_cpu>`` and starts it in its own process group.
    argv: list[str]
    # Gives the endpoints for a request; called after the server accepts TCP connections,
    # every time the harness (re)connects a set of clients. Raise ServerUnavailable to skip.
    setup: SetupHook
    cwd: str | None = None
    env: dict[str, str] = field(default_factory=dict)  # added to the harness environment
    # Origin header sent by every client ("{port}" replaced); None sends no Origin.
    origin: str | None = "http://127.0.0.1:{port}"
    # Client-to-server chat frame; __TEXT__ is replaced by the JSON-encoded text.
    chat_template: str = '{"type": "chat", "text": __TEXT__}'
    # A delivered chat is a text frame whose JSON object has "type" == chat_type and whose
    # text, found by following text_path (keys), contains the sender's stamp.
    chat_type: str = "chat"
    text_path: tuple[str, ...] = ("text",)
    # Seconds to wait for the port to accept connections after start.
    start_timeout: float = 60.0
    # Extra processes whose CPU is reported beside the server's (e.g. redis-server).
    extra_cpu_pids: Callable[[], dict[str, int]] | None = None
    # Called after the server process has been stopped (always, even on error).
    teardown: Callable[[], None] | None = None
    # One line shown in the results (which layer, which settings).
    description: str = ""

    def client_config(self, port: int) -> dict:
        """The part of the spec the load-generator processes need (JSON-serialisable)."""
        if "__TEXT__" not in self.chat_template:
            raise ValueError("chat_template must contain __TEXT__")
        json.loads(self.chat_template.replace("__TEXT__", '"probe"'))
        return {
            "origin": self.origin.format(port=port) if self.origin else None,
            "chat_template": self.chat_template,
            "chat_type": self.chat_type,
            "text_path": list(self.text_path),
        }
