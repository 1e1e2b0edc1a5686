"""The calendar feeds read by two independent, widely used calendar libraries: Python's vobject
(through dateutil) and Mozilla's ical.js (through node, tests/calendar_js). Every session, in
every feed (a group's, the personal one, one session's download), must come out at the instant
Hearth stored, in weeks on both sides of both changes of the year for each zone; a waitlist
place is tentative and says so.

Node and ical.js: the test runs `npm ci` in tests/calendar_js when its node_modules is missing.
Without node it skips locally and fails in CI (`.ci/run`), where nothing may be skipped.
"""

import json
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
import vobject

from sessions_app import services
from sessions_app.models import RSVP, Session
from tests.factories import GroupFactory, UserFactory, facilitator, member
from tests.media_servers import skip_or_fail

pytestmark = pytest.mark.django_db

CALENDAR_JS = Path(__file__).resolve().parents[1] / "calendar_js"

# Each zone's changes of offset in 2027 and the first of 2028. Tokyo and Mexico City have none:
# the same tests, with one-component VTIMEZONEs. The feeds also hold a session in December 2026,
# so they span three years, as a real feed does around New Year (the bug this guards against hit
# only the second and later years of a feed).
CHANGES = {
    "America/New_York": ["2027-03-14", "2027-11-07", "2028-03-12"],
    "America/Los_Angeles": ["2027-03-14", "2027-11-07", "2028-03-12"],
    "Europe/London": ["2027-03-28", "2027-10-31", "2028-03-26"],
    "Europe/Berlin": ["2027-03-28", "2027-10-31", "2028-03-26"],
    "Australia/Sydney": ["2027-04-04", "2027-10-03", "2028-04-02"],  # DST ends in April
    "Asia/Tokyo": [],
    "America/Mexico_City": [],
}


def ical_js_read(paths: list[Path]) -> dict[str, list[dict]]:
    """{path: [{uid, status, summary, tzid, start, end}]} as ical.js reads the files."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        skip_or_fail(
            "node and npm are needed to read the feeds with ical.js (apt-get install nodejs npm)"
        )
    if not (CALENDAR_JS / "node_modules" / "ical.js").is_dir():
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=CALENDAR_JS,
            check=True,
            timeout=300,
        )
    output = subprocess.run(
        [node, str(CALENDAR_JS / "read.mjs"), *map(str, paths)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    ).stdout
    return json.loads(output)


def vobject_read(body: bytes) -> list[dict]:
    events = []
    for event in vobject.readOne(body.decode()).vevent_list:
        events.append(
            {
                "uid": event.uid.value,
                "status": event.status.value,
                "summary": event.summary.value,
                "start": event.dtstart.value.astimezone(UTC),
                "end": event.dtend.value.astimezone(UTC),
            }
        )
    return events


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def one_off(group, local: str) -> Session:
    schedule = services.schedule_create(
        group=group, start=local, duration_minutes=90, recurrence=None
    )
    return Session.objects.get(schedule=schedule)


def sessions_around_the_changes(group) -> list[Session]:
    """19:00 local four days before and two days after each change (mid-March and early
    November for zones without one), then 19:00 on 22 December 2026, and for New York 01:30
    and 03:30 on the spring-forward night itself, either side of the missing hour."""
    changes = CHANGES[group.timezone] or ["2027-03-14", "2027-11-07", "2028-03-12"]
    sessions = []
    for change in changes:
        day = datetime.fromisoformat(change)
        for delta in (-4, 2):
            local = (day + timedelta(days=delta)).replace(hour=19)
            sessions.append(one_off(group, local.isoformat()))
    sessions.append(one_off(group, "2026-12-22T19:00:00"))
    if group.timezone == "America/New_York":
        sessions += [one_off(group, "2027-03-14T01:30:00"), one_off(group, "2027-03-14T03:30:00")]
    return sessions


def assert_read_right(events_by_reader: dict[str, list[dict]], expected: dict[str, Session]):
    """Each reader found exactly the expected events, each at the session's stored instants."""
    for reader, events in events_by_reader.items():
        assert sorted(e["uid"] for e in events) == sorted(expected), reader
        for event in events:
            session = expected[event["uid"]]
            got = (event["start"], event["end"])
            if reader == "ical.js":
                want = (iso(session.start), iso(session.end))
            else:
                want = (session.start, session.end)
            assert got == want, (reader, session.group.timezone, event["uid"])


