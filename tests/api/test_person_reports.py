"""Reports about people from the group page and the API, and the coordinators' page that
resolves them: per role, with whole payloads where there are payloads."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from rooms import services as room_services
from rooms.models import PersonReport, RoomMessage, RoomParticipant
from sessions_app.models import AuditEntry, Membership
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def g():
    group = GroupFactory(name="Harbour circle", slug="harbour")
    session = one_off_session(group)
    lead = facilitator(group, UserFactory(display_name="Robin"))
    ana = member(group, UserFactory(display_name="Ana"), display_name="Ana")
    ben = member(group, UserFactory(display_name="Benjamin"), display_name="Ben")
    nora = member(group, UserFactory(display_name="Nora"), display_name="Nora")
    now = timezone.now()
    for user, name, role in (
        (lead, "Robin", "facilitator"),
        (ana, "Ana", "attendee"),
        (ben, "Ben", "attendee"),
    ):
        RoomParticipant.objects.create(
            session=session, user=user, role=role, display_name=name, admitted_at=now
        )
    RoomMessage.objects.create(
        session=session,
        seq=1,
        author=ben,
        author_name="Ben",
        author_role="attendee",
        text="nobody wants you here",
        sent_at=now,
    )
    staff = UserFactory(is_staff=True)
    return {
        "group": group,
        "session": session,
        "lead": lead,
        "ana": ana,
        "ben": ben,
        "nora": nora,
        "staff": staff,
    }


def test_api_report_of_a_person(g):
    api = client_for(g["ana"])
    response = api.post(
        "/api/v1/groups/harbour/reports/",
        {"user": g["ben"].pk, "reason": " unkind "},
        format="json",
    )
    assert response.status_code == 201
    report = PersonReport.objects.get()
    assert response.json() == {
        "id": report.pk,
        "user": g["ben"].pk,
        "display_name": "Ben",
        "reason": "unkind",
        "created_at": report.created_at.isoformat().replace("+00:00", "Z"),
    }
    assert (report.session, report.source, report.reporter_name) == (g["session"], "api", "Ana")
    assert [m["text"] for m in report.context] == ["nobody wants you here"]
    again = api.post(
        "/api/v1/groups/harbour/reports/", {"user": g["ben"].pk, "reason": "more"}, format="json"
    )
    assert (again.status_code, again.json()["id"]) == (200, report.pk)


def test_api_report_refusals(g):
    url = "/api/v1/groups/harbour/reports/"
    api = client_for(g["ana"])
    never = "You can report someone you have been in this group's rooms with."
    for body, status, errors in [
        ({"user": g["nora"].pk, "reason": "x"}, 400, {"user": [never]}),
        ({"user": 10**9, "reason": "x"}, 400, {"user": [never]}),
        ({"user": g["ana"].pk, "reason": "x"}, 400, {"user": ["You cannot report yourself."]}),
        ({"user": g["ben"].pk, "reason": "   "}, 400, {"reason": ["This field may not be blank."]}),
        ({"user": g["ben"].pk}, 400, {"reason": ["This field is required."]}),
    ]:
        response = api.post(url, body, format="json")
        assert (response.status_code, response.json()) == (status, errors), body
    assert (
        client_for(None).post(url, {"user": g["ben"].pk, "reason": "x"}, format="json").status_code
        == 401
    )
    outsider = UserFactory()
    response = client_for(outsider).post(url, {"user": g["ben"].pk, "reason": "x"}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "not_a_member")
    # A banned member cannot report from the group either.
    Membership.objects.filter(user=g["ana"]).update(status="banned")
    assert api.post(url, {"user": g["ben"].pk, "reason": "x"}, format="json").status_code in (
        403,
        404,
    )
    private = GroupFactory(slug="hidden", is_public=False)
    assert (
        client_for(g["ana"])
        .post("/api/v1/groups/hidden/reports/", {"user": g["ben"].pk, "reason": "x"}, format="json")
        .status_code
        == 404
    )
    assert not PersonReport.objects.exists()
    assert private.pk


def test_coordinators_list_and_resolve_through_the_api(g):
    report = room_services.person_report_from_room(
        session_id=g["session"].pk, user=g["ana"], user_id=g["ben"].pk, reason="threat"
    )
    for who in (None, g["ana"], g["ben"], g["lead"]):
        listing = client_for(who).get("/api/v1/reports/people/")
        assert listing.status_code == (401 if who is None else 403)
        resolve = client_for(who).post(
            f"/api/v1/reports/people/{report.pk}/resolve/", {"action": "ban"}, format="json"
        )
        assert resolve.status_code == (401 if who is None else 403)
    staff = client_for(g["staff"])
    assert staff.get("/api/v1/reports/people/").json()["results"][0]["id"] == report.pk
    bad = staff.post(
        f"/api/v1/reports/people/{report.pk}/resolve/", {"action": "nuke"}, format="json"
    )
    assert bad.status_code == 400 and set(bad.json()) == {"action"}
    done = staff.post(
        f"/api/v1/reports/people/{report.pk}/resolve/",
        {"action": "ban", "resolution": "threats"},
        format="json",
    )
    assert done.status_code == 200
    assert (done.json()["action"], done.json()["resolution"]) == ("ban", "threats")
    assert Membership.objects.get(user=g["ben"]).status == "banned"
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {
        "member.ban",
        "person_report.resolve",
    }
    twice = staff.post(
        f"/api/v1/reports/people/{report.pk}/resolve/", {"action": "none"}, format="json"
    )
    assert (twice.status_code, twice.json()["code"]) == (409, "already_resolved")
    assert staff.get("/api/v1/reports/people/").json()["count"] == 0
    assert (
        staff.post(
            "/api/v1/reports/people/999999/resolve/", {"action": "none"}, format="json"
        ).status_code
        == 404
    )


def test_group_page_form_lists_only_people_one_shared_a_room_with(client, g):
    client.force_login(g["ana"])
    page = client.get(reverse("frontend:group-detail", args=["harbour"])).content.decode()
    assert "Report a person" in page
    assert f'<option value="{g["ben"].pk}">Ben</option>' in page
    assert f'<option value="{g["lead"].pk}">Robin</option>' in page
    assert "Nora" not in page.split("Report a person")[1]
    # Nora shared no room with anyone: no form for her; nor for visitors.
    client.force_login(g["nora"])
    assert (
        "Report a person"
        not in client.get(reverse("frontend:group-detail", args=["harbour"])).content.decode()
    )
    client.logout()
    assert (
        "Report a person"
        not in client.get(reverse("frontend:group-detail", args=["harbour"])).content.decode()
    )


def test_group_page_report_reaches_the_coordinators_page(client, g):
    client.force_login(g["ana"])
    url = reverse("frontend:group-report", args=["harbour"])
    response = client.post(
        url, {"user": g["ben"].pk, "reason": "He keeps mocking people"}, follow=True
    )
    assert "Thank you. The coordinators will look at your report." in response.content.decode()
    report = PersonReport.objects.get()
    assert report.source == "group_page"
    response = client.post(url, {"user": g["nora"].pk, "reason": "x"}, follow=True)
    assert response.status_code == 200 and PersonReport.objects.count() == 1

    # Facilitators see their group's report read-only; the reporter's and context shown.
    client.force_login(g["lead"])
    group_page = client.get(
        reverse("frontend:fac-group-reports", args=["harbour"])
    ).content.decode()
    assert "About Ben" in group_page and "He keeps mocking people" in group_page
    assert "fac-person-report-resolve" not in group_page and 'name="action"' not in group_page
    assert client.get(reverse("frontend:fac-reports")).status_code == 403

    client.force_login(g["staff"])
    page = client.get(reverse("frontend:fac-reports")).content.decode()
    assert "About Ben" in page and "nobody wants you here" in page and "Reported by Ana" in page
    for value in ("none", "warn", "mute", "remove", "ban"):
        assert f'id="pr-{report.pk}-{value}"' in page
    resolve = reverse("frontend:fac-person-report-resolve", args=[report.pk])
    response = client.post(resolve, {"action": "ban", "resolution": "repeated"}, follow=True)
    assert "Report about Ben resolved: Ban from the group." in response.content.decode()
    assert Membership.objects.get(user=g["ben"]).status == "banned"
    assert (
        "No open reports about people."
        in client.get(reverse("frontend:fac-reports")).content.decode()
    )


def test_reports_about_a_facilitator_stay_with_the_coordinators(client, g):
    room_services.person_report_from_group(
        group=g["group"], user=g["ana"], user_id=g["lead"].pk, reason="harsh"
    )
    client.force_login(g["lead"])
    page = client.get(reverse("frontend:fac-group-reports", args=["harbour"])).content.decode()
    assert "About Robin" not in page and "harsh" not in page
    client.force_login(g["staff"])
    assert "About Robin" in client.get(reverse("frontend:fac-reports")).content.decode()
