"""The audit log of sensitive actions: `audit_log(...)`, called by every app.

Actions are dotted names, area first. The ones Hearth writes today:

    note.read, note.write, note.admin_view, note.revisions_read, note.rotate_keys,
    attendance.set, member.approve, member.ban, member.leave, member.remove, member.warn,
    facilitator.assign, invite.create, invite.revoke, person_report.resolve,
    attendance.letter_issue,
    account.export, account.delete, moderation.<what> (from the rooms)

Metadata is for small facts (ids, counts, flags, short codes). It may never carry note text
or phone numbers, so `audit_log` refuses long strings and anything shaped like a phone
number: a caller that tries finds out in its tests, not in a data breach.
"""

from __future__ import annotations

import re

from django.db import models

from sessions_app.models import AuditEntry

ACTION_PATTERN = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")
MAX_METADATA_KEYS = 12
MAX_METADATA_STRING = 40
# Seven or more digits, however they are spaced or punctuated: a phone number (or part of one).
PHONE_LIKE = re.compile(r"(?:\d[\s().\-/+]*){7,}")


def _check_value(key: str, value) -> None:
    if value is None or isinstance(value, bool | int | float):
        return
    if isinstance(value, str):
        if len(value) > MAX_METADATA_STRING:
            raise ValueError(f"Audit metadata {key!r}: strings are limited to short codes.")
        if PHONE_LIKE.search(value):
            raise ValueError(f"Audit metadata {key!r}: looks like a phone number.")
        return
    if isinstance(value, list | tuple) and len(value) <= 50:
        for item in value:
            if not isinstance(item, bool | int):
                raise ValueError(f"Audit metadata {key!r}: lists may hold numbers only.")
        return
    raise ValueError(f"Audit metadata {key!r}: only numbers, flags and short codes.")


def _clean_metadata(metadata: dict | None) -> dict:
    metadata = dict(metadata or {})
    if len(metadata) > MAX_METADATA_KEYS:
        raise ValueError("Audit metadata: too many keys.")
    for key, value in metadata.items():
        if not isinstance(key, str) or not re.fullmatch(r"[a-z_]{1,30}", key):
            raise ValueError(f"Audit metadata key {key!r}: lower-case words only.")
        _check_value(key, value)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in metadata.items()}


def audit_log(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: int | str = "",
    metadata: dict | None = None,
) -> AuditEntry:
    """Record that `actor` (a user, or None for the system) did `action` to `obj`.

    Runs in the caller's transaction, so a rolled-back action leaves no entry.
    """
    if not ACTION_PATTERN.match(action) or len(action) > 60:
        raise ValueError(f"Audit action {action!r}: use a dotted name such as 'note.read'.")
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = obj.pk
    actor_user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
    return AuditEntry.objects.create(
        actor=actor_user,
        actor_name=actor_user.get_username() if actor_user else "",
        action=action,
        object_type=object_type[:60],
        object_id=str(object_id)[:40],
        metadata=_clean_metadata(metadata),
    )