@pytest.fixture
def in_december_2026(settings):
    settings.SESSION_HORIZON_DAYS = 500
    with time_machine.travel(datetime(2026, 12, 20, 12, 0, tzinfo=UTC), tick=False):
        yield


def test_every_feed_reads_right_in_ical_js_and_vobject_across_both_changes(
    client, tmp_path, in_december_2026
):
    person = UserFactory()
    feeds: dict[str, tuple[bytes, dict[str, Session]]] = {}
    all_rsvped: dict[str, Session] = {}
    for index, zone in enumerate(CHANGES):
        group = GroupFactory(slug=f"g{index}", timezone=zone)
        sessions = sessions_around_the_changes(group)
        # The sessions straddle each change: the local time stays, the UTC time moves.
        tz = ZoneInfo(zone)
        assert {s.start.astimezone(tz).hour for s in sessions[:7]} == {19}
        offsets = [s.start.astimezone(tz).utcoffset() for s in sessions[:6]]
        for before, after in zip(offsets[0::2], offsets[1::2], strict=True):
            assert (before != after) == bool(CHANGES[zone])
        uid = {s.pk: f"session-{s.pk}@127.0.0.1" for s in sessions}

        response = client.get(f"/groups/{group.slug}/calendar.ics")
        assert response.status_code == 200
        feeds[f"group {zone}"] = (response.content, {uid[s.pk]: s for s in sessions})

        last = sessions[3]
        response = client.get(f"/sessions/{last.pk}/calendar.ics")
        assert response.status_code == 200
        feeds[f"session {zone}"] = (response.content, {uid[last.pk]: last})

        member(group, person)
        if zone == "Asia/Tokyo":
            facilitator(group, person)  # the personal feed has what they run, without RSVPs
            all_rsvped.update({uid[s.pk]: s for s in sessions})
        else:
            for session in sessions[1::2]:
                services.rsvp_create(session=session, user=person)
                all_rsvped[uid[session.pk]] = session

    response = client.get(f"/me/calendar.ics?token={person.calendar_token}")
    assert response.status_code == 200
    feeds["personal"] = (response.content, all_rsvped)

    paths = {}
    for index, (name, (body, _)) in enumerate(feeds.items()):
        paths[name] = tmp_path / f"feed{index}.ics"
        paths[name].write_bytes(body)
    read_by_js = ical_js_read(list(paths.values()))

    for name, (body, expected) in feeds.items():
        js_events = read_by_js[str(paths[name])]
        assert_read_right({"vobject": vobject_read(body), "ical.js": js_events}, expected)
        # ical.js resolved TZID= through the feed's own VTIMEZONE, in the group's zone.
        assert {e["tzid"] for e in js_events} == {s.group.timezone for s in expected.values()}
        assert {e["status"] for e in js_events} == {"CONFIRMED"}


def test_a_waitlist_place_is_tentative_and_says_so_in_both_readers(
    client, tmp_path, in_december_2026
):
    group = GroupFactory(slug="full", name="Evening circle", capacity=1)
    session = one_off(group, "2027-03-16T19:00:00")  # after the March change in New York
    seated, waiting = member(group), member(group)
    waiting.language = "es"
    waiting.save(update_fields=["language"])
    services.rsvp_create(session=session, user=seated)
    assert services.rsvp_create(session=session, user=waiting).status == RSVP.Status.WAITLISTED
    uid = f"session-{session.pk}@127.0.0.1"

    def read(user, name):
        body = client.get(f"/me/calendar.ics?token={user.calendar_token}").content
        path = tmp_path / name
        path.write_bytes(body)
        (js,) = ical_js_read([path])[str(path)]
        (vo,) = vobject_read(body)
        assert_read_right({"vobject": [vo], "ical.js": [js]}, {uid: session})
        return js, vo

    for event in read(seated, "seated.ics"):
        assert (event["status"], event["summary"]) == ("CONFIRMED", "Evening circle")
    # The person's language: calendar apps send none.
    for event in read(waiting, "waiting.ics"):
        assert (event["status"], event["summary"]) == (
            "TENTATIVE",
            "Evening circle (lista de espera)",
        )
    waiting.language = "en"
    waiting.save(update_fields=["language"])
    for event in read(waiting, "waiting-en.ics"):
        assert (event["status"], event["summary"]) == ("TENTATIVE", "Evening circle (waitlist)")

    services.rsvp_cancel(session=session, user=seated)  # the waitlist moves up
    for event in read(waiting, "promoted.ics"):
        assert (event["status"], event["summary"]) == ("CONFIRMED", "Evening circle")
