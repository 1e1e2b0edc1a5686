"""The audit log (what it records, what it refuses) and the coordinators' admin for notes."""

import pytest
from django.test import Client

from facilitators.models import SafetyAlert, SessionNote
from sessions_app import services as sessions_services
from sessions_app.audit import audit_log
from sessions_app.models import AuditEntry, Membership, SupportGroup
from tests.facilitators.conftest import NOTE, client_for
from tests.factories import UserFactory, member

pytestmark = pytest.mark.django_db


# --- audit_log -----------------------------------------------------------------------------------


def test_audit_log_records_who_what_when_and_which_object(world):
    entry = audit_log(
        actor=world.lead, action="moderation.mute", obj=world.session, metadata={"target": 12}
    )
    entry.refresh_from_db()
    assert (
        entry.actor,
        entry.actor_name,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.metadata,
    ) == (
        world.lead,
        "lead",
        "moderation.mute",
        "sessions_app.session",
        str(world.session.pk),
        {"target": 12},
    )
    assert entry.created_at is not None


@pytest.mark.parametrize(
    "metadata",
    [
        {"phone": "+1 (555) 010-9999"},
        {"note": "Ash shared about the anniversary and cried a lot"},
        {"text": ["a", "b"]},
        {"Bad Key": 1},
        {"nested": {"a": 1}},
    ],
)
def test_audit_log_refuses_text_and_phone_numbers(world, metadata):
    with pytest.raises(ValueError):
        audit_log(actor=world.lead, action="note.write", obj=world.session, metadata=metadata)
    assert not AuditEntry.objects.exists()


def test_audit_log_refuses_a_free_form_action(world):
    with pytest.raises(ValueError, match="dotted name"):
        audit_log(actor=world.lead, action="Read the note", obj=world.session)


def test_member_approval_ban_and_attendance_are_audited(world):
    group: SupportGroup = world.group
    group.join_policy = SupportGroup.JoinPolicy.APPROVAL
    group.save()
    pending = member(group, UserFactory(username="pending"), status=Membership.Status.PENDING)
    membership = Membership.objects.get(user=pending, group=group)
    sessions_services.membership_approve(membership=membership, by=world.lead)
    sessions_services.membership_ban(membership=membership, by=world.co)
    sessions_services.attendance_set(
        session=world.session,
        marks=[{"username": "attendee", "status": "attended"}],
        by=world.lead,
    )
    assert list(
        AuditEntry.objects.order_by("pk").values_list(
            "actor_name", "action", "object_type", "object_id", "metadata"
        )
    ) == [
        (
            "lead",
            "member.approve",
            "sessions_app.membership",
            str(membership.pk),
            {"group": group.pk},
        ),
        ("co", "member.ban", "sessions_app.membership", str(membership.pk), {"group": group.pk}),
        (
            "lead",
            "attendance.set",
            "sessions_app.session",
            str(world.session.pk),
            {"marks": 1, "attended": 1, "no_show": 0},
        ),
    ]


def test_a_rolled_back_action_leaves_no_audit_entry(world):
    with pytest.raises(Exception, match="No RSVP"):
        sessions_services.attendance_set(
            session=world.session,
            marks=[{"username": "nobody", "status": "attended"}],
            by=world.lead,
        )
    assert not AuditEntry.objects.exists()


# --- admin ---------------------------------------------------------------------------------------


def _admin_client(user):
    client = Client()
    client.force_login(user)
    return client


def _note(world, **changes):
    client_for(world.lead).put(
        f"/api/v1/sessions/{world.session.pk}/note/", {**NOTE, **changes}, format="json"
    )
    return SessionNote.objects.get(session=world.session)


@pytest.mark.parametrize("role", ["lead", "attendee", "other_facilitator"])
def test_non_staff_cannot_reach_the_admin_or_its_notes(world, role):
    note = _note(world)
    client = _admin_client(getattr(world, role))
    for path in (
        "/admin/",
        "/admin/facilitators/sessionnote/",
        f"/admin/facilitators/sessionnote/{note.pk}/change/",
        "/admin/sessions_app/auditentry/",
    ):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/"), path
        assert NOTE["summary"] not in response.content.decode()
    assert not AuditEntry.objects.filter(action="note.admin_view").exists()


def test_anonymous_is_sent_to_the_admin_login(world):
    note = _note(world)
    response = Client().get(f"/admin/facilitators/sessionnote/{note.pk}/change/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_coordinator_sees_notes_read_only_and_each_view_is_audited(world):
    note = _note(world, safety_concern=True)
    client = _admin_client(world.staff)  # staff, not superuser

    listing = client.get("/admin/facilitators/sessionnote/")
    assert listing.status_code == 200
    assert NOTE["summary"] not in listing.content.decode()  # lists never decrypt

    page = client.get(f"/admin/facilitators/sessionnote/{note.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert NOTE["summary"] in html and "Send Ash the bereavement leaflet" in html
    assert "this view is in the audit log" in html
    assert 'name="_save"' not in html  # read-only: no save button
    entry = AuditEntry.objects.get(action="note.admin_view")
    assert (entry.actor, entry.object_id, entry.metadata) == (
        world.staff,
        str(note.pk),
        {"session": world.session.pk, "revision": 1},
    )

    assert client.post(f"/admin/facilitators/sessionnote/{note.pk}/change/", {}).status_code == 403
    assert client.get(f"/admin/facilitators/sessionnote/{note.pk}/delete/").status_code == 403
    assert client.get("/admin/facilitators/sessionnote/add/").status_code == 403
    note.refresh_from_db()
    assert note.revision == 1


def test_coordinator_sees_the_audit_log_read_only(world):
    _note(world)
    client = _admin_client(world.staff)
    listing = client.get("/admin/sessions_app/auditentry/")
    assert listing.status_code == 200
    assert "note.write" in listing.content.decode()
    entry = AuditEntry.objects.get(action="note.write")
    assert client.get(f"/admin/sessions_app/auditentry/{entry.pk}/delete/").status_code == 403
    assert client.get("/admin/sessions_app/auditentry/add/").status_code == 403


def test_coordinator_acknowledges_a_safety_alert_in_the_admin(world):
    _note(world, safety_concern=True)
    alert = SafetyAlert.objects.get()
    client = _admin_client(world.staff)
    listing = client.get("/admin/facilitators/safetyalert/")
    assert listing.status_code == 200
    response = client.post(
        "/admin/facilitators/safetyalert/",
        {"action": "acknowledge", "_selected_action": [alert.pk]},
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.acknowledged_by == world.staff and alert.acknowledged_at is not None
    assert AuditEntry.objects.filter(action="safety_alert.acknowledge", actor=world.staff).exists()
