"""Demo data for the embedded run: idempotent, safe to run on every `make run`."""

from datetime import datetime, time, timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from facilitators import services as fac_services
from rooms import services as room_services
from rooms.models import CheckIn
from sessions_app import services
from sessions_app.models import RSVP, FacilitatorAssignment, Session, SupportGroup, User, Venue
from sessions_app.services import facilitator_assign

DEMO_PASSWORD = "hearth-demo-2026"  # noqa: S105 - printed for the demo logins on purpose

FACILITATORS = [("facilitator", "Sam"), ("facilitator2", "Rosa")]
# Names earlier versions gave the demo staff; a database seeded then gets the plain ones (the
# pages show a "facilitator" badge beside the name already).
OLD_NAMES = {
    "Sam (facilitator)": "Sam",
    "Rosa (facilitator)": "Rosa",
    "Casey (coordinator)": "Casey",
}
BIOS = {
    "facilitator": (
        "Peer supporter since 2015, after losing my brother. I keep time, keep the room safe "
        "and make sure everyone who wants to speak gets a turn.",
        ["Grief Recovery Method", "Mental Health First Aid"],
    ),
    "facilitator2": (
        "Former hospice nurse and a carer for my mother for six years. Bilingual: English "
        "and Spanish.",
        ["Hospice volunteer training", "Trauma-informed facilitation"],
    ),
}
PAST_WEEKS = 6
# The facilitator's note on the latest past session, in the group's language.
DEMO_NOTES = {
    "en": {
        "summary": "A quieter week; two people shared for the first time.",
        "body": "Anniversaries came up for several people. Check in on how the holidays are "
        "going next time.",
        "themes": ["anniversaries", "holidays"],
        "follow_up": "Bring the list of local bereavement services",
    },
    "es": {
        "summary": "Una semana más tranquila; dos personas compartieron por primera vez.",
        "body": "Varias personas hablaron de aniversarios. La próxima vez, preguntar cómo "
        "llevan las fiestas.",
        "themes": ["aniversarios", "fiestas"],
        "follow_up": "Traer la lista de servicios de duelo de la zona",
    },
}
# (attended, start mood, end mood) per demo attendee and week: varied, never random, so every
# run seeds the same charts.
MOODS = [2, 3, 2, 4, 3, 1, 3, 2]
ATTENDEE_NAMES = [
    "Alex",
    "Bea",
    "Chris",
    "Dana",
    "Eli",
    "Fern",
    "Gus",
    "Hana",
    "Iris",
    "Jo",
    "Kit",
    "Lou",
]

GROUPS = [
    {
        "slug": "evening-grief-circle",
        "name": "Evening Grief Circle",
        "topic": "grief",
        "format": "online",
        "timezone": "America/New_York",
        "capacity": 6,
        "join_policy": "open",
        "language": "en",
        "description": "A gentle online circle for anyone grieving a loss, recent or long ago.",
        "guidelines": (
            "What is said here stays here. Speak from your own experience. Pass any time."
        ),
        "schedule": ("19:00", 90, {"frequency": "weekly", "byweekday": ["TU"]}),
        "facilitators": [("facilitator", "lead"), ("facilitator2", "co")],
    },
    {
        "slug": "caregivers-coffee",
        "name": "Caregivers' Coffee",
        "topic": "caregiving",
        "format": "in_person",
        "timezone": "America/Chicago",
        "capacity": 15,
        "join_policy": "approval",
        "language": "en",
        "description": "Caring for a parent, partner or child? Coffee, company and practical tips.",
        "venue": "Central Library, Room 2B",
        "schedule": ("10:00", 90, {"frequency": "monthly", "byweekday": ["MO"], "bysetpos": 1}),
        "facilitators": [("facilitator2", "lead")],
    },
    {
        "slug": "anxiety-peer-group",
        "name": "Anxiety Peer Group",
        "topic": "anxiety",
        "format": "hybrid",
        "timezone": "Europe/Berlin",
        "capacity": 10,
        "join_policy": "open",
        "language": "en",
        "description": (
            "Peers living with anxiety, meeting every other Thursday, online or in Berlin."
        ),
        "venue": "Nachbarschaftshaus Kreuzberg",
        "schedule": ("18:30", 75, {"frequency": "weekly", "interval": 2, "byweekday": ["TH"]}),
        "facilitators": [("facilitator", "lead")],
    },
    {
        "slug": "recovery-morning-meeting",
        "name": "Recovery Morning Meeting",
        "topic": "recovery",
        "format": "online",
        "timezone": "America/Los_Angeles",
        "capacity": 25,
        "join_policy": "open",
        "language": "en",
        "description": (
            "Start the weekday with others in recovery. Thirty minutes, cameras optional."
        ),
        "schedule": (
            "07:30",
            30,
            {"frequency": "daily", "byweekday": ["MO", "TU", "WE", "TH", "FR"]},
        ),
        "facilitators": [("facilitator2", "lead")],
    },
    {
        "slug": "grupo-de-duelo",
        "name": "Grupo de duelo en español",
        "topic": "grief",
        "format": "online",
        "timezone": "America/Mexico_City",
        "capacity": 12,
        "join_policy": "open",
        "language": "es",
        "description": "Un espacio seguro para compartir el duelo, en español.",
        "schedule": ("20:00", 90, {"frequency": "weekly", "byweekday": ["WE"]}),
        "facilitators": [("facilitator", "co"), ("facilitator2", "lead")],
    },
    {
        "slug": "new-parents-circle",
        "name": "New Parents Circle",
        "topic": "parenting",
        "format": "in_person",
        "timezone": "Europe/London",
        "capacity": 8,
        "join_policy": "invite",
        "language": "en",
        "description": "For parents in the first year, struggling with mood after a birth.",
        "venue": "Hackney Family Centre",
        "schedule": ("17:00", 60, {"frequency": "monthly", "byweekday": ["FR"], "bysetpos": -1}),
        "facilitators": [("facilitator", "lead")],
    },
]


