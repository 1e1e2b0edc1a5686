"""Facilitators: assignments to groups (profiles and notes are built on these)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FacilitatorAssignment(models.Model):
    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        CO = "co", _("Co-facilitator")

    group = models.ForeignKey(
        "sessions_app.SupportGroup",
        on_delete=models.CASCADE,
        related_name="facilitator_assignments",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="facilitator_assignments"
    )
    role = models.CharField(max_length=4, choices=Role.choices, default=Role.CO)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="facilitator_assignment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) in {self.group}"
