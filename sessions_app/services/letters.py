"""Writes about attendance letters: issuing one (the code is made by the selectors)."""

from __future__ import annotations

import base64
import secrets
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from sessions_app.audit import audit_log
from sessions_app.models import AttendanceLetter, SupportGroup, User
from sessions_app.selectors.letters import (
    REFERENCE_CHARS,
    attended_dates,
    group_facilitator_name,
)

# A letter covers at most this many days (a few years of weekly sessions).
LETTER_MAX_DAYS = 366 * 5


def _new_reference() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode()[:REFERENCE_CHARS]


@transaction.atomic
def attendance_letter_issue(
    *,
    user: User,
    group: SupportGroup,
    date_from: date,
    date_to: date,
    attendee_name: str = "",
) -> AttendanceLetter:
    """A letter of `user`'s attendance at `group` from `date_from` to `date_to` (inclusive):
    the dates they were marked as attended, the group's name and its facilitator's. The same
    request again gives the same letter (and code) while nothing it says has changed. Every
    issue is audited (`attendance.letter_issue`)."""
    errors: dict[str, list] = {}
    if date_to < date_from:
        errors["date_to"] = [_("Must be on or after the first day.")]
    elif (date_to - date_from).days > LETTER_MAX_DAYS:
        errors["date_to"] = [f"A letter covers at most {LETTER_MAX_DAYS} days."]
    attendee_name = (attendee_name or "").strip() or user.public_name
    if len(attendee_name) > 100:
        errors["name"] = ["At most 100 characters."]
    if errors:
        raise ValidationError(errors)
    days = attended_dates(user=user, group=group, date_from=date_from, date_to=date_to)
    if not days:
        raise ValidationError(
            {"date_from": [_("No attendance of yours is recorded in this group in that range.")]}
        )
    content = {
        "user": user,
        "group": group,
        "attendee_name": attendee_name,
        "group_name": group.name,
        "facilitator_name": group_facilitator_name(group=group),
        "date_from": date_from,
        "date_to": date_to,
        "dates": [day.isoformat() for day in days],
    }
    letter = AttendanceLetter.objects.filter(**content).order_by("-issued_at").first()
    reused = letter is not None
    if letter is None:
        letter = AttendanceLetter.objects.create(reference=_new_reference(), **content)
    audit_log(
        actor=user,
        action="attendance.letter_issue",
        obj=letter,
        metadata={"group": group.pk, "dates": len(days), "reused": reused},
    )
    return letter
