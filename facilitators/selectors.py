"""Reads about facilitators."""

from django.db.models import Case, QuerySet, Value, When

from facilitators.models import FacilitatorAssignment


def facilitated_group_ids(*, user) -> set[int]:
    """Ids of the groups this user facilitates (empty for anonymous users)."""
    if not user.is_authenticated:
        return set()
    return set(FacilitatorAssignment.objects.filter(user=user).values_list("group_id", flat=True))


def group_facilitators(*, group) -> QuerySet[FacilitatorAssignment]:
    """A group's facilitator assignments, lead first."""
    lead_first = Case(When(role=FacilitatorAssignment.Role.LEAD, then=Value(0)), default=Value(1))
    return (
        FacilitatorAssignment.objects.filter(group=group)
        .select_related("user")
        .order_by(lead_first, "created_at")
    )
