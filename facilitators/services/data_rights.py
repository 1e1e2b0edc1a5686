"""Data rights: a person's export of everything Hearth holds on them, and deleting an account."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from facilitators.models import (
    FacilitatorProfile,
)
from sessions_app import selectors
from sessions_app import services as sessions_services
from sessions_app.audit import audit_log
from sessions_app.data_export import export_sections
from sessions_app.models import (
    RSVP,
    AttendanceLetter,
    GroupInvite,
    Notice,
    SessionFeedback,
    User,
)
from sessions_app.notices import notice_text


def _iso(value):
    return value.isoformat() if value else None


def _invites_made(user: User) -> list[dict]:
    """The invitation codes `user` made, without the codes themselves (a code that still
    admits people is a credential; the audit log leaves it out for the same reason)."""
    invites = (
        GroupInvite.objects.filter(created_by=user)
        .select_related("group")
        .order_by("created_at", "pk")
    )
    return [
        {
            "group": i.group.slug,
            "created_at": _iso(i.created_at),
            "expires_at": _iso(i.expires_at),
            "max_uses": i.max_uses,
            "use_count": i.use_count,
            "state": i.state.value,
            "revoked_at": _iso(i.revoked_at),
        }
        for i in invites
    ]


@transaction.atomic
def account_export(*, user: User) -> dict:
    """Everything Hearth holds about `user` that is theirs: profile, memberships, RSVPs,
    notices, facilitator roles, and what the features registered (rooms: guidelines accepted,
    reports made, blocks, private messages). Never other people's data, never session notes."""
    profile = FacilitatorProfile.objects.filter(user=user).first()
    data = {
        "exported_at": _iso(timezone.now()),
        "profile": {
            "username": user.username,
            "display_name": user.display_name,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "timezone": user.timezone,
            "language": user.language,
            "phone": str(user.phone) if user.phone else None,
            "phone_verified_at": _iso(user.phone_verified_at),
            "sms_opt_in": user.sms_opt_in,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "memberships": [
            {
                "group": m.group.slug,
                "group_name": m.group.name,
                "status": m.status,
                "display_name": m.display_name,
                "joined_at": _iso(m.created_at),
                "decided_at": _iso(m.decided_at),
            }
            for m in user.memberships.select_related("group").order_by("created_at", "pk")
        ],
        "rsvps": [
            {
                "session": r.session_id,
                "group": r.session.group.slug,
                "start": _iso(r.session.start),
                "status": r.status,
                "source": r.source,
                "attendance": r.attendance or None,
                "minutes_present": r.minutes_present,
                "created_at": _iso(r.created_at),
            }
            for r in RSVP.objects.filter(user=user)
            .select_related("session", "session__group")
            .order_by("session__start", "pk")
        ],
        "notices": [
            {
                "kind": n.kind,
                "session": n.session_id,
                "message": notice_text(n),
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in Notice.objects.filter(user=user).order_by("created_at", "pk")
        ],
        "notifications": selectors.notification_choices(user=user),
        "session_feedback": [
            {
                "session": f.session_id,
                "helpful": f.helpful,
                "comment": f.comment,
                "signed": f.signed,
                "created_at": _iso(f.created_at),
            }
            for f in SessionFeedback.objects.filter(user=user).order_by("created_at", "pk")
        ],
        "attendance_letters": [
            {
                "reference": letter.reference,
                "group_name": letter.group_name,
                "attendee_name": letter.attendee_name,
                "date_from": letter.date_from.isoformat(),
                "date_to": letter.date_to.isoformat(),
                "dates": list(letter.dates),
                "issued_at": _iso(letter.issued_at),
            }
            for letter in AttendanceLetter.objects.filter(user=user).order_by("issued_at", "pk")
        ],
        "facilitator": {
            "bio": profile.bio if profile else "",
            "trainings": list(profile.trainings) if profile else [],
            "bio_visibility": profile.bio_visibility if profile else None,
            "trainings_visibility": profile.trainings_visibility if profile else None,
            "groups": [
                {"group": a.group.slug, "role": a.role}
                for a in user.facilitator_assignments.select_related("group").order_by("pk")
            ],
            "invites_made": _invites_made(user),
        },
        **export_sections(user=user),
    }
    audit_log(actor=user, action="account.export", obj=user)
    return data


@transaction.atomic
def account_delete(*, user: User, password: str) -> None:
    """Delete `user`'s account after checking their password. Their seats go to the waitlist
    first; notes they wrote keep only the display name already written in them."""
    if not isinstance(password, str) or not user.check_password(password):
        raise ValidationError({"password": ["That is not your password."]})
    user = User.objects.select_for_update().get(pk=user.pk)
    upcoming = RSVP.objects.filter(
        user=user,
        session__end__gt=timezone.now(),
        status__in=[RSVP.Status.GOING, RSVP.Status.WAITLISTED],
    ).select_related("session")
    for rsvp in upcoming:
        sessions_services.rsvp_cancel(session=rsvp.session, user=user)
    audit_log(
        actor=user,
        action="account.delete",
        obj=user,
        metadata={"memberships": user.memberships.count()},
    )
    user.delete()
