"""Helpers for the facilitator browser tests: make people and sign them in without the login
page (another part of the site), by creating a Django session on the server's database and
handing its cookie to the browser context."""

from __future__ import annotations

import json

CREATE_USER = """
from sessions_app.models import User
user, _ = User.objects.get_or_create(username={username!r})
user.display_name = {display!r}
user.is_staff = {staff!r}
user.timezone = "America/New_York"
user.set_password("a-Long-test-passw0rd")
user.save()
print(user.pk)
"""

CREATE_SESSION = """
from sessions_app.models import User
from sessions_app.services.accounts import login_session_create
print(login_session_create(user=User.objects.get(username={username!r})))
"""


def make_user(server, username: str, *, display: str = "", staff: bool = False) -> int:
    """Create (or reset) an account on the test server; returns its pk."""
    out = server.shell(
        CREATE_USER.format(username=username, display=display or username, staff=staff)
    )
    return int(out.strip().splitlines()[-1])


def sign_in(server, context, username: str) -> None:
    """Give `context` a signed-in Django session for `username` (as the login page would)."""
    key = server.shell(CREATE_SESSION.format(username=username)).strip().splitlines()[-1]
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": key,
                "url": server.url,
                "httpOnly": True,
                "sameSite": "Lax",
            }
        ]
    )


def server_json(server, code: str):
    """Run `code` (which must assign `result`) on the server's database; returns result."""
    out = server.shell(code + "\nimport json as _json\nprint(_json.dumps(result, default=str))")
    return json.loads(out.strip().splitlines()[-1])
