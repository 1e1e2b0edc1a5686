"""The client's address through a real Daphne: made-up X-Forwarded-For values buy no more
password guesses, with no trusted proxy (the header is ignored) and with one (the entry the
proxy wrote is the address, whatever the client put before it); respelt usernames buy none
on the page either.

Each server has its own SQLite file and, without REDIS_URL, its own in-memory cache, so the
counts start from nothing.
"""

from __future__ import annotations

import http.cookiejar
import json
import re
import shutil
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.servers import Daphne, manage, server_env

PASSWORD = "a-Long-test-passw0rd"
SETUP = f"""
from sessions_app.models import User
for name in ("attendee9", "attendee10"):
    User.objects.create_user(username=name, password="{PASSWORD}", email=name + "@example.org")
"""


@pytest.fixture(scope="module", params=[0, 1], ids=["no-proxy", "one-proxy"])
def server(request):
    workdir = Path(tempfile.mkdtemp(prefix="hearth-address-"))
    env = server_env(
        DATABASE_URL=f"sqlite:///{workdir / 'address.sqlite3'}",
        DEBUG="True",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        TRUSTED_PROXY_COUNT=str(request.param),
    )
    manage(env, "migrate", "--noinput", "-v", "0")
    manage(env, "shell", "-c", SETUP)
    daphne = Daphne(env, workdir / "daphne.log")
    daphne.start()
    daphne.proxies = request.param
    yield daphne
    daphne.stop()
    shutil.rmtree(workdir, ignore_errors=True)


def forwarded_for(server: Daphne, made_up: str, seen: str = "203.0.113.7") -> str:
    """What reaches Daphne: the client's made-up value, and with a proxy in front the address
    the proxy saw appended to it (nginx's $proxy_add_x_forwarded_for)."""
    return f"{made_up}, {seen}" if server.proxies else made_up


def post(opener, url: str, data: dict, headers: dict, as_json: bool = False) -> tuple[int, str]:
    if as_json:
        body = json.dumps(data).encode()
        headers = {**headers, "Content-Type": "application/json"}
    else:
        body = urllib.parse.urlencode(data).encode()
    req = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with opener.open(req, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def page_client(server: Daphne):
    """An opener with a cookie jar and the login page's CSRF token."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect())
    with opener.open(server.url + "/accounts/login/", timeout=10) as response:
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode())
    return opener, token.group(1)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_api_logins_with_made_up_forwarded_for_reach_429(server):
    opener = urllib.request.build_opener()
    statuses = [
        post(
            opener,
            server.url + "/api/v1/auth/token/",
            {"username": "attendee9", "password": f"wrong-{n}"},
            {"X-Forwarded-For": forwarded_for(server, f"198.51.100.{n}")},
            as_json=True,
        )[0]
        for n in range(40)
    ]
    assert statuses[:10] == [400] * 10
    assert set(statuses[10:]) == {429}
    # The right password is refused as well while the limit lasts.
    status, _ = post(
        opener,
        server.url + "/api/v1/auth/token/",
        {"username": "attendee9", "password": PASSWORD},
        {"X-Forwarded-For": forwarded_for(server, "198.51.100.250")},
        as_json=True,
    )
    assert status == 429
    if server.proxies:
        # Behind the proxy, another client (another address the proxy saw) has its own budget.
        status, _ = post(
            opener,
            server.url + "/api/v1/auth/token/",
            {"username": "attendee9", "password": PASSWORD},
            {"X-Forwarded-For": forwarded_for(server, "198.51.100.1", seen="203.0.113.8")},
            as_json=True,
        )
        assert status == 200


def test_page_lockout_holds_against_respelt_names_and_made_up_addresses(server):
    opener, token = page_client(server)
    seen = "203.0.113.20"

    def attempt(username: str, password: str, n: int) -> int:
        return post(
            opener,
            server.url + "/accounts/login/",
            {"username": username, "password": password, "csrfmiddlewaretoken": token},
            {"X-Forwarded-For": forwarded_for(server, f"192.0.2.{n}", seen=seen)},
        )[0]

    statuses = [attempt("attendee10", "wrong", n) for n in range(40)]
    assert statuses[:10] == [200] * 10
    assert set(statuses[10:]) == {429}
    for n, spelling in enumerate(["attendee10 ", " attendee10", "\uff41ttendee10", "Attendee10"]):
        assert attempt(spelling, "wrong", 100 + n) == 429, spelling
        assert attempt(spelling, PASSWORD, 200 + n) == 429, spelling
