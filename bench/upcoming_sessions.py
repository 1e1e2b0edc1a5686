"""Benchmark: list every session of the next 14 days across 5,000 groups.

Ours: one indexed range query over the materialised `Session` rows (the selector the API and
pages use), with going/waitlist counts. The peer: django-scheduler's own expansion of the same
series, a `Period` over the same window per time zone (expansion must happen in the group's
zone), which iterates each rule from its first start in Python.

Both run on the same data in the same process, alternated, several repetitions; medians and
spread are printed as a Markdown table.

    .venv/bin/python bench/upcoming_sessions.py [--groups 5000] [--repeats 5] [--db PATH]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/London",
    "Europe/Berlin",
    "Australia/Sydney",
    "Asia/Kolkata",
]
WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]


def setup_django(db_path: Path, fresh: bool) -> None:
    if fresh and db_path.exists():
        db_path.unlink()
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.pop("REDIS_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from prod_env import use_production_env

    use_production_env()  # DEBUG off, as in production
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def seed(n_groups: int, now: datetime) -> None:
    """5,000 groups whose series started up to two years ago: weekly, biweekly, monthly."""
    import random

    from schedule.models import Event, Rule

    from sessions_app.models import Schedule, SupportGroup
    from sessions_app.recurrence import FREQUENCIES, recurrence_parse, resolve_local
    from sessions_app.services import _hearth_calendar, sessions_materialize

    if SupportGroup.objects.count() >= n_groups:
        return
    rng = random.Random(42)  # noqa: S311 - benchmark data, not security
    calendar = _hearth_calendar()
    groups = SupportGroup.objects.bulk_create(
        SupportGroup(
            name=f"Bench group {i}",
            slug=f"bench-{i}",
            topic="grief",
            timezone=ZONES[i % len(ZONES)],
            capacity=12,
            reminder_offsets_minutes=[1440, 120],
        )
        for i in range(n_groups)
    )
    kinds = []
    for i, group in enumerate(groups):
        day = WEEKDAYS[rng.randrange(7)]
        kind = i % 3
        if kind == 0:
            rec = {"frequency": "weekly", "byweekday": [day]}
        elif kind == 1:
            rec = {"frequency": "weekly", "interval": 2, "byweekday": [day]}
        else:
            rec = {
                "frequency": "monthly",
                "byweekday": [day],
                "bysetpos": rng.choice([1, 2, 3, -1]),
            }
        first = (now - timedelta(days=rng.randrange(1, 730))).astimezone(group.tz).date()
        kinds.append((group, recurrence_parse(rec), first, 17 + rng.randrange(5)))
    rules = Rule.objects.bulk_create(
        Rule(
            name=f"hearth-{g.slug}"[:32],
            description="bench",
            frequency=FREQUENCIES[r.frequency],
            params=r.rule_params(),
        )
        for g, r, _, _ in kinds
    )
    events = []
    for (group, _, first, hour), _rule in zip(kinds, rules, strict=True):
        start = resolve_local(
            datetime.combine(first, datetime.min.time()).replace(hour=hour), group.tz
        )
        events.append(
            Event(
                calendar=calendar, title=group.name, start=start, end=start + timedelta(minutes=90)
            )
        )
    # bulk_create on SQLite returns primary keys, so the rules can be linked afterwards.
    for event, rule in zip(events, rules, strict=True):
        event.rule = rule
    events = Event.objects.bulk_create(events)
    Schedule.objects.bulk_create(
        Schedule(
            group=group,
            event=event,
            rule=rule,
            first_date=first,
            start_time=datetime.min.time().replace(hour=hour),
            duration_minutes=90,
        )
        for (group, _, first, hour), event, rule in zip(kinds, events, rules, strict=True)
    )
    sessions_materialize(now=now)


def ours(now: datetime) -> int:
    """The selector's plain rows: id, group, start, end, status (what the library gives)."""
    from sessions_app import selectors

    return len(selectors.session_rows_between(start=now, end=now + timedelta(days=14)))


def ours_full(now: datetime) -> int:
    """Full model instances with group, venue and going/waitlist counts (more than the peer)."""
    from sessions_app import selectors

    sessions = selectors.sessions_with_counts(
        selectors.sessions_between(start=now, end=now + timedelta(days=14))
    )
    return len(list(sessions))


def library(now: datetime) -> int:
    from schedule.models import Event
    from schedule.periods import Period

    from sessions_app.models import Schedule

    by_zone: dict[str, list] = defaultdict(list)
    events = Event.objects.select_related("rule").filter(calendar__slug="hearth")
    zone_of = dict(Schedule.objects.values_list("event_id", "group__timezone"))
    for event in events:
        by_zone[zone_of[event.pk]].append(event)
    total = 0
    for zone, zone_events in by_zone.items():
        tz = ZoneInfo(zone)
        period = Period(
            zone_events, now.astimezone(tz), (now + timedelta(days=14)).astimezone(tz), tzinfo=tz
        )
        total += len(period.occurrences)
    return total


def timed(fn, now) -> tuple[float, int]:
    from django.db import reset_queries

    reset_queries()
    started = time.perf_counter()
    n = fn(now)
    return (time.perf_counter() - started) * 1000, n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--db", type=Path, default=ROOT / "var" / "bench_upcoming.sqlite3")
    parser.add_argument("--fresh", action="store_true", help="rebuild the benchmark database")
    args = parser.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    setup_django(args.db, args.fresh)

    import time_machine

    now = datetime.combine(date(2026, 11, 2), datetime.min.time(), tzinfo=UTC)
    with time_machine.travel(now, tick=False):
        t0 = time.perf_counter()
        seed(args.groups, now)
        print(f"seeded in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        results: dict[str, list[float]] = {"ours": [], "ours_full": [], "library": []}
        counts: dict[str, int] = {}
        for _ in range(args.repeats):
            for name, fn in (("ours", ours), ("ours_full", ours_full), ("library", library)):
                ms, n = timed(fn, now)
                results[name].append(ms)
                counts[name] = n

    from django.db import connection

    from sessions_app.models import Session

    med = {k: statistics.median(v) for k, v in results.items()}
    print(
        f"\nDatabase: {connection.vendor}; groups: {args.groups}; sessions stored: "
        f"{Session.objects.count()}; window: 14 days from {now:%Y-%m-%d}; repeats: {args.repeats}\n"
    )
    print("| implementation | sessions found | median ms | min ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    labels = (
        ("ours", "Hearth `session_rows_between` (materialised rows)"),
        ("ours_full", "Hearth `sessions_with_counts` (model objects + counts)"),
        ("library", "django-scheduler `Period` per time zone"),
    )
    for name, label in labels:
        v = results[name]
        print(f"| {label} | {counts[name]} | {med[name]:.1f} | {min(v):.1f} | {max(v):.1f} |")
    print(
        f"\nSpeed-up of the selector over the library (median): {med['library'] / med['ours']:.0f}x"
    )


if __name__ == "__main__":
    main()
