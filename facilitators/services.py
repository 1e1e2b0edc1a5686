"""Writes about facilitators."""

from django.core.exceptions import ValidationError
from django.db import transaction

from facilitators.models import FacilitatorAssignment


@transaction.atomic
def facilitator_assign(
    *, group, user, role: str = FacilitatorAssignment.Role.CO
) -> FacilitatorAssignment:
    """Make `user` a facilitator of `group`, or change their role; idempotent."""
    if role not in FacilitatorAssignment.Role.values:
        choices = ", ".join(FacilitatorAssignment.Role.values)
        raise ValidationError({"role": [f"Role must be one of: {choices}."]})
    assignment, created = FacilitatorAssignment.objects.get_or_create(
        group=group, user=user, defaults={"role": role}
    )
    if not created and assignment.role != role:
        assignment.role = role
        assignment.save(update_fields=["role"])
    return assignment
