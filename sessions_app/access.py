"""Permission decisions, one function each, shared by the API, pages, rooms and SMS.

Roles: anonymous visitors, attendees (members), facilitators (assigned to a group) and
coordinators (`is_staff`).

`can_*` answer yes or no. `access_*` fetch one object by what the URL names, ask the `can_*`
question and raise when the answer is no (Http404, or a 403 for objects one may see but not
work on), so the API, the pages and the consumers turn a refusal into the same status.
"""

from __future__ import annotations

from collections.abc import Callable, Container

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from sessions_app.models import (
    FacilitatorAssignment,
    GroupInvite,
    Membership,
    Session,
    SupportGroup,
)


def is_coordinator(*, user) -> bool:
    return bool(user.is_authenticated and user.is_staff)


def is_group_facilitator(*, user, group: SupportGroup) -> bool:
    """True if `user` is assigned (lead or co) to `group`."""
    if not user.is_authenticated:
        return False
    return FacilitatorAssignment.objects.filter(user=user, group=group).exists()


def can_manage_group(*, user, group: SupportGroup) -> bool:
    """Coordinators and the group's facilitators manage it (schedules, sessions, members)."""
    return is_coordinator(user=user) or is_group_facilitator(user=user, group=group)


def membership_of(*, user, group: SupportGroup) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, group=group).first()


def can_view_group(*, user, group: SupportGroup) -> bool:
    """Public groups are visible to everyone; private ones to members and managers."""
    if group.is_public:
        return True
    if can_manage_group(user=user, group=group):
        return True
    membership = membership_of(user=user, group=group)
    return membership is not None and membership.status != Membership.Status.BANNED


def can_view_session(*, user, session: Session) -> bool:
    return can_view_group(user=user, group=session.group)


def can_rsvp(*, user, group: SupportGroup) -> bool:
    """Approved members RSVP; facilitators do not need to (they are always in)."""
    membership = membership_of(user=user, group=group)
    return membership is not None and membership.status == Membership.Status.APPROVED


def can_view_roster(*, user, group: SupportGroup) -> bool:
    """Who RSVPed, members, attendance: the group's facilitators and coordinators only."""
    return can_manage_group(user=user, group=group)


def can_manage_invites(*, user, group: SupportGroup) -> bool:
    """Invitation codes (make, list, revoke): the group's facilitators and coordinators."""
    return can_manage_group(user=user, group=group)


def can_see_phone(*, viewer, owner) -> bool:
    """Phone numbers: the owner and coordinators, nobody else."""
    return viewer.is_authenticated and (viewer.pk == owner.pk or viewer.is_staff)


class _EveryGroup:
    """Stands for "every group" (coordinators)."""

    def __contains__(self, item) -> bool:
        return True


def video_link_group_ids(*, user) -> Container[int]:
    """Ids of the groups whose video link this user gets: people who can come in, i.e.
    approved members, the group's facilitators and coordinators. Two queries for a whole page
    of groups; the video-link rule lives here only."""
    if is_coordinator(user=user):
        return _EveryGroup()
    if not user.is_authenticated:
        return set()
    approved = Membership.objects.filter(user=user, status=Membership.Status.APPROVED)
    facilitated = FacilitatorAssignment.objects.filter(user=user)
    return set(approved.values_list("group_id", flat=True)) | set(
        facilitated.values_list("group_id", flat=True)
    )


def can_see_video_link(*, user, group: SupportGroup) -> bool:
    """One group's video link: see video_link_group_ids."""
    return group.pk in video_link_group_ids(user=user)


# --- fetch, check, raise ----------------------------------------------------------------------


def _one(queryset: QuerySet, **lookup):
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def access_group(
    *, user, slug: str, queryset: QuerySet[SupportGroup] | None = None
) -> SupportGroup:
    """The group `slug` (with its venue unless `queryset` says otherwise) if `user` may see it.
    Http404 when there is none and when it is hidden from them alike: a private group's
    existence is not given away."""
    if queryset is None:
        queryset = SupportGroup.objects.select_related("venue")
    group = _one(queryset, slug=slug)
    if not can_view_group(user=user, group=group):
        raise Http404
    return group


def access_session(*, user, pk, queryset: QuerySet[Session] | None = None) -> Session:
    """The session `pk` if `user` may see its group; Http404 otherwise, as access_group.
    `pk` is as the URL has it: anything but decimal digits is a 404 too (isdecimal, since "²"
    passes isdigit and then fails int(): a 500). `queryset` adds what the caller shows (RSVP
    counts); by default the session comes with its group and venue."""
    if not str(pk).isdecimal():
        raise Http404
    if queryset is None:
        queryset = Session.objects.select_related("group", "group__venue")
    session = _one(queryset, pk=pk)
    if not can_view_session(user=user, session=session):
        raise Http404
    return session


def access_managed_group(
    *,
    user,
    slug: str,
    queryset: QuerySet[SupportGroup] | None = None,
    may: Callable[..., bool] = can_manage_group,
    refusal: Exception | None = None,
) -> SupportGroup:
    """The group `slug` for work on it: Http404 if there is none; when `may(user=, group=)`
    (by default can_manage_group) says no, `refusal` (by default PermissionDenied: a 403 page
    or API answer). A refusal, not a 404, even for a group hidden from `user`."""
    group = _one(SupportGroup.objects.all() if queryset is None else queryset, slug=slug)
    if not may(user=user, group=group):
        raise refusal or PermissionDenied
    return group


def can_manage_session(*, user, session: Session) -> bool:
    """A session is managed by whoever manages its group."""
    return can_manage_group(user=user, group=session.group)


def access_managed_session(
    *,
    user,
    pk,
    queryset: QuerySet[Session] | None = None,
    may: Callable[..., bool] = can_manage_session,
    refusal: Exception | None = None,
) -> Session:
    """The session `pk` for work on it (notes, attendance). Http404 if there is none and when
    its group is hidden from `user` (access_session: a private group's sessions are not given
    away by a 403); when `user` may see it but `may(user=, session=)` (by default
    can_manage_session) says no, `refusal` (by default PermissionDenied)."""
    session = access_session(
        user=user,
        pk=pk,
        queryset=Session.objects.select_related("group") if queryset is None else queryset,
    )
    if not may(user=user, session=session):
        raise refusal or PermissionDenied
    return session


def access_group_invite(*, user, slug: str, invite_id) -> GroupInvite:
    """One invitation code of group `slug`, for work on it: Http404 if the group or the code
    (of that group) does not exist, PermissionDenied when `user` may not manage its codes."""
    group = access_managed_group(user=user, slug=slug, may=can_manage_invites)
    if not str(invite_id).isdecimal():
        raise Http404
    return _one(GroupInvite.objects.filter(group=group).select_related("group"), pk=invite_id)
