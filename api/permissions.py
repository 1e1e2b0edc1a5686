"""Who gets what beyond the yes/no decisions of sessions_app.access (which the views call
directly, so a 401 or 403 is decided in one place per endpoint)."""

from facilitators.selectors import facilitated_group_ids
from sessions_app import access
from sessions_app.models import Membership


class _EveryGroup:
    """Stands for "every group" (coordinators)."""

    def __contains__(self, item) -> bool:
        return True


def insider_group_ids(user):
    """Ids of the groups whose inside details (the video link) this user gets: approved
    members, the group's facilitators and coordinators. Two queries for a whole page."""
    if access.is_coordinator(user=user):
        return _EveryGroup()
    if not user.is_authenticated:
        return set()
    approved = Membership.objects.filter(user=user, status=Membership.Status.APPROVED)
    return set(approved.values_list("group_id", flat=True)) | facilitated_group_ids(user=user)
