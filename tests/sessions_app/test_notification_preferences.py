"""Notification choices: the quiet defaults, each channel for each category, what can reach a
person, and the SQL filter that must agree with the selector."""

import itertools

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from sessions_app import selectors, services
from sessions_app.models import NotificationPreference, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CATEGORIES = NotificationPreference.Category.values
CHANNELS = NotificationPreference.Channel.values


def texter(**fields):
    return UserFactory(
        phone="+14155550199", phone_verified_at=timezone.now(), sms_opt_in=True, **fields
    )


def test_defaults_are_quiet_texts_for_texters_email_for_the_rest_news_and_checkins_off():
    by_text = texter()
    by_mail = UserFactory()
    assert selectors.notification_choices(user=by_text) == {
        "reminders": "sms",
        "changes": "sms",
        "waitlist": "sms",
        "news": "none",
        "checkins": "none",
    }
    assert selectors.notification_choices(user=by_mail) == {
        "reminders": "email",
        "changes": "email",
        "waitlist": "email",
        "news": "none",
        "checkins": "none",
    }
    assert selectors.notification_channels(user=by_text, category="reminders") == {"sms"}
    assert selectors.notification_channels(user=by_mail, category="reminders") == {"email"}
    assert selectors.notification_channels(user=by_mail, category="news") == set()


@pytest.mark.parametrize(
    ("channel", "expected"),
    [("sms", {"sms"}), ("email", {"email"}), ("both", {"sms", "email"}), ("none", set())],
)
@pytest.mark.parametrize("category", CATEGORIES)
def test_each_choice_in_each_category_is_what_the_selector_answers(category, channel, expected):
    user = texter()
    services.notification_preferences_set(user=user, choices={category: channel})
    assert selectors.notification_channels(user=user, category=category) == expected
    # Other categories keep their defaults.
    others = {c: selectors.notification_channels(user=user, category=c) for c in CATEGORIES}
    on_by_default = ("reminders", "changes", "waitlist")
    for other in set(CATEGORIES) - {category}:
        assert others[other] == ({"sms"} if other in on_by_default else set())


def test_a_choice_is_narrowed_to_what_can_reach_the_person():
    no_phone = UserFactory()
    no_email = texter(email="")
    nothing = UserFactory(email="")
    for user in (no_phone, no_email, nothing):
        services.notification_preferences_set(user=user, choices={"changes": "both"})
    assert selectors.notification_channels(user=no_phone, category="changes") == {"email"}
    assert selectors.notification_channels(user=no_email, category="changes") == {"sms"}
    assert selectors.notification_channels(user=nothing, category="changes") == set()
    # Consent withdrawn: no texts, whatever was chosen.
    no_email.sms_opt_in = False
    no_email.save(update_fields=["sms_opt_in"])
    assert selectors.notification_channels(user=no_email, category="changes") == set()


def test_kinds_map_to_categories_and_a_verification_code_is_no_notification():
    user = texter()
    services.notification_preferences_set(
        user=user, choices={"reminders": "none", "waitlist": "email", "changes": "both"}
    )
    assert selectors.notification_channels_for_kind(user=user, kind="reminder") == set()
    assert selectors.notification_channels_for_kind(user=user, kind="seat_offered") == {"email"}
    assert selectors.notification_channels_for_kind(user=user, kind="seat_promoted") == {"email"}
    for kind in ("session_cancelled", "session_moved", "membership_approved", "attendee_late"):
        assert selectors.notification_channels_for_kind(user=user, kind=kind) == {"sms", "email"}
    assert selectors.notification_channels_for_kind(user=user, kind="verification") is None


def test_bad_choices_save_nothing_and_name_the_category():
    user = UserFactory()
    with pytest.raises(ValidationError) as caught:
        services.notification_preferences_set(
            user=user, choices={"reminders": "sms", "changes": "pigeon", "gossip": "email"}
        )
    errors = caught.value.message_dict["notifications"]
    assert any("pigeon" in e for e in errors) and any("gossip" in e for e in errors)
    assert not NotificationPreference.objects.filter(user=user).exists()


def test_unsubscribing_from_email_keeps_texts_if_chosen():
    user = texter()
    services.notification_preferences_set(user=user, choices={"reminders": "both"})
    assert services.notification_unsubscribe_email(user=user, category="reminders") == "sms"
    mailer = UserFactory()
    assert services.notification_unsubscribe_email(user=mailer, category="changes") == "none"
    assert selectors.notification_channels(user=mailer, category="changes") == set()


def test_the_sql_filter_agrees_with_the_selector_for_every_person_and_choice():
    people = []
    kinds = [
        {},
        {"email": ""},
        {"phone": "+14155550111", "phone_verified_at": timezone.now(), "sms_opt_in": True},
        {
            "phone": "+14155550112",
            "phone_verified_at": timezone.now(),
            "sms_opt_in": True,
            "email": "",
        },
        {"phone": "+14155550113", "phone_verified_at": None, "sms_opt_in": True},
        {"is_active": False},
    ]
    for fields, channel in itertools.product(kinds, [None, *CHANNELS]):
        user = UserFactory(**fields)
        if channel:
            services.notification_preferences_set(
                user=user, choices=dict.fromkeys(CATEGORIES, channel)
            )
        people.append(user)
    for category in CATEGORIES:
        for channel in ("sms", "email"):
            in_sql = set(
                User.objects.filter(
                    selectors.notification_channel_q(category=category, channel=channel)
                ).values_list("pk", flat=True)
            )
            in_python = {
                u.pk
                for u in people
                if channel in selectors.notification_channels(user=u, category=category)
            }
            assert in_sql & {u.pk for u in people} == in_python, (category, channel)


def test_reach_for_a_roster_in_one_query(django_assert_num_queries):
    a, b = texter(), UserFactory()
    services.notification_preferences_set(user=b, choices={"reminders": "none"})
    with django_assert_num_queries(1):
        reach = selectors.notification_reach(users=[a, b])
    assert reach[a.pk]["reminders"] == ["sms"]
    assert reach[b.pk] == {
        "reminders": [],
        "changes": ["email"],
        "waitlist": ["email"],
        "news": [],
        "checkins": [],
    }
