"""Times in the person's zone from the first minute, in a real Chromium set to Chicago: a
visitor's pages after the first, the sign-up (zone.js fills the zone in), the account page that
confirms it, and every page with times after it (a New York group at 7:00 PM is 6:00 PM here)."""

import re

from playwright.sync_api import expect

from tests.e2e.test_attendee_flow import PASSWORD, make_group


def test_a_browser_in_chicago_signs_up_and_sees_chicago_times_everywhere(
    browser, base_url, hearth_server, unique
):
    data = make_group(hearth_server, unique, capacity=5)
    context = browser.new_context(base_url=base_url, timezone_id="America/Chicago")
    page = context.new_page()
    group_page = f"/groups/{data['slug']}/"

    # A visitor: the first page sets the cookie, the next shows their zone.
    page.goto("/")
    page.goto(group_page)
    sessions = page.locator(f"a[href='/sessions/{data['session']}/']")
    expect(sessions).to_contain_text(re.compile(r"6:00 PM Central$"))
    expect(page.get_by_text(re.compile(r"at 7:00 PM Eastern"))).to_be_visible()  # the schedule

    page.goto(f"/accounts/signup/?next={group_page}")
    page.get_by_label("Username").fill(f"chi{unique}")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("Your account is ready.")).to_be_visible()
    expect(
        page.get_by_text(
            "Times are shown in Central (Chicago, United States), your browser's time zone."
        )
    ).to_be_visible()
    expect(sessions).to_contain_text(re.compile(r"6:00 PM Central$"))
    out = hearth_server.shell(
        "from sessions_app.models import User; "
        f"print(User.objects.get(username='chi{unique}').timezone)"
    )
    assert out.strip().splitlines()[-1] == "America/Chicago"

    page.get_by_role("button", name="Join", exact=True).click()
    page.goto(f"/sessions/{data['session']}/")
    expect(page.locator("dd").first).to_contain_text(re.compile(r"6:00 PM – 7:00 PM Central"))
    expect(page.locator("dd").first).to_contain_text("The group's time:")
    page.get_by_role("button", name="RSVP: I'm coming").click()
    expect(page.get_by_text("You are going. See you there.")).to_be_visible()
    page.goto("/me/sessions/")
    expect(page.get_by_text(re.compile(r"6:00 PM Central"))).to_be_visible()
    # The directory (other tests' groups may fill its first page): its times are Chicago's.
    page.goto("/")
    expect(page.get_by_text(re.compile(r"\d:\d\d [AP]M Central$")).first).to_be_visible()
    page.goto("/account/")
    expect(page.locator("#zone-now")).to_have_text(
        "Times on Hearth are shown to you in Central (Chicago, United States)."
    )
    expect(page.get_by_label("Time zone")).to_have_value("America/Chicago")
    context.close()
