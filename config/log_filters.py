"""Logging filters named in settings.LOGGING."""

from __future__ import annotations

import logging
import re

# E.164 numbers, plain or URL-encoded ("%2B"): a plus and 6 to 15 digits.
_PHONE = re.compile(r"(\+|%2B)(\d{4,13})(\d{2})(?!\d)", re.IGNORECASE)


def mask_phone_numbers(text: str) -> str:
    """Every phone number in `text` with all but its last two digits masked."""
    return _PHONE.sub(lambda m: m.group(1) + "*" * len(m.group(2)) + m.group(3), text)


class MaskPhoneNumbers(logging.Filter):
    """The record's message with its phone numbers masked (the Twilio client logs the query of
    each request, and a provider look-up's `To` with it)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_phone_numbers(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class ClientErrorsWithoutTraceback(logging.Filter):
    """django.request logs a refusal it turned into a 4xx (PermissionDenied, BadRequest) with
    the exception's traceback: an expected answer, so one line is enough. 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if isinstance(status, int) and status < 500:
            record.exc_info, record.exc_text = None, None
        return True
