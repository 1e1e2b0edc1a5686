"""Content-Security-Policy: every page carries a strict policy (no 'unsafe-inline', no
'unsafe-eval'), no template needs one, /api/docs/ loads only same-origin files, and the language
cookie gets the same flags as the session cookie."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.urls import reverse

from frontend.facilitator import charts
from tests.rooms.conftest import build_room_world

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_DIRS = sorted(
    p for p in ROOT.glob("*/templates") if p.is_dir() and not p.is_relative_to(ROOT / ".venv")
)

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def assert_strict(response) -> None:
    assert response.status_code == 200, response.request["PATH_INFO"]
    header = response.headers.get("Content-Security-Policy", "")
    assert "unsafe-inline" not in header, header
    assert "unsafe-eval" not in header, header
    assert "unsafe-hashes" not in header, header
    directives = policy(response)
    assert directives["default-src"] == ["'self'"]
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'self'"]
    assert directives["form-action"] == ["'self'"]
    assert "'self'" in directives["connect-src"]


# --- the header on a sample of pages ----------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "name", "kwargs"),
    [
        (None, "frontend:home", {}),
        (None, "frontend:group-detail", {"slug": "tuesday-circle"}),
        (None, "frontend:session-detail", "session"),
        (None, "frontend:login", {}),
        (None, "frontend:signup", {}),
        (None, "frontend:password-reset", {}),
        ("attendee", "frontend:account", {}),
        ("attendee", "frontend:my-sessions", {}),
        ("attendee", "frontend:session-detail", "session"),
        ("facilitator", "frontend:fac-dashboard", {}),
        ("facilitator", "frontend:fac-group", {"slug": "tuesday-circle"}),
        ("facilitator", "frontend:fac-schedule-new", {"slug": "tuesday-circle"}),
        ("facilitator", "frontend:fac-members", {"slug": "tuesday-circle"}),
        ("facilitator", "frontend:fac-group-reports", {"slug": "tuesday-circle"}),
        ("facilitator", "frontend:fac-session", "session"),
        ("coordinator", "admin:index", {}),
        ("coordinator", "admin:sessions_app_supportgroup_changelist", {}),
        (None, "api-docs", {}),
    ],
)
def test_pages_carry_a_strict_policy(client, world, who, name, kwargs):
    if who:
        client.force_login(world[who])
    if kwargs == "session":
        kwargs = {"pk": world["session"].pk}
    if name.startswith("admin:"):
        world[who].is_superuser = True
        world[who].save(update_fields=["is_superuser"])
    assert_strict(client.get(reverse(name, kwargs=kwargs)))


def test_room_page_carries_a_strict_policy_that_allows_its_websocket(client):
    world = build_room_world()
    client.force_login(world.ana)
    response = client.get(reverse("frontend:session-room", kwargs={"pk": world.session.pk}))
    assert_strict(response)
    # 'self' covers ws(s) to the same host in CSP 3 browsers; nothing wider is allowed.
    assert policy(response)["connect-src"] == ["'self'"]


def test_not_found_page_carries_the_policy(client, world):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]


def test_api_responses_carry_the_policy_too(client, world):
    response = client.get("/api/v1/groups/")
    assert response.status_code == 200
    assert policy(response)["default-src"] == ["'self'"]


# --- no template needs 'unsafe-inline' or 'unsafe-eval' ---------------------------------------


class InlineFinder(HTMLParser):
    """Collects everything a strict policy blocks: inline scripts, style blocks and attributes,
    event-handler attributes, javascript: URLs, and htmx features that evaluate code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        line = self.getpos()[0]
        if tag == "script":
            kind = (names.get("type") or "").lower()
            if "src" not in names and kind not in {"application/json", "application/ld+json"}:
                self.problems.append(f"line {line}: inline <script>")
        if tag == "style":
            self.problems.append(f"line {line}: <style> block")
        for attr, value in attrs:
            attr = attr.lower()
            if attr == "style":
                self.problems.append(f"line {line}: style attribute")
            elif attr.startswith("on") and not attr.startswith("on-"):
                self.problems.append(f"line {line}: {attr}= handler")
            elif attr.startswith(("hx-on", "data-hx-on", "hx-vars", "data-hx-vars")):
                self.problems.append(f"line {line}: {attr} (htmx evaluates it)")
            elif value and value.strip().lower().startswith(("javascript:", "js:")):
                self.problems.append(f"line {line}: {attr}={value[:20]}")
            elif attr in ("hx-trigger", "data-hx-trigger") and value and "[" in value:
                self.problems.append(f"line {line}: hx-trigger filter (htmx evaluates it)")


def template_files() -> list[Path]:
    files = [p for d in TEMPLATE_DIRS for p in d.rglob("*.html")]
    assert len(files) > 30  # the scan found the templates
    return files


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_template_has_nothing_inline(path):
    text = path.read_text()
    # Template tags could hide markup from the parser ({% if %}style="..."): strip them first.
    finder = InlineFinder()
    text = re.sub(r"{% comment %}.*?{% endcomment %}", "", text, flags=re.S)
    finder.feed(re.sub(r"{%.*?%}|{{.*?}}|{#.*?#}", "", text, flags=re.S))
    assert finder.problems == [], f"{path.relative_to(ROOT)}: {finder.problems}"


