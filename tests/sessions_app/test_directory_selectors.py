"""The directory's compiled selectors (group_filter_choices, groups_directory,
groups_next_session) answer as the querysets they replaced, for every kind of viewer, filter
and page, on a shape's first use and later ones."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from sessions_app import selectors, services
from sessions_app.models import Membership, Session, SupportGroup
from sessions_app.selectors.compiled import compiled_rows
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewers():
    for i, (topic, language, public) in enumerate(
        [
            ("grief", "en", True),
            ("anxiety", "es", True),
            ("caregiving", "fr", False),
            ("recovery", "de", False),
            ("grief", "en", True),
        ]
    ):
        group = GroupFactory(
            name=f"Group {5 - i}", topic=topic, language=language, is_public=public
        )
        for days in (1 + i, 8 + i):
            one_off_session(group, starts_in=timedelta(days=days, hours=3))
    GroupFactory(name="No sessions", topic="loneliness")
    hidden = SupportGroup.objects.filter(is_public=False).order_by("pk")
    first = Session.objects.filter(group__name="Group 5").order_by("start").first()
    services.session_cancel(session=first, reason="Ice", by=UserFactory(is_staff=True))
    return {
        "anonymous": AnonymousUser(),
        "outsider": UserFactory(),
        "pending member": member(hidden[0], status=Membership.Status.PENDING),
        "facilitator": facilitator(hidden[1]),
        "staff": UserFactory(is_staff=True),
    }


def old_next_sessions(groups) -> dict[int, tuple]:
    now = timezone.now()
    next_pk = (
        Session.objects.filter(group=OuterRef("pk"), status=Session.Status.SCHEDULED, end__gt=now)
        .order_by("start", "pk")
        .values("pk")[:1]
    )
    pks = groups.annotate(next_pk=Subquery(next_pk)).values_list("next_pk", flat=True)
    return {
        s.group_id: (s.pk, s.start, s.going_count, s.effective_capacity)
        for s in Session.objects.filter(pk__in=[pk for pk in pks if pk])
    }


def test_filter_choices_pages_and_next_sessions_are_the_querysets_answers(viewers):
    day = Session.objects.order_by("start").last().weekday
    for name, user in viewers.items():
        visible = selectors.groups_visible(user=user)
        for _ in range(2):
            assert selectors.group_filter_choices(user=user) == (
                sorted(set(visible.values_list("topic", flat=True))),
                sorted(set(visible.values_list("language", flat=True))),
            ), name
        for lookups, weekday in [
            ({}, None),
            ({"topic": "grief"}, None),
            ({"language": "fr", "format": "online"}, None),
            ({}, day),
            ({"topic": "grief"}, day),
        ]:
            expected = visible.filter(**lookups)
            if weekday is not None:
                expected = selectors.groups_meeting_on_weekday(expected, weekday=weekday)
            expected = list(expected.order_by("name", "pk"))
            for per_page in (2, 20):
                paginator = Paginator(
                    selectors.groups_directory(user=user, lookups=lookups, weekday=weekday),
                    per_page,
                )
                assert paginator.count == len(expected), (name, lookups, weekday)
                got = [g for n in paginator.page_range for g in paginator.page(n)]
                assert [g.pk for g in got] == [g.pk for g in expected], (name, lookups)
                assert [(g.name, g.slug, g.topic, g.get_format_display()) for g in got] == [
                    (g.name, g.slug, g.topic, g.get_format_display()) for g in expected
                ]
                nexts = selectors.groups_next_session(got)
                old = old_next_sessions(SupportGroup.objects.filter(pk__in=[g.pk for g in got]))
                assert {
                    k: (s.pk, s.start, s.going_count, s.effective_capacity)
                    for k, s in nexts.items()
                } == old
                assert all(nexts[g.pk].group is g for g in got if g.pk in nexts)
    assert selectors.groups_next_session([]) == {}


def test_a_value_made_from_a_stand_in_is_refused():
    """now + 28 days computed while building would be kept as a constant: it must be a slot."""
    with pytest.raises(RuntimeError, match="made from a stand-in"):
        compiled_rows(
            ("test-derived",),
            lambda values: Session.objects.filter(
                start__gte=values["now"], start__lt=values["now"] + timedelta(days=28)
            ).values_list("pk"),
            {"now": timezone.now()},
        )
