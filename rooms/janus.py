"""A small synchronous client for Janus's HTTP API, for the VideoRoom requests Hearth makes as
the room's owner: create and destroy rooms, the per-participant token list (`allowed`),
server-side mute (`moderate`), `kick` and `listparticipants`.

Every call is one short Janus session: create → attach "janus.plugin.videoroom" → message →
destroy. The VideoRoom answers these requests synchronously, in the message's `plugindata`.
Standard library only (urllib). Nothing here logs SDP, tokens or addresses above DEBUG.

Janus facts this relies on (janus 1.1.2, checked by tests/rooms/test_janus_admin.py):
- create without `admin_key` when the plugin has one → error 429 (missing element); with a
  wrong one → 433 (unauthorized); an existing room → 427.
- `allowed: []` at create turns the token check on: a publisher join without a token, or with
  one not on the list, is refused with 433 until `allowed` action "add" puts it there.
- destroy / allowed / moderate / kick on a room that does not exist → 426; kick or moderate of
  a participant who is not there → 428.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

logger = logging.getLogger(__name__)

VIDEOROOM = "janus.plugin.videoroom"

# VideoRoom error codes (janus_videoroom.c).
NO_SUCH_ROOM = 426
ROOM_EXISTS = 427
NO_SUCH_FEED = 428
MISSING_ELEMENT = 429
UNAUTHORIZED = 433


class JanusError(Exception):
    """Janus answered, with an error (`code` is Janus's or the VideoRoom's error code)."""

    def __init__(self, message: str, code: int | None = None):
        super().__init__(message)
        self.code = code


class JanusUnavailable(JanusError):
    """Janus could not be reached, did not answer in time, or answered something that is not
    the Janus API (an HTTP error, not JSON)."""


def janus_url_for(session_id: int, urls: list[str]) -> str:
    """The Janus host a room is pinned to: stable for a session id and a list of URLs, and
    spread evenly over the list."""
    if not urls:
        raise ValueError("no Janus URLs")
    digest = hashlib.sha256(str(session_id).encode()).hexdigest()
    return urls[int(digest, 16) % len(urls)]


def _transaction() -> str:
    return secrets.token_hex(8)


class JanusSession:
    """One Janus session over the HTTP transport. Use as a context manager: the session is
    destroyed at the end (Janus would otherwise drop it after its session_timeout)."""

    def __init__(self, url: str, *, api_secret: str = "", timeout: float = 3.0):
        self.url = url.rstrip("/")
        self.api_secret = api_secret
        self.timeout = timeout
        self.session_id: int | None = None

    # -- transport

    def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        body = {**body, "transaction": _transaction()}
        if self.api_secret:
            body["apisecret"] = self.api_secret
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's JANUS_URL
            self.url + path,
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        return self._send(request, body["janus"])

    def _send(self, request: urllib.request.Request, what: str) -> dict[str, Any]:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise JanusUnavailable(f"Janus answered HTTP {exc.code} to {what}") from exc
        except (OSError, TimeoutError) as exc:  # URLError is an OSError
            raise JanusUnavailable(f"Janus unreachable ({what}): {exc}") from exc
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise JanusUnavailable(f"Janus answered {what} with something not JSON") from exc
        if not isinstance(answer, dict):
            raise JanusUnavailable(f"Janus answered {what} with something not an object")
        if answer.get("janus") == "error":
            error = answer.get("error") or {}
            raise JanusError(
                f"Janus refused {what}: {error.get('reason', 'unknown error')}",
                error.get("code"),
            )
        return answer

    # -- session

    def __enter__(self) -> JanusSession:
        answer = self._post("", {"janus": "create"})
        self.session_id = int(answer["data"]["id"])
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        if self.session_id is None:
            return
        session_id, self.session_id = self.session_id, None
        try:
            self._post(f"/{session_id}", {"janus": "destroy"})
        except JanusError as exc:
            # Janus reaps the session after its session_timeout anyway.
            logger.debug("janus session destroy failed: %s", exc)

    def attach(self, plugin: str = VIDEOROOM) -> int:
        """Attach a plugin handle; returns its id."""
        answer = self._post(f"/{self.session_id}", {"janus": "attach", "plugin": plugin})
        return int(answer["data"]["id"])

    def message(
        self, handle_id: int, body: dict[str, Any], jsep: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Send a plugin message. A synchronous request returns `{"janus": "success",
        "plugindata": ...}`; an asynchronous one (join, publish, start...) returns
        `{"janus": "ack"}` and its answer comes later from `events()`."""
        payload: dict[str, Any] = {"janus": "message", "body": body}
        if jsep is not None:
            payload["jsep"] = jsep
        logger.debug("janus videoroom request %s", body.get("request"))
        return self._post(f"/{self.session_id}/{handle_id}", payload)

    def events(self, maxev: int = 10) -> list[dict[str, Any]]:
        """Long-poll the session's events (Janus holds the request up to ~30 s when there are
        none: give the session a `timeout` to match)."""
        query = f"?maxev={maxev}"
        if self.api_secret:
            query += "&apisecret=" + urllib.parse.quote(self.api_secret)
        request = urllib.request.Request(  # noqa: S310
            f"{self.url}/{self.session_id}{query}", method="GET"
        )
        return self._send_list(request)

    def _send_list(self, request: urllib.request.Request) -> list[dict[str, Any]]:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise JanusUnavailable(f"Janus answered HTTP {exc.code} to a long poll") from exc
        except (OSError, TimeoutError) as exc:
            raise JanusUnavailable(f"Janus unreachable (long poll): {exc}") from exc
        try:
            answer = json.loads(raw)
        except ValueError as exc:
            raise JanusUnavailable("Janus answered a long poll with something not JSON") from exc
        if isinstance(answer, dict):
            answer = [answer]
        return [event for event in answer if isinstance(event, dict)]


