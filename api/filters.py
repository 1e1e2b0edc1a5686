"""Query filters of the list endpoints (django-filter)."""

from datetime import UTC
from typing import Any

import django_filters
from django import forms
from django.db.models import Q
from django_filters.constants import EMPTY_VALUES
from rest_framework.exceptions import ErrorDetail, ValidationError

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


def session_list_lookups(data) -> dict[str, Any]:
    """The ORM lookups SessionFilter applies for this query string, in its order: each value
    cleaned by the filter's own form field, a bad one a 400 naming the field, as
    DjangoFilterBackend answers. Without a FilterSet and its form per request (the hot list,
    docs/benchmarks.md, API); the FilterSet stays the schema's description."""
    errors: dict[str, list[ErrorDetail]] = {}
    cleaned: dict[str, Any] = {}
    for name, filter_ in SessionFilter.base_filters.items():
        field = filter_.field
        try:
            cleaned[name] = field.clean(field.widget.value_from_datadict(data, {}, name))
        except forms.ValidationError as exc:
            errors[name] = [
                ErrorDetail(e.message % (e.params or ()), code=e.code) for e in exc.error_list
            ]
    if errors:
        raise ValidationError(errors)
    lookups: dict[str, Any] = {}
    for name, filter_ in SessionFilter.base_filters.items():
        value = cleaned[name]
        if value in EMPTY_VALUES:
            continue
        if isinstance(filter_, UTCDateTimeFilter):
            try:
                value = value.astimezone(UTC)
            except OverflowError:
                raise ValidationError({filter_.param: ["Out of range."]}) from None
        lookups[f"{filter_.field_name}__{filter_.lookup_expr}"] = value
    return lookups
