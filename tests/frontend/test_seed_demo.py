"""The demo data shows the product: past sessions with attendance and moods for the charts,
sessions at the groups' usual hours, a waitlist, a pending member, a facilitator's note and
bios; and running it twice changes nothing."""

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from facilitators.models import FacilitatorProfile, SessionNote
from rooms.models import CheckIn
from sessions_app.models import RSVP, Membership, Session, User

pytestmark = pytest.mark.django_db


def test_seed_demo_shows_the_product_and_is_idempotent(settings, tmp_path):
    settings.NOTES_LOCAL_KEY_FILE = tmp_path / "notes.key"
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    counts = (Session.objects.count(), RSVP.objects.count(), CheckIn.objects.count())
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115, PTH123
    assert (Session.objects.count(), RSVP.objects.count(), CheckIn.objects.count()) == counts

    now = timezone.now()
    past = Session.objects.filter(group__slug="evening-grief-circle", end__lt=now)
    assert past.count() == 6
    for session in past:
        local = session.start.astimezone(session.group.tz)
        assert (local.hour, local.minute, local.weekday()) == (19, 0, 1)  # Tuesdays, 7 PM
    attended = [s.rsvps.filter(attendance="attended").count() for s in past.order_by("start")]
    assert min(attended) > 0 and len(set(attended)) > 1
    assert CheckIn.objects.filter(session__in=past, phase="start").count() == sum(attended)
    assert SessionNote.objects.filter(session__group__slug="evening-grief-circle").count() == 1
    # Upcoming sessions of the weekly schedules at each group's usual local hour (the drop-in
    # "live room" session starts whenever the demo is seeded, so it is left out).
    weekly = Session.objects.filter(start__gt=now, schedule__rule__isnull=False)
    assert weekly.exists()
    for session in weekly[:40]:
        assert 7 <= session.start.astimezone(session.group.tz).hour <= 21
    next_grief = Session.objects.filter(group__slug="evening-grief-circle", start__gt=now)
    assert any(s.waitlist_count for s in next_grief)
    assert Membership.objects.filter(status="pending").exists()
    sam = User.objects.get(username="facilitator")
    assert sam.display_name == "Sam"
    assert FacilitatorProfile.objects.get(user=sam).bio.startswith("Peer supporter")

    client = Client()
    client.force_login(sam)
    dashboard = client.get("/facilitate/").content.decode()
    assert dashboard.count("<svg") >= 2  # attendance and mood charts with data
    group_page = client.get("/groups/evening-grief-circle/").content.decode()
    assert "Peer supporter since 2015" in group_page and "Sam (facilitator)" not in group_page
