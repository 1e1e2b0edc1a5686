"""What the rooms hold about a person, for their own data export (registered with the core in
`subscribers.subscribe`). Only what is theirs: the guidelines they accepted, the reports they
made (never their context, which is the other person's words, nor what the coordinators
decided about that person), the people they blocked, and what they wrote on the private line.
Reports about them and blocks of them are not theirs to see (docs/decisions.md)."""

from __future__ import annotations

from datetime import datetime

from rooms.models import GuidelinesAcceptance, PersonBlock, PersonReport, PrivateMessage, RoomReport


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def guidelines_accepted(*, user) -> list[dict]:
    """Each version of a group's guidelines the person accepted, when, and for which session
    (when the group asks at every session)."""
    rows = (
        GuidelinesAcceptance.objects.filter(user=user)
        .select_related("group")
        .order_by("accepted_at", "pk")
    )
    return [
        {
            "group": a.group.slug,
            "group_name": a.group.name,
            "version": a.version,
            "session": a.session_id,
            "accepted_at": _iso(a.accepted_at),
        }
        for a in rows
    ]


def reports_made(*, user) -> dict[str, list[dict]]:
    """The reports the person made: about people (by the name they saw) and about messages
    (which message, not its words), and whether a coordinator has looked at each."""
    people = (
        PersonReport.objects.filter(reporter=user)
        .select_related("group")
        .order_by("created_at", "pk")
    )
    messages = (
        RoomReport.objects.filter(reporter=user)
        .select_related("message")
        .order_by("created_at", "pk")
    )
    return {
        "people": [
            {
                "about": r.reported_name,
                "group": r.group.slug,
                "session": r.session_id,
                "source": r.source,
                "reason": r.reason,
                "created_at": _iso(r.created_at),
                "resolved": r.resolved_at is not None,
            }
            for r in people
        ],
        "messages": [
            {
                "session": r.message.session_id,
                "message_seq": r.message.seq,
                "reason": r.reason,
                "created_at": _iso(r.created_at),
                "resolved": r.resolved_at is not None,
            }
            for r in messages
        ],
    }


def blocks(*, user) -> list[dict]:
    """The people the person blocked, by the name the room showed them."""
    rows = PersonBlock.objects.filter(blocker=user).order_by("created_at", "pk")
    return [
        {"user": b.blocked_id, "display_name": b.blocked_name, "blocked_at": _iso(b.created_at)}
        for b in rows
    ]


def private_messages(*, user) -> list[dict]:
    """What the person wrote on rooms' private lines (until the room messages' retention
    removes it); `to` names the attendee a facilitator answered, null for one's own thread."""
    rows = (
        PrivateMessage.objects.filter(author=user)
        .select_related("session__group")
        .order_by("sent_at", "pk")
    )
    return [
        {
            "session": m.session_id,
            "group": m.session.group.slug,
            "to": None if m.attendee_id == user.pk else m.attendee_name,
            "text": m.text,
            "support": m.support,
            "sent_at": _iso(m.sent_at),
        }
        for m in rows
    ]
