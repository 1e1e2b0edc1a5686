from django.core.exceptions import ValidationError

from api.exceptions import exception_handler
from sessions_app.errors import NotAllowed, StateConflict


def test_dotted_fields_are_nested_like_drf():
    response = exception_handler(
        ValidationError({"recurrence.byweekday": ["bad"], "start": ["past"]}), {}
    )
    assert response.status_code == 400
    assert response.data == {"recurrence": {"byweekday": ["bad"]}, "start": ["past"]}


def test_domain_errors_map_to_403_and_409_with_their_code():
    conflict = exception_handler(StateConflict("over", code="session_past"), {})
    assert (conflict.status_code, conflict.data) == (
        409,
        {"detail": "over", "code": "session_past"},
    )
    forbidden = exception_handler(NotAllowed("no", code="banned"), {})
    assert (forbidden.status_code, forbidden.data["code"]) == (403, "banned")
