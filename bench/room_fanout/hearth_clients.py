#!/usr/bin/env python
"""Set-up for the ``hearth`` servers of bench/room_fanout: live sessions with open rooms and
logged-in clients, in the database of ``DATABASE_URL``.

    python bench/room_fanout/hearth_clients.py --rooms N --clients-per-room M \
        [--purpose warmup|shape|idle] [--base-url URL]

Prints one JSON object on stdout: {"rooms": [[{"path", "headers"}, ...], ...]}; client 0 of
each room is its facilitator (so chat is not paused), the rest are attendees with a seat.
It creates users, groups and sessions, so it runs only with ``BENCH_ROOM_FANOUT=1`` in the
environment (hearth.py sets it, next to a fresh SQLite database of the run's own).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import uuid
from datetime import timedelta

import django

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="bench/room_fanout/hearth_clients.py",
        description="Create rooms and clients for the room fan-out benchmark (prints JSON).",
    )
    p.add_argument("--rooms", type=int, required=True)
    p.add_argument("--clients-per-room", type=int, required=True)
    p.add_argument("--purpose", default="shape", choices=["warmup", "shape", "idle"])
    p.add_argument("--base-url", default="", help="unused: clients carry a session cookie")
    return p.parse_args(argv)


def setup_django() -> None:
    # Python put this script's directory first on sys.path; its modules (spec, report, ...)
    # must not shadow anything Django imports, and the Hearth checkout must be importable.
    sys.path[:] = [REPO_ROOT, *(p for p in sys.path if os.path.abspath(p or ".") != HERE)]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()


def create_rooms(*, rooms: int, clients_per_room: int, purpose: str) -> list[list[dict]]:
    # Hearth's models and services can be imported only after django.setup().
    from django.conf import settings  # noqa: PLC0415
    from django.utils import timezone  # noqa: PLC0415

    from rooms import services as room_services  # noqa: PLC0415
    from sessions_app import services  # noqa: PLC0415
    from sessions_app.models import Membership, Session, SupportGroup, User  # noqa: PLC0415
    from sessions_app.services import (
        facilitator_assign,  # noqa: PLC0415
        login_session_create,  # noqa: PLC0415
    )

    def cookie(user: User) -> str:
        return f"{settings.SESSION_COOKIE_NAME}={login_session_create(user=user)}"

    run = uuid.uuid4().hex[:8]
    staff = User.objects.filter(username="bench-coordinator").first()
    if staff is None:
        staff = User.objects.create(username="bench-coordinator", is_staff=True)
    out = []
    for r in range(rooms):
        group = services.group_create(
            name=f"Bench {purpose} {run} room {r}",
            topic="bench",
            timezone="UTC",
            capacity=max(clients_per_room, 1),
            format=SupportGroup.Format.ONLINE,
            is_public=False,
        )
        users = User.objects.bulk_create(
            [
                User(username=f"bench-{run}-{r}-{c}", display_name=f"Person {c}")
                for c in range(clients_per_room)
            ]
        )
        facilitator_assign(group=group, user=users[0], role="lead", by=staff)
        Membership.objects.bulk_create(
            [
                Membership(
                    group=group,
                    user=u,
                    status=Membership.Status.APPROVED,
                    display_name=u.display_name,
                )
                for u in users[1:]
            ]
        )
        start = (timezone.now() + timedelta(minutes=5)).replace(tzinfo=None)
        schedule = services.schedule_create(
            group=group, start=start, duration_minutes=180, recurrence=None
        )
        session = Session.objects.get(schedule=schedule)
        for user in users[1:]:
            services.rsvp_create(session=session, user=user)
        room_services.room_open(session=session, by=users[0])
        path = f"/ws/sessions/{session.pk}/room/"
        out.append([{"path": path, "headers": {"Cookie": cookie(u)}} for u in users])
    return out


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if os.environ.get("BENCH_ROOM_FANOUT") != "1":
        sys.exit("hearth_clients.py runs only under bench/room_fanout (BENCH_ROOM_FANOUT=1)")
    setup_django()
    rooms = create_rooms(
        rooms=args.rooms, clients_per_room=args.clients_per_room, purpose=args.purpose
    )
    sys.stdout.write(json.dumps({"rooms": rooms}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
