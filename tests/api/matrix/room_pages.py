"""Permission matrix of the live room page (frontend/urls_room.py). The world's session is
days away, so those who may enter hear that the room is not open yet (409); the rest 403;
visitors are sent to log in. Open rooms: tests/frontend/test_room_page.py."""

from tests.api.matrix import Case

CASES = [
    Case(
        "frontend:session-room",
        "GET",
        {
            "anonymous": 302,
            "attendee": 409,
            "other_member": 403,
            "other_facilitator": 403,
            "facilitator": 409,
            "staff": 409,
        },
    ),
]
