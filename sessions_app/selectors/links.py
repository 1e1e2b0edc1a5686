"""One-tap links: `/s/<token>` for one person and one session, signed, short enough for a
text. The token names the session and the person and carries an HMAC of both under
SECRET_KEY, so nothing is stored and nobody can make one; it works until the session ends.

What a link lets its holder do (see its RSVP, cancel it, join the room while it is open) is
decided by the pages that take it (frontend/views_links.py); it logs nobody in.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from sessions_app.models import Session, User
from sessions_app.selectors.feedback import FEEDBACK_DAYS

SESSION_LINK_PATH = "s"
# The same kind of link for the question after a session: its own path and its own key, so a
# reminder's link cannot be turned into a feedback link or the other way round.
FEEDBACK_LINK_PATH = "f"
_SALTS = {SESSION_LINK_PATH: "hearth.session_link", FEEDBACK_LINK_PATH: "hearth.feedback_link"}
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# 10 base62 characters: about 59 bits of the HMAC.
SIGNATURE_CHARS = 10
_TOKEN = re.compile(r"^([0-9A-Za-z]{1,11})-([0-9A-Za-z]{11,22})$")


def _b62(number: int) -> str:
    out = ""
    while True:
        number, digit = divmod(number, 62)
        out = _ALPHABET[digit] + out
        if not number:
            return out


def _from_b62(text: str) -> int:
    number = 0
    for char in text:
        number = number * 62 + _ALPHABET.index(char)
    return number


@functools.lru_cache(maxsize=8)
def _hmac_key(salt: str, secret: str) -> bytes:
    """The key django.utils.crypto.salted_hmac derives (sha256 of salt + secret)."""
    return hashlib.sha256((salt + secret).encode()).digest()


def _signature(
    session_id: int, user_id: int, secret: str | None = None, purpose: str = SESSION_LINK_PATH
) -> str:
    # salted_hmac's HMAC, with its key (a hash of salt and secret) derived once per secret:
    # the reminder sweep signs thousands of links at a time.
    key = _hmac_key(_SALTS[purpose], settings.SECRET_KEY if secret is None else secret)
    digest = hmac.new(key, f"{session_id}:{user_id}".encode(), hashlib.sha256)
    return _b62(int.from_bytes(digest.digest()[:8], "big")).rjust(SIGNATURE_CHARS, "0")[
        -SIGNATURE_CHARS:
    ]


def session_link_token(*, session_id: int, user_id: int, purpose: str = SESSION_LINK_PATH) -> str:
    """The token of `user_id`'s link to `session_id` (always the same for the pair)."""
    signature = _signature(session_id, user_id, purpose=purpose)
    return f"{_b62(session_id)}-{_b62(user_id)}{signature}"


def feedback_link_url(*, session_id: int, user_id: int) -> str:
    """The link to the question after `session_id` for `user_id`, under PUBLIC_BASE_URL."""
    token = session_link_token(session_id=session_id, user_id=user_id, purpose=FEEDBACK_LINK_PATH)
    return f"{settings.PUBLIC_BASE_URL}/{FEEDBACK_LINK_PATH}/{token}"


def session_link_path(*, session_id: int, user_id: int) -> str:
    return f"/{SESSION_LINK_PATH}/{session_link_token(session_id=session_id, user_id=user_id)}"


def session_link_url(*, session_id: int, user_id: int) -> str:
    """The link as texted, under PUBLIC_BASE_URL (no trailing slash: every character counts)."""
    return settings.PUBLIC_BASE_URL + session_link_path(session_id=session_id, user_id=user_id)


def session_link_max_url_length() -> int:
    """The longest link this site texts (ids up to 62**6), for the check that it fits."""
    return len(settings.PUBLIC_BASE_URL) + len(f"/{SESSION_LINK_PATH}/") + 6 + 1 + 6 + 10


@dataclass(frozen=True)
class SessionLink:
    session: Session
    user: User
    expired: bool


def session_link_read(
    token: str, *, now: datetime | None = None, purpose: str = SESSION_LINK_PATH
) -> SessionLink | None:
    """The session and person a token is for, or None for a token that is not one of ours
    (made up, altered, for another purpose, or for a session or person that no longer
    exists). `expired` once the session has ended (a feedback link: FEEDBACK_DAYS later)."""
    if not isinstance(token, str) or len(token) > 40:
        return None
    match = _TOKEN.match(token)
    if not match:
        return None
    session_id = _from_b62(match[1])
    user_part, signature = match[2][:-SIGNATURE_CHARS], match[2][-SIGNATURE_CHARS:]
    user_id = _from_b62(user_part)
    if not any(
        constant_time_compare(_signature(session_id, user_id, secret, purpose), signature)
        for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    ):
        return None
    session = Session.objects.select_related("group", "group__venue").filter(pk=session_id).first()
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if session is None or user is None:
        return None
    ends = session.end
    if purpose == FEEDBACK_LINK_PATH:
        ends += timedelta(days=FEEDBACK_DAYS)
    return SessionLink(session=session, user=user, expired=ends <= (now or timezone.now()))
