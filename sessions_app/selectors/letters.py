"""Reads about attendance letters: which sessions a person attended, and the verification
code of a letter (made and checked here only)."""

from __future__ import annotations

import base64
import json
import re
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils.crypto import constant_time_compare, salted_hmac

from sessions_app.models import (
    RSVP,
    AttendanceLetter,
    FacilitatorAssignment,
    Session,
    SupportGroup,
    User,
)

# The public check's path, defined once (the URLconf routes VERIFY_PATH/<code>/).
VERIFY_PATH = "verify"
_SALT = "hearth.attendance_letter"
# 10 random bytes name the row, 10 bytes of HMAC-SHA256 sign it: 16 + 16 base32 letters.
REFERENCE_CHARS = 16
SIGNATURE_CHARS = 16
_CODE = re.compile(r"^[A-Z2-7]{32}$")


def _signature(letter: AttendanceLetter, secret: str | None = None) -> str:
    """The HMAC (under SECRET_KEY, or `secret`) of everything the letter says, as 16 base32
    letters."""
    content = json.dumps(
        [
            letter.reference,
            letter.user_id,
            letter.attendee_name,
            letter.group_name,
            letter.facilitator_name,
            letter.date_from.isoformat(),
            letter.date_to.isoformat(),
            list(letter.dates),
            letter.issued_at.isoformat(),
        ],
        separators=(",", ":"),
    )
    digest = salted_hmac(_SALT, content, secret=secret, algorithm="sha256").digest()[:10]
    return base64.b32encode(digest).decode()


def attendance_letter_code(letter: AttendanceLetter) -> str:
    """The verification code printed on the letter: 32 letters and digits in groups of four."""
    raw = letter.reference + _signature(letter)
    return "-".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def attendance_letter_verify_url(letter: AttendanceLetter) -> str:
    """Where anyone checks the letter, under PUBLIC_BASE_URL."""
    return f"{settings.PUBLIC_BASE_URL}/{VERIFY_PATH}/{attendance_letter_code(letter)}/"


def attendance_letter_for_code(code: str) -> AttendanceLetter | None:
    """The letter this code belongs to, or None: for a code that is not one of ours, one
    whose signature does not match, and one whose letter was changed after it was issued
    alike. Spaces, dashes and case are forgiven (it is typed from paper)."""
    if not isinstance(code, str) or len(code) > 80:
        return None
    raw = re.sub(r"[\s-]", "", code).upper()
    if not _CODE.match(raw):
        return None
    reference, signature = raw[:REFERENCE_CHARS], raw[REFERENCE_CHARS:]
    letter = AttendanceLetter.objects.filter(reference=reference).first()
    if letter is None:
        return None
    # Letters issued before SECRET_KEY was rotated still check out while the old key is
    # listed in SECRET_KEY_FALLBACKS, as Django's own signatures do.
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        if constant_time_compare(_signature(letter, secret), signature):
            return letter
    return None


def attendance_letters_of(*, user: User) -> QuerySet[AttendanceLetter]:
    """The letters a person was issued, newest first."""
    return AttendanceLetter.objects.filter(user=user)


def groups_attended(*, user: User) -> QuerySet[SupportGroup]:
    """The groups where `user` was marked as attended at least once, by name."""
    return SupportGroup.objects.filter(
        sessions__rsvps__user=user, sessions__rsvps__attendance=RSVP.Attendance.ATTENDED
    ).distinct()


def attended_dates(
    *, user: User, group: SupportGroup, date_from: date, date_to: date
) -> list[date]:
    """The local dates (in the group's zone) of the sessions of `group` that `user` was
    marked as attended, from `date_from` to `date_to` inclusive, in order."""
    tz = group.tz
    start = datetime.combine(date_from, time.min, tzinfo=tz)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=tz)
    starts = (
        RSVP.objects.filter(
            user=user,
            attendance=RSVP.Attendance.ATTENDED,
            session__group=group,
            session__status=Session.Status.SCHEDULED,
            session__start__gte=start,
            session__start__lt=end,
        )
        .order_by("session__start")
        .values_list("session__start", flat=True)
    )
    days: list[date] = []
    for instant in starts:
        day = instant.astimezone(tz).date()
        if not days or days[-1] != day:
            days.append(day)
    return days


def group_facilitator_name(*, group: SupportGroup) -> str:
    """The name a letter gives for who runs the group: the lead's, else a co-facilitator's."""
    assignment = (
        FacilitatorAssignment.objects.filter(group=group)
        .select_related("user")
        .order_by("-role", "created_at", "pk")  # "lead" sorts after "co": lead first
        .first()
    )
    return assignment.user.public_name if assignment else ""
