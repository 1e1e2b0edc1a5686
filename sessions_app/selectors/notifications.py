"""Reads about how a person wants to be told things: the one place every channel asks.

Categories (NotificationPreference.Category): reminders, changes, waitlist, news, checkins.
Each channel's own kinds (a notice's kind, a text's kind) map to one category through
CATEGORY_BY_KIND. Without a stored choice a category has the quiet default: reminders,
changes and waitlist by text when the person takes texts (a verified number and SMS consent),
else by email; news and check-ins not at all.

`notification_channels` answers "by which channels may this reach this person now": the
choice, narrowed to the channels the person can be reached on (texts need a verified number
and consent; email needs an address). The SMS and mail apps ask it before queueing and again
before sending; a bulk sweep uses `notification_channel_q` for the same rule in SQL.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from sessions_app.models import Notice, NotificationPreference, User

Category = NotificationPreference.Category
Channel = NotificationPreference.Channel

SMS = "sms"
EMAIL = "email"

# Kinds of notices and of texts/emails, by category. A kind that is missing here (a phone
# verification code) is not a notification: it goes whatever the choices are.
CATEGORY_BY_KIND: dict[str, str] = {
    "reminder": Category.REMINDERS,
    Notice.Kind.SESSION_CANCELLED: Category.CHANGES,
    Notice.Kind.SESSION_MOVED: Category.CHANGES,
    Notice.Kind.MEMBERSHIP_APPROVED: Category.CHANGES,
    # To facilitators, about a session they run: a change to it.
    Notice.Kind.ATTENDEE_LATE: Category.CHANGES,
    Notice.Kind.SEAT_PROMOTED: Category.WAITLIST,
    Notice.Kind.SEAT_OFFERED: Category.WAITLIST,
    # Check-ins (sms.services.checkins, mail.checkins): the question after a session, "we
    # missed you".
    "feedback_ask": Category.CHECKINS,
    "absence_check_in": Category.CHECKINS,
}

# What a channel choice means as a set of channels.
CHANNELS_OF: dict[str, frozenset[str]] = {
    Channel.SMS: frozenset({SMS}),
    Channel.EMAIL: frozenset({EMAIL}),
    Channel.BOTH: frozenset({SMS, EMAIL}),
    Channel.NONE: frozenset(),
}

# Categories that are on by default (by text if the person takes texts, else by email).
DEFAULT_ON = frozenset({Category.REMINDERS, Category.CHANGES, Category.WAITLIST})


def takes_sms(user: User) -> bool:
    """A verified number and SMS consent: texts can reach this person at all."""
    return bool(user.sms_opt_in and user.phone and user.phone_verified_at)


def takes_email(user: User) -> bool:
    """An email address on file (and an active account)."""
    return bool(user.email) and user.is_active


def _reachable(user: User) -> frozenset[str]:
    return frozenset(c for c, ok in ((SMS, takes_sms(user)), (EMAIL, takes_email(user))) if ok)


def notification_default(*, user: User, category: str) -> str:
    """The channel a category has when the person never chose one."""
    if category not in DEFAULT_ON:
        return Channel.NONE
    return Channel.SMS if takes_sms(user) else Channel.EMAIL


def notification_choices(*, user: User) -> dict[str, str]:
    """Every category with the person's choice (or the default): {category: channel}."""
    stored = dict(
        NotificationPreference.objects.filter(user=user).values_list("category", "channel")
    )
    return {
        category: stored.get(category) or notification_default(user=user, category=category)
        for category in Category.values
    }


def notification_channels(*, user: User, category: str) -> set[str]:
    """The channels ("sms", "email") by which something of `category` reaches `user` now:
    their choice, narrowed to what can reach them. Empty: tell them on the site only."""
    stored = (
        NotificationPreference.objects.filter(user=user, category=category)
        .values_list("channel", flat=True)
        .first()
    )
    chosen = CHANNELS_OF[stored or notification_default(user=user, category=category)]
    return set(chosen & _reachable(user))


def notification_channels_for_kind(*, user: User, kind: str) -> set[str] | None:
    """`notification_channels` for the category of `kind`; None if `kind` has no category
    (it is not a notification and goes regardless)."""
    category = CATEGORY_BY_KIND.get(kind)
    if category is None:
        return None
    return notification_channels(user=user, category=category)


def notification_channel_q(*, category: str, channel: str, user_field: str = "") -> Q:
    """The rule of `notification_channels` as a filter (`user_field`: the path from the
    queried model to the user, e.g. "user"; empty when querying users): those whom
    `category` reaches by `channel`."""
    prefix = f"{user_field}__" if user_field else ""
    ref = OuterRef(f"{user_field}_id" if user_field else "pk")
    chosen = NotificationPreference.objects.filter(user_id=ref, category=category)
    wants = [c for c, channels in CHANNELS_OF.items() if channel in channels]
    has_choice = Q(Exists(chosen))
    chose_it = Q(Exists(chosen.filter(channel__in=wants)))
    sms_ok = Q(
        **{
            f"{prefix}sms_opt_in": True,
            f"{prefix}phone__isnull": False,
            f"{prefix}phone_verified_at__isnull": False,
        }
    ) & ~Q(**{f"{prefix}phone": ""})
    email_ok = ~Q(**{f"{prefix}email": ""}) & Q(**{f"{prefix}is_active": True})
    if category not in DEFAULT_ON:
        return (sms_ok if channel == SMS else email_ok) & chose_it
    if channel == SMS:
        # Texts are the default of everyone who takes them, so: nobody chose otherwise. One
        # anti-join keeps the reminder sweep's plan on its indexes (docs/benchmarks.md).
        return sms_ok & ~Q(Exists(chosen.exclude(channel__in=wants)))
    return email_ok & (chose_it | (~has_choice & ~sms_ok))


def notification_reach(*, users: list[User]) -> dict[int, dict[str, list[str]]]:
    """For each user id: {category: sorted channels that reach them}, in one query; what a
    facilitator sees on a roster (channel names, never an address)."""
    stored: dict[int, dict[str, str]] = {}
    for user_id, category, channel in NotificationPreference.objects.filter(
        user__in=[u.pk for u in users]
    ).values_list("user_id", "category", "channel"):
        stored.setdefault(user_id, {})[category] = channel
    reach: dict[int, dict[str, list[str]]] = {}
    for user in users:
        reachable = _reachable(user)
        mine = stored.get(user.pk, {})
        reach[user.pk] = {}
        for category in Category.values:
            chosen = mine.get(category) or notification_default(user=user, category=category)
            reach[user.pk][category] = sorted(CHANNELS_OF[chosen] & reachable)
    return reach
