"""Load benchmark of the session list and the directory over 5,000 groups, against peers.

Each server (Daphne and uvicorn on config.asgi, gunicorn on config.wsgi; --workers processes
for the last two) serves Hearth plus two peers (bench/api_peer): a naive DRF ListAPIView with
a ModelSerializer, and the floor, a Django view returning the same bytes as Hearth's answer.
For each server, variant (the list, its naive peer, its floor; the directory `/`, `/?day=N`,
its floor) and number of connections, wrk (Debian: apt-get install -y wrk) runs for --seconds
and the table gives req/s, p50/p99, and the CPU per request of the server's processes and of
the PostgreSQL backends of this database (read from /proc before and after; the pool,
DATABASE_POOL_MAX, keeps the backends alive through a run), with the load average. Needs
PostgreSQL:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/hearth_api .venv/bin/python bench/api_load.py

The data (5,000 public groups, a weekly series each, materialised over the 120-day horizon,
with some RSVPs) is created once and reused by later runs (--reseed starts over). With two
or more CPUs, the server and wrk are pinned to different CPUs (taskset).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
from prod_env import production_env  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def seed(n_groups: int, reseed: bool) -> None:
    """5,000 groups with a weekly series each, materialised; RSVPs on a share of sessions."""
    from django.core.management import call_command
    from django.db import transaction
    from schedule.models import Event, Rule

    from sessions_app import services
    from sessions_app.models import RSVP, Schedule, Session, SupportGroup, User

    call_command("migrate", verbosity=0)
    prefix = "bench-"
    from django.db import connection

    def analyze() -> None:
        # Fresh statistics: right after a bulk load the planner would expect ~80 rows in a
        # week of sessions instead of ~4,400 and pick a plan 30x slower.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")

    have = SupportGroup.objects.filter(slug__startswith=prefix).count()
    if have == n_groups and not reseed:
        print(f"reusing {have} groups, {Session.objects.count()} sessions", flush=True)
        analyze()
        return
    print(f"seeding {n_groups} groups…", flush=True)
    started = time.perf_counter()
    with transaction.atomic():
        Session.objects.filter(group__slug__startswith=prefix).delete()
        events = list(
            Schedule.objects.filter(group__slug__startswith=prefix).values_list(
                "event_id", "rule_id"
            )
        )
        Schedule.objects.filter(group__slug__startswith=prefix).delete()
        Event.objects.filter(pk__in=[e for e, _ in events]).delete()
        Rule.objects.filter(pk__in=[r for _, r in events if r]).delete()
        SupportGroup.objects.filter(slug__startswith=prefix).delete()
    rng = random.Random(7)
    zones = ["America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London"]
    topics = ["grief", "caregiving", "anxiety", "recovery", "parenting"]
    days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    calendar = services._hearth_calendar()
    today = datetime.now(UTC).date()
    with transaction.atomic():
        groups = SupportGroup.objects.bulk_create(
            SupportGroup(
                name=f"Bench group {i}",
                slug=f"{prefix}{i}",
                topic=rng.choice(topics),
                timezone=rng.choice(zones),
                capacity=12,
                format=rng.choice(["online", "in_person", "hybrid"]),
                reminder_offsets_minutes=[1440, 120],
            )
            for i in range(n_groups)
        )
        rules, starts = [], []
        for _ in groups:
            day = rng.choice(days)
            rules.append(
                Rule(name="bench", description="", frequency="WEEKLY", params=f"byweekday:{day}")
            )
            first = datetime.combine(
                today + timedelta(days=1 + days.index(day)),
                datetime.min.time().replace(hour=rng.choice([10, 12, 18, 19])),
            )
            starts.append(first)
        rules = Rule.objects.bulk_create(rules)
        events = Event.objects.bulk_create(
            Event(
                calendar=calendar,
                title=g.name,
                start=first.replace(tzinfo=g.tz),
                end=first.replace(tzinfo=g.tz) + timedelta(minutes=90),
                rule=rule,
            )
            for g, rule, first in zip(groups, rules, starts, strict=True)
        )
        Schedule.objects.bulk_create(
            Schedule(
                group=g,
                event=event,
                rule=rule,
                first_date=first.date(),
                start_time=first.time(),
                duration_minutes=90,
            )
            for g, event, rule, first in zip(groups, events, rules, starts, strict=True)
        )
    created = services.sessions_materialize()
    users = [User.objects.get_or_create(username=f"bench-user-{i}")[0] for i in range(60)]
    session_ids = list(
        Session.objects.filter(group__slug__startswith=prefix).values_list("pk", flat=True)
    )
    rsvps = [
        RSVP(session_id=pk, user=user, status="going")
        for pk in rng.sample(session_ids, len(session_ids) // 3)
        for user in rng.sample(users, rng.randint(1, 6))
    ]
    RSVP.objects.bulk_create(rsvps, batch_size=5000)
    analyze()
    print(
        f"seeded {n_groups} groups, {created} sessions, {len(rsvps)} RSVPs "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


SERVERS = ("daphne", "uvicorn", "gunicorn")


def server_command(kind: str, port: int, workers: int) -> list[str]:
    bin_dir = Path(sys.executable).parent
    if kind == "daphne":
        return [
            str(bin_dir / "daphne"),
            "-b",
            "127.0.0.1",
            "-p",
            str(port),
            "-v",
            "0",
            "config.asgi:application",
        ]
    if kind == "uvicorn":
        return [
            str(bin_dir / "uvicorn"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--http",
            "httptools",
            "--loop",
            "uvloop",
            "--no-access-log",
            "--log-level",
            "warning",
            "config.asgi:application",
        ]
    if kind == "gunicorn":
        return [
            str(bin_dir / "gunicorn"),
            "-b",
            f"127.0.0.1:{port}",
            "-w",
            str(workers),
            "--log-level",
            "warning",
            "config.wsgi:application",
        ]
    raise SystemExit(f"unknown server {kind}")


def start_server(
    kind: str, port: int, cpu: str | None, *, workers: int, pool: int, floor_dir: str
) -> subprocess.Popen:
    env = {
        **os.environ,
        **production_env(),  # DEBUG off, with throwaway SECRET_KEY and NOTES_ENCRYPTION_KEYS
        "ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SETTINGS_MODULE": "api_peer.settings",  # Hearth + the peers (bench/api_peer)
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
        "DATABASE_POOL_MAX": str(pool),
        # Every connection open from the start: the database CPU is read from the backends
        # there before a run, so one the pool opened during it would go uncounted.
        "DATABASE_POOL_MIN": str(pool),
        "BENCH_FLOOR_DIR": floor_dir,
    }
    cmd = server_command(kind, port, workers)
    if cpu is not None:
        cmd = ["taskset", "-c", cpu, *cmd]
    server = subprocess.Popen(cmd, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    raise SystemExit(f"{kind} did not answer /healthz within 60 s")


def _proc_stat(pid: int) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pids) -> float:
    """User + system CPU time of these processes (and their reaped children), from /proc."""
    total = 0
    for pid in pids:
        fields = _proc_stat(pid)
        if fields:
            total += sum(int(v) for v in fields[11:15])
    return total / os.sysconf("SC_CLK_TCK")


def process_tree(pid: int) -> list[int]:
    """pid and its descendants (gunicorn's and uvicorn's workers)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (fields := _proc_stat(int(entry.name))):
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(parents.get(p, []))
    return out


