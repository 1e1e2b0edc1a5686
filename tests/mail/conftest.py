"""Email fixtures: Django's in-memory mail backend, eager tasks, SMS in memory."""

import pytest
import time_machine
from celery import current_app
from django.core.mail.backends.base import BaseEmailBackend


class FailingBackend(BaseEmailBackend):
    """A mail server that refuses every message (a real SMTP error class)."""

    def send_messages(self, email_messages):
        import smtplib  # noqa: PLC0415 - only this fake needs it

        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


@pytest.fixture(autouse=True)
def _mail_settings(settings):
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SMS_BACKEND = "locmem"
    settings.PUBLIC_BASE_URL = "https://hearth.example.org"
    settings.LANGUAGE_CODE = "en"
    yield
    current_app.conf.task_always_eager = eager


@pytest.fixture
def daytime():
    """11:00 in New York (the factories' zone), inside the send window."""
    with time_machine.travel("2026-06-10T15:00:00Z", tick=False):
        yield
