"""Writes about facilitator profiles."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from facilitators.models import (
    FacilitatorProfile,
)
from sessions_app.models import User

TRAININGS_MAX, TRAINING_MAX = 30, 120
# A short bio, as the group page shows it (the profile form says so).
BIO_MAX = 1000


def strings_clean(value, *, name: str, max_items: int, max_length: int) -> list[str]:
    if not isinstance(value, list):
        raise ValidationError({name: ["Must be a list of strings."]})
    if len(value) > max_items:
        raise ValidationError({name: [f"At most {max_items} items."]})
    cleaned = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ValidationError({f"{name}.{i}": ["Must be a non-empty string."]})
        if len(item) > max_length:
            raise ValidationError({f"{name}.{i}": [f"At most {max_length} characters."]})
        cleaned.append(item.strip())
    return cleaned


@transaction.atomic
def facilitator_profile_update(
    *,
    user: User,
    bio: str | None = None,
    trainings: list[str] | None = None,
    bio_visibility: str | None = None,
    trainings_visibility: str | None = None,
) -> FacilitatorProfile:
    """Create or change a facilitator's profile and who sees its bio and trainings."""
    profile, _ = FacilitatorProfile.objects.select_for_update().get_or_create(user=user)
    fields = []
    if bio is not None:
        if len(bio) > BIO_MAX:
            raise ValidationError({"bio": [f"At most {BIO_MAX} characters."]})
        profile.bio = bio.strip()
        fields.append("bio")
    if trainings is not None:
        profile.trainings = strings_clean(
            trainings, name="trainings", max_items=TRAININGS_MAX, max_length=TRAINING_MAX
        )
        fields.append("trainings")
    for name, value in (
        ("bio_visibility", bio_visibility),
        ("trainings_visibility", trainings_visibility),
    ):
        if value is None:
            continue
        if value not in FacilitatorProfile.Visibility.values:
            choices = ", ".join(FacilitatorProfile.Visibility.values)
            raise ValidationError({name: [f"One of: {choices}."]})
        setattr(profile, name, value)
        fields.append(name)
    if fields:
        profile.save(update_fields=[*fields, "updated_at"])
    return profile
