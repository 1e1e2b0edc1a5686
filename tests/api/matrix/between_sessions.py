"""Matrix cases of attendance letters and of feedback after a session (API and pages).
Nobody in the World has attendance marked, so asking for a letter is a 400 for everyone
signed in; a made-up code is not valid for anyone. Real letters and answers:
tests/sessions_app/test_attendance_letters.py and test_feedback.py."""

from __future__ import annotations

from sessions_app.selectors import FEEDBACK_LINK_PATH, session_link_token
from tests.api.matrix import Case, expect_all, expect_managers, expect_signed_in

MADE_UP = "A" * 32
REQUIRED = ["This field is required."]


def _pages(code: int) -> dict[str, int]:
    return {**expect_signed_in(code), "anonymous": 302}


CASES = [
    Case(
        "me-attendance-letter",
        "GET",
        expect_signed_in(400),
        body=lambda w: {"group": REQUIRED, "date_from": REQUIRED, "date_to": REQUIRED},
    ),
    Case("attendance-letter-verify", "GET", expect_all(404), kwargs=lambda w: {"code": MADE_UP}),
    Case("frontend:attendance", "GET", _pages(200)),
    # An empty form: the group and dates are required.
    Case("frontend:attendance", "POST", _pages(400)),
    Case(
        "frontend:attendance-letter",
        "GET",
        _pages(404),
        kwargs=lambda w: {"reference": MADE_UP[:16]},
    ),
    Case("frontend:verify", "GET", expect_all(200)),
    Case("frontend:verify-code", "GET", expect_all(404), kwargs=lambda w: {"code": MADE_UP}),
]

# Feedback after a session: the World's session has not happened, so nobody was there.
CASES += [
    Case(
        "session-feedback",
        "GET",
        expect_managers(200),
        body=lambda w: {"counts": {"yes": 0, "somewhat": 0, "no": 0}, "total": 0, "comments": []},
    ),
    Case(
        "session-feedback",
        "POST",
        {**expect_signed_in(403), "anonymous": 401},
        data=lambda w: {"helpful": "yes"},
    ),
    # An empty form: the answer is required.
    Case("frontend:session-feedback", "POST", _pages(400)),
]


# One-tap links: the attendee's link to the World's session. It is theirs alone: anyone else
# signed in is refused (403); signed out, it works (no password is the point).
def _link(w) -> dict:
    token = session_link_token(session_id=w.session.pk, user_id=w.users["attendee"].pk)
    return {"token": token}


def _theirs(code: int) -> dict[str, int]:
    return {**expect_signed_in(403), "attendee": code, "anonymous": code}


CASES += [
    Case("frontend:session-link", "GET", _theirs(200), kwargs=_link),
    Case("frontend:session-link-cancel", "POST", _theirs(302), kwargs=_link),
    # The room is not open in the World.
    Case("frontend:session-link-room", "GET", _theirs(409), kwargs=_link),
    Case("frontend:session-link-ticket", "POST", _theirs(409), kwargs=_link),
]


def _feedback_link(w) -> dict:
    token = session_link_token(
        session_id=w.session.pk, user_id=w.users["attendee"].pk, purpose=FEEDBACK_LINK_PATH
    )
    return {"token": token}


CASES += [
    # The World's session has not happened: the page says it is not asking.
    Case("frontend:feedback-link", "GET", _theirs(200), kwargs=_feedback_link),
]
