"""Notes on real PostgreSQL: nothing readable at rest (pg_dump canary), key rotation, and two
facilitators saving at the same moment (threads on their own connections, a Barrier)."""

import logging
import subprocess
import threading
import uuid
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import close_old_connections, connection

from facilitators import crypto
from facilitators.models import SessionNote, SessionNoteRevision
from sessions_app.models import AuditEntry
from tests.facilitators.conftest import NOTE, client_for, past_session

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def pg_dump() -> str:
    settings = connection.settings_dict
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [  # noqa: S607 - the machine's pg_dump
            "pg_dump",
            "-h",
            settings["HOST"] or "127.0.0.1",
            "-p",
            str(settings["PORT"] or 5432),
            "-U",
            settings["USER"] or "postgres",
            settings["NAME"],
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return result.stdout


def test_canary_never_reaches_the_database_the_audit_log_or_the_logs(world, settings, caplog):
    assert connection.vendor == "postgresql"
    canary = f"canary-{uuid.uuid4().hex}"
    note = {
        "summary": f"{canary} summary",
        "body": f"Ash said {canary} in the body",
        "themes": [f"{canary}-theme"],
        "follow_ups": [{"text": f"{canary} follow-up", "done": False}],
        "safety_concern": True,
        "revision": 0,
    }
    earlier = past_session(world.group, days_ago=7)
    caplog.set_level(logging.DEBUG)
    lead, co = client_for(world.lead), client_for(world.co)
    assert lead.put(f"/api/v1/sessions/{earlier.pk}/note/", note, format="json").status_code == 200
    saved = lead.put(f"/api/v1/sessions/{earlier.pk}/note/", {**note, "revision": 1}, format="json")
    assert saved.status_code == 200
    # Reads of every kind, a conflict, the hand-over and the admin page: all audited.
    stale = co.put(f"/api/v1/sessions/{earlier.pk}/note/", {**note, "revision": 1}, format="json")
    assert stale.status_code == 409 and canary not in stale.content.decode()
    assert co.get(f"/api/v1/sessions/{earlier.pk}/note/").json()["summary"] == note["summary"]
    assert len(co.get(f"/api/v1/sessions/{earlier.pk}/note/revisions/").json()) == 2
    handover = co.get(f"/api/v1/sessions/{world.session.pk}/note/").json()
    assert handover["previous_follow_ups"] == note["follow_ups"]
    from django.test import Client

    admin = Client()
    admin.force_login(world.staff)
    note_pk = SessionNote.objects.get(session=earlier).pk
    page = admin.get(f"/admin/facilitators/sessionnote/{note_pk}/change/")
    assert canary in page.content.decode()  # coordinators can read it...

    dump = pg_dump()
    assert "facilitators_sessionnote" in dump and "facilitators_auditentry" in dump
    assert dump.count(canary) == 0  # ...but nothing at rest can
    audit_rows = list(AuditEntry.objects.values_list())
    assert len(audit_rows) >= 7
    assert repr(audit_rows).count(canary) == 0
    assert caplog.text.count(canary) == 0
    assert any("Safety concern flagged" in r.getMessage() for r in caplog.records)

    # Rotate: a new key first (the old one still listed), then remove the old key.
    old_key = settings.NOTES_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.NOTES_ENCRYPTION_KEYS = [new_key, old_key]
    out = StringIO()
    call_command("rotate_note_keys", "--batch-size", "1", stdout=out)
    assert "session notes: 1 re-encrypted" in out.getvalue()
    assert "session note revisions: 2 re-encrypted" in out.getvalue()
    settings.NOTES_ENCRYPTION_KEYS = [new_key]
    new_id = crypto.key_id(new_key)
    assert set(SessionNote.objects.values_list("key_id", flat=True)) == {new_id}
    assert set(SessionNoteRevision.objects.values_list("key_id", flat=True)) == {new_id}
    after = co.get(f"/api/v1/sessions/{earlier.pk}/note/")
    assert after.status_code == 200
    assert (after.json()["summary"], after.json()["body"]) == (note["summary"], note["body"])
    history = co.get(f"/api/v1/sessions/{earlier.pk}/note/revisions/").json()
    assert [h["follow_ups"] for h in history] == [note["follow_ups"], note["follow_ups"]]
    assert pg_dump().count(canary) == 0
    assert caplog.text.count(canary) == 0


def _at_once(calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - asserted below
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    close_old_connections()
    return results


def _put(user, session, note):
    def call():
        response = client_for(user).put(f"/api/v1/sessions/{session.pk}/note/", note, format="json")
        return response.status_code, response.json()

    return call


@pytest.mark.parametrize("repetition", range(8))
def test_two_facilitators_saving_at_once_never_lose_a_write_silently(world, repetition):
    url = f"/api/v1/sessions/{world.session.pk}/note/"
    client_for(world.lead).put(url, NOTE, format="json")
    lead_note = {**NOTE, "summary": "lead's version", "revision": 1}
    co_note = {**NOTE, "summary": "co's version", "revision": 1}

    results = _at_once(
        [_put(world.lead, world.session, lead_note), _put(world.co, world.session, co_note)]
    )
    statuses = sorted(r[0] for r in results)
    assert statuses == [200, 409], results
    winner = next(r[1] for r in results if r[0] == 200)
    loser = next(r[1] for r in results if r[0] == 409)
    assert winner["revision"] == 2
    assert loser == {
        "detail": "This note was saved by someone else since you opened it. Reload it, merge "
        "your changes and save again.",
        "code": "stale_revision",
        "revision": 2,
    }
    note = SessionNote.objects.get(session=world.session)
    assert note.revision == 2
    assert list(note.revisions.order_by("revision").values_list("revision", flat=True)) == [1, 2]
    stored = client_for(world.lead).get(url).json()
    assert stored["summary"] == winner["summary"]
    assert AuditEntry.objects.filter(action="note.write").count() == 2


@pytest.mark.parametrize("repetition", range(5))
def test_two_facilitators_creating_the_note_at_once(world, repetition):
    lead_note = {**NOTE, "summary": "lead first", "revision": 0}
    co_note = {**NOTE, "summary": "co first", "revision": 0}
    results = _at_once(
        [_put(world.lead, world.session, lead_note), _put(world.co, world.session, co_note)]
    )
    assert sorted(r[0] for r in results) == [200, 409], results
    loser = next(r[1] for r in results if r[0] == 409)
    assert loser["revision"] == 1
    note = SessionNote.objects.get(session=world.session)
    assert (note.revision, note.revisions.count()) == (1, 1)
