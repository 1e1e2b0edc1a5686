"""Registry of benchmarked servers: name -> builder(ctx) -> ServerSpec."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from functools import partial

from room_fanout.spec import BenchContext, ClientEndpoint, ServerSpec, ServerUnavailable

Builder = Callable[[BenchContext], ServerSpec]


def _rooms(prefix: str, suffix: str, req) -> list[list[ClientEndpoint]]:
    tag = req.purpose[0]
    return [
        [ClientEndpoint(path=f"{prefix}{tag}{r}{suffix}") for _ in range(req.clients_per_room)]
        for r in range(req.rooms)
    ]


def _pythonpath(ctx: BenchContext) -> str:
    old = os.environ.get("PYTHONPATH")
    return ctx.bench_dir + (os.pathsep + old if old else "")


def redis_pid(url: str) -> dict[str, int]:
    """The local redis-server's pid (for its CPU time), or {} if it cannot be read."""
    try:
        import redis

        pid = int(redis.Redis.from_url(url, socket_timeout=2).info("server")["process_id"])
    except Exception:
        return {}
    return {"redis": pid} if os.path.exists(f"/proc/{pid}/stat") else {}


def delete_redis_keys(url: str, prefix: str) -> None:
    """Remove this server's channel-layer keys (groups expire only after a day)."""
    try:
        import redis

        r = redis.Redis.from_url(url, socket_timeout=5)
        keys = list(r.scan_iter(match=f"{prefix}*", count=1000))[:100_000]
        for i in range(0, len(keys), 1000):
            r.delete(*keys[i : i + 1000])
    except Exception:  # cleanup is best effort
        return


def check_redis(url: str) -> None:
    try:
        import redis

        redis.Redis.from_url(url, socket_timeout=2).ping()
    except Exception as exc:
        raise ServerUnavailable(f"redis at {url} is not reachable: {exc!r}") from exc


def build_raw(ctx: BenchContext, uvloop: bool = False) -> ServerSpec:
    argv = [ctx.python, "-m", "room_fanout.raw_server", "--port", "{port}"]
    if uvloop:
        argv.append("--uvloop")
    return ServerSpec(
        name="raw-uvloop" if uvloop else "raw",
        argv=argv,
        env={"PYTHONPATH": _pythonpath(ctx)},
        setup=partial(_rooms, "/room/", ""),
        origin=None,
        description=f"websockets {_version('websockets')} asyncio server"
        + (" on uvloop" if uvloop else "")
        + ", one JSON encode + websockets.broadcast per message",
    )


def build_channels(ctx: BenchContext, layer: str | None = None) -> ServerSpec:
    layer = layer or os.environ.get("BENCH_CHANNEL_LAYER", "redis")
    if layer not in ("memory", "redis", "pubsub"):
        raise ServerUnavailable(f"unknown channel layer {layer!r}")
    if layer != "memory":
        check_redis(ctx.redis_url)
    backend = {
        "memory": "InMemoryChannelLayer",
        "redis": "channels_redis RedisChannelLayer",
        "pubsub": "channels_redis RedisPubSubChannelLayer",
    }[layer]
    return ServerSpec(
        name=f"channels-{layer}",
        argv=[
            ctx.python,
            "-m",
            "daphne",
            "-b",
            "127.0.0.1",
            "-p",
            "{port}",
            "room_fanout.chat_asgi:application",
        ],
        env={
            "PYTHONPATH": _pythonpath(ctx),
            "DJANGO_SETTINGS_MODULE": "room_fanout.chat_settings",
            "BENCH_CHANNEL_LAYER": layer,
            "BENCH_REDIS_URL": ctx.redis_url,
            "BENCH_REDIS_PREFIX": ctx.redis_prefix,
        },
        setup=partial(_rooms, "/ws/chat/", "/"),
        extra_cpu_pids=None if layer == "memory" else partial(redis_pid, ctx.redis_url),
        teardown=None
        if layer == "memory"
        else partial(delete_redis_keys, ctx.redis_url, ctx.redis_prefix),
        description=f"Channels {_version('channels')} tutorial chat on Daphne "
        f"{_version('daphne')}, {backend} (default capacity 100, expiry 60 s)",
    )


def build_hearth(ctx: BenchContext, processes: int = 1, layer: str | None = None) -> ServerSpec:
    """Hearth's own room consumer; the adapter lives in room_fanout.hearth."""
    module = os.environ.get("BENCH_HEARTH_ADAPTER", "room_fanout.hearth")
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise ServerUnavailable(f"hearth adapter {module} cannot be imported: {exc!r}") from exc
    return mod.build(ctx, processes=processes, layer=layer)


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


REGISTRY: dict[str, Builder] = {
    "raw": build_raw,
    "raw-uvloop": partial(build_raw, uvloop=True),
    "channels": build_channels,  # layer from BENCH_CHANNEL_LAYER / --channel-layer
    "channels-memory": partial(build_channels, layer="memory"),
    "channels-redis": partial(build_channels, layer="redis"),
    "channels-pubsub": partial(build_channels, layer="pubsub"),
    "hearth": build_hearth,  # layer from BENCH_HEARTH_LAYER (default redis)
    "hearth-memory": partial(build_hearth, layer="memory"),
    "hearth-redis": partial(build_hearth, layer="redis"),
    "hearth-2proc": partial(build_hearth, processes=2, layer="redis"),  # two Daphnes, one socket
}
