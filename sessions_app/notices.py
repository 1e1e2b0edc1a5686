"""Notices: what a person is told, as data (`kind` + `params`), and its plain-text words.

A notice is stored with its kind and the facts it is about (`params`: the group's name and
zone, the session's start, a reason…), never only as a sentence. Each channel words it for
itself, in its reader's language: pages and the account export through `notice_text` below,
SMS through `sms.bodies` (GSM-7, 160 characters). No code reads facts back out of words.

`Notice.message` keeps the plain text in the site's language at the time it was written: a
record for the admin and for notices written before `params` existed, which have no params.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import nullcontext
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import dateformat, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, pgettext

from sessions_app import events
from sessions_app.models import Notice, Session, SupportGroup, User

MESSAGE_MAX = 300

# The words of each kind, filled from `params` (see `notice_params`). %(reason)s and the like
# carry their own leading space when present.
_TEXTS: dict[str, str] = {
    Notice.Kind.SESSION_CANCELLED: gettext_noop("%(group)s on %(when)s is cancelled.%(reason)s"),
    Notice.Kind.SESSION_MOVED: gettext_noop("%(group)s on %(old_when)s moved to %(when)s."),
    Notice.Kind.SEAT_PROMOTED: gettext_noop(
        "A seat opened up: you are going to %(group)s on %(when)s."
    ),
    Notice.Kind.SEAT_OFFERED: gettext_noop(
        "A seat is free for %(group)s on %(when)s. Claim it before %(until)s."
    ),
    Notice.Kind.MEMBERSHIP_APPROVED: gettext_noop("You are now a member of %(group)s."),
    Notice.Kind.ATTENDEE_LATE: gettext_noop("%(attendee)s will be late to %(group)s (%(when)s)."),
    Notice.Kind.MODERATION_WARNING: gettext_noop(
        "A coordinator of %(group)s looked at a report about you and asks you to keep to the "
        "group's agreements, so everyone there feels safe."
    ),
}


def notice_params(
    *, group: SupportGroup, session: Session | None = None, **facts: str | datetime
) -> dict:
    """The params of a notice about `group` (and `session`): names, zone, instants as ISO."""
    params: dict[str, str] = {"group": group.name, "tz": group.timezone}
    if session is not None:
        params["start"] = session.start.isoformat()
    for name, value in facts.items():
        params[name] = value.isoformat() if isinstance(value, datetime) else value
    return params


def _local(params: dict, key: str, fmt: str) -> str:
    moment = datetime.fromisoformat(params[key]).astimezone(ZoneInfo(params["tz"]))
    return dateformat.format(moment, fmt)


def notice_text(notice: Notice, language: str | None = None) -> str:
    """What `notice` says in plain text, in `language` (default: the active one)."""
    params = notice.params or {}
    if not params or notice.kind not in _TEXTS:
        return notice.message  # written before notices carried params
    with translation.override(language) if language else nullcontext():
        day = pgettext("notice date", "D d M, H:i")
        values = {
            "group": params.get("group", ""),
            "attendee": params.get("attendee", ""),
            "when": _local(params, "start", day) if "start" in params else "",
            "old_when": _local(params, "old_start", day) if "old_start" in params else "",
            "until": _local(params, "until", "H:i") if "until" in params else "",
            "reason": f" {params['reason']}" if params.get("reason") else "",
        }
        return _(_TEXTS[notice.kind]) % values


def notices_create(
    *, users: Iterable[User], kind: str, session: Session | None, params: dict
) -> list[Notice]:
    """Tell people something: one Notice each, published (`NoticesCreated`) after commit."""
    notices = [Notice(user=user, session=session, kind=kind, params=params) for user in users]
    if not notices:
        return []
    message = notice_text(notices[0], language=settings.LANGUAGE_CODE)[:MESSAGE_MAX]
    for notice in notices:
        notice.message = message
    with transaction.atomic():
        notices = Notice.objects.bulk_create(notices)
        events.publish(events.NoticesCreated(notice_ids=tuple(n.pk for n in notices)))
    return notices
