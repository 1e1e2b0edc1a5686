"""Writes about staffing: who facilitates which group."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from sessions_app.audit import audit_log
from sessions_app.errors import StateConflict
from sessions_app.models import FacilitatorAssignment, Membership, User


@transaction.atomic
def facilitator_assign(
    *, group, user, role: str = FacilitatorAssignment.Role.CO, by: User | None = None
) -> FacilitatorAssignment:
    """Make `user` a facilitator of `group`, or change their role; idempotent."""
    if role not in FacilitatorAssignment.Role.values:
        choices = ", ".join(FacilitatorAssignment.Role.values)
        raise ValidationError({"role": [f"Role must be one of: {choices}."]})
    membership = Membership.objects.filter(group=group, user=user).first()
    if membership is not None and membership.status == Membership.Status.BANNED:
        raise StateConflict("A banned member cannot facilitate this group.", code="banned")
    assignment, created = FacilitatorAssignment.objects.get_or_create(
        group=group, user=user, defaults={"role": role}
    )
    if created or assignment.role != role:
        if not created:
            assignment.role = role
            assignment.save(update_fields=["role"])
        audit_log(
            actor=by,
            action="facilitator.assign",
            obj=assignment,
            metadata={"group": group.pk, "user": user.pk, "role": role, "created": created},
        )
    return assignment
