"""Invitation links in a real browser: a facilitator makes one on the group page with the
keyboard alone, a visitor opens it, signs up, comes back and joins; a revoked link joins
nobody. The pages pass axe at phone and desktop widths, and read in Spanish."""

from __future__ import annotations

import json
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import login

PASSWORD = "a-Long-e2e-passw0rd"
WIDTHS = (360, 1280)


def make_invite_group(hearth_server, unique: str) -> dict:
    """An invite-only group run by a facilitator who shows a bio to everyone and trainings to
    members only."""
    out = hearth_server.shell(
        f"""
import json
from facilitators import services as fac_services
from sessions_app import services
from sessions_app.models import User
group = services.group_create(
    name="Harbour Lights {unique}", slug="harbour-{unique}", topic="recovery",
    timezone="America/New_York", capacity=8, format="online", join_policy="invite",
    description="A small, closed circle.",
)
lead = User.objects.create_user(username="lead{unique}", password="{PASSWORD}",
    display_name="Robin", timezone="America/New_York")
services.facilitator_assign(group=group, user=lead, role="lead")
fac_services.facilitator_profile_update(user=lead, bio="Peer supporter since 2015.",
    bio_visibility="everyone", trainings=["Grief Recovery Method"],
    trainings_visibility="members")
print(json.dumps({{"slug": group.slug, "lead": lead.username}}))
"""
    )
    return json.loads(out.strip().splitlines()[-1])


def members_of(hearth_server, slug: str) -> list[str]:
    out = hearth_server.shell(
        "from sessions_app.models import Membership; "
        f"print(sorted(Membership.objects.filter(group__slug='{slug}')"
        ".values_list('user__username', flat=True)))"
    )
    return eval(out.strip().splitlines()[-1])  # noqa: S307 - a list of names we printed


def tab_to(page, name: str, *, role: str = "button", limit: int = 80) -> None:
    """Press Tab until the control named `name` (in the main part) has the focus, and check
    that it shows it."""
    target = page.locator("main").get_by_role(role, name=name, exact=True)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
            assert outline != "none", f"{name} has no visible focus"
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_an_invite_link_joins_and_a_revoked_one_does_not(browser, base_url, hearth_server, unique):
    data = make_invite_group(hearth_server, unique)
    group_path = f"/groups/{data['slug']}/"

    # The facilitator makes two links on the group page, with the keyboard alone.
    lead = browser.new_context(base_url=base_url).new_page()
    login(lead, data["lead"], PASSWORD)
    lead.goto(group_path)
    expect(lead.get_by_role("heading", name="Invitations")).to_be_visible()
    for _ in range(2):
        tab_to(lead, "How many people it admits", role="spinbutton")
        lead.keyboard.press("Control+A")
        lead.keyboard.type("1")
        lead.keyboard.press("Tab")
        lead.keyboard.press("Control+A")
        lead.keyboard.type("3")
        tab_to(lead, "Make an invitation link")
        lead.keyboard.press("Enter")
        expect(lead.get_by_text(re.compile("Invitation made. Share this link:"))).to_be_visible()
    links = lead.locator("input[id^=invite-link-]")
    expect(links).to_have_count(2)
    kept, revoked = links.nth(0).input_value(), links.nth(1).input_value()
    assert re.fullmatch(rf"{re.escape(base_url)}/invite/[-\w]+/", kept), kept
    expect(lead.get_by_text("Used 0 of 1 time.")).to_have_count(2)

    # It revokes the second, again from the keyboard.
    tab_to(lead, "Revoke link 2")
    lead.keyboard.press("Enter")
    expect(lead.get_by_text("Invitation revoked. Its link no longer works.")).to_be_visible()
    expect(lead.locator("input[id^=invite-link-]")).to_have_count(1)
    assert lead.locator("input[id^=invite-link-]").input_value() == kept

    # A visitor opens the link, signs up, comes back to it and joins.
    visitor = browser.new_context(base_url=base_url).new_page()
    visitor.goto(kept)
    expect(visitor.get_by_role("heading", level=1)).to_have_text(
        f"You are invited to Harbour Lights {unique}"
    )
    tab_to(visitor, "Sign up", role="link")
    visitor.keyboard.press("Enter")
    visitor.get_by_label("Username").fill(f"nia{unique}")
    visitor.get_by_label("Display name").fill("Nia")
    visitor.get_by_label("Password", exact=True).fill(PASSWORD)
    visitor.get_by_label("Password again").fill(PASSWORD)
    visitor.get_by_label("Password again").press("Enter")
    expect(visitor).to_have_url(kept)
    expect(visitor.get_by_label("Your name in this group")).to_have_value("Nia")
    tab_to(visitor, f"Join Harbour Lights {unique}")
    visitor.keyboard.press("Enter")
    expect(visitor).to_have_url(re.compile(rf"{group_path}$"))
    expect(visitor.get_by_text("You are a member. Others see you as “Nia”.")).to_be_visible()
    # As a member, Nia sees the facilitator's trainings too (shown to members only).
    expect(visitor.get_by_text("Grief Recovery Method")).to_be_visible()
    expect(visitor.get_by_text("Peer supporter since 2015.")).to_be_visible()

    # Someone else opens the revoked link: told why, no way to join.
    other = browser.new_context(base_url=base_url).new_page()
    response = other.goto(revoked)
    assert response.status == 410
    expect(other.get_by_role("heading", level=1)).to_have_text("This invitation cannot be used")
    expect(other.get_by_role("alert")).to_contain_text("This invitation was withdrawn")
    expect(other.get_by_role("button", name=re.compile("Join"))).to_have_count(0)
    # Signed in, still nothing.
    other.goto(f"/accounts/signup/?next={revoked}")
    other.get_by_label("Username").fill(f"olly{unique}")
    other.get_by_label("Password", exact=True).fill(PASSWORD)
    other.get_by_label("Password again").fill(PASSWORD)
    other.get_by_label("Password again").press("Enter")
    expect(other.get_by_role("alert")).to_contain_text("This invitation was withdrawn")
    assert members_of(hearth_server, data["slug"]) == [f"nia{unique}"]

    # A visitor sees the bio, shown to everyone, but not the members-only trainings.
    stranger = browser.new_context(base_url=base_url).new_page()
    stranger.goto(group_path)
    expect(stranger.get_by_text("Peer supporter since 2015.")).to_be_visible()
    expect(stranger.get_by_text("Grief Recovery Method")).to_have_count(0)
    expect(stranger.get_by_role("heading", name="Invitations")).to_have_count(0)


