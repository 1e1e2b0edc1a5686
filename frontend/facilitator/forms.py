"""Forms of the facilitator pages. They only shape input: the rules are in the services, whose
ValidationErrors are put back on the form by `errors_onto_form`."""

from __future__ import annotations

from datetime import datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from facilitators.models import FacilitatorProfile
from facilitators.services import BIO_MAX
from frontend.forms import ZoneInput, clean_zone_field
from frontend.words import SETPOS_NAMES, WEEKDAY_NAMES
from rooms.models import PersonReport
from sessions_app.models import FacilitatorAssignment, SupportGroup
from sessions_app.recurrence import WEEKDAYS


def errors_onto_form(form: forms.Form, exc: ValidationError, *, aliases: dict | None = None):
    """Put a service's ValidationError on the form: known keys on their field, the rest on top."""
    aliases = aliases or {}
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc.messages)
        return
    for key, messages in exc.message_dict.items():
        field = aliases.get(key, key)
        if field in form.fields:
            form.add_error(field, messages)
        else:
            form.add_error(None, [f"{key}: {m}" if key != "__all__" else m for m in messages])


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    guidelines = forms.CharField(
        label=_("Group guidelines"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text=_("Shown to members before they join and in the room."),
    )
    guidelines_every_session = forms.BooleanField(
        label=_("Ask everyone to accept the guidelines at every session"),
        required=False,
        help_text=_(
            "Otherwise each person accepts them once, and again only when you change them."
        ),
    )
    topic = forms.CharField(label=_("Topic"), max_length=60)
    language = forms.CharField(label=_("Language code"), max_length=10, initial="en")
    format = forms.ChoiceField(label=_("Format"), choices=SupportGroup.Format.choices)
    timezone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        widget=ZoneInput,
        initial="America/New_York",
        help_text=_("Sessions are scheduled in this zone's local time."),
    )
    capacity = forms.IntegerField(label=_("Seats per session"), min_value=1, initial=12)
    join_policy = forms.ChoiceField(
        label=_("Who can join"), choices=SupportGroup.JoinPolicy.choices
    )
    video_url = forms.URLField(
        label=_("Video link"), required=False, assume_scheme="https", max_length=200
    )
    reminder_offsets = forms.CharField(
        label=_("Reminders (hours before)"),
        required=False,
        initial="24, 2",
        help_text=_("Comma-separated, e.g. 24, 2. Leave empty for no reminders."),
    )
    is_public = forms.BooleanField(label=_("Listed publicly"), required=False, initial=True)
    lobby_enabled = forms.BooleanField(label=_("Send everyone to a lobby first"), required=False)
    voice_only = forms.BooleanField(label=_("Voice only: no cameras in the room"), required=False)
    talking_piece = forms.BooleanField(
        label=_("Talking piece: only the person whose turn it is can unmute"), required=False
    )
    absence_check_ins = forms.BooleanField(
        label=_("After two missed sessions, send a gentle “we missed you”"),
        required=False,
        help_text=_("Only to members who chose check-ins. It never names the group's topic."),
    )

    def clean_reminder_offsets(self) -> list[int]:
        raw = self.cleaned_data["reminder_offsets"].strip()
        if not raw:
            return []
        minutes = []
        for part in raw.split(","):
            try:
                hours = float(part.strip())
            except ValueError:
                raise ValidationError(_("Numbers of hours, separated by commas.")) from None
            minutes.append(round(hours * 60))
        return minutes

    def clean_timezone(self) -> str:
        return clean_zone_field(self.cleaned_data["timezone"])

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        data["reminder_offsets_minutes"] = data.pop("reminder_offsets")
        return data

    @classmethod
    def initial_for(cls, group: SupportGroup) -> dict:
        offsets = ", ".join(f"{m / 60:g}" for m in group.reminder_offsets_minutes or [])
        return {
            **{name: getattr(group, name) for name in cls.base_fields if hasattr(group, name)},
            "reminder_offsets": offsets,
        }


