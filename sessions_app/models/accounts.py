"""People: the account and how each person wants to be reached."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from sessions_app.models.fields import new_calendar_token, validate_timezone


class User(AbstractUser):
    """A Hearth account. Phone numbers are seen only by their owner and coordinators."""

    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    timezone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_timezone]
    )
    phone = PhoneNumberField(_("phone"), blank=True, null=True)
    phone_verified_at = models.DateTimeField(null=True, blank=True)
    sms_opt_in = models.BooleanField(_("SMS reminders"), default=False)
    calendar_token = models.CharField(max_length=64, unique=True, default=new_calendar_token)
    # Blank: pages follow the browser (or the footer switch) and texts the site's default.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, blank=True, default=""
    )

    def __str__(self) -> str:
        return self.username

    @property
    def public_name(self) -> str:
        return self.display_name or self.username


class NotificationPreference(models.Model):
    """How one person wants to hear about one category of things: by text, email, both or
    not at all. A person without a row for a category has the quiet default
    (sessions_app.selectors.notification_choices); ask `notification_channels`, never this
    table, whether to send."""

    class Category(models.TextChoices):
        REMINDERS = "reminders", _("Reminders before a session")
        CHANGES = "changes", _("Changes: a session cancelled or moved, a membership approved")
        WAITLIST = "waitlist", _("Waitlist: a seat given or offered")
        NEWS = "news", _("News from the group")
        CHECKINS = "checkins", _("Check-ins: after a session, and after missed sessions")

    class Channel(models.TextChoices):
        SMS = "sms", _("Text message")
        EMAIL = "email", _("Email")
        BOTH = "both", _("Text message and email")
        NONE = "none", _("Nothing")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    category = models.CharField(max_length=20, choices=Category.choices)
    channel = models.CharField(max_length=5, choices=Channel.choices)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category"], name="notification_preference_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.category} by {self.channel}"
