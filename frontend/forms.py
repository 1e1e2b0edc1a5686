"""Forms of the attendee pages. They shape input only; the rules are in the services, whose
ValidationErrors are put back on the form with `errors_onto`."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from frontend.words import WEEKDAY_NAMES, topic_label
from frontend.zone_names import zone_options
from sessions_app import zones
from sessions_app.models import (
    NotificationPreference,
    SessionFeedback,
    SupportGroup,
    validate_timezone,
)
from sessions_app.recurrence import WEEKDAYS
from sessions_app.services import COMMENT_MAX_CHARS, INVITE_DAYS_MAX, INVITE_USES_MAX

# The directory filters by Python's weekday number (0 = Monday).
WEEKDAY_CHOICES = [(str(i), WEEKDAY_NAMES[day]) for i, day in enumerate(WEEKDAYS)]


def errors_onto(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form: by field where it names one."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for field, messages in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


class ZoneInput(forms.TextInput):
    """A text box with the zones as suggestions (a <datalist>): type a city, a country or a
    region, in the page's language or as the IANA name has it, and pick. The value sent is
    the zone's IANA name."""

    template_name = "frontend/widgets/zone_input.html"

    def __init__(self, attrs=None):
        super().__init__(
            {"autocomplete": "off", "spellcheck": "false", "autocapitalize": "off", **(attrs or {})}
        )

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        list_id = f"{context['widget']['attrs'].get('id', name)}-zones"
        context["widget"]["attrs"]["list"] = list_id
        context["list_id"] = list_id
        context["zones"] = zone_options()
        return context


def clean_zone_field(value: str) -> str:
    """A zone from the picker: its name, or what an alias names ("US/Eastern" is New York);
    an IANA zone outside the list (set through the API) is kept as it is."""
    value = (value or "").strip()
    canonical = zones.zone_canonical(value)
    if canonical is not None:
        return canonical
    try:
        validate_timezone(value)
    except ValidationError:
        raise ValidationError(
            _("Pick a time zone from the list: type a city or a country.")
        ) from None
    return value


class DirectoryFilterForm(forms.Form):
    """The GET filters of the group directory; bad values are a form error, never a crash."""

    topic = forms.ChoiceField(label=_("Topic"), required=False)
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=[("", _("Any format"))] + list(SupportGroup.Format.choices),
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    day = forms.ChoiceField(
        label=_("Day of the week"),
        required=False,
        choices=[("", _("Any day"))] + WEEKDAY_CHOICES,
    )

    def __init__(self, *args, topics: list[str], languages: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topic"].choices = [("", _("Any topic"))] + [
            (t, topic_label(t)) for t in topics
        ]
        self.fields["language"].choices = [("", _("Any language"))] + languages


class JoinForm(forms.Form):
    display_name = forms.CharField(
        label=_("Your name in this group"),
        max_length=60,
        required=False,
        help_text=_("All other members ever see of you. A first name or a nickname is fine."),
    )
    invite_code = forms.CharField(label=_("Invitation code"), max_length=64, required=False)


class InviteAcceptForm(forms.Form):
    """Joining through an invitation link: the code is in the link, the name is asked."""

    display_name = JoinForm.base_fields["display_name"]


class InviteCreateForm(forms.Form):
    max_uses = forms.IntegerField(
        label=_("How many people it admits"),
        min_value=1,
        max_value=INVITE_USES_MAX,
        initial=1,
    )
    days_valid = forms.IntegerField(
        label=_("Days until it expires"),
        min_value=1,
        max_value=INVITE_DAYS_MAX,
        initial=14,
    )
    # Where to go back to: the group's page or its invitations page.
    back = forms.ChoiceField(
        choices=[("group", "group"), ("invites", "invites")],
        initial="invites",
        required=False,
        widget=forms.HiddenInput,
    )


def account_language_field() -> forms.ChoiceField:
    """The account's language: blank follows the browser (or the footer switch)."""
    return forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Same as my browser"))] + list(settings.LANGUAGES),
        help_text=_("For these pages and the texts we send you."),
    )


class SignupForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("For logging in. Letters, digits and @ . + - _ only."),
    )
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        required=False,
        help_text=_("What others see. A first name or a nickname is fine."),
    )
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        help_text=_("Optional: only used to reset your password."),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    language = account_language_field()
    # The browser's zone, filled in by zone.js; anything that is not a zone is ignored (UTC).
    timezone = forms.CharField(
        required=False,
        max_length=64,
        widget=forms.HiddenInput(attrs={"data-browser-zone": ""}),
    )

    def clean_timezone(self) -> str:
        return zones.zone_canonical(self.cleaned_data.get("timezone")) or ""

    def clean(self):
        data = super().clean()
        if data.get("password") and data.get("password") != data.get("password_again"):
            self.add_error("password_again", _("The two passwords are not the same."))
        return data


class ProfileForm(forms.Form):
    display_name = forms.CharField(label=_("Display name"), max_length=60, required=False)
    timezone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        widget=ZoneInput,
        help_text=_("Type a city or a country and pick from the list, e.g. America/Chicago."),
    )
    language = account_language_field()
    email = forms.EmailField(
        label=_("Email address"),
        required=False,
        help_text=_("For emails you choose below and for resetting your password."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def clean_timezone(self) -> str:
        return clean_zone_field(self.cleaned_data["timezone"])


class PhoneForm(forms.Form):
    phone = forms.CharField(
        label=_("Mobile number"),
        max_length=32,
        help_text=_("In international form, e.g. +14155550123. We text you a code to check it."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


class PhoneVerifyForm(forms.Form):
    code = forms.CharField(
        label=_("6-digit code"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class SmsConsentForm(forms.Form):
    sms_opt_in = forms.BooleanField(
        label=_("Send me SMS reminders"),
        required=False,
        # The consent wording under the box is what the person agrees to.
        widget=forms.CheckboxInput(attrs={"aria-describedby": "consent-text"}),
    )


class NotificationsForm(forms.Form):
    """One choice per category of notification: text, email, both or nothing."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for category, label in NotificationPreference.Category.choices:
            self.fields[category] = forms.ChoiceField(
                label=label, choices=NotificationPreference.Channel.choices
            )


class AccountDeleteForm(forms.Form):
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class AttendanceLetterForm(forms.Form):
    """Which group and which days a letter of attendance covers, and the name to print."""

    group = forms.ChoiceField(label=_("Group"))
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    name = forms.CharField(
        label=_("Name to print"),
        required=False,
        max_length=100,
        help_text=_("By default, your display name."),
    )

    def __init__(self, *args, groups: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].choices = groups


class VerifyCodeForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=80)


class FeedbackForm(forms.Form):
    """The one question after a session."""

    helpful = forms.ChoiceField(
        label=_("Was this session helpful?"),
        choices=SessionFeedback.Helpful.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you want to add?"),
        required=False,
        max_length=COMMENT_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The facilitators read it. Your name is not shown unless you sign it."),
    )
    signed = forms.BooleanField(label=_("Sign my comment with my name"), required=False)


class PersonReportForm(forms.Form):
    """Report a person from a group's page: someone the reporter was in one of its rooms with."""

    user = forms.TypedChoiceField(label=_("Who"), coerce=int)
    reason = forms.CharField(
        label=_("What happened"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, people: list[dict], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [(p["id"], p["display_name"]) for p in people]
