"""GET/PUT /api/v1/sessions/{id}/note/: who may, what comes back, revisions and conflicts."""

import copy

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from facilitators import services
from facilitators.models import NoteTemplate, SafetyAlert, SessionNote, SessionNoteRevision
from sessions_app.models import AuditEntry
from tests.facilitators.conftest import NOTE, client_for, past_session

pytestmark = pytest.mark.django_db


def url(session):
    return f"/api/v1/sessions/{session.pk}/note/"


def expected_note(session, *, revision, updated_by, note=NOTE, previous=None, prev_items=()):
    return {
        "session": session.pk,
        "summary": note["summary"],
        "body": note["body"],
        "themes": note["themes"],
        "follow_ups": note["follow_ups"],
        "safety_concern": note["safety_concern"],
        "revision": revision,
        "created": True,
        "updated_by": updated_by,
        "previous_session": previous,
        "previous_follow_ups": list(prev_items),
    }


def without_time(data):
    data = dict(data)
    assert data.pop("updated_at")
    return data


# --- who may -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("attendee", 403),
        ("other_member", 403),
        ("other_facilitator", 403),
        ("lead", 200),
        ("co", 200),
        ("staff", 200),
    ],
)
def test_note_read_and_write_permissions(world, role, status):
    client_for(world.lead).put(url(world.session), NOTE, format="json")
    user = None if role == "anonymous" else getattr(world, role)
    client = client_for(user)

    read = client.get(url(world.session))
    assert read.status_code == status
    if status == 200:
        assert without_time(read.json()) == expected_note(
            world.session, revision=1, updated_by="Lee (lead)"
        )
    else:
        assert "summary" not in read.json()
        assert NOTE["summary"] not in read.content.decode()

    write = client.put(
        url(world.session), {**NOTE, "summary": "changed", "revision": 1}, format="json"
    )
    assert write.status_code == status
    note = SessionNote.objects.get(session=world.session)
    assert note.revision == (2 if status == 200 else 1)
    if status != 200:
        assert not AuditEntry.objects.filter(actor=user, action__startswith="note.").exists()


def test_forbidden_body_names_the_reason(world):
    response = client_for(world.attendee).get(url(world.session))
    assert response.json() == {
        "detail": "Session notes are for this group's facilitators and coordinators.",
        "code": "notes_private",
    }


def test_unknown_session_is_404(world):
    assert client_for(world.lead).get("/api/v1/sessions/999999/note/").status_code == 404


# --- drafts, templates, revisions ---------------------------------------------------------------


def test_unwritten_note_is_a_template_draft_with_revision_0(world):
    NoteTemplate.objects.create(
        group=world.group,
        summary="",
        body="Check-in round:\nMain theme:\nCheck-out round:",
        themes=["check-in"],
        follow_ups=["Welcome first-timers by name"],
    )
    response = client_for(world.co).get(url(world.session))
    assert response.status_code == 200
    assert response.json() == {
        "session": world.session.pk,
        "summary": "",
        "body": "Check-in round:\nMain theme:\nCheck-out round:",
        "themes": ["check-in"],
        "follow_ups": [{"text": "Welcome first-timers by name", "done": False}],
        "safety_concern": False,
        "revision": 0,
        "created": False,
        "updated_at": None,
        "updated_by": "",
        "previous_session": None,
        "previous_follow_ups": [],
    }
    assert not SessionNote.objects.exists()
    entry = AuditEntry.objects.get(action="note.read")
    assert (entry.actor, entry.object_type, entry.object_id) == (
        world.co,
        "facilitators.sessionnote",
        f"session:{world.session.pk}",
    )


def test_first_put_creates_then_each_save_is_a_revision(world):
    created = client_for(world.lead).put(url(world.session), NOTE, format="json")
    assert created.status_code == 200
    assert without_time(created.json()) == expected_note(
        world.session, revision=1, updated_by="Lee (lead)"
    )

    second = {**NOTE, "follow_ups": [{"text": "Send Ash the leaflet", "done": True}]}
    second["revision"] = 1
    saved = client_for(world.co).put(url(world.session), second, format="json")
    assert saved.status_code == 200
    assert without_time(saved.json()) == expected_note(
        world.session, revision=2, updated_by="Cory", note=second
    )

    note = SessionNote.objects.get(session=world.session)
    assert (note.revision, note.open_follow_ups, note.updated_by) == (2, 0, world.co)
    revisions = list(SessionNoteRevision.objects.filter(note=note).order_by("revision"))
    assert [(r.revision, r.author, r.author_name) for r in revisions] == [
        (1, world.lead, "Lee (lead)"),
        (2, world.co, "Cory"),
    ]

    history = client_for(world.lead).get(f"/api/v1/sessions/{world.session.pk}/note/revisions/")
    assert history.status_code == 200
    body = history.json()
    for item in body:
        assert item.pop("created_at")
    assert body == [
        {
            "revision": 2,
            "author": "Cory",
            "safety_concern": False,
            "summary": NOTE["summary"],
            "body": NOTE["body"],
            "themes": NOTE["themes"],
            "follow_ups": [{"text": "Send Ash the leaflet", "done": True}],
        },
        {
            "revision": 1,
            "author": "Lee (lead)",
            "safety_concern": False,
            "summary": NOTE["summary"],
            "body": NOTE["body"],
            "themes": NOTE["themes"],
            "follow_ups": NOTE["follow_ups"],
        },
    ]
    # Only the writes and the history read are audited: the PUT responses are the writer's own.
    assert list(
        AuditEntry.objects.order_by("pk").values_list("action", "actor__username", "metadata")
    ) == [
        (
            "note.write",
            "lead",
            {"session": world.session.pk, "revision": 1, "safety_concern": False},
        ),
        ("note.write", "co", {"session": world.session.pk, "revision": 2, "safety_concern": False}),
        ("note.revisions_read", "lead", {"session": world.session.pk, "revisions": 2}),
    ]


