"""Permission matrix of the facilitator workspace routes (notes, attendance, facilitator
assignment, data rights). Picked up by tests/api/test_permission_matrix.py."""

from tests.api.matrix import Case

NOTE = {
    "summary": "Quiet start.",
    "body": "Second round went deeper.",
    "themes": ["sleep"],
    "follow_ups": [{"text": "Bring leaflets", "done": False}],
    "safety_concern": False,
    "revision": 0,
}

# Notes and attendance: that group's facilitators and coordinators only.
PRIVATE = {
    "anonymous": 401,
    "attendee": 403,
    "other_member": 403,
    "other_facilitator": 403,
    "facilitator": 200,
    "staff": 200,
}
SELF = {
    "anonymous": 401,
    "attendee": 200,
    "other_member": 200,
    "other_facilitator": 200,
    "facilitator": 200,
    "staff": 200,
}


def _draft(world):
    return {
        "session": world.session.pk,
        "summary": "",
        "body": "",
        "themes": [],
        "follow_ups": [],
        "safety_concern": False,
        "revision": 0,
        "created": False,
        "updated_at": None,
        "updated_by": "",
        "previous_session": None,
        "previous_follow_ups": [],
    }


CASES = [
    Case(name="session-note", method="GET", expect=PRIVATE, body=_draft),
    Case(name="session-note", method="PUT", expect=PRIVATE, data=lambda w: NOTE),
    Case(name="session-note-revisions", method="GET", expect=PRIVATE, body=lambda w: []),
    Case(name="session-attendance", method="GET", expect=PRIVATE),
    Case(
        name="session-attendance",
        method="PUT",
        expect=PRIVATE,
        data=lambda w: [{"username": w.users["attendee"].username, "status": "attended"}],
    ),
    Case(
        name="group-facilitators",
        method="POST",
        expect={**PRIVATE, "facilitator": 403, "staff": 201},
        data=lambda w: {"username": w.users["other_member"].username, "role": "co"},
    ),
    Case(name="me-export", method="GET", expect=SELF),
    Case(
        name="me-delete",
        method="POST",
        # A wrong password: every signed-in role reaches the check, nobody is deleted.
        expect={**SELF, **{role: 400 for role in SELF if role != "anonymous"}},
        data=lambda w: {"password": "not-the-password"},
        body=lambda w: {"password": ["That is not your password."]},
    ),
]
