"""Keys: where they come from, what happens without them, and rotation."""

import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command

from facilitators import crypto
from facilitators.checks import notes_keys_not_local, notes_keys_valid
from facilitators.models import SessionNote, SessionNoteRevision
from facilitators.services import note_read
from sessions_app.models import AuditEntry
from tests.facilitators.conftest import NOTE, client_for, past_session

ROOT = Path(__file__).resolve().parents[2]


def test_round_trip_and_key_id(settings, notes_key):
    token, key_id = crypto.encrypt({"summary": "hello"})
    assert key_id == crypto.key_id(notes_key) == crypto.newest_key_id()
    assert len(key_id) == 16 and notes_key not in key_id
    assert "hello" not in token
    assert crypto.decrypt(token) == {"summary": "hello"}


def test_keys_are_not_derived_from_secret_key(settings):
    settings.NOTES_ENCRYPTION_KEYS = []
    settings.NOTES_LOCAL_KEY_FILE = None
    with pytest.raises(ImproperlyConfigured, match="NOTES_ENCRYPTION_KEYS is not set"):
        crypto.encrypt({"summary": "x"})


def test_old_keys_still_decrypt_and_new_writes_use_the_newest(settings, notes_key):
    old_token, old_id = crypto.encrypt({"summary": "old"})
    new_key = Fernet.generate_key().decode()
    settings.NOTES_ENCRYPTION_KEYS = [new_key, notes_key]
    assert crypto.decrypt(old_token) == {"summary": "old"}
    _, new_id = crypto.encrypt({"summary": "new"})
    assert new_id == crypto.key_id(new_key) != old_id
    settings.NOTES_ENCRYPTION_KEYS = [new_key]
    with pytest.raises(crypto.InvalidToken):
        crypto.decrypt(old_token)


def test_embedded_run_generates_a_local_key_file_once_and_says_so(settings, tmp_path, caplog):
    settings.NOTES_ENCRYPTION_KEYS = []
    settings.NOTES_LOCAL_KEY_FILE = tmp_path / "var" / "notes_encryption.key"
    with caplog.at_level(logging.WARNING, logger="facilitators.crypto"):
        token, key_id = crypto.encrypt({"summary": "local"})
        again, again_id = crypto.encrypt({"summary": "local"})
    key = settings.NOTES_LOCAL_KEY_FILE.read_text().strip()
    assert Fernet(key)  # a real Fernet key
    assert key_id == again_id == crypto.key_id(key)
    assert oct(settings.NOTES_LOCAL_KEY_FILE.stat().st_mode & 0o777) == "0o600"
    generated = [r.getMessage() for r in caplog.records if r.name == "facilitators.crypto"]
    assert generated == [
        "NOTES_ENCRYPTION_KEYS is not set: generated a local notes encryption key at "
        f"{settings.NOTES_LOCAL_KEY_FILE} for the embedded run. Production must set "
        "NOTES_ENCRYPTION_KEYS."
    ]
    assert crypto.decrypt(token) == {"summary": "local"}


def test_a_malformed_key_is_a_clear_error_that_never_echoes_the_key(settings):
    settings.NOTES_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), "not-a-key-secretish"]
    with pytest.raises(ImproperlyConfigured) as exc:
        crypto.encrypt({"summary": "x"})
    assert "key number 2 is not a valid Fernet key" in str(exc.value)
    assert "secretish" not in str(exc.value)
    errors = notes_keys_valid(None)
    assert [e.id for e in errors] == ["hearth.E101"]


def test_deploy_check_refuses_the_local_key(settings):
    settings.NOTES_ENCRYPTION_KEYS = []
    assert [e.id for e in notes_keys_not_local(None)] == ["hearth.E102"]
    settings.NOTES_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    assert notes_keys_not_local(None) == []


def _manage(*args, **env):
    environment = {
        k: v for k, v in os.environ.items() if k not in ("NOTES_ENCRYPTION_KEYS", "DATABASE_URL")
    }
    # Production mail is mandatory too (config/settings.py); these tests are about the keys.
    environment["EMAIL_URL"] = "memorymail://"
    environment.update(env)
    return subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_without_keys_stops_at_start_up_with_a_clear_message():
    result = _manage("check", "--deploy", DEBUG="False", SECRET_KEY="x" * 60)
    assert result.returncode != 0
    assert "ImproperlyConfigured: NOTES_ENCRYPTION_KEYS is not set." in result.stderr
    assert "refuses to start" in result.stderr