def test_revisions_are_private_too(world):
    client_for(world.lead).put(url(world.session), NOTE, format="json")
    for user in (world.attendee, world.other_facilitator):
        response = client_for(user).get(f"/api/v1/sessions/{world.session.pk}/note/revisions/")
        assert response.status_code == 403
    anonymous = client_for(None).get(f"/api/v1/sessions/{world.session.pk}/note/revisions/")
    assert anonymous.status_code == 401


def test_stale_revision_is_409_with_the_current_revision_and_writes_nothing(world):
    client_for(world.lead).put(url(world.session), NOTE, format="json")
    client_for(world.co).put(url(world.session), {**NOTE, "revision": 1}, format="json")
    stale = client_for(world.lead).put(
        url(world.session), {**NOTE, "summary": "lost?", "revision": 1}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json() == {
        "detail": "This note was saved by someone else since you opened it. Reload it, merge "
        "your changes and save again.",
        "code": "stale_revision",
        "revision": 2,
    }
    note = SessionNote.objects.get(session=world.session)
    assert note.revision == 2
    assert note.revisions.count() == 2
    assert client_for(world.lead).get(url(world.session)).json()["summary"] == NOTE["summary"]


def test_creating_over_an_existing_note_is_409(world):
    client_for(world.lead).put(url(world.session), NOTE, format="json")
    again = client_for(world.co).put(url(world.session), {**NOTE, "revision": 0}, format="json")
    assert (again.status_code, again.json()["revision"]) == (409, 1)
    blind = client_for(world.co).put(url(world.session), {**NOTE, "revision": None}, format="json")
    assert (blind.status_code, blind.json()["revision"]) == (409, 1)


def test_a_revision_for_a_note_that_does_not_exist_is_409(world):
    response = client_for(world.lead).put(
        url(world.session), {**NOTE, "revision": 4}, format="json"
    )
    assert (response.status_code, response.json()["revision"]) == (409, 0)
    assert not SessionNote.objects.exists()


@pytest.mark.parametrize(
    ("change", "errors"),
    [
        ({"themes": "grief"}, {"themes": ['Expected a list of items but got type "str".']}),
        (
            {"follow_ups": [{"done": True}]},
            {"follow_ups": {"0": {"text": ["This field is required."]}}},
        ),
        ({"safety_concern": "maybe"}, {"safety_concern": ["Must be a valid boolean."]}),
        ({"revision": -1}, {"revision": ["Ensure this value is greater than or equal to 0."]}),
        (
            {"summary": "x" * 2001},
            {"summary": ["Ensure this field has no more than 2000 characters."]},
        ),
        ({"themes": [""]}, {"themes": {"0": ["This field may not be blank."]}}),
    ],
)
def test_bad_input_is_400_with_field_errors(world, change, errors):
    response = client_for(world.lead).put(url(world.session), {**NOTE, **change}, format="json")
    assert response.status_code == 400
    assert response.json() == errors
    assert not SessionNote.objects.exists()


def test_missing_fields_are_required(world):
    response = client_for(world.lead).put(url(world.session), {"summary": "x"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"body", "themes", "follow_ups", "safety_concern"}
    client_for(world.lead).put(url(world.session), NOTE, format="json")
    response = client_for(world.lead).put(url(world.session), {"summary": "x"}, format="json")
    assert response.status_code == 400
    assert set(response.json()) == {"body", "themes", "follow_ups", "safety_concern", "revision"}


def test_the_first_put_without_a_revision_creates_the_note(world):
    """CONTRACT.md: "the first PUT creates it"; the revision is for updating one."""
    first = {key: value for key, value in NOTE.items() if key != "revision"}
    response = client_for(world.lead).put(url(world.session), first, format="json")
    assert response.status_code == 200
    assert without_time(response.json()) == expected_note(
        world.session, revision=1, updated_by="Lee (lead)"
    )
    again = client_for(world.co).put(url(world.session), first, format="json")
    assert again.status_code == 400
    assert again.json() == {"revision": ["This field is required."]}
    note = SessionNote.objects.get(session=world.session)
    assert (note.revision, note.updated_by) == (1, world.lead)


def test_not_json_list_body_is_400(world):
    response = client_for(world.lead).put(url(world.session), [1, 2], format="json")
    assert response.status_code == 400


# --- hand-over -----------------------------------------------------------------------------------


def test_open_follow_ups_of_the_previous_session_are_handed_over(world):
    earlier = past_session(world.group, days_ago=7)
    much_earlier = past_session(world.group, days_ago=14)
    other_group_session = past_session(world.other_group, days_ago=3)
    facilitator_client = client_for(world.lead)
    facilitator_client.put(
        url(much_earlier),
        {**NOTE, "follow_ups": [{"text": "Old item", "done": False}]},
        format="json",
    )
    facilitator_client.put(url(earlier), NOTE, format="json")
    client_for(world.other_facilitator).put(
        url(other_group_session),
        {**NOTE, "follow_ups": [{"text": "Not this group", "done": False}]},
        format="json",
    )
    AuditEntry.objects.all().delete()

    response = client_for(world.co).get(url(world.session))
    assert response.status_code == 200
    body = response.json()
    assert body["revision"] == 0
    assert body["previous_session"] == earlier.pk
    assert body["previous_follow_ups"] == [
        {"text": "Send Ash the bereavement leaflet", "done": False}
    ]
    previous_note = SessionNote.objects.get(session=earlier)
    assert list(
        AuditEntry.objects.order_by("pk").values_list("action", "object_id", "metadata")
    ) == [
        ("note.read", f"session:{world.session.pk}", {"session": world.session.pk, "revision": 0}),
        (
            "note.read",
            str(previous_note.pk),
            {"session": earlier.pk, "handover_for": world.session.pk},
        ),
    ]


# --- safety concern ------------------------------------------------------------------------------


def test_safety_concern_raises_one_alert_per_raising(world):
    client = client_for(world.lead)
    client.put(url(world.session), {**NOTE, "safety_concern": True}, format="json")
    client.put(url(world.session), {**NOTE, "safety_concern": True, "revision": 1}, format="json")
    alert = SafetyAlert.objects.get()
    note = SessionNote.objects.get(session=world.session)
    assert (alert.note, alert.session, alert.revision, alert.raised_by, alert.raised_by_name) == (
        note,
        world.session,
        1,
        world.lead,
        "Lee (lead)",
    )
    assert alert.acknowledged_at is None
    client.put(url(world.session), {**NOTE, "safety_concern": False, "revision": 2}, format="json")
    client.put(url(world.session), {**NOTE, "safety_concern": True, "revision": 3}, format="json")
    assert list(SafetyAlert.objects.order_by("pk").values_list("revision", flat=True)) == [1, 4]


@pytest.mark.django_db(transaction=True)
def test_safety_alert_is_logged_after_commit_without_note_text(world, caplog):
    with caplog.at_level("INFO"):
        client_for(world.lead).put(
            url(world.session), {**NOTE, "safety_concern": True}, format="json"
        )
    alert = SafetyAlert.objects.get()
    messages = [r.getMessage() for r in caplog.records if r.name == "facilitators.services"]
    assert messages == [
        f"Safety concern flagged on the note of session {world.session.pk} (alert {alert.pk}): "
        f"coordinators, see /admin/facilitators/safetyalert/{alert.pk}/change/"
    ]
    assert NOTE["body"] not in caplog.text and NOTE["summary"] not in caplog.text


# --- at rest -------------------------------------------------------------------------------------


def test_note_content_is_not_stored_in_clear(world):
    secret = copy.deepcopy(NOTE)
    secret["summary"] = "canary-summary-4471"
    secret["themes"] = ["canary-theme-4471"]
    secret["follow_ups"] = [{"text": "canary-follow-up-4471", "done": False}]
    secret["body"] = "canary-body-4471"
    client_for(world.lead).put(url(world.session), secret, format="json")
    tables = [
        "facilitators_sessionnote",
        "facilitators_sessionnoterevision",
        "facilitators_auditentry",
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - fixed table names
            dump = repr(cursor.fetchall())
            assert "canary" not in dump, table  # not a number: timestamps hold digits
    assert client_for(world.lead).get(url(world.session)).json()["summary"] == "canary-summary-4471"


def test_the_service_refuses_an_unsent_revision_once_the_note_exists(world):
    """The view's check and the save are apart; the service decides under the row lock."""
    content = {key: value for key, value in NOTE.items() if key != "revision"}
    services.note_save(session=world.session, by=world.lead, revision=services.NOT_SENT, **content)
    with pytest.raises(ValidationError) as raised:
        services.note_save(
            session=world.session, by=world.co, revision=services.NOT_SENT, **content
        )
    assert raised.value.message_dict == {"revision": ["This field is required."]}
    assert SessionNote.objects.get(session=world.session).revision == 1
