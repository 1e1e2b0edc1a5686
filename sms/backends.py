"""SMS backends behind one small interface, chosen by SMS_BACKEND: `console` (prints),
`locmem` (keeps texts in memory for tests) and `twilio` (the real `twilio` client).

`send` returns the provider's message id or raises `SmsSendError`, which says whether the
text was certainly not accepted (`retryable`: 429, 5xx, connection refused), permanently
refused (`permanent`), or may or may not have been accepted (`ambiguous`: a read timeout or a
dropped connection after the request went out) - those are reconciled, never re-sent blindly.
"""

from __future__ import annotations

import abc
import logging
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string
from twilio.base import values
from twilio.base.exceptions import TwilioException, TwilioRestException, TwilioServiceException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

log = logging.getLogger(__name__)

# Twilio error codes that will not change on a retry; the ones about the number itself are
# also recorded on the contact (sms.models.SmsContact).
PERMANENT_NUMBER_CODES = {21211, 21214, 21408, 21610, 21612, 21614, 30003, 30005, 30006}
PERMANENT_CODES = PERMANENT_NUMBER_CODES | {21606, 21617, 30004, 30007, 30008}
OPT_OUT_CODE = 21610


class SmsSendError(Exception):
    def __init__(
        self,
        message: str,
        *,
        code: int | None = None,
        http_status: int | None = None,
        kind: str = "retryable",
    ):
        super().__init__(message)
        self.message, self.code, self.http_status, self.kind = message, code, http_status, kind

    @property
    def permanent(self) -> bool:
        return self.kind == "permanent"

    @property
    def ambiguous(self) -> bool:
        return self.kind == "ambiguous"


@dataclass(frozen=True)
class SentMessage:
    """A message as the provider lists it, for reconciliation."""

    sid: str
    to: str
    body: str
    status: str
    created_at: datetime | None = None


class BaseBackend(abc.ABC):
    """What every SMS backend provides: send one text, list what was sent (reconciliation)."""

    @abc.abstractmethod
    def send(
        self, *, to: str, body: str, status_callback: str | None, validity_period: int | None
    ) -> str:
        """Send one text; returns the provider's message id."""

    @abc.abstractmethod
    def messages_since(self, *, to: str, since: datetime) -> list[SentMessage]:
        """Messages the provider holds for `to` sent on or after `since`'s date."""


class ConsoleBackend(BaseBackend):
    """Prints texts (the embedded run) and remembers nothing."""

    def send(self, *, to, body, status_callback, validity_period):
        sid = f"CONSOLE{uuid.uuid4().hex}"
        log.info("SMS to %s (%s, valid %ss): %s", to, sid, validity_period, body)
        print(f"[sms] to {to}: {body}")  # noqa: T201 - the console backend's whole job
        return sid

    def messages_since(self, *, to, since):
        return []


@dataclass
class _Outbox:
    messages: list[dict] = field(default_factory=list)
    # Errors to raise on the next sends, in order (tests script failures with these).
    failures: list[SmsSendError] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


outbox = _Outbox()


class LocmemBackend(BaseBackend):
    """Keeps texts in `backends.outbox.messages` (tests); `outbox.failures` scripts errors."""

    def send(self, *, to, body, status_callback, validity_period):
        with outbox.lock:
            if outbox.failures:
                raise outbox.failures.pop(0)
            sid = f"SM{uuid.uuid4().hex}"
            outbox.messages.append(
                {
                    "sid": sid,
                    "to": to,
                    "body": body,
                    "status_callback": status_callback,
                    "validity_period": validity_period,
                    "created_at": timezone.now(),
                }
            )
        return sid

    def messages_since(self, *, to, since):
        with outbox.lock:
            return [
                SentMessage(m["sid"], m["to"], m["body"], "queued", m["created_at"])
                for m in outbox.messages
                if m["to"] == to and m["created_at"].date() >= since.date()
            ]


