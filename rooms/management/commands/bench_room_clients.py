"""Set-up for bench/room_fanout: live sessions with open rooms and logged-in clients.

Prints one JSON object on stdout: {"rooms": [[{"path", "headers"}, ...], ...]}; client 0 of
each room is its facilitator (so chat is not paused), the rest are attendees with a seat.
"""

import json
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from rooms import services as room_services
from sessions_app import services
from sessions_app.models import Membership, Session, SupportGroup, User
from sessions_app.services import facilitator_assign
from sessions_app.services.accounts import login_session_create


def _cookie(user: User) -> str:
    return f"{settings.SESSION_COOKIE_NAME}={login_session_create(user=user)}"


class Command(BaseCommand):
    help = "Create rooms and clients for the room fan-out benchmark (prints JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--rooms", type=int, required=True)
        parser.add_argument("--clients-per-room", type=int, required=True)
        parser.add_argument("--purpose", default="shape", choices=["warmup", "shape", "idle"])
        parser.add_argument("--base-url", default="")

    def handle(self, *args, rooms, clients_per_room, purpose, **options):
        if not settings.HEARTH_BENCH:
            raise SystemExit("bench_room_clients runs only with HEARTH_BENCH=1")
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
            out.append([{"path": path, "headers": {"Cookie": _cookie(u)}} for u in users])
        self.stdout.write(json.dumps({"rooms": out}))
