"""Command line for bench/room_fanout.py."""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import json
import os
import platform
import shlex
import shutil
import signal
import sys
import tempfile
from importlib.metadata import PackageNotFoundError, version

from room_fanout.procs import log
from room_fanout.report import markdown, summarise
from room_fanout.runner import Bench, Options, Shape
from room_fanout.servers import REGISTRY

HERE = os.path.dirname(os.path.abspath(__file__))
BENCH_DIR = os.path.dirname(HERE)
REPO_ROOT = os.path.dirname(BENCH_DIR)
DEFAULT_SHAPES = "1x50,10x50,50x12"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench/room_fanout.py",
        description="WebSocket room fan-out benchmark: raw websockets vs Channels vs Hearth.",
    )
    p.add_argument(
        "--servers",
        default="raw,channels-memory,channels-redis",
        help=f"comma-separated, from: {', '.join(REGISTRY)}",
    )
    p.add_argument(
        "--channel-layer",
        choices=("memory", "redis", "pubsub"),
        help="layer of the plain 'channels' server (default: $BENCH_CHANNEL_LAYER or redis)",
    )
    p.add_argument("--shapes", default=DEFAULT_SHAPES, help="ROOMSxCLIENTS,...")
    p.add_argument("--repeats", type=int, help="default 3 (quick: 1)")
    p.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 1 repeat, short steps, 1 bisection, 300 idle clients",
    )
    p.add_argument("--step-seconds", type=float)
    p.add_argument("--grace-seconds", type=float)
    p.add_argument("--fixed-seconds", type=float)
    p.add_argument(
        "--fixed-interval",
        type=float,
        default=10.0,
        help="(b): each client sends one message every N seconds (default 10)",
    )
    p.add_argument(
        "--start-rate",
        type=float,
        default=1000.0,
        help="first search step, deliveries/s (later repeats start at half the "
        "median found so far)",
    )
    p.add_argument("--bisections", type=int)
    p.add_argument("--idle-clients", type=int, help="0 skips (c)")
    p.add_argument("--load-procs", type=int, default=2)
    p.add_argument("--server-cpu", default="0")
    p.add_argument("--load-cpu", default="1")
    p.add_argument(
        "--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    p.add_argument(
        "--out",
        help="Markdown results (default bench/room_fanout/results.md; "
        "with --quick: results-quick.md)",
    )
    p.add_argument("--json", help="default: --out with .json")
    p.add_argument(
        "--quiet-wait",
        type=float,
        help="max seconds to wait before each step for other tenants to leave the server "
        "CPU; a step where they used > 25%% of it is repeated up to twice (default 20; "
        "quick: 2 and no repeat)",
    )
    p.add_argument("--keep-logs", action="store_true")
    p.add_argument(
        "--from-json",
        help="do not measure: re-render --out from a JSON file written by an earlier run",
    )
    p.add_argument("--notes", help="a Markdown file appended to the results as 'Notes'")
    args = p.parse_args(argv)
    if args.out is None:
        args.out = os.path.join(HERE, "results-quick.md" if args.quick else "results.md")
    if args.repeats is not None and not 1 <= args.repeats <= 20:
        p.error("--repeats must be 1..20")
    if not 1 <= args.load_procs <= 8:
        p.error("--load-procs must be 1..8")
    if not args.redis_url.startswith(("redis://127.0.0.1", "redis://localhost")):
        p.error("only a loopback Redis is allowed")
    return args


def options_from(args: argparse.Namespace) -> Options:
    quick = args.quick
    pick = lambda v, q, full: v if v is not None else (q if quick else full)  # noqa: E731
    return Options(
        servers=[s.strip() for s in args.servers.split(",") if s.strip()],
        shapes=[Shape.parse(s) for s in args.shapes.split(",") if s.strip()],
        repeats=pick(args.repeats, 1, 3),
        step_seconds=pick(args.step_seconds, 2.0, 5.0),
        grace_seconds=pick(args.grace_seconds, 0.5, 1.0),
        fixed_seconds=pick(args.fixed_seconds, 4.0, 10.0),
        fixed_interval=args.fixed_interval,
        start_rate=args.start_rate,
        bisections=pick(args.bisections, 1, 3),
        idle_clients=pick(args.idle_clients, 300, 1000),
        unit_budget=60.0 if quick else 300.0,
        load_procs=args.load_procs,
        server_cpu=args.server_cpu,
        load_cpu=args.load_cpu,
        redis_url=args.redis_url,
        keep_logs=args.keep_logs,
        quiet_wait=pick(args.quiet_wait, 2.0, 20.0),
        contention_retries=0 if quick else 2,
    )


def _versions() -> str:
    out = []
    for dist in ("websockets", "Django", "channels", "daphne", "channels-redis", "uvloop"):
        try:
            out.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            pass
    return ", ".join(out)


def write_outputs(args, results: dict, meta: dict) -> dict:
    if args.notes:
        with open(args.notes) as f:
            meta["notes"] = f.read().strip()
    summary = summarise(results)
    md = markdown(results, summary, meta)
    print(md)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(md)
    json_path = args.json or os.path.splitext(args.out)[0] + ".json"
    with open(json_path, "w") as f:
        json.dump({"meta": meta, "summary": summary, "results": results}, f, indent=1)
    log(f"wrote {args.out} and {json_path}")
    return summary


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.from_json:
        with open(args.from_json) as f:
            saved = json.load(f)
        write_outputs(args, saved["results"], saved["meta"])
        return 0
    if args.channel_layer:
        os.environ["BENCH_CHANNEL_LAYER"] = args.channel_layer
    opts = options_from(args)
    opts.log_dir = tempfile.mkdtemp(prefix="room-fanout-")
    # SIGTERM/SIGHUP become exceptions so every finally block (server stop) runs.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: sys.exit(128 + signum))
    started = datetime.datetime.now(datetime.UTC)
    bench = Bench(opts, BENCH_DIR, REPO_ROOT)
    try:
        results = bench.run()
    finally:
        if opts.keep_logs:
            log(f"logs kept in {opts.log_dir}")
        else:
            shutil.rmtree(opts.log_dir, ignore_errors=True)
    meta = {
        "command": "python bench/room_fanout.py "
        + shlex.join(sys.argv[1:] if argv is None else argv),
        "date": started.strftime("%Y-%m-%d %H:%M UTC"),
        "machine": f"{os.cpu_count()} CPUs, {platform.machine()}, Linux {platform.release()}",
        "python": platform.python_version(),
        "versions": _versions(),
        "options": {**dataclasses.asdict(opts), "shapes": [s.name for s in opts.shapes]},
        "wall_seconds": round((datetime.datetime.now(datetime.UTC) - started).total_seconds()),
    }
    write_outputs(args, results, meta)
    return 1 if results["errors"] else 0