def _twilio_http_client(base_url: str, timeout: float):
    class BaseUrlHttpClient(TwilioHttpClient):
        """Sends every request to `base_url` (scheme, host and path prefix) instead of
        api.twilio.com, and ignores proxy variables from the environment."""

        def __init__(self):
            super().__init__(timeout=timeout)
            self.session.trust_env = False
            self.base = urlsplit(base_url) if base_url else None

        def request(self, method, url, *args, **kwargs):
            if self.base is not None:
                parts = urlsplit(url)
                url = urlunsplit(
                    (
                        self.base.scheme,
                        self.base.netloc,
                        self.base.path.rstrip("/") + parts.path,
                        parts.query,
                        parts.fragment,
                    )
                )
            return super().request(method, url, *args, **kwargs)

    return BaseUrlHttpClient()


class TwilioBackend(BaseBackend):
    """The real `twilio` client; TWILIO_API_BASE points it at another base URL."""

    def __init__(self):
        self.client = Client(
            settings.TWILIO_ACCOUNT_SID,
            settings.TWILIO_AUTH_TOKEN,
            http_client=_twilio_http_client(settings.TWILIO_API_BASE, settings.TWILIO_HTTP_TIMEOUT),
        )

    def send(self, *, to, body, status_callback, validity_period):
        sender = (
            {"messaging_service_sid": settings.TWILIO_MESSAGING_SERVICE_SID}
            if settings.TWILIO_MESSAGING_SERVICE_SID
            else {"from_": settings.TWILIO_FROM_NUMBER}
        )
        try:
            message = self.client.messages.create(
                to=to,
                body=body,
                status_callback=status_callback or values.unset,
                validity_period=validity_period or values.unset,
                **sender,
            )
        except (TwilioRestException, TwilioServiceException) as exc:
            message = getattr(exc, "msg", None) or getattr(exc, "detail", None) or ""
            raise _classify(
                getattr(exc, "status", None), getattr(exc, "code", None), str(message)
            ) from exc
        except TwilioException as exc:
            raise SmsSendError(f"Twilio client error: {exc}", kind="ambiguous") from exc
        except requests.ConnectTimeout as exc:
            # The connection never opened: nothing reached Twilio.
            raise SmsSendError("connect timeout", kind="retryable") from exc
        except requests.ConnectionError as exc:
            if _never_connected(exc):
                raise SmsSendError("connection refused", kind="retryable") from exc
            raise SmsSendError(f"connection lost: {exc}", kind="ambiguous") from exc
        except requests.Timeout as exc:
            raise SmsSendError("read timeout", kind="ambiguous") from exc
        except requests.RequestException as exc:
            raise SmsSendError(f"HTTP error: {exc}", kind="ambiguous") from exc
        return message.sid

    def messages_since(self, *, to, since):
        try:
            listed = self.client.messages.list(
                to=to, date_sent_after=since.date().isoformat(), page_size=50, limit=200
            )
        except (TwilioException, requests.RequestException) as exc:
            raise SmsSendError(f"could not list messages: {exc}", kind="ambiguous") from exc
        return [
            SentMessage(m.sid, m.to, m.body or "", str(m.status or ""), m.date_created)
            for m in listed
        ]


def _never_connected(exc: requests.ConnectionError) -> bool:
    text = repr(exc)
    return "NewConnectionError" in text or "Connection refused" in text


def _classify(status: int | None, code: int | None, message: str) -> SmsSendError:
    if status == 429 or (status is not None and status >= 500):
        return SmsSendError(message, code=code, http_status=status, kind="retryable")
    if code in PERMANENT_CODES or (status is not None and 400 <= status < 500):
        return SmsSendError(message, code=code, http_status=status, kind="permanent")
    return SmsSendError(message, code=code, http_status=status, kind="ambiguous")


BACKENDS = {
    "console": ConsoleBackend,
    "locmem": LocmemBackend,
    "twilio": TwilioBackend,
}


def get_backend() -> BaseBackend:
    name = settings.SMS_BACKEND
    cls = BACKENDS.get(name) or import_string(name)
    return cls()
