"""Adapter for Hearth's own room consumer (server name ``hearth``).

The harness side is complete; what Hearth must provide (see README.md, "Plugging in
Hearth"):

1. ``config.asgi:application`` serving ``/ws/sessions/<session id>/room/`` (it exists).
2. A management command ``bench_room_clients`` (e.g.
   ``sessions_app/management/commands/bench_room_clients.py``) that, against the database
   in ``DATABASE_URL``, creates (or reuses) ``--rooms`` live sessions whose rooms are open,
   each with ``--clients-per-room`` users allowed in (one facilitator + attendees with a
   ``going`` RSVP is fine), and prints on stdout one JSON object::

       {"rooms": [[{"path": "/ws/sessions/12/room/?ticket=...",
                    "headers": {"Cookie": "sessionid=..."}}, ...], ...]}

   ``rooms[i][j]`` is how client j of room i connects (a signed room ticket in the query
   string, or a session cookie header). Tickets must stay valid for at least 120 s.
   Options: ``--rooms N --clients-per-room M --purpose warmup|shape|idle --base-url URL``.
   It must not print anything else on stdout (logs go to stderr).
3. With ``HEARTH_BENCH=1`` in the environment, the per-user chat rate limit (and any
   other per-user throttle) must be off or far above 20 messages/s per user, and the
   room must not pause chat because no facilitator is "present" (or the command must
   make one of the clients the facilitator).
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

COMMAND = "bench_room_clients"


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
        "SMS_BACKEND": "console",
        "HEARTH_BENCH": "1",
        "PYTHONPATH": ctx.repo_root,
    }


def _manage(ctx: BenchContext, env: dict[str, str], args: list[str], timeout: float):
    return subprocess.run(
        [ctx.python, "manage.py", *args],
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
    probe = _manage(ctx, env, ["help", COMMAND], timeout=120)
    if probe.returncode != 0:
        raise ServerUnavailable(
            f"management command '{COMMAND}' is not available yet "
            "(see bench/room_fanout/README.md, 'Plugging in Hearth'): "
            + " ".join((probe.stderr or probe.stdout).strip().splitlines()[-1:])
        )
    migrate = _manage(ctx, env, ["migrate", "--noinput"], timeout=300)
    if migrate.returncode != 0:
        raise ServerUnavailable(f"migrate failed: {migrate.stderr.strip()[-500:]}")

    def setup(req: SetupRequest) -> list[list[ClientEndpoint]]:
        proc = _manage(
            ctx,
            env,
            [
                COMMAND,
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
            raise ServerUnavailable(f"{COMMAND} failed: {proc.stderr.strip()[-500:]}")
        data = json.loads(proc.stdout)
        rooms = [
            [ClientEndpoint(path=c["path"], headers=dict(c.get("headers") or {})) for c in room]
            for room in data["rooms"]
        ]
        if len(rooms) != req.rooms or any(len(r) != req.clients_per_room for r in rooms):
            raise ServerUnavailable(f"{COMMAND} returned the wrong number of clients")
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
