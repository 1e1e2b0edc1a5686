"""Writes about support groups and venues."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from sessions_app import events, selectors
from sessions_app.models import (
    Session,
    SupportGroup,
    Venue,
)
from sessions_app.services.rsvps import _seats_fill

GROUP_FIELDS = {
    "name",
    "slug",
    "description",
    "guidelines",
    "topic",
    "language",
    "format",
    "timezone",
    "capacity",
    "join_policy",
    "venue",
    "video_url",
    "reminder_offsets_minutes",
    "is_public",
    "lobby_enabled",
    "voice_only",
    "talking_piece",
    "absence_check_ins",
    "guidelines_every_session",
}


def _validate_offsets(offsets) -> list[int]:
    if offsets is None:
        return list(settings.DEFAULT_REMINDER_OFFSETS_MINUTES)
    if not isinstance(offsets, list | tuple) or not all(
        isinstance(o, int) and not isinstance(o, bool) and 15 <= o <= 14 * 24 * 60 for o in offsets
    ):
        raise ValidationError(
            {"reminder_offsets_minutes": ["A list of minutes before the start, each 15 to 20160."]}
        )
    if len(offsets) > 5:
        raise ValidationError({"reminder_offsets_minutes": ["At most 5 reminders."]})
    return sorted(set(offsets), reverse=True)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "group"
    slug, n = base, 2
    while SupportGroup.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _guidelines_clean(fields: dict) -> None:
    # Browsers send a textarea's new lines as CRLF, the API as LF: the same words must not
    # count as a change (which would ask everyone to accept them again).
    if isinstance(fields.get("guidelines"), str):
        fields["guidelines"] = fields["guidelines"].replace("\r\n", "\n").strip()


def _group_check(group: SupportGroup, *, exclude: Iterable[str] = ()) -> None:
    # Check the capacity first so that 0 or a negative number gets a plain message (the
    # model field's own check would only say "ensure this value is >= 0").
    if (
        not isinstance(group.capacity, int)
        or isinstance(group.capacity, bool)
        or group.capacity < 1
    ):
        raise ValidationError({"capacity": ["Capacity must be at least 1."]})
    group.full_clean(exclude=list(exclude))


@transaction.atomic
def group_create(*, name: str, topic: str, timezone: str, **fields) -> SupportGroup:
    """Create a support group; `slug` is derived from the name unless given.

    (`timezone` is the group's IANA zone name, as in the API; it shadows the module here.)
    """
    unknown = set(fields) - GROUP_FIELDS
    if unknown:
        raise ValidationError({f: ["Unknown field."] for f in sorted(unknown)})
    fields["reminder_offsets_minutes"] = _validate_offsets(fields.get("reminder_offsets_minutes"))
    _guidelines_clean(fields)
    if not fields.get("slug"):
        fields["slug"] = _unique_slug(name)
    group = SupportGroup(name=name, topic=topic, timezone=timezone, **fields)
    _group_check(group)
    group.save()
    return group


@transaction.atomic
def group_update(*, group: SupportGroup, **fields) -> SupportGroup:
    """Change a group's details; capacity changes fill freed seats of upcoming sessions. A
    change of the guidelines' text bumps `guidelines_version`; any change of the guidelines or
    of `guidelines_every_session` publishes `GroupGuidelinesChanged`."""
    unknown = set(fields) - GROUP_FIELDS
    if unknown:
        raise ValidationError({f: ["Unknown field."] for f in sorted(unknown)})
    if "reminder_offsets_minutes" in fields:
        fields["reminder_offsets_minutes"] = _validate_offsets(fields["reminder_offsets_minutes"])
    _guidelines_clean(fields)
    old_capacity, old_timezone = group.capacity, group.timezone
    old_guidelines = (group.guidelines, group.guidelines_every_session)
    for name, value in fields.items():
        setattr(group, name, value)
    _group_check(group)
    update_fields = list(fields)
    if group.guidelines != old_guidelines[0]:
        # New words are accepted anew: acceptances name the version they were given for.
        group.guidelines_version += 1
        update_fields.append("guidelines_version")
    group.save(update_fields=update_fields or None)
    if group.timezone != old_timezone:
        _sessions_reweekday(group)
    if (group.guidelines, group.guidelines_every_session) != old_guidelines:
        events.publish(events.GroupGuidelinesChanged(group_id=group.pk))
    if group.capacity > old_capacity:
        for session in selectors.sessions_upcoming(group=group).filter(capacity__isnull=True):
            _seats_fill(session=session, now=timezone.now())
    return group


def _sessions_reweekday(group: SupportGroup) -> None:
    """The weekday of each session of this group, again, in the group's (new) zone."""
    sessions = list(Session.objects.filter(group=group).only("pk", "start"))
    for session in sessions:
        session.weekday = Session.weekday_of(session.start, group.tz)
    Session.objects.bulk_update(sessions, ["weekday"], batch_size=1000)


def venue_create(
    *, name: str, address: str = "", city: str = "", accessibility_notes: str = ""
) -> Venue:
    """Create a venue for in-person groups."""
    venue = Venue(name=name, address=address, city=city, accessibility_notes=accessibility_notes)
    venue.full_clean()
    venue.save()
    return venue