def test_template_scanner_catches_what_it_should():
    finder = InlineFinder()
    finder.feed(
        '<script>alert(1)</script><script src="/x.js"></script><style>p{}</style>'
        '<p style="color:red" onclick="go()"><a href="javascript:go()">x</a></p>'
        '<form hx-trigger="load[this.x]" hx-on::after-request="go()"></form>'
        '<script type="application/json">{}</script>'
    )
    assert len(finder.problems) == 7, finder.problems


def test_base_template_configures_htmx_for_the_policy(client, world):
    html = client.get(reverse("frontend:home")).content.decode()
    match = re.search(r'<meta name="htmx-config" content=\'([^\']*)\'>', html)
    assert match, "no htmx-config meta tag"
    assert '"includeIndicatorStyles": false' in match.group(1)
    assert '"allowEval": false' in match.group(1)


def test_stylesheet_carries_the_htmx_indicator_rules():
    css = (ROOT / "frontend/static/frontend/hearth.css").read_text()
    assert ".htmx-indicator" in css
    assert ".htmx-request .htmx-indicator" in css


def test_charts_have_no_style_attributes():
    labels = ["Jan", "Feb", "Mar"]
    series = [charts.Series("Attended", [1, None, 3]), charts.Series("RSVPs", [2, 4, 5])]
    for chart in (
        charts.bar_chart(title="T", description="D", labels=labels, series=series),
        charts.line_chart(title="T", description="D", labels=labels, series=series),
    ):
        finder = InlineFinder()
        finder.feed(str(chart.html))
        assert finder.problems == []


def test_schedule_form_asks_for_its_first_preview_from_a_file(client, world):
    """The former `load[first_date filled]` filter (evaluated by htmx) is a static script."""
    client.force_login(world["facilitator"])
    url = reverse("frontend:fac-schedule-new", kwargs={"slug": "tuesday-circle"})
    html = client.get(url).content.decode()
    trigger = re.search(r'hx-trigger="([^"]*)"', html).group(1)
    assert trigger.split(", ")[0] == "schedule:filled"
    assert "[" not in trigger
    assert "/static/frontend/schedule_form.js" in html
    script = (ROOT / "frontend/static/frontend/schedule_form.js").read_text()
    assert '"schedule:filled"' in script


# --- /api/docs/ ---------------------------------------------------------------------------------


class Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []

    def handle_starttag(self, tag, attrs):
        names = dict(attrs)
        if tag == "script":
            if names.get("src"):
                self.urls.append(names["src"])
            else:
                self.inline.append("script")
        elif tag == "link" and names.get("href"):
            self.urls.append(names["href"])
        elif tag == "style":
            self.inline.append("style")
        if "style" in names:
            self.inline.append(f"style attribute on <{tag}>")


def test_api_docs_load_only_same_origin_files(client, world):
    response = client.get(reverse("api-docs"))
    assert_strict(response)
    found = Resources()
    found.feed(response.content.decode())
    assert found.inline == []
    assert len(found.urls) >= 4  # stylesheet, icon, two bundles, the init script
    for url in found.urls:
        assert url.startswith("/") and not url.startswith("//"), url
        assert "cdn" not in url
    scripts = [u for u in found.urls if "script" in u or u.endswith(".js")]
    for url in scripts:
        loaded = client.get(url)
        assert loaded.status_code == 200, url
        body = b"".join(loaded.streaming_content) if loaded.streaming else loaded.content
        assert body.strip(), url
    init = [u for u in found.urls if "script=" in u]
    assert init, found.urls
    assert "SwaggerUIBundle" in client.get(init[0]).content.decode()


# --- the language cookie -----------------------------------------------------------------------


def test_language_cookie_is_lax(client, world):
    response = client.post(reverse("frontend:set-language"), {"language": "es", "next": "/"})
    assert response.status_code == 302
    cookie = response.cookies["django_language"]
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]  # the embedded (DEBUG) run is plain http


def _production_setting(*names: str, **env: str) -> list[str]:
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(
        DEBUG="False",
        SECRET_KEY="x" * 60,
        NOTES_ENCRYPTION_KEYS=Fernet.generate_key().decode(),
        **env,
    )
    code = "from django.conf import settings; print(" + ", ".join(f"settings.{n}" for n in names)
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [sys.executable, "manage.py", "shell", "-v", "0", "-c", code + ")"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize("secure", ["True", "False"])
def test_language_cookie_is_secure_when_the_session_cookie_is(secure):
    assert _production_setting(
        "SESSION_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SECURE",
        "LANGUAGE_COOKIE_SAMESITE",
        SESSION_COOKIE_SECURE=secure,
    ) == [secure, secure, "Lax"]
