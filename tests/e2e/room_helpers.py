"""Helpers for the room's browser tests: a room with its people made on the server through
`hearth_server.shell`, logged-in browser contexts (a Django session cookie, no login form),
and small waits on the room page."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from playwright.sync_api import BrowserContext, Page, expect

# Runs inside `manage.py shell` on the server's database. Names are unique per test.
_MAKE_ROOM = """
import json
from datetime import timedelta
from sessions_app.services.accounts import login_session_create
from sessions_app.models import FacilitatorAssignment
from sessions_app import services
from rooms import services as room_services
from tests.factories import GroupFactory, UserFactory, facilitator, member, one_off_session

u = {unique!r}
group = GroupFactory(name="Evening circle " + u, slug="room-" + u, lobby_enabled={lobby!r})
lead = facilitator(group, UserFactory(username="lead-" + u, display_name="Lee"))
co = facilitator(
    group, UserFactory(username="co-" + u, display_name="Cam"), FacilitatorAssignment.Role.CO
)
ana = member(group, UserFactory(username="ana-" + u, display_name="Ana"), display_name="Ana")
ben = member(group, UserFactory(username="ben-" + u, display_name="Ben"), display_name="Ben")
session = one_off_session(group, starts_in=timedelta(minutes=5), minutes=90)
for person in (ana, ben):
    services.rsvp_create(session=session, user=person)
if {open_room!r}:
    room_services.room_open(session=session, by=lead)

def cookie(user):
    return login_session_create(user=user)

people = {{"lead": lead, "co": co, "ana": ana, "ben": ben}}
print(json.dumps({{
    "session": session.pk,
    "ids": {{k: p.pk for k, p in people.items()}},
    "cookies": {{k: cookie(p) for k, p in people.items()}},
}}))
"""


@dataclass
class RoomData:
    session: int
    ids: dict[str, int]
    cookies: dict[str, str]

    @property
    def path(self) -> str:
        return f"/sessions/{self.session}/room/"


def make_room(server, unique: str, *, lobby: bool = False, open_room: bool = True) -> RoomData:
    """A group with facilitators Lee (lead) and Cam (co), attendees Ana and Ben with seats,
    and a session starting in 5 minutes whose room is open (unless `open_room` is False)."""
    out = server.shell(_MAKE_ROOM.format(unique=unique, lobby=lobby, open_room=open_room))
    data = json.loads(out.strip().splitlines()[-1])
    return RoomData(**data)


def logged_in(
    browser, server, cookie: str, *, width: int = 1280, height: int = 900, timezone_id=None
):
    """A browser context holding a Django session cookie for one person (on a device in
    `timezone_id`, when given)."""
    context = browser.new_context(
        base_url=server.url,
        viewport={"width": width, "height": height},
        **({"timezone_id": timezone_id} if timezone_id else {}),
    )
    context.add_cookies(
        [{"name": "sessionid", "value": cookie, "url": server.url, "httpOnly": True}]
    )
    return context


def open_room(context: BrowserContext, room: RoomData) -> Page:
    """Open the room page and wait until the WebSocket said welcome (or lobby)."""
    page = context.new_page()
    page.goto(room.path)
    expect(page.locator("#conn")).to_have_attribute("data-state", "connected")
    return page


def send_message(page: Page, text: str) -> None:
    page.get_by_label("Your message").fill(text)
    page.get_by_label("Your message").press("Enter")


def log_items(page: Page):
    return page.locator("#log > li")


def expect_in_log(page: Page, text: str) -> None:
    expect(page.locator("#log > li .text", has_text=text)).to_have_count(1)


def log_texts(page: Page) -> list[str]:
    return page.locator("#log > li .text").all_inner_texts()


def confirm_dialog(page: Page, reason: str | None = None) -> None:
    """Answer the room's confirmation dialog (remove, end, delete, report) with yes."""
    dialog = page.locator("dialog#dialog")
    expect(dialog).to_be_visible()
    if reason is not None:
        dialog.locator("textarea").fill(reason)
    dialog.locator("#dialog-ok").click()
    expect(dialog).to_be_hidden()


def post_messages(server, room: RoomData, who: str, texts: list[str]) -> None:
    """Store chat messages straight through the service, as `who`, in order (they reach the
    database; nobody connected hears them live: the shell has its own channel layer)."""
    server.shell(
        "from sessions_app.models import User\n"
        "from rooms import services\n"
        f"user = User.objects.get(pk={room.ids[who]})\n"
        f"for text in {texts!r}:\n"
        f"    services.chat_post(session_id={room.session}, user=user, text=text)\n"
    )


class SocketGate:
    """Routes a browser context's room WebSockets through Playwright, so a test decides when
    the page can (re)connect and can drop its live connection."""

    def __init__(self, context: BrowserContext):
        self.open = True
        self.live: list = []
        context.route_web_socket(re.compile(r"/ws/sessions/\d+/room/$"), self._route)

    def _route(self, ws) -> None:
        if not self.open:
            ws.close(code=4000, reason="gate closed")
            return
        server = ws.connect_to_server()
        self.live.append((ws, server))

    def drop(self) -> None:
        """Close the gate and cut the page's connections, as a lost network would."""
        self.open = False
        for ws, server in self.live:
            server.close()
            ws.close(code=4000, reason="dropped")
        self.live.clear()
