"""Matrix cases of the attendee pages (frontend/urls_attendee.py).

Pages answer the way pages do: a login redirect (302) where the API says 401, a redirect back
to the page after a form is handled (with a message saying what happened or why not), and
400 with the form's errors when the input is wrong (these posts send an empty form). What
each role sees on a page is tested in tests/frontend/test_attendee_pages.py.
"""

from __future__ import annotations

from tests.api.matrix import Case, expect_all


def signed_in(code: int) -> dict[str, int]:
    """Signed-in roles get `code`; anonymous visitors are sent to the login page."""
    return {**expect_all(code), "anonymous": 302}


def anonymous_only(code: int) -> dict[str, int]:
    """Anonymous visitors get `code`; signed-in people are sent on (302)."""
    return {**expect_all(302), "anonymous": code}


def _reset_link(world) -> dict:
    return {"uidb64": "MQ", "token": "not-a-real-token"}


CASES = [
    Case("frontend:groups", "GET", expect_all(200)),
    Case("frontend:group-detail", "GET", expect_all(200)),
    Case("frontend:group-join", "POST", expect_all(302)),
    # Leaving: back to the group page, with what happened (or, for its facilitator, why not).
    Case("frontend:group-leave", "POST", expect_all(302)),
    Case("frontend:help", "GET", expect_all(200)),
    Case("frontend:session-detail", "GET", expect_all(200)),
    Case("frontend:session-rsvp", "POST", expect_all(302)),
    Case("frontend:session-rsvp-cancel", "POST", expect_all(302)),
    Case("frontend:session-claim", "POST", expect_all(302)),
    Case("frontend:session-calendar", "GET", expect_all(200)),
    Case("frontend:my-sessions", "GET", signed_in(200)),
    Case("frontend:account", "GET", signed_in(200)),
    Case("frontend:account-profile", "POST", signed_in(400)),
    Case("frontend:account-phone", "POST", signed_in(400)),
    Case("frontend:account-phone-verify", "POST", signed_in(400)),
    Case("frontend:account-sms", "POST", signed_in(302)),
    Case("frontend:account-notifications", "POST", signed_in(400)),
    Case("frontend:account-calendar-reset", "POST", signed_in(302)),
    Case("frontend:account-export", "POST", signed_in(200)),
    Case("frontend:account-delete", "POST", signed_in(400)),
    Case("frontend:set-language", "POST", expect_all(302)),
    Case("frontend:signup", "GET", anonymous_only(200)),
    Case("frontend:login", "GET", anonymous_only(200)),
    Case("frontend:login", "POST", anonymous_only(200)),
    Case("frontend:login", "PUT", anonymous_only(200)),
    Case("frontend:logout", "POST", expect_all(302)),
    Case("frontend:password-reset", "GET", expect_all(200)),
    Case("frontend:password-reset", "POST", expect_all(200)),
    Case("frontend:password-reset", "PUT", expect_all(200)),
    Case("frontend:password-reset-done", "GET", expect_all(200)),
    Case("frontend:password-reset-confirm", "GET", expect_all(200), kwargs=_reset_link),
    Case("frontend:password-reset-confirm", "POST", expect_all(200), kwargs=_reset_link),
    Case("frontend:password-reset-confirm", "PUT", expect_all(200), kwargs=_reset_link),
    Case("frontend:password-reset-complete", "GET", expect_all(200)),
]
