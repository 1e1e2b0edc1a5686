"""A fake of Twilio's Messages API on 127.0.0.1 for the real `twilio` client.

Threaded, on a free port; records every request; answers from a script (201, 400 with a
Twilio error code, 429, 500, a timeout before or after creating the message) and serves the
Messages list (filtered by To and DateSent) that reconciliation reads.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    form: dict
    auth: str


@dataclass
class FakeTwilio:
    """Script answers with `fake.script.append(("400", 21211))`, ("429",), ("500",),
    ("timeout_after_create", seconds), ("timeout_before_create", seconds); the default is 201."""

    requests: list[Recorded] = field(default_factory=list)
    messages: list[dict] = field(default_factory=list)
    script: list[tuple] = field(default_factory=list)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def base_url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def creates(self) -> list[Recorded]:
        with self.lock:
            return [r for r in self.requests if r.method == "POST"]

    def start(self) -> FakeTwilio:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                return

            def _reply(self, code: int, payload: dict):
                body = json.dumps(payload).encode()
                try:
                    self.send_response(code)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def do_GET(self):
                parts = urlsplit(self.path)
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                with fake.lock:
                    fake.requests.append(
                        Recorded("GET", parts.path, query, {}, self.headers.get("Authorization"))
                    )
                    since = query.get("DateSent>") or query.get("DateSent>=") or ""
                    found = [
                        m
                        for m in fake.messages
                        if (not query.get("To") or m["to"] == query["To"])
                        and m["date_created"].strftime("%Y-%m-%d") >= since[:10]
                    ]
                self._reply(200, _page(parts.path, found))

            def do_POST(self):
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[-1] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                with fake.lock:
                    fake.requests.append(
                        Recorded("POST", parts.path, {}, form, self.headers.get("Authorization"))
                    )
                    step = fake.script.pop(0) if fake.script else ("201",)
                if fake.delay:
                    time.sleep(fake.delay)
                kind = step[0]
                if kind == "400":
                    return self._reply(
                        400,
                        {"code": step[1], "message": f"error {step[1]}", "status": 400},
                    )
                if kind == "429":
                    return self._reply(429, {"code": 20429, "message": "Too Many Requests"})
                if kind == "500":
                    return self._reply(500, {"code": 20500, "message": "Internal error"})
                if kind == "timeout_before_create":
                    time.sleep(step[1])
                    return self._reply(500, {"code": 20500, "message": "late"})
                message = fake._create(parts.path, form)
                if kind == "timeout_after_create":
                    time.sleep(step[1])
                self._reply(201, _resource(parts.path, message))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def _create(self, path: str, form: dict) -> dict:
        message = {
            "sid": "SM" + uuid.uuid4().hex,
            "to": form.get("To"),
            "from": form.get("From"),
            "body": form.get("Body", ""),
            "status": "queued",
            "date_created": datetime.now(UTC),
        }
        with self.lock:
            self.messages.append(message)
        return message

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def _resource(path: str, m: dict) -> dict:
    account = path.split("/Accounts/")[1].split("/")[0] if "/Accounts/" in path else "AC"
    return {
        "sid": m["sid"],
        "account_sid": account,
        "to": m["to"],
        "from": m["from"],
        "body": m["body"],
        "status": m["status"],
        "date_created": format_datetime(m["date_created"]),
        "date_sent": format_datetime(m["date_created"]),
        "uri": f"/2010-04-01/Accounts/{account}/Messages/{m['sid']}.json",
    }


def _page(path: str, found: list[dict]) -> dict:
    return {
        "messages": [_resource(path, m) for m in found],
        "page": 0,
        "page_size": 50,
        "first_page_uri": path,
        "next_page_uri": None,
        "previous_page_uri": None,
        "uri": path,
        "start": 0,
        "end": max(len(found) - 1, 0),
    }