def _serious(page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


def _make_codes(hearth_server, slug: str) -> dict:
    out = hearth_server.shell(
        f"""
import json
from sessions_app import services
from sessions_app.models import SupportGroup, User
group = SupportGroup.objects.get(slug="{slug}")
lead = User.objects.get(facilitator_assignments__group=group)
active = services.invite_create(group=group, by=lead, max_uses=3)
gone = services.invite_create(group=group, by=lead)
services.invite_revoke(invite=gone, by=lead)
print(json.dumps({{"active": active.token, "revoked": gone.token}}))
"""
    )
    return json.loads(out.strip().splitlines()[-1])


@pytest.mark.parametrize("language", ["en", "es"])
def test_invitation_pages_pass_axe_and_fit_a_phone(
    browser, base_url, hearth_server, unique, language
):
    data = make_invite_group(hearth_server, unique)
    codes = _make_codes(hearth_server, data["slug"])
    problems = {}
    for width in WIDTHS:
        locale = "es-ES" if language == "es" else "en-US"
        visitor = browser.new_context(
            base_url=base_url, viewport={"width": width, "height": 900}, locale=locale
        ).new_page()
        lead = browser.new_context(
            base_url=base_url, viewport={"width": width, "height": 900}, locale=locale
        ).new_page()
        login(lead, data["lead"], PASSWORD) if language == "en" else _login_es(lead, data["lead"])
        pages = [
            (visitor, "invite", f"/invite/{codes['active']}/"),
            (visitor, "invite-revoked", f"/invite/{codes['revoked']}/"),
            (visitor, "group-visitor", f"/groups/{data['slug']}/"),
            (lead, "group-facilitator", f"/groups/{data['slug']}/"),
            (lead, "invites", f"/groups/{data['slug']}/invites/"),
            (lead, "profile", "/facilitate/profile/"),
        ]
        for page, name, path in pages:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            found = _serious(page)
            if found:
                problems[f"{name}@{width}"] = found
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            if overflow > 0:
                problems[f"{name}@{width}"] = [f"scrolls sideways by {overflow} px"]
            if language == "es":
                main = page.locator("main").inner_text()
                for english in (
                    "Invitation",
                    "invited",
                    "Who runs",
                    "Trainings",
                    "Revoke",
                    "Used ",
                ):
                    if english in main:
                        problems.setdefault(f"{name}@{width}", []).append(f"English: {english}")
        visitor.context.close()
        lead.context.close()
    assert problems == {}


def _login_es(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_load_state("networkidle")
