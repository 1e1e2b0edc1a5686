"""SMS fixtures: the locmem backend, the fake Twilio server and signed webhook posts."""

import itertools
import uuid

import pytest
import time_machine
from celery import current_app
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.utils import timezone
from rest_framework.throttling import ScopedRateThrottle
from twilio.request_validator import RequestValidator

from sms import backends
from tests.factories import UserFactory
from tests.sms.fake_twilio import FakeTwilio

AUTH_TOKEN = "test-auth-token"
ACCOUNT_SID = "AC" + "0" * 32
FROM_NUMBER = "+15005550006"
PUBLIC = "https://hearth.example.org"
_numbers = itertools.count(100)


def new_phone() -> str:
    return f"+1415555{next(_numbers) % 10000:04d}"


@pytest.fixture(autouse=True)
def _sms_settings(settings, monkeypatch):
    # Throttle counts and the zone cache start empty, without flushing a shared Redis.
    monkeypatch.setattr(ScopedRateThrottle, "cache", LocMemCache(f"t-{uuid.uuid4()}", {}))
    cache.delete("sms:zones-in-use")
    # Tasks run in-process here even when REDIS_URL is set; the Celery worker test opts out.
    eager = current_app.conf.task_always_eager
    current_app.conf.task_always_eager = True
    settings.SMS_BACKEND = "locmem"
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_FROM_NUMBER = FROM_NUMBER
    settings.PUBLIC_BASE_URL = PUBLIC
    backends.outbox.messages.clear()
    backends.outbox.failures.clear()
    yield
    current_app.conf.task_always_eager = eager
    backends.outbox.messages.clear()
    backends.outbox.failures.clear()


@pytest.fixture
def daytime():
    """11:00 in New York (the factories' zone), inside the default send window, whatever the
    clock says: a text that goes out at once would otherwise wait for the morning, and the
    test fail, when the suite runs at night there."""
    with time_machine.travel("2026-06-10T15:00:00Z", tick=True):
        yield


@pytest.fixture
def outbox():
    return backends.outbox.messages


@pytest.fixture
def fake_twilio(settings):
    fake = FakeTwilio().start()
    settings.SMS_BACKEND = "twilio"
    settings.TWILIO_API_BASE = fake.base_url
    settings.TWILIO_HTTP_TIMEOUT = 0.5
    yield fake
    fake.stop()


def sms_user(*, phone=None, tz="America/New_York", **fields):
    """A user with a verified phone who opted in to texts."""
    return UserFactory(
        phone=phone or new_phone(),
        phone_verified_at=timezone.now(),
        sms_opt_in=True,
        timezone=tz,
        **fields,
    )


def signed_post(client, path, params, *, token=AUTH_TOKEN, signature=None, query=""):
    url = PUBLIC + path + (f"?{query}" if query else "")
    if signature is None:
        signature = RequestValidator(token).compute_signature(url, params)
    headers = {"HTTP_X_TWILIO_SIGNATURE": signature} if signature != "" else {}
    return client.post(path + (f"?{query}" if query else ""), params, **headers)
