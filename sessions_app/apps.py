import logging

from django.apps import AppConfig
from django.conf import settings
from django.db import connections
from django.db.models.signals import post_migrate

from sessions_app.counts import ensure_count_triggers

logger = logging.getLogger("hearth.mail")

CONSOLE_EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
MAIL_OFF_BACKEND = "config.mail.MailOffBackend"


class SessionsAppConfig(AppConfig):
    name = "sessions_app"
    verbose_name = "Groups and sessions"

    def ready(self):
        post_migrate.connect(_count_triggers, sender=self)
        # Production may choose the console for mail, but then password-reset links end up in
        # the server's log: say so once at start-up (docs/decisions.md, Layout).
        if not settings.DEBUG and settings.EMAIL_BACKEND == CONSOLE_EMAIL_BACKEND:
            logger.warning(
                "EMAIL_URL is consolemail:// with DEBUG off: every mail, password-reset links "
                "included, is written to this process's output. Set EMAIL_URL to an smtp:// "
                "URL to send mail instead."
            )
        if settings.EMAIL_BACKEND == MAIL_OFF_BACKEND:
            logger.error(
                "EMAIL_URL is not set with DEBUG off: Hearth sends no mail (password resets "
                "included) until it is. Set EMAIL_URL, e.g. smtp+tls://user:password@host:587."
            )


def _count_triggers(sender, using="default", **kwargs):
    """Recreate the RSVP count triggers a table rebuild dropped (sessions_app/counts.py)."""
    if ensure_count_triggers(connections[using]):
        logger.warning("RSVP count triggers were missing: created again, sessions recounted.")
