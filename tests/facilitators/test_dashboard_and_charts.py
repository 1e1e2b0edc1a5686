"""Dashboard selectors and the server-side SVG charts."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.test import Client

from facilitators import selectors, services
from frontend.facilitator import charts
from sessions_app import services as sessions_services
from sessions_app.models import RSVP, AuditEntry, Membership, SupportGroup
from tests.facilitators.conftest import NOTE, client_for, past_session
from tests.factories import UserFactory, member, one_off_session

SVG = "{http://www.w3.org/2000/svg}"


@pytest.mark.django_db
def test_upcoming_sessions_with_counts_for_my_groups_only(world):
    world.session.capacity = 1
    world.session.save()
    sessions_services.rsvp_create(session=world.session, user=member(world.group))
    other = one_off_session(world.other_group)
    later = one_off_session(world.group, starts_in=timedelta(days=5))

    mine = selectors.dashboard_upcoming_sessions(user=world.co)
    assert [(s.pk, s.going_count, s.waitlist_count) for s in mine] == [
        (world.session.pk, 1, 1),
        (later.pk, 0, 0),
    ]
    everything = selectors.dashboard_upcoming_sessions(user=world.staff)
    assert {s.pk for s in everything} == {world.session.pk, later.pk, other.pk}
    assert list(selectors.dashboard_upcoming_sessions(user=world.attendee)) == []


@pytest.mark.django_db
def test_pending_members_and_first_timers(world):
    world.group.join_policy = SupportGroup.JoinPolicy.APPROVAL
    world.group.save()
    pending = member(world.group, UserFactory(username="pending"), status=Membership.Status.PENDING)
    member(world.other_group, UserFactory(username="elsewhere"), status=Membership.Status.PENDING)
    assert [m.user for m in selectors.dashboard_pending_members(user=world.lead)] == [pending]

    regular = member(world.group, UserFactory(username="regular"))
    earlier = past_session(world.group, days_ago=7)
    RSVP.objects.create(session=earlier, user=regular, status="going", attendance="attended")
    sessions_services.rsvp_create(session=world.session, user=regular)
    first_timers = selectors.dashboard_first_timers(user=world.lead)
    assert [(r.user.username, r.session_id) for r in first_timers] == [
        ("attendee", world.session.pk)
    ]
    assert list(selectors.dashboard_first_timers(user=world.other_facilitator)) == []


@pytest.mark.django_db
def test_each_first_timer_is_listed_once_per_group_at_their_soonest_session(world):
    """Issue 17: someone going to several sessions of a group was listed once per session."""
    later = one_off_session(world.group, starts_in=timedelta(days=4))
    latest = one_off_session(world.group, starts_in=timedelta(days=6))
    for session in (latest, later):
        sessions_services.rsvp_create(session=session, user=world.attendee)
    newcomer = member(world.group, UserFactory(username="newcomer"))
    sessions_services.rsvp_create(session=later, user=newcomer)
    # A first-timer in two groups the coordinator sees is one row per group.
    sessions_services.rsvp_create(
        session=one_off_session(world.other_group, starts_in=timedelta(days=3)),
        user=member(world.other_group, world.attendee),
    )
    elsewhere = RSVP.objects.get(user=world.attendee, session__group=world.other_group)
    rows = [
        (r.user.username, r.session_id) for r in selectors.dashboard_first_timers(user=world.staff)
    ]
    assert rows == [
        ("attendee", world.session.pk),
        ("attendee", elsewhere.session_id),
        ("newcomer", later.pk),
    ]
    page = Client()
    page.force_login(world.lead)
    html = page.get("/facilitate/").content.decode()
    first = html.split('id="h-first"', 1)[1].split("</section>", 1)[0]
    assert first.count("Ash") == 1


@pytest.mark.django_db
def test_attendance_series_over_twelve_weeks_without_and_with_moods(world):
    old = past_session(world.group, days_ago=7 * 13)  # outside the window
    first = past_session(world.group, days_ago=14)
    second = past_session(world.group, days_ago=7)
    people = [member(world.group) for _ in range(3)]
    for person, attendance in zip(people, ["attended", "attended", "no_show"], strict=True):
        RSVP.objects.create(session=first, user=person, status="going", attendance=attendance)
    RSVP.objects.create(session=second, user=people[0], status="going", attendance="attended")
    RSVP.objects.create(session=old, user=people[0], status="going", attendance="attended")

    series = selectors.group_attendance_series(group=world.group)
    assert [(r["session_id"], r["going"], r["attended"], r["no_show"]) for r in series] == [
        (first.pk, 3, 2, 1),
        (second.pk, 1, 1, 0),
    ]
    assert all(r["mood_start"] is None and r["mood_end"] is None for r in series)

    seen = []

    def moods(session_ids):
        seen.append(session_ids)
        return {first.pk: {"start": 2.5, "end": 3.75, "count": 2}}

    with_moods = selectors.group_attendance_series(group=world.group, moods=moods)
    assert seen == [[first.pk, second.pk]]
    assert [(r["mood_start"], r["mood_end"]) for r in with_moods] == [(2.5, 3.75), (None, None)]

    built = charts.attendance_charts(with_moods, tz=world.group.tz)
    assert [c.svg.count("<rect") - 3 for c in built[:1]] == [6]  # 6 bars + 3 legend swatches
    assert "Check-in mood per session" in built[1].svg
    assert len(charts.attendance_charts(series, tz=world.group.tz)) == 1  # no moods: no line


@pytest.mark.django_db
def test_mood_selector_from_settings(world, settings):
    session = past_session(world.group, days_ago=3)
    settings.CHECKIN_MOOD_SELECTOR = "tests.facilitators.test_dashboard_and_charts.fake_moods"
    series = selectors.group_attendance_series(group=world.group)
    assert [(r["session_id"], r["mood_start"], r["mood_end"]) for r in series] == [
        (session.pk, 4, 5)
    ]
    settings.CHECKIN_MOOD_SELECTOR = "no.such.module.moods"
    assert selectors.group_attendance_series(group=world.group)[0]["mood_start"] is None


def fake_moods(session_ids):
    return {pk: {"start": 4, "end": 5, "count": 1} for pk in session_ids}


@pytest.mark.django_db
def test_handover_follow_ups_on_the_dashboard_are_audited(world):
    earlier = past_session(world.group, days_ago=7)
    client_for(world.lead).put(f"/api/v1/sessions/{earlier.pk}/note/", NOTE, format="json")
    older = past_session(world.other_group, days_ago=7)
    client_for(world.other_facilitator).put(
        f"/api/v1/sessions/{older.pk}/note/", NOTE, format="json"
    )
    AuditEntry.objects.all().delete()
    items = services.notes_handover_read(by=world.co)
    assert [(i["group"], i["session"], i["follow_ups"]) for i in items] == [
        (world.group, earlier, [{"text": "Send Ash the bereavement leaflet", "done": False}])
    ]
    assert list(AuditEntry.objects.values_list("actor_name", "action", "metadata")) == [
        ("co", "note.read", {"session": earlier.pk, "dashboard": True})
    ]
    recent = selectors.notes_recent(user=world.staff)
    assert {n.session_id for n in recent} == {earlier.pk, older.pk}
    assert services.notes_handover_read(by=world.attendee) == []


# --- charts --------------------------------------------------------------------------------------


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output


def test_bar_chart_is_accessible_svg_with_a_data_table():
    chart = charts.bar_chart(
        title="Attendance <per> session",
        description="Going and attended, oldest first.",
        labels=["03 Nov", "10 Nov", "17 Nov"],
        series=[charts.Series("Going", [5, 7, 6]), charts.Series("Attended", [4, 6, None])],
        label_heading="Session",
    )
    root = _parse(chart.svg)
    assert root.get("role") == "img"
    assert (
        root.get("aria-labelledby")
        == "chart-attendance-per-session-title chart-attendance-per-session-desc"
    )
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert (title.get("id"), title.text) == (
        "chart-attendance-per-session-title",
        "Attendance <per> session",
    )
    assert desc.text == "Going and attended, oldest first."
    bars = [r for r in root.iter(f"{SVG}rect") if r.find(f"{SVG}title") is not None]
    assert [b.find(f"{SVG}title").text for b in bars] == [
        "Going, 03 Nov: 5",
        "Going, 10 Nov: 7",
        "Going, 17 Nov: 6",
        "Attended, 03 Nov: 4",
        "Attended, 10 Nov: 6",
    ]
    heights = [float(b.get("height")) for b in bars]
    assert heights[1] == max(heights) and heights[1] > heights[0] > 0
    assert chart.table == (
        '<table class="chart-data"><caption>Attendance &lt;per&gt; session</caption><thead><tr>'
        '<th scope="col">Session</th><th scope="col">Going</th><th scope="col">Attended</th>'
        '</tr></thead><tbody><tr><th scope="row">03 Nov</th><td>5</td><td>4</td></tr>'
        '<tr><th scope="row">10 Nov</th><td>7</td><td>6</td></tr>'
        '<tr><th scope="row">17 Nov</th><td>6</td><td>no data</td></tr></tbody></table>'
    )
    assert chart.html.startswith('<figure class="chart"><svg') and chart.html.endswith("</figure>")


def test_line_chart_breaks_at_gaps_and_escapes_labels():
    chart = charts.line_chart(
        title="Mood",
        description="Mean mood 1-5.",
        labels=["<b>1</b>", "2", "3", "4"],
        series=[charts.Series("Start", [2.5, None, 3, 4])],
        y_max=5,
    )
    root = _parse(chart.svg)
    points = [c.find(f"{SVG}title").text for c in root.iter(f"{SVG}circle")]
    assert points == ["Start, <b>1</b>: 2.5", "Start, 3: 3", "Start, 4: 4"]
    lines = list(root.iter(f"{SVG}polyline"))
    assert len(lines) == 1  # the first point stands alone after the gap
    assert len(lines[0].get("points").split()) == 2
    assert "<b>" not in chart.svg and "&lt;b&gt;" in chart.table


@pytest.mark.parametrize(
    ("labels", "series", "message"),
    [
        (["a"], [], "at least one series"),
        (["a", "b"], [charts.Series("x", [1])], "has 1 values for 2 labels"),
        (["a"], [charts.Series("x", [-1])], "numbers >= 0"),
        (["a"], [charts.Series("x", ["3"])], "numbers >= 0"),
    ],
)
def test_chart_input_is_checked(labels, series, message):
    with pytest.raises(ValueError, match=message):
        charts.bar_chart(title="t", description="d", labels=labels, series=series)


def test_empty_chart_still_renders():
    chart = charts.bar_chart(
        title="Nothing yet",
        description="No sessions.",
        labels=[],
        series=[charts.Series("Going", [])],
    )
    assert _parse(chart.svg).get("role") == "img"
    assert "<tbody></tbody>" in chart.table
