"""Query filters of the list endpoints (django-filter)."""

from datetime import UTC

import django_filters
from django.db.models import Q
from rest_framework.exceptions import ValidationError

from sessions_app.models import Session, SupportGroup


class GroupFilter(django_filters.FilterSet):
    topic = django_filters.CharFilter(field_name="topic", lookup_expr="iexact")
    format = django_filters.ChoiceFilter(choices=SupportGroup.Format.choices)
    language = django_filters.CharFilter(field_name="language", lookup_expr="iexact")
    q = django_filters.CharFilter(method="search", label="Words in the name or description")

    class Meta:
        model = SupportGroup
        fields = ["topic", "format", "language", "q"]

    def search(self, queryset, name, value):
        for word in value.split()[:8]:
            queryset = queryset.filter(
                Q(name__icontains=word) | Q(description__icontains=word) | Q(topic__icontains=word)
            )
        return queryset


class UTCDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 instant, compared in UTC.

    Python accepts UTC offsets up to ±23:59, PostgreSQL only to ±15:59: converting first
    keeps an exotic (valid) offset from reaching the database as an error.
    """

    def __init__(self, *args, param: str, **kwargs):
        self.param = param
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is not None:
            try:
                value = value.astimezone(UTC)
            except OverflowError:
                raise ValidationError({self.param: ["Out of range."]}) from None
        return super().filter(qs, value)


class SessionFilter(django_filters.FilterSet):
    group = django_filters.CharFilter(field_name="group__slug", label="Group slug")
    start_after = UTCDateTimeFilter(
        field_name="start",
        lookup_expr="gte",
        label="Sessions starting at or after (ISO 8601)",
        param="start_after",
    )
    start_before = UTCDateTimeFilter(
        field_name="start",
        lookup_expr="lt",
        label="Sessions starting before (ISO 8601)",
        param="start_before",
    )
    format = django_filters.ChoiceFilter(
        field_name="group__format", choices=SupportGroup.Format.choices
    )

    class Meta:
        model = Session
        fields = ["group", "start_after", "start_before", "format"]
