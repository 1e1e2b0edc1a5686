"""Reports about people: made from a room (`report.person`) or a group's page and the API;
resolved by a coordinator, who may warn, mute for the session, remove from the group or ban.

A ban or a removal ends the person's place in the group (sessions_app: RSVPs cancelled, a ban
refuses rejoining); the rooms subscriber closes their open room connections
(subscribers.py, `MembershipEnded`). Every resolution writes `person_report.resolve` to the
audit log, besides what the action itself writes (`member.warn`, `room.mute`,
`member.remove`, `member.ban`).
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rooms import selectors
from rooms.models import PersonReport, RoomParticipant
from rooms.services._common import FACILITATOR, RoomError, _participant, _refuse_nul, _target
from rooms.services.lifecycle import _publish
from rooms.services.moderation import participant_mute
from sessions_app import access
from sessions_app import services as core_services
from sessions_app.audit import audit_log
from sessions_app.errors import NotAllowed, StateConflict
from sessions_app.models import Membership, Notice, Session, SupportGroup, User
from sessions_app.notices import notice_params, notices_create


def _reason(reason) -> str:
    if not isinstance(reason, str) or not reason.strip():
        raise ValidationError({"reason": _("Please say what happened.")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("A reason is text of at most 500 characters.")})
    _refuse_nul(reason, "reason")
    return reason.strip()


def _open_report(*, reporter: User, reported_id: int, group: SupportGroup) -> PersonReport | None:
    """Reporting the same person again while the first report is open adds nothing."""
    return PersonReport.objects.filter(
        reporter=reporter, reported_id=reported_id, group=group, resolved_at__isnull=True
    ).first()


@transaction.atomic
def person_report_from_room(*, session_id: int, user: User, user_id, reason) -> PersonReport:
    """Someone in a room reports another person in it. The room's facilitators are alerted
    (unless the person reported is one of them: then only the coordinators see it)."""
    reporter = _participant(session_id=session_id, user=user)
    reason = _reason(reason)
    target = _target(session_id=session_id, user_id=user_id)
    if target.user_id == user.pk:
        raise ValidationError({"user": _("You cannot report yourself.")})
    session = Session.objects.select_related("group").get(pk=session_id)
    existing = _open_report(reporter=user, reported_id=target.user_id, group=session.group)
    if existing is not None:
        return existing
    report = PersonReport.objects.create(
        group=session.group,
        session=session,
        reported_id=target.user_id,
        reported_name=target.display_name,
        reporter=user,
        reporter_name=reporter.display_name,
        reason=reason,
        source=PersonReport.Source.ROOM,
        context=selectors.person_messages_recent(session_id=session_id, user_id=target.user_id),
    )
    if target.role != FACILITATOR:
        alert = {
            "type": "alert",
            "kind": "report_person",
            "user": selectors.participant_public(reporter),
            "about": {"id": target.user_id, "display_name": target.display_name},
            "text": "",
            "reason": reason,
        }
        _publish(session_id, frames=[["facilitators", alert]])
    return report


@transaction.atomic
def person_report_from_group(
    *, group: SupportGroup, user: User, user_id, reason, source: str = PersonReport.Source.API
) -> tuple[PersonReport, bool]:
    """A member (or facilitator) of `group` reports someone they were in one of its rooms
    with; the latest room they shared gives the context. Returns (report, created)."""
    membership = access.membership_of(user=user, group=group)
    is_member = membership is not None and membership.status == Membership.Status.APPROVED
    if not (is_member or access.is_group_facilitator(user=user, group=group)):
        raise NotAllowed("Only this group's members can report someone in it.", code="not_a_member")
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        raise ValidationError({"user": _("A user id (a number) is required.")})
    if user_id == user.pk:
        raise ValidationError({"user": _("You cannot report yourself.")})
    reason = _reason(reason)
    known = {p["id"]: p for p in selectors.reportable_people(user=user, group=group)}
    person = known.get(user_id)
    if person is None:
        raise ValidationError(
            {"user": _("You can report someone you have been in this group's rooms with.")}
        )
    existing = _open_report(reporter=user, reported_id=user_id, group=group)
    if existing is not None:
        return existing, False
    reporter_name = (
        RoomParticipant.objects.filter(session_id=person["session"], user=user)
        .values_list("display_name", flat=True)
        .first()
    ) or (membership.display_name if membership else "")
    report = PersonReport.objects.create(
        group=group,
        session_id=person["session"],
        reported_id=user_id,
        reported_name=person["display_name"],
        reporter=user,
        reporter_name=reporter_name,
        reason=reason,
        source=source,
        context=selectors.person_messages_recent(session_id=person["session"], user_id=user_id),
    )
    return report, True


@transaction.atomic
def person_report_resolve(
    *,
    report: PersonReport,
    by: User,
    action: str,
    resolution: str = "",
    now: datetime | None = None,
) -> PersonReport:
    """A coordinator resolves a report about a person, with one action (PersonReport.Action)."""
    if not access.is_coordinator(user=by):
        raise NotAllowed("Only coordinators resolve reports.", code="not_coordinator")
    if action not in PersonReport.Action.values:
        raise ValidationError({"action": _("Choose one of: none, warn, mute, remove, ban.")})
    if not isinstance(resolution, str) or len(resolution) > 500:
        raise ValidationError({"resolution": _("At most 500 characters.")})
    _refuse_nul(resolution, "resolution")
    report = PersonReport.objects.select_for_update().select_related("group").get(pk=report.pk)
    if report.resolved_at is not None:
        raise StateConflict("That report was already resolved.", code="already_resolved")
    now = now or timezone.now()
    group, person = report.group, report.reported
    if action == PersonReport.Action.WARN:
        notices_create(
            users=[person],
            kind=Notice.Kind.MODERATION_WARNING,
            session=None,
            params=notice_params(group=group),
        )
        audit_log(actor=by, action="member.warn", obj=person, metadata={"group": group.pk})
    elif action == PersonReport.Action.MUTE:
        _mute_for_session(report=report, by=by, now=now)
    elif action in (PersonReport.Action.REMOVE, PersonReport.Action.BAN):
        membership = Membership.objects.filter(group=group, user=person).first()
        if membership is None:
            raise StateConflict("That person is not a member of the group.", code="not_a_member")
        if action == PersonReport.Action.BAN:
            core_services.membership_ban(membership=membership, by=by)
        else:
            core_services.membership_remove(membership=membership, by=by)
    report.resolved_at, report.resolved_by = now, by
    report.action, report.resolution = action, resolution.strip()
    report.save(update_fields=["resolved_at", "resolved_by", "action", "resolution"])
    audit_log(
        actor=by,
        action="person_report.resolve",
        obj=report,
        metadata={"action": action, "group": group.pk, "session": report.session_id},
    )
    return report


def _mute_for_session(*, report: PersonReport, by: User, now: datetime) -> None:
    session = report.session
    if session is None:
        raise StateConflict("This report is about no session.", code="no_session")
    if session.end <= now or session.status != Session.Status.SCHEDULED:
        raise StateConflict("That session is over.", code="session_over")
    try:
        participant_mute(session_id=session.pk, by=by, user_id=report.reported_id, muted=True)
    except RoomError as refused:
        # Never in that room (not_found), or a facilitator (who cannot be muted).
        raise StateConflict(str(refused.message), code="cannot_mute") from refused