def test_production_with_a_key_passes_the_notes_checks():
    key = Fernet.generate_key().decode()
    result = _manage(
        "check", "--deploy", DEBUG="False", SECRET_KEY="x" * 60, NOTES_ENCRYPTION_KEYS=key
    )
    assert "hearth.E10" not in result.stdout + result.stderr
    assert "NOTES_ENCRYPTION_KEYS" not in result.stderr


# --- rotation ------------------------------------------------------------------------------------


def _write_notes(world, count):
    sessions = [world.session] + [
        past_session(world.group, days_ago=7 * (i + 1)) for i in range(count - 1)
    ]
    for session in sessions:
        client = client_for(world.lead)
        client.put(f"/api/v1/sessions/{session.pk}/note/", NOTE, format="json")
        client.put(f"/api/v1/sessions/{session.pk}/note/", {**NOTE, "revision": 1}, format="json")
    return sessions


@pytest.mark.django_db
def test_rotate_note_keys_re_encrypts_every_note_and_revision(world, settings, notes_key):
    sessions = _write_notes(world, 3)
    new_key = Fernet.generate_key().decode()
    settings.NOTES_ENCRYPTION_KEYS = [new_key, notes_key]
    before = {n.pk: n.content for n in SessionNote.objects.all()}

    out = _call_rotate("--batch-size", "2")
    new_id = crypto.key_id(new_key)
    assert "session notes: 3 re-encrypted" in out
    assert "session note revisions: 6 re-encrypted" in out
    assert set(SessionNote.objects.values_list("key_id", flat=True)) == {new_id}
    assert set(SessionNoteRevision.objects.values_list("key_id", flat=True)) == {new_id}
    assert all(n.content != before[n.pk] for n in SessionNote.objects.all())

    settings.NOTES_ENCRYPTION_KEYS = [new_key]  # the old key removed
    for session in sessions:
        payload = note_read(session=session, by=world.lead)
        assert (payload["summary"], payload["follow_ups"]) == (NOTE["summary"], NOTE["follow_ups"])
    for revision in SessionNoteRevision.objects.all():
        assert crypto.decrypt(revision.content)["body"] == NOTE["body"]
    entry = AuditEntry.objects.get(action="note.rotate_keys")
    assert (entry.actor, entry.metadata) == (None, {"failed": 0})

    # Run again: nothing left to do.
    assert "session notes: 0 re-encrypted" in _call_rotate()


def _call_rotate(*args):
    from io import StringIO

    out = StringIO()
    call_command("rotate_note_keys", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_rotation_is_resumable_and_reports_rows_it_cannot_read(world, settings, notes_key):
    _write_notes(world, 2)
    lost_key = Fernet.generate_key().decode()
    settings.NOTES_ENCRYPTION_KEYS = [lost_key]
    stray = past_session(world.group, days_ago=30)
    client_for(world.lead).put(f"/api/v1/sessions/{stray.pk}/note/", NOTE, format="json")

    new_key = Fernet.generate_key().decode()
    settings.NOTES_ENCRYPTION_KEYS = [new_key, notes_key]  # lost_key is missing
    with pytest.raises(CommandError, match="2 rows could not be decrypted"):
        _call_rotate("--batch-size", "1")
    new_id = crypto.key_id(new_key)
    # Everything readable was done, batch by batch, despite the failures.
    assert SessionNote.objects.exclude(key_id=new_id).count() == 1
    assert SessionNoteRevision.objects.exclude(key_id=new_id).count() == 1

    settings.NOTES_ENCRYPTION_KEYS = [new_key, lost_key]
    out = _call_rotate()
    assert "session notes: 1 re-encrypted" in out
    assert "session note revisions: 1 re-encrypted" in out
    assert SessionNote.objects.exclude(key_id=new_id).count() == 0


@pytest.mark.django_db
def test_rotation_rejects_a_bad_batch_size(world):
    with pytest.raises(CommandError, match="at least 1"):
        _call_rotate("--batch-size", "0")
