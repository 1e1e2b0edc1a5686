"""Matrix cases of the email app's one route: the one-click unsubscribe link. A token this
site did not sign is refused (400) to every role, logged in or not; what a real token does
is tested in tests/mail/test_mail.py."""

from tests.api.matrix import Case, expect_all


def _forged(world) -> dict:
    return {"token": "eyJ1IjoxLCJjIjoiY2hhbmdlcyJ9:forged:signature"}


CASES = [
    Case("mail-unsubscribe", "GET", expect_all(400), kwargs=_forged),
    Case("mail-unsubscribe", "POST", expect_all(400), kwargs=_forged),
]