def db_backends(dbname: str) -> list[int]:
    """PostgreSQL backends connected to the bench's own database (other databases on the same
    server, other people's, are not counted). With the pool they live through a run."""
    import psycopg

    url = os.environ["DATABASE_URL"]
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [dbname],
        ).fetchall()
    return [r[0] for r in rows]


def run_wrk(url: str, *, connections: int, seconds: int, cpu: str | None) -> dict:
    cmd = [
        "wrk",
        f"-t{min(2, connections)}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "10s",
    ]
    cmd.append(url)
    if cpu is not None:
        cmd = ["taskset", "-c", cpu, *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=seconds + 60)
    text = out.stdout

    def ms(label: str) -> float:
        match = re.search(rf"^\s*{label}%\s+([\d.]+)(us|ms|s)\s*$", text, re.M)
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "requests": int(re.search(r"(\d+) requests in", text).group(1)),
        "p50": ms("50"),
        "p90": ms("90"),
        "p99": ms("99"),
        "non2xx": int(non2xx.group(1)) if non2xx else 0,
        "errors": errors.group(1) if errors else "none",
    }


def drain(base: str, limit: float = 60) -> None:
    """Wait until the server answers /healthz quickly again: wrk stops sending at the end of
    a run, but a sync worker still owes the requests queued behind a slow one (the naive peer
    at 50 connections), which would be charged to the next run."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=limit) as response:  # noqa: S310
                response.read()
        except OSError:
            pass
        if time.monotonic() - started < 0.2:
            return


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=5000)
    parser.add_argument("--connections", default="1,10,50", help="comma-separated")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--window-days", type=int, default=7)
    parser.add_argument("--servers", default=",".join(SERVERS))
    parser.add_argument("--workers", type=int, default=1, help="uvicorn/gunicorn processes")
    parser.add_argument(
        "--variants",
        default="list,list-floor,directory,directory-day,directory-floor,list-naive",
    )
    parser.add_argument("--pool", type=int, default=20, help="DATABASE_POOL_MAX; 0: none")
    parser.add_argument("--reseed", action="store_true")
    parser.add_argument("--no-pin", action="store_true", help="do not pin to separate CPUs")
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        raise SystemExit("Set DATABASE_URL=postgres://... (this benchmark is for PostgreSQL)")
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")

    import tempfile

    import django

    django.setup()
    seed(args.groups, args.reseed)
    from django.db import connection, connections

    dbname = connection.settings_dict["NAME"]
    connections.close_all()

    cpus = sorted(os.sched_getaffinity(0))
    pin = len(cpus) >= 2 and not args.no_pin
    server_cpu, load_cpu = (str(cpus[0]), str(cpus[1])) if pin else (None, None)
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start_after = (now + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    start_before = (now + timedelta(days=1 + args.window_days)).strftime("%Y-%m-%dT%H:%M:%SZ")
    window = f"?start_after={start_after}&start_before={start_before}"
    day = (now + timedelta(days=2)).weekday()
    paths = {
        "list": f"/api/v1/sessions/{window}",
        "list-naive": f"/bench/naive/sessions/{window}",
        "list-floor": "/bench/floor/list/",
        "directory": "/",
        "directory-day": f"/?day={day}",
        "directory-floor": "/bench/floor/directory/",
    }
    variants = args.variants.split(",")
    floor_dir = tempfile.mkdtemp(prefix="hearth-bench-floor-")
    print(
        f"load average at the start: {load_average()}; pool {args.pool}; "
        f"workers {args.workers} (uvicorn, gunicorn); {args.seconds} s per run",
        flush=True,
    )
    print(
        "\n| server | variant | conns | req/s | p50 ms | p99 ms | server CPU ms/req "
        "| DB CPU ms/req | bytes | non-2xx | load avg |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for kind in args.servers.split(","):
        port = free_port()
        server = start_server(
            kind, port, server_cpu, workers=args.workers, pool=args.pool, floor_dir=floor_dir
        )
        try:
            base = f"http://127.0.0.1:{port}"
            sizes = {}
            for name in ("list", "directory"):
                with urllib.request.urlopen(base + paths[name], timeout=30) as response:  # noqa: S310
                    body = response.read()
                Path(floor_dir, name).write_bytes(body)
                sizes[name] = sizes[f"{name}-floor"] = len(body)
            with urllib.request.urlopen(base + paths["list-naive"], timeout=60) as response:  # noqa: S310
                sizes["list-naive"] = len(response.read())
            sizes["directory-day"] = sizes["directory"]
            run_wrk(base + paths["list"], connections=10, seconds=2, cpu=load_cpu)  # warm-up
            tree = process_tree(server.pid)
            for variant in variants:
                for conns in [int(c) for c in args.connections.split(",")]:
                    backends = db_backends(dbname)
                    server_before = cpu_seconds(tree)
                    db_before = cpu_seconds(backends)
                    r = run_wrk(
                        base + paths[variant],
                        connections=conns,
                        seconds=args.seconds,
                        cpu=load_cpu,
                    )
                    n = max(r["requests"], 1)
                    server_ms = (cpu_seconds(tree) - server_before) * 1000 / n
                    db_ms = (cpu_seconds(backends) - db_before) * 1000 / n
                    drain(base)
                    print(
                        f"| {kind} | {variant} | {conns} | {r['rps']:.0f} | {r['p50']:.1f} | "
                        f"{r['p99']:.1f} | {server_ms:.2f} | {db_ms:.2f} | {sizes[variant]:,} "
                        f"| {r['non2xx']} | {load_average()} |",
                        flush=True,
                    )
        finally:
            for pid in reversed(process_tree(server.pid)):
                try:
                    os.kill(pid, 15)
                except OSError:
                    pass
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


if __name__ == "__main__":
    main()
