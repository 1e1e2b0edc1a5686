"""Notes: saving, reading (decrypted only here, for those allowed, audited), hand-over and
safety alerts."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from facilitators import crypto, selectors
from facilitators.access import can_access_notes
from facilitators.models import (
    NoteTemplate,
    SafetyAlert,
    SessionNote,
    SessionNoteRevision,
)
from facilitators.services.profiles import strings_clean
from sessions_app.audit import audit_log
from sessions_app.errors import NotAllowed, StateConflict
from sessions_app.models import Session, User

# The name the logging set-up and the operators know, whichever module of the package logs.
logger = logging.getLogger("facilitators.services")

SUMMARY_MAX = 2000
BODY_MAX = 20000
THEMES_MAX, THEME_MAX = 20, 60
FOLLOW_UPS_MAX, FOLLOW_UP_MAX = 50, 500


class _NotSent:
    """The writer sent no revision at all (not even null)."""

    def __repr__(self) -> str:
        return "NOT_SENT"


# note_save(revision=NOT_SENT): fine for the first save (CONTRACT.md: "the first PUT creates
# it"); once the note exists, a 400 naming the field.
NOT_SENT = _NotSent()


@dataclass
class NoteContent:
    """What is encrypted: everything a facilitator writes in a note."""

    summary: str = ""
    body: str = ""
    themes: list[str] = field(default_factory=list)
    follow_ups: list[dict] = field(default_factory=list)

    @property
    def open_follow_ups(self) -> list[dict]:
        return [f for f in self.follow_ups if not f["done"]]


class NoteStale(StateConflict):
    """The note changed since the revision the writer read (HTTP 409 with the current one)."""

    code = "stale_revision"

    def __init__(self, *, current_revision: int):
        super().__init__(
            "This note was saved by someone else since you opened it. Reload it, merge your "
            "changes and save again.",
        )
        self.current_revision = current_revision


def note_content_clean(
    *, summary, body, themes, follow_ups, safety_concern
) -> tuple[NoteContent, bool]:
    """Validate what a facilitator sends; returns the content and the safety flag."""
    errors: dict[str, list[str]] = {}
    if not isinstance(summary, str):
        errors["summary"] = ["Must be a string."]
    elif len(summary) > SUMMARY_MAX:
        errors["summary"] = [f"At most {SUMMARY_MAX} characters."]
    if not isinstance(body, str):
        errors["body"] = ["Must be a string."]
    elif len(body) > BODY_MAX:
        errors["body"] = [f"At most {BODY_MAX} characters."]
    if not isinstance(safety_concern, bool):
        errors["safety_concern"] = ["Must be true or false."]
    try:
        themes = strings_clean(themes, name="themes", max_items=THEMES_MAX, max_length=THEME_MAX)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    cleaned_follow_ups = []
    if not isinstance(follow_ups, list):
        errors["follow_ups"] = ["Must be a list of {text, done}."]
    elif len(follow_ups) > FOLLOW_UPS_MAX:
        errors["follow_ups"] = [f"At most {FOLLOW_UPS_MAX} follow-ups."]
    else:
        for i, item in enumerate(follow_ups):
            text = item.get("text") if isinstance(item, dict) else None
            done = item.get("done", False) if isinstance(item, dict) else None
            if not isinstance(text, str) or not text.strip():
                errors[f"follow_ups.{i}.text"] = ["Must be a non-empty string."]
            elif len(text) > FOLLOW_UP_MAX:
                errors[f"follow_ups.{i}.text"] = [f"At most {FOLLOW_UP_MAX} characters."]
            if not isinstance(done, bool):
                errors[f"follow_ups.{i}.done"] = ["Must be true or false."]
            if isinstance(text, str) and isinstance(done, bool):
                cleaned_follow_ups.append({"text": text.strip(), "done": done})
    if errors:
        raise ValidationError(errors)
    content = NoteContent(summary=summary, body=body, themes=themes, follow_ups=cleaned_follow_ups)
    return content, safety_concern


def _decrypt(token: str) -> NoteContent:
    return NoteContent(**crypto.decrypt(token))


def _check_access(*, user, session: Session) -> None:
    if not can_access_notes(user=user, session=session):
        raise NotAllowed(
            "Session notes are for this group's facilitators and coordinators.",
            code="notes_private",
        )


def _template_draft(session: Session) -> NoteContent:
    template = NoteTemplate.objects.filter(group_id=session.group_id).first()
    if template is None:
        return NoteContent()
    return NoteContent(
        summary=template.summary,
        body=template.body,
        themes=list(template.themes),
        follow_ups=[{"text": text, "done": False} for text in template.follow_ups],
    )


@transaction.atomic
def note_save(
    *,
    session: Session,
    by: User,
    summary: str,
    body: str,
    themes: list[str],
    follow_ups: list[dict],
    safety_concern: bool,
    revision: int | None | _NotSent,
) -> SessionNote:
    """Save the note of a session. `revision` is the one the writer read (0 or None for a note
    that did not exist yet; NOT_SENT creates it too but is a ValidationError once it exists);
    if the note has moved on since, NoteStale (409) and nothing is written. Every save adds a
    SessionNoteRevision; a newly raised safety concern alerts coordinators."""
    _check_access(user=by, session=session)
    content, safety_concern = note_content_clean(
        summary=summary,
        body=body,
        themes=themes,
        follow_ups=follow_ups,
        safety_concern=safety_concern,
    )
    if (
        revision is not None
        and not isinstance(revision, _NotSent)
        and (not isinstance(revision, int) or isinstance(revision, bool) or revision < 0)
    ):
        raise ValidationError({"revision": ["Must be the revision you read (0 for a new note)."]})
    token, key_id = crypto.encrypt(asdict(content))
    author_name = by.public_name
    # The row lock makes concurrent saves of one note queue up: the second one sees the first
    # one's revision and gets a 409 instead of overwriting it.
    note = SessionNote.objects.select_for_update().filter(session=session).first()
    was_flagged = False
    if note is None:
        if revision not in (None, 0, NOT_SENT):
            raise NoteStale(current_revision=0)
        try:
            with transaction.atomic():
                note = SessionNote.objects.create(
                    session=session,
                    content=token,
                    key_id=key_id,
                    revision=1,
                    safety_concern=safety_concern,
                    open_follow_ups=len(content.open_follow_ups),
                    created_by=by,
                    updated_by=by,
                    updated_by_name=author_name,
                )
        except IntegrityError:
            # Someone created it between our look and our insert (the unique session column
            # made us wait for their commit): theirs stands, ours is stale.
            current = SessionNote.objects.select_for_update().get(session=session)
            raise NoteStale(current_revision=current.revision) from None
    else:
        if isinstance(revision, _NotSent):
            raise ValidationError({"revision": ["This field is required."]})
        if revision != note.revision:
            raise NoteStale(current_revision=note.revision)
        was_flagged = note.safety_concern
        note.content, note.key_id = token, key_id
        note.revision += 1
        note.safety_concern = safety_concern
        note.open_follow_ups = len(content.open_follow_ups)
        note.updated_by, note.updated_by_name = by, author_name
        note.save(
            update_fields=[
                "content",
                "key_id",
                "revision",
                "safety_concern",
                "open_follow_ups",
                "updated_by",
                "updated_by_name",
                "updated_at",
            ]
        )
    SessionNoteRevision.objects.create(
        note=note,
        revision=note.revision,
        content=token,
        key_id=key_id,
        safety_concern=safety_concern,
        author=by,
        author_name=author_name,
    )
    audit_log(
        actor=by,
        action="note.write",
        obj=note,
        metadata={
            "session": session.pk,
            "revision": note.revision,
            "safety_concern": safety_concern,
        },
    )
    if safety_concern and not was_flagged:
        _safety_alert_raise(note=note, by=by)
    return note


def _safety_alert_raise(*, note: SessionNote, by: User) -> SafetyAlert:
    alert = SafetyAlert.objects.create(
        note=note,
        session_id=note.session_id,
        revision=note.revision,
        raised_by=by,
        raised_by_name=by.public_name,
    )
    session_id, alert_id = note.session_id, alert.pk
    # Ids only: the log must never carry what the note says.
    transaction.on_commit(
        lambda: logger.warning(
            "Safety concern flagged on the note of session %s (alert %s): coordinators, see "
            "/admin/facilitators/safetyalert/%s/change/",
            session_id,
            alert_id,
            alert_id,
        )
    )
    return alert


@transaction.atomic
def safety_alert_acknowledge(*, alert: SafetyAlert, by: User) -> SafetyAlert:
    """A coordinator has seen a safety concern and is acting on it."""
    if not by.is_staff:
        raise NotAllowed("Only coordinators acknowledge safety alerts.", code="not_coordinator")
    alert = SafetyAlert.objects.select_for_update().get(pk=alert.pk)
    if alert.acknowledged_at is None:
        alert.acknowledged_at, alert.acknowledged_by = timezone.now(), by
        alert.save(update_fields=["acknowledged_at", "acknowledged_by"])
        audit_log(actor=by, action="safety_alert.acknowledge", obj=alert)
    return alert


def _note_payload(note: SessionNote | None, content: NoteContent, session: Session) -> dict:
    return {
        "session": session.pk,
        "summary": content.summary,
        "body": content.body,
        "themes": content.themes,
        "follow_ups": content.follow_ups,
        "safety_concern": note.safety_concern if note else False,
        "revision": note.revision if note else 0,
        "created": note is not None,
        "updated_at": note.updated_at if note else None,
        "updated_by": note.updated_by_name if note else "",
    }


@transaction.atomic
def note_read(
    *, session: Session, by: User, note: SessionNote | None = None, after_write: bool = False
) -> dict:
    """The note of a session for someone allowed to read it, audited (`note.read`).

    Not written yet: a draft pre-filled from the group's template, with revision 0. Always
    includes the open follow-ups of the previous note of the group (hand-over). With
    `after_write` (the writer getting back what they just saved, already audited as
    `note.write`) only the hand-over read is audited.
    """
    _check_access(user=by, session=session)
    if note is None:
        note = SessionNote.objects.filter(session=session).first()
    content = _decrypt(note.content) if note else _template_draft(session)
    payload = _note_payload(note, content, session)
    if not after_write:
        audit_log(
            actor=by,
            action="note.read",
            obj=note,
            object_type="" if note else SessionNote._meta.label_lower,
            object_id="" if note else f"session:{session.pk}",
            metadata={"session": session.pk, "revision": payload["revision"]},
        )
    previous = selectors.note_previous(session=session)
    payload["previous_session"] = previous.session_id if previous else None
    payload["previous_follow_ups"] = []
    if previous is not None and previous.open_follow_ups:
        payload["previous_follow_ups"] = _decrypt(previous.content).open_follow_ups
        audit_log(
            actor=by,
            action="note.read",
            obj=previous,
            metadata={"session": previous.session_id, "handover_for": session.pk},
        )
    return payload


@transaction.atomic
def note_revisions_read(*, session: Session, by: User) -> list[dict]:
    """Every revision of a session's note, newest first, audited (`note.revisions_read`)."""
    _check_access(user=by, session=session)
    note = SessionNote.objects.filter(session=session).first()
    if note is None:
        return []
    revisions = list(note.revisions.order_by("-revision"))
    audit_log(
        actor=by,
        action="note.revisions_read",
        obj=note,
        metadata={"session": session.pk, "revisions": len(revisions)},
    )
    result = []
    for rev in revisions:
        content = _decrypt(rev.content)
        result.append(
            {
                "revision": rev.revision,
                "author": rev.author_name,
                "created_at": rev.created_at,
                "safety_concern": rev.safety_concern,
                "summary": content.summary,
                "body": content.body,
                "themes": content.themes,
                "follow_ups": content.follow_ups,
            }
        )
    return result


@transaction.atomic
def notes_handover_read(*, by: User) -> list[dict]:
    """Open follow-ups, per group of this user, from the latest note of a session that has
    started: for the dashboard. Each decrypted note is audited."""
    result = []
    for note in selectors.notes_handover(user=by):
        session = note.session
        if not can_access_notes(user=by, session=session):
            continue
        audit_log(
            actor=by,
            action="note.read",
            obj=note,
            metadata={"session": session.pk, "dashboard": True},
        )
        result.append(
            {
                "group": session.group,
                "session": session,
                "follow_ups": _decrypt(note.content).open_follow_ups,
            }
        )
    return result


def note_admin_content(*, note: SessionNote, by: User) -> NoteContent:
    """The content of a note for the coordinators' admin (read-only), audited."""
    if not by.is_staff:
        raise NotAllowed("Only coordinators use the admin.", code="not_coordinator")
    audit_log(
        actor=by,
        action="note.admin_view",
        obj=note,
        metadata={"session": note.session_id, "revision": note.revision},
    )
    return _decrypt(note.content)
