"""The Content-Security-Policy in a real browser: pages work under it (the room's WebSocket
connects, htmx previews load, Swagger UI renders, the admin works) and Chromium reports no
violation, neither in the console nor as a `securitypolicyviolation` event."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.conftest import login
from tests.e2e.room_helpers import expect_in_log, logged_in, make_room, open_room, send_message

# Runs before any page script and outside the page's policy (Playwright injects it).
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__csp.push(event.violatedDirective + " " + (event.blockedURI || "inline"));
});
"""


class Violations:
    """Console messages about the policy, and violation events, of every page of a context."""

    def __init__(self, context: BrowserContext):
        self.console: list[str] = []
        self.pages: list[Page] = []
        context.add_init_script(RECORD_VIOLATIONS)
        context.on("page", self._watch)
        for page in context.pages:
            self._watch(page)

    def _watch(self, page: Page) -> None:
        self.pages.append(page)
        page.on("console", self._console)

    def _console(self, message) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.console.append(message.text)

    def events(self, page: Page) -> list[str]:
        return page.evaluate("window.__csp || []")

    def assert_none(self, page: Page) -> None:
        assert self.console == []
        assert self.events(page) == []


@pytest.fixture
def watched(browser, hearth_server):
    made: list[BrowserContext] = []

    def make(context: BrowserContext | None = None) -> tuple[BrowserContext, Violations]:
        context = context or browser.new_context(base_url=hearth_server.url)
        made.append(context)
        return context, Violations(context)

    yield make
    for context in made:
        context.close()


def test_recorder_sees_a_violation(watched):
    """The harness itself: an inline script is blocked and recorded."""
    context, violations = watched()
    page = context.new_page()
    page.goto("/")
    page.evaluate(
        "() => { const s = document.createElement('script');"
        " s.textContent = 'window.__ran = 1'; document.body.append(s); }"
    )
    expect(page.locator("body")).to_be_visible()
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate("window.__ran") is None
    assert violations.events(page)


def test_group_and_session_pages(watched):
    context, violations = watched()
    page = context.new_page()
    login(page, "attendee1")
    page.goto("/groups/evening-grief-circle/")
    expect(page.locator("h1")).to_be_visible()
    violations.assert_none(page)
    # A session page loads htmx (its RSVP panel).
    page.locator("a[href^='/sessions/']").first.click()
    page.wait_for_load_state("networkidle")
    assert page.evaluate("typeof htmx") == "object"
    assert page.evaluate("htmx.config.includeIndicatorStyles") is False
    assert page.locator("head style").count() == 0
    violations.assert_none(page)


def test_room_page_connects_and_chats(watched, browser, hearth_server, unique):
    room = make_room(hearth_server, unique)
    lead_context, lead_violations = watched(logged_in(browser, hearth_server, room.cookies["lead"]))
    context, violations = watched(logged_in(browser, hearth_server, room.cookies["ana"]))
    lead = open_room(lead_context, room)  # chat needs a facilitator in the room
    page = open_room(context, room)  # waits until the WebSocket said welcome
    send_message(page, "Hello under a strict policy")
    expect_in_log(page, "Hello under a strict policy")
    expect_in_log(lead, "Hello under a strict policy")
    violations.assert_none(page)
    lead_violations.assert_none(lead)


def test_schedule_preview_under_the_policy(watched):
    context, violations = watched()
    page = context.new_page()
    login(page, "facilitator")
    page.goto("/facilitate/groups/evening-grief-circle/schedules/new/")
    page.locator("#id_first_date").fill("2031-03-03")
    page.locator("#id_start_time").fill("19:00")
    page.locator("#id_first_date").dispatch_event("change")
    expect(page.locator("#preview li").first).to_be_visible()
    violations.assert_none(page)


def test_api_docs_render_swagger_ui(watched):
    context, violations = watched()
    page = context.new_page()
    page.goto("/api/docs/")
    expect(page.locator(".swagger-ui .opblock").first).to_be_visible(timeout=30_000)
    page.locator(".swagger-ui .opblock-summary").first.click()
    expect(page.locator(".swagger-ui .opblock-body").first).to_be_visible()
    violations.assert_none(page)


def test_admin_works_under_the_policy(watched):
    context, violations = watched()
    page = context.new_page()
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("coordinator")
    page.get_by_label("Password").fill("hearth-demo-2026")
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_be_visible()
    page.goto("/admin/sessions_app/supportgroup/")
    expect(page.locator("#result_list")).to_be_visible()
    page.locator("#result_list tbody a").first.click()
    expect(page.locator("form#supportgroup_form")).to_be_visible()
    violations.assert_none(page)