def _user(username: str, display_name: str, *, staff: bool = False, tz: str = "UTC") -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={
            "display_name": display_name,
            "is_staff": staff,
            "is_superuser": staff,
            "timezone": tz,
            "email": f"{username}@example.org",
        },
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    return user


class Command(BaseCommand):
    help = "Load demo data (idempotent) and print the demo logins."

    @transaction.atomic
    def handle(self, *args, **options):
        coordinator = _user("coordinator", "Casey", staff=True)
        facilitators = {u: _user(u, name) for u, name in FACILITATORS}
        for user in [coordinator, *facilitators.values()]:
            if user.display_name in OLD_NAMES:
                user.display_name = OLD_NAMES[user.display_name]
                user.save(update_fields=["display_name"])
        for username, (bio, trainings) in BIOS.items():
            fac_services.facilitator_profile_update(
                user=facilitators[username],
                bio=bio,
                trainings=trainings,
                bio_visibility="everyone",
                trainings_visibility="everyone",
            )
        attendees = [
            _user(f"attendee{i}", name, tz="America/New_York")
            for i, name in enumerate(ATTENDEE_NAMES, start=1)
        ]
        tomorrow = timezone.now().date() + timedelta(days=1)
        for spec in GROUPS:
            group = SupportGroup.objects.filter(slug=spec["slug"]).first()
            if group is None:
                fields = {
                    k: v for k, v in spec.items() if k not in {"schedule", "facilitators", "venue"}
                }
                if "venue" in spec:
                    venue = Venue.objects.filter(
                        name=spec["venue"]
                    ).first() or services.venue_create(
                        name=spec["venue"],
                        address="Ask a facilitator for directions.",
                        accessibility_notes="Step-free entrance; accessible toilet on this floor.",
                    )
                    fields["venue"] = venue
                group = services.group_create(**fields)
            for username, role in spec["facilitators"]:
                facilitator_assign(group=group, user=facilitators[username], role=role)
            if not group.schedules.exists():
                at, minutes, recurrence = spec["schedule"]
                start = datetime.combine(tomorrow, time.fromisoformat(at))
                services.schedule_create(
                    group=group,
                    start=start,
                    duration_minutes=minutes,
                    recurrence=recurrence,
                    created_by=coordinator,
                )
        services.sessions_materialize()
        self._memberships_and_rsvps(attendees)
        for slug in ("evening-grief-circle", "grupo-de-duelo"):
            self._past_sessions(SupportGroup.objects.get(slug=slug), attendees)
        live = self._live_room(facilitators["facilitator"], attendees[:4])
        self._print_logins(coordinator)
        self.stdout.write(
            f"  a live room is open now: /sessions/{live.pk}/room/ (facilitator, attendee1-4)"
        )

    def _live_room(self, lead: User, attendees: list[User]) -> Session:
        """A drop-in session of the grief circle starting in a few minutes with its room open,
        so the room can be tried at once; made again whenever the last one has ended."""
        grief = SupportGroup.objects.get(slug="evening-grief-circle")
        now = timezone.now()
        live = (
            Session.objects.scheduled()
            .filter(group=grief, room_open=True, end__gt=now + timedelta(minutes=30))
            .first()
        )
        if live is None:
            local = (now + timedelta(minutes=5)).astimezone(grief.tz).replace(tzinfo=None)
            schedule = services.schedule_create(
                group=grief, start=local, duration_minutes=180, recurrence=None, created_by=lead
            )
            live = Session.objects.get(schedule=schedule)
            for user in attendees:
                services.rsvp_create(session=live, user=user)
            room_services.room_open(session=live, by=lead)
        return live

    def _memberships_and_rsvps(self, attendees: list[User]) -> None:
        grief = SupportGroup.objects.get(slug="evening-grief-circle")
        caregivers = SupportGroup.objects.get(slug="caregivers-coffee")
        spanish = SupportGroup.objects.get(slug="grupo-de-duelo")
        for i, user in enumerate(attendees):
            services.membership_join(group=grief, user=user, display_name=user.display_name)
            if i < 4:
                services.membership_join(group=caregivers, user=user)  # pending approval
            if i % 3 == 0:
                services.membership_join(group=spanish, user=user)
        # The next grief circle is full (6 seats) with two on the waitlist.
        next_grief = Session.objects.scheduled().filter(group=grief).upcoming().first()
        if next_grief and not RSVP.objects.filter(session=next_grief).exists():
            for user in attendees[:8]:
                services.rsvp_create(session=next_grief, user=user)
        # Two members approved in the caregivers' group, two still waiting (once: run again,
        # it must not approve the two who wait).
        approved = caregivers.memberships.filter(status="approved").exists()
        waiting = caregivers.memberships.filter(status="pending").order_by("pk")
        for membership in [] if approved else waiting[:2]:
            lead = FacilitatorAssignment.objects.filter(group=caregivers, role="lead").first()
            services.membership_approve(membership=membership, by=lead.user if lead else None)

    def _past_sessions(self, group: SupportGroup, attendees: list[User]) -> None:
        """The last weeks of a group, as if it had met: sessions at its usual wall-clock time
        with attendance and check-in moods (so the dashboard's charts show something), and a
        facilitator's note with a follow-up on the latest. Sessions cannot be scheduled in the
        past, so these rows are written here, on the group's own series; once there, they are
        left alone."""
        schedule = group.schedules.order_by("pk").first()
        if schedule is None or Session.objects.filter(group=group, end__lt=timezone.now()).exists():
            return
        first = Session.objects.filter(schedule=schedule).order_by("start").first()
        lead = FacilitatorAssignment.objects.filter(group=group, role="lead").first()
        if first is None or lead is None:
            return
        members = [
            user
            for user in attendees
            if group.memberships.filter(user=user, status="approved").exists()
        ][:8]
        local = first.start.astimezone(group.tz)
        latest = None
        for week in range(PAST_WEEKS, 0, -1):
            wall = (local - timedelta(weeks=week)).replace(tzinfo=None)
            start = wall.replace(tzinfo=group.tz)  # the usual hour, on either side of a change
            end = start + (first.end - first.start)
            latest = Session.objects.create(
                group=group,
                schedule=schedule,
                event=first.event,
                original_start=start,
                start=start,
                end=end,
            )
            for i, user in enumerate(members):
                attended = i < len(members) - week % 3  # most come, a few fewer some weeks
                RSVP.objects.create(
                    session=latest,
                    user=user,
                    status=RSVP.Status.GOING,
                    attendance=RSVP.Attendance.ATTENDED if attended else RSVP.Attendance.NO_SHOW,
                    attendance_marked_at=end,
                    minutes_present=int((end - start).total_seconds() // 60) if attended else 0,
                )
                if attended:
                    mood = MOODS[(i + week) % len(MOODS)]
                    CheckIn.objects.create(session=latest, user=user, phase="start", mood=mood)
                    CheckIn.objects.create(
                        session=latest, user=user, phase="end", mood=min(5, mood + 1 + week % 2)
                    )
        if latest is not None:
            note = DEMO_NOTES[group.language if group.language in DEMO_NOTES else "en"]
            fac_services.note_save(
                session=latest,
                by=lead.user,
                summary=note["summary"],
                body=note["body"],
                themes=note["themes"],
                follow_ups=[{"text": note["follow_up"], "done": False}],
                safety_concern=False,
                revision=None,
            )

    def _print_logins(self, coordinator: User) -> None:
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Log in with:"))
        self.stdout.write(f"  coordinator (staff, admin at /admin/): {coordinator.username}")
        for username, _ in FACILITATORS:
            self.stdout.write(f"  facilitator: {username}")
        self.stdout.write(f"  attendees: attendee1 … attendee{len(ATTENDEE_NAMES)}")
        self.stdout.write(f"  password for every demo login: {DEMO_PASSWORD}")