class ScheduleForm(forms.Form):
    """A schedule as a sentence: "Starting <date> at <time>, for <n> minutes, repeat
    <every N weeks> on <days>, <until date | for N sessions | forever>"."""

    REPEAT_CHOICES = [
        ("none", _("does not repeat")),
        ("daily", _("day(s)")),
        ("weekly", _("week(s)")),
        ("monthly", _("month(s)")),
    ]
    MONTHLY_CHOICES = [
        ("date", _("on the same date")),
        ("weekday", _("on the")),
    ]
    END_CHOICES = [("never", _("with no end")), ("until", _("until")), ("count", _("for"))]

    first_date = forms.DateField(
        label=_("Starting on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    start_time = forms.TimeField(
        label=_("at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(
        label=_("for (minutes)"), min_value=1, max_value=24 * 60, initial=90
    )
    frequency = forms.ChoiceField(label=_("Repeat every"), choices=REPEAT_CHOICES, initial="weekly")
    interval = forms.IntegerField(label=_("Interval"), min_value=1, max_value=52, initial=1)
    byweekday = forms.MultipleChoiceField(
        label=_("on"),
        choices=[(d, WEEKDAY_NAMES[d]) for d in WEEKDAYS],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    monthly_mode = forms.ChoiceField(
        label=_("Monthly"), choices=MONTHLY_CHOICES, initial="weekday", required=False
    )
    setpos = forms.TypedChoiceField(
        label=_("Which"),
        choices=list(SETPOS_NAMES.items()),
        coerce=int,
        initial=1,
        required=False,
    )
    month_weekday = forms.ChoiceField(
        label=_("Weekday"),
        choices=[(d, WEEKDAY_NAMES[d]) for d in WEEKDAYS],
        initial="MO",
        required=False,
    )
    ends = forms.ChoiceField(label=_("Ends"), choices=END_CHOICES, initial="never")
    until = forms.DateField(
        label=_("End date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    count = forms.IntegerField(label=_("Sessions"), min_value=1, max_value=1000, required=False)

    # Service error keys -> form fields.
    ALIASES = {
        "start": "first_date",
        "recurrence.frequency": "frequency",
        "recurrence.interval": "interval",
        "recurrence.byweekday": "byweekday",
        "recurrence.bysetpos": "setpos",
        "recurrence.until": "until",
        "recurrence.count": "count",
    }

    def clean(self):
        data = super().clean()
        if data.get("ends") == "until" and not data.get("until"):
            self.add_error("until", _("Choose the last date."))
        if data.get("ends") == "count" and not data.get("count"):
            self.add_error("count", _("How many sessions?"))
        return data

    def local_start(self) -> datetime:
        return datetime.combine(self.cleaned_data["first_date"], self.cleaned_data["start_time"])

    def recurrence(self) -> dict | None:
        """The API's `recurrence` object for what was entered (validated by the service)."""
        data = self.cleaned_data
        frequency = data["frequency"]
        if frequency == "none":
            return None
        recurrence: dict = {"frequency": frequency, "interval": data.get("interval") or 1}
        if frequency == "weekly":
            days = list(data.get("byweekday") or [])
            # "Every week" with no day ticked means the weekday of the first date.
            recurrence["byweekday"] = days or [WEEKDAYS[data["first_date"].weekday()]]
        elif frequency == "monthly" and data.get("monthly_mode") == "weekday":
            recurrence["byweekday"] = [data.get("month_weekday") or "MO"]
            recurrence["bysetpos"] = data.get("setpos") or 1
        if data.get("ends") == "until":
            recurrence["until"] = data.get("until")
        elif data.get("ends") == "count":
            recurrence["count"] = data.get("count")
        return recurrence

    @classmethod
    def initial_for(cls, schedule, recurrence, *, first_date) -> dict:
        initial = {
            "first_date": first_date,
            "start_time": schedule.start_time,
            "duration_minutes": schedule.duration_minutes,
            "frequency": "none",
        }
        if recurrence is None:
            return initial
        initial.update(frequency=recurrence.frequency, interval=recurrence.interval)
        if recurrence.frequency == "weekly":
            initial["byweekday"] = list(recurrence.byweekday)
        if recurrence.frequency == "monthly":
            if recurrence.bysetpos is not None:
                initial.update(
                    monthly_mode="weekday",
                    setpos=recurrence.bysetpos,
                    month_weekday=recurrence.byweekday[0] if recurrence.byweekday else "MO",
                )
            else:
                initial["monthly_mode"] = "date"
        if recurrence.until:
            initial.update(ends="until", until=recurrence.until)
        elif recurrence.count:
            initial.update(ends="count", count=recurrence.count)
        return initial


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (attendees see it)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MoveForm(forms.Form):
    date = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(
        label=_("New start time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    duration_minutes = forms.IntegerField(label=_("Minutes"), min_value=1, max_value=24 * 60)

    def start_end(self) -> tuple[datetime, datetime]:
        """Naive wall-clock start and end in the group's zone (the service resolves them)."""
        start = datetime.combine(self.cleaned_data["date"], self.cleaned_data["time"])
        return start, start + timedelta(minutes=self.cleaned_data["duration_minutes"])


class AssignForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=FacilitatorAssignment.Role.choices)


class NoteForm(forms.Form):
    """The no-JavaScript note form; the autosave script sends the same fields as JSON."""

    summary = forms.CharField(
        label=_("Summary"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    body = forms.CharField(
        label=_("Notes"), required=False, strip=False, widget=forms.Textarea(attrs={"rows": 10})
    )
    themes = forms.CharField(
        label=_("Themes"),
        required=False,
        help_text=_("Comma-separated, e.g. sleep, anniversaries."),
    )
    safety_concern = forms.BooleanField(label=_("Safety concern"), required=False)
    revision = forms.IntegerField(min_value=0, widget=forms.HiddenInput)

    def note_data(self, post) -> dict:
        """Service arguments from the cleaned form plus the follow-up rows in `post`
        (`follow_up_text` / `follow_up_done` lists, one entry per row, blank rows skipped)."""
        texts = post.getlist("follow_up_text")
        done = set(post.getlist("follow_up_done"))
        follow_ups = [
            {"text": text.strip(), "done": str(i) in done}
            for i, text in enumerate(texts)
            if text.strip()
        ]
        themes = [t.strip() for t in self.cleaned_data["themes"].split(",") if t.strip()]
        return {
            "summary": self.cleaned_data["summary"],
            "body": self.cleaned_data["body"],
            "themes": themes,
            "follow_ups": follow_ups,
            "safety_concern": self.cleaned_data["safety_concern"],
            "revision": self.cleaned_data["revision"],
        }


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution note (optional)"),
        max_length=500,
        required=False,
        widget=forms.TextInput(),
    )


class FacilitatorProfileForm(forms.Form):
    """A facilitator's own profile, and who sees each part of it on their groups' pages."""

    bio = forms.CharField(
        label=_("Short bio"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=BIO_MAX,
        required=False,
        help_text=_("A few sentences about you, as members would like to know you."),
    )
    bio_visibility = forms.ChoiceField(
        label=_("Who sees your bio"), choices=FacilitatorProfile.Visibility.choices
    )
    trainings = forms.CharField(
        label=_("Trainings"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One per line, e.g. Mental Health First Aid."),
    )
    trainings_visibility = forms.ChoiceField(
        label=_("Who sees your trainings"), choices=FacilitatorProfile.Visibility.choices
    )

    @staticmethod
    def initial_for(profile: FacilitatorProfile) -> dict:
        return {
            "bio": profile.bio,
            "bio_visibility": profile.bio_visibility,
            "trainings": "\n".join(profile.trainings),
            "trainings_visibility": profile.trainings_visibility,
        }

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "bio": data["bio"],
            "bio_visibility": data["bio_visibility"],
            "trainings": [line.strip() for line in data["trainings"].splitlines() if line.strip()],
            "trainings_visibility": data["trainings_visibility"],
        }


class PersonReportResolveForm(forms.Form):
    action = forms.ChoiceField(
        label=_("What to do"),
        choices=PersonReport.Action.choices,
        initial=PersonReport.Action.NONE,
        widget=forms.RadioSelect,
    )
    resolution = forms.CharField(
        label=_("Resolution note (optional)"),
        max_length=500,
        required=False,
        widget=forms.TextInput(),
    )
