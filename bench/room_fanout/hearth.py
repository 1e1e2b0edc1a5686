"""Adapter for Hearth's own room consumer (server name ``hearth``).

What the adapter relies on (see README.md, "Plugging in Hearth"):

1. ``config.asgi:application`` serving ``/ws/sessions/<session id>/room/``.
2. ``hearth_clients.py`` next to this file (bench code, not part of Hearth), which against
   the database in ``DATABASE_URL`` creates ``--rooms`` live sessions whose rooms are open,
   each with ``--clients-per-room`` users allowed in (client 0 the facilitator, the others
   attendees with a ``going`` RSVP), and prints on stdout one JSON object::

       {"rooms": [[{"path": "/ws/sessions/12/room/",
                    "headers": {"Cookie": "sessionid=..."}}, ...], ...]}

   ``rooms[i][j]`` is how client j of room i connects.
   Options: ``--rooms N --clients-per-room M --purpose warmup|shape|idle --base-url URL``.
   It prints nothing else on stdout (logs go to stderr).
3. No per-user limit in the way: the server's environment sets the chat rate limit and the
   hard frame limit (``ROOM_CHAT_BURST``, ``ROOM_CHAT_PER_MINUTE``,
   ``ROOM_FRAMES_HARD_LIMIT``, read by config/settings.py) far above what the harness sends,
   and each room has a facilitator among its clients, so chat is not paused.
4. Chat frames ``{"type": "chat", "text": ...}`` from clients, delivered as
   ``{"type": "chat", "text": ..., ...}`` (extra keys such as ``seq`` are fine) to every
   member of the room, the sender included. Other frame types (welcome, presence,
   queue, ...) are ignored by the harness. If the delivered text lives elsewhere, change
   ``text_path`` below (e.g. ``("message", "text")``).

Environment knobs: ``BENCH_HEARTH_LAYER`` = ``redis`` (default; ``REDIS_URL`` set to the
harness's Redis) or ``memory`` (``REDIS_URL`` empty: Hearth falls back to the in-memory
layer).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys

from room_fanout.servers import check_redis, redis_pid
from room_fanout.spec import (
    BenchContext,
    ClientEndpoint,
    ServerSpec,
    ServerUnavailable,
    SetupRequest,
)

# Far above any rate the harness sends: the room's per-user limits stay out of the way.
NO_LIMIT = str(10**9)


def _env(ctx: BenchContext, layer: str) -> dict[str, str]:
    try:
        from cryptography.fernet import Fernet

        notes_key = Fernet.generate_key().decode()
    except ImportError:  # pragma: no cover - cryptography is a Hearth dependency
        notes_key = ""
    return {
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": f"sqlite:///{ctx.run_dir}/hearth-bench.sqlite3",
        "REDIS_URL": ctx.redis_url if layer == "redis" else "",
        "NOTES_ENCRYPTION_KEYS": notes_key,
        "EMAIL_URL": "memorymail://",
        "SMS_BACKEND": "console",
        "ROOM_CHAT_BURST": NO_LIMIT,
        "ROOM_CHAT_PER_MINUTE": NO_LIMIT,
        "ROOM_FRAMES_HARD_LIMIT": NO_LIMIT,
        "BENCH_ROOM_FANOUT": "1",  # hearth_clients.py refuses to run without it
        "PYTHONPATH": ctx.repo_root,
    }


def _run(ctx: BenchContext, env: dict[str, str], argv: list[str], timeout: float):
    return subprocess.run(
        [ctx.python, *argv],
        cwd=ctx.repo_root,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def build(ctx: BenchContext, processes: int = 1, layer: str | None = None) -> ServerSpec:
    if not os.path.exists(os.path.join(ctx.repo_root, "config", "asgi.py")):
        raise ServerUnavailable("config/asgi.py not found")
    layer = layer or os.environ.get("BENCH_HEARTH_LAYER", "redis")
    if layer == "redis":
        check_redis(ctx.redis_url)
    env = _env(ctx, layer)
    clients_script = os.path.join(ctx.bench_dir, "room_fanout", "hearth_clients.py")
    migrate = _run(ctx, env, ["manage.py", "migrate", "--noinput"], timeout=300)
    if migrate.returncode != 0:
        raise ServerUnavailable(f"migrate failed: {migrate.stderr.strip()[-500:]}")

    def setup(req: SetupRequest) -> list[list[ClientEndpoint]]:
        proc = _run(
            ctx,
            env,
            [
                clients_script,
                "--rooms",
                str(req.rooms),
                "--clients-per-room",
                str(req.clients_per_room),
                "--purpose",
                req.purpose,
                "--base-url",
                req.base_url,
            ],
            timeout=300,
        )
        if proc.returncode != 0:
            raise ServerUnavailable(f"hearth_clients.py failed: {proc.stderr.strip()[-500:]}")
        data = json.loads(proc.stdout)
        rooms = [
            [ClientEndpoint(path=c["path"], headers=dict(c.get("headers") or {})) for c in room]
            for room in data["rooms"]
        ]
        if len(rooms) != req.rooms or any(len(r) != req.clients_per_room for r in rooms):
            raise ServerUnavailable("hearth_clients.py returned the wrong number of clients")
        return rooms

    if processes > 1:
        if layer != "redis":
            raise ServerUnavailable("several Hearth processes share rooms only through Redis")
        # Several Daphne processes on one socket (daphne_pair.py): each client lands on
        # one of them, so every room spans processes.
        argv = [
            ctx.python,
            os.path.join(ctx.bench_dir, "room_fanout", "daphne_pair.py"),
            "{port}",
            str(processes),
            "config.asgi:application",
        ]
    else:
        argv = [
            ctx.python,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            "{port}",
            "config.asgi:application",
        ]
    suffix = f"-{processes}proc" if processes > 1 else ""
    return ServerSpec(
        name=f"hearth-{layer}{suffix}",
        argv=argv,
        cwd=ctx.repo_root,
        env=env,
        setup=setup,
        chat_template='{"type": "chat", "text": __TEXT__}',
        chat_type="chat",
        text_path=("text",),
        extra_cpu_pids=(lambda: redis_pid(ctx.redis_url)) if layer == "redis" else None,
        description=f"Hearth room consumer on {processes} Daphne process(es), layer={layer}",
    )


if __name__ == "__main__":  # pragma: no cover - manual probe
    sys.exit("run through bench/room_fanout.py --servers hearth")