def plugin_data(answer: dict[str, Any]) -> dict[str, Any]:
    """The VideoRoom's answer inside a Janus reply; raises JanusError on a VideoRoom error."""
    data = (answer.get("plugindata") or {}).get("data")
    if not isinstance(data, dict):
        raise JanusError(f"Janus answered without plugin data ({answer.get('janus')})")
    if "error_code" in data:
        raise JanusError(f"VideoRoom: {data.get('error', 'error')}", data.get("error_code"))
    return data


class VideoRoomAdmin:
    """Hearth's owner-side VideoRoom requests against one Janus host."""

    def __init__(
        self, url: str, *, api_secret: str = "", admin_key: str = "", timeout: float = 3.0
    ):
        self.url = url
        self.api_secret = api_secret
        self.admin_key = admin_key
        self.timeout = timeout

    def _request(self, body: dict[str, Any]) -> dict[str, Any]:
        with JanusSession(self.url, api_secret=self.api_secret, timeout=self.timeout) as session:
            handle = session.attach(VIDEOROOM)
            return plugin_data(session.message(handle, body))

    def create_room(
        self, *, room: int, secret: str, pin: str, publishers: int, description: str = ""
    ) -> None:
        """Create the room; a room that already exists (427) is fine. `allowed: []` makes
        Janus check every join's token against the list that `allow()` fills."""
        body: dict[str, Any] = {
            "request": "create",
            "room": room,
            "secret": secret,
            "pin": pin,
            "publishers": publishers,
            "description": description or f"room {room}",
            "allowed": [],
            "audiocodec": "opus",
            "videocodec": "vp8",
            "record": False,
            "notify_joining": True,
            "permanent": False,
        }
        if self.admin_key:
            body["admin_key"] = self.admin_key
        try:
            self._request(body)
        except JanusError as exc:
            if exc.code != ROOM_EXISTS:
                raise

    def destroy_room(self, *, room: int, secret: str) -> None:
        """Destroy the room (everyone in it is kicked); no such room (426) is fine."""
        try:
            self._request(
                {"request": "destroy", "room": room, "secret": secret, "permanent": False}
            )
        except JanusError as exc:
            if exc.code != NO_SUCH_ROOM:
                raise

    def _allowed(self, *, room: int, secret: str, action: str, tokens: list[str]) -> None:
        self._request(
            {
                "request": "allowed",
                "room": room,
                "secret": secret,
                "action": action,
                "allowed": list(tokens),
            }
        )

    def allow(self, *, room: int, secret: str, tokens: list[str]) -> None:
        """Add tokens to the room's `allowed` list."""
        self._allowed(room=room, secret=secret, action="add", tokens=tokens)

    def disallow(self, *, room: int, secret: str, tokens: list[str]) -> None:
        """Take tokens off the list: later joins with them are refused (433). People already
        in the room stay until kicked."""
        self._allowed(room=room, secret=secret, action="remove", tokens=tokens)

    def moderate(self, *, room: int, secret: str, publisher_id: int, mid: str, mute: bool) -> None:
        """Server-side mute (or unmute) of one of a publisher's streams, by mid."""
        self._request(
            {
                "request": "moderate",
                "room": room,
                "secret": secret,
                "id": publisher_id,
                "mid": mid,
                "mute": mute,
            }
        )

    def kick(self, *, room: int, secret: str, publisher_id: int) -> None:
        """Remove a participant (their PeerConnection is closed); not there (428) is fine."""
        try:
            self._request({"request": "kick", "room": room, "secret": secret, "id": publisher_id})
        except JanusError as exc:
            if exc.code != NO_SUCH_FEED:
                raise

    def participants(self, *, room: int) -> list[dict[str, Any]]:
        """The room's participants: [{"id", "display"?, "publisher", "talking"?}...]."""
        data = self._request({"request": "listparticipants", "room": room})
        return list(data.get("participants") or [])
