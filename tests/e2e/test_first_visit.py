"""A newcomer's first visit in a real browser (issue 17): help one tap away from the
directory, leaving a group (its seat goes to the person waiting), and every page in Spanish
with no English words left in what Hearth itself writes."""

import json
import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.conftest import login
from tests.e2e.test_attendee_flow import PASSWORD, make_group


def test_crisis_links_from_the_directory(browser, base_url):
    for width in (360, 1280):
        context = browser.new_context(base_url=base_url, viewport={"width": width, "height": 800})
        page = context.new_page()
        page.goto("/")
        header_link = page.locator("header.site").get_by_role("link", name="Help now")
        expect(header_link).to_be_visible()
        expect(
            page.locator("footer.site").get_by_role("link", name="Get help now")
        ).to_be_attached()
        header_link.click()
        expect(page).to_have_url(re.compile(r"/help/$"))
        expect(page.get_by_role("heading", name="If you are in crisis")).to_be_visible()
        call, text = (
            page.get_by_role("link", name="Call 988"),
            page.get_by_role("link", name="Text 988"),
        )
        expect(call).to_have_attribute("href", "tel:988")
        expect(text).to_have_attribute("href", "sms:988")
        expect(page.get_by_role("link", name="Call 911")).to_have_attribute("href", "tel:911")
        box = call.bounding_box()
        assert box is not None and box["height"] >= 44  # a target a thumb can hit
        results = Axe().run(page)
        serious = [
            v["id"]
            for v in results.response["violations"]
            if v["impact"] in {"serious", "critical"}
        ]
        assert serious == []
        context.close()


FILTER_TEXT_WIDTHS = """() => [...document.querySelectorAll('.filter-grid select')].map(s => {
  const c = document.createElement('canvas').getContext('2d'); const st = getComputedStyle(s);
  c.font = st.fontSize + ' ' + st.fontFamily;
  const room = s.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
  const text = s.options[s.selectedIndex].text;
  return [text, c.measureText(text).width, room];
})"""


def test_the_directory_filters_fit_a_phone_in_both_languages(browser, base_url):
    """'Any language' was cut off at 360 px. Each filter's text, with 20 px for the arrow, fits."""
    for locale in ("en-US", "es-ES"):
        context = browser.new_context(
            base_url=base_url, locale=locale, viewport={"width": 360, "height": 800}
        )
        page = context.new_page()
        page.goto("/")
        for text, width, room in page.evaluate(FILTER_TEXT_WIDTHS):
            assert width + 20 <= room, (locale, text, width, room)
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        context.close()


def _member_going_and_waiting(hearth_server, unique: str) -> dict:
    data = make_group(hearth_server, unique, capacity=1, topic="grief")
    out = hearth_server.shell(
        f"""
import json
from sessions_app import services
from sessions_app.models import Session, SupportGroup, User
group = SupportGroup.objects.get(slug="{data["slug"]}")
session = Session.objects.get(pk={data["session"]})
people = []
for name in ("leaver", "waiter"):
    user = User.objects.create_user(username=f"{{name}}-{unique}", password="{PASSWORD}",
                                    display_name=name.title())
    services.membership_join(group=group, user=user)
    services.rsvp_create(session=session, user=user)
    people.append(user.username)
print(json.dumps(people))
"""
    )
    data["leaver"], data["waiter"] = json.loads(out.strip().splitlines()[-1])
    return data


def test_leave_a_group_and_the_seat_goes_to_the_person_waiting(page, hearth_server, unique):
    data = _member_going_and_waiting(hearth_server, unique)
    login(page, data["leaver"], PASSWORD)
    page.goto(f"/groups/{data['slug']}/")
    expect(page.get_by_role("heading", name="What to expect")).to_be_visible()
    page.get_by_text("Leave this group", exact=True).click()
    expect(page.get_by_text("Leaving cancels your place at 1 upcoming session")).to_be_visible()
    page.get_by_role("button", name="Leave the group").click()
    expect(
        page.get_by_text(
            "You left Quiet Harbour Circle. Your place at 1 upcoming session is cancelled."
        )
    ).to_be_visible()
    expect(page.get_by_role("button", name="Join", exact=True)).to_be_visible()
    statuses = hearth_server.shell(
        f"""
from sessions_app.models import RSVP
rsvps = RSVP.objects.filter(session_id={data["session"]})
print(sorted((r.user.username, r.status) for r in rsvps))
"""
    )
    assert f"('{data['leaver']}', 'cancelled')" in statuses
    assert f"('{data['waiter']}', 'going')" in statuses


# What may stay in English on a Spanish page: what people wrote (group names and
# descriptions, venues, bios, display names, notes: read from the database), brands and codes.
ALLOWED = {"Hearth", "OK", "ics", "SMS", "iCal", "LGBTQ", "API", "HELP"}  # HELP: a keyword
ENGLISH = re.compile(
    r"\b(the|and|your|you|with|this|that|session|sessions|group|groups|join|sign|log|"
    r"upcoming|waitlist|help|now|what|who|when|where|free|leave|members?|seats?|taken|"
    r"language|account|password|cancel|save|saved|not|none|there|here|week|weeks|"
    r"today|tomorrow|online|facilitator|facilitate|report|send|open|closed)\b",
    re.IGNORECASE,
)


def _written_by_people(hearth_server) -> list[str]:
    out = hearth_server.shell(
        """
import json
from sessions_app.models import SupportGroup, User, Venue
from facilitators.models import FacilitatorProfile
texts = []
for g in SupportGroup.objects.all():
    texts += [g.name, g.description, g.guidelines]
texts += [v for v in Venue.objects.values_list("name", flat=True)]
texts += list(Venue.objects.values_list("address", flat=True))
texts += list(Venue.objects.values_list("accessibility_notes", flat=True))
texts += list(User.objects.values_list("display_name", flat=True))
for p in FacilitatorProfile.objects.all():
    texts += [p.bio, *p.trainings]
from frontend.management.commands.seed_demo import DEMO_NOTES
for note in DEMO_NOTES.values():
    texts += [note["summary"], note["body"], note["follow_up"], *note["themes"]]
print(json.dumps([t for t in texts if t]))
"""
    )
    return sorted(json.loads(out.strip().splitlines()[-1]), key=len, reverse=True)


def test_spanish_pages_have_no_english_words(browser, base_url, hearth_server):
    written = _written_by_people(hearth_server)
    session = (
        hearth_server.shell(
            """
from django.utils import timezone
from sessions_app.models import Session
coming = Session.objects.filter(group__slug="grupo-de-duelo", start__gt=timezone.now())
print(coming.order_by("start").first().pk)
"""
        )
        .strip()
        .splitlines()[-1]
    )
    visitor = [
        "/",
        "/groups/",
        "/groups/grupo-de-duelo/",
        f"/sessions/{session}/",
        "/help/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password-reset/",
    ]
    member = [
        "/",
        "/groups/grupo-de-duelo/",
        f"/sessions/{session}/",
        "/me/sessions/",
        "/account/",
        "/help/",
    ]
    facilitator = [
        "/facilitate/",
        f"/facilitate/sessions/{session}/",
        "/facilitate/profile/",
        "/facilitate/groups/grupo-de-duelo/",
        "/facilitate/groups/grupo-de-duelo/edit/",
    ]
    found = {}
    for who, paths in (("visitor", visitor), ("attendee1", member), ("facilitator", facilitator)):
        context = browser.new_context(
            base_url=base_url, locale="es-ES", viewport={"width": 1280, "height": 900}
        )
        page = context.new_page()
        if who != "visitor":
            page.goto("/accounts/login/")
            page.get_by_label("Nombre de usuario").fill(who)
            page.get_by_label("Contraseña").fill("hearth-demo-2026")
            page.get_by_role("button", name="Entrar").click()
            page.wait_for_load_state("networkidle")
        for path in paths:
            page.goto(path)
            words = _english_words(page, written)
            if words:
                found[f"{who} {path}"] = words
        context.close()
    assert found == {}


def _english_words(page, written: list[str]) -> list[str]:
    """English words in the page's text (with 30 characters either side), leaving out what
    people wrote."""
    assert page.locator("html").get_attribute("lang") == "es", page.url
    body = page.inner_text("body")
    for text in written:
        body = body.replace(text, " ")
    # The list has no word both languages share ("no", "a", "de" are Spanish too).
    return [
        body[max(0, m.start() - 30) : m.end() + 30].replace("\n", " ")
        for m in ENGLISH.finditer(body)
        if m.group(0) not in ALLOWED
    ]


def _spanish_login(browser, base_url, username: str):
    context = browser.new_context(
        base_url=base_url, locale="es-ES", viewport={"width": 1280, "height": 900}
    )
    page = context.new_page()
    page.goto("/accounts/login/")
    page.get_by_label("Nombre de usuario").fill(username)
    page.get_by_label("Contraseña").fill("hearth-demo-2026")
    page.get_by_role("button", name="Entrar").click()
    page.wait_for_load_state("networkidle")
    return context, page


def test_the_live_room_in_spanish_has_no_english_words(browser, base_url, hearth_server):
    """The room with its room open, as an attendee and as a facilitator: what the page says
    and what room.js and media.js write into it once connected (hand raised, a round, a
    share timer, the call joined without a microphone)."""
    written = _written_by_people(hearth_server)
    room = (
        hearth_server.shell(
            """
from datetime import timedelta
from django.utils import timezone
from rooms import services as room_services
from sessions_app import services
from sessions_app.models import Session, SupportGroup, User
group = SupportGroup.objects.get(slug="grupo-de-duelo")
lead = User.objects.get(username="facilitator")
attendee = User.objects.get(username="attendee1")
if not group.memberships.filter(user=attendee, status="active").exists():
    services.membership_join(group=group, user=attendee)
local = (timezone.now() + timedelta(minutes=5)).astimezone(group.tz).replace(
    tzinfo=None, second=0, microsecond=0)
schedule = services.schedule_create(
    group=group, start=local, duration_minutes=120, recurrence=None, created_by=lead)
session = Session.objects.get(schedule=schedule)
services.rsvp_create(session=session, user=attendee)
room_services.room_open(session=session, by=lead)
print(session.pk)
"""
        )
        .strip()
        .splitlines()[-1]
    )
    path = f"/sessions/{room}/room/"
    found = {}
    lead_context, lead = _spanish_login(browser, base_url, "facilitator")
    lead.goto(path)
    expect(lead.locator("#conn")).to_have_attribute("data-state", "connected")
    attendee_context, attendee = _spanish_login(browser, base_url, "attendee1")
    attendee.goto(path)
    expect(attendee.locator("#conn")).to_have_attribute("data-state", "connected")
    found["attendee, connected"] = _english_words(attendee, written)
    found["facilitator, connected"] = _english_words(lead, written)

    # Things happen: a hand goes up, the facilitator gives the turn and times it, a round.
    attendee.locator("#hand").click()
    expect(lead.locator("#queue > li")).to_have_count(1)
    lead.locator("#next-speaker").click()
    lead.locator("#share-start").click()
    expect(attendee.locator("#share-timer")).to_be_visible()
    lead.locator("#round-prompt-input").fill("¿Cómo llegan hoy?")
    lead.locator("#round-start").click()
    expect(attendee.locator("#round")).to_be_visible()
    # The call, joined in a browser without a microphone or camera.
    attendee.locator("#media-join").click()
    expect(attendee.locator("#media-status, #media-error").first).not_to_be_empty()
    found["attendee, in a round"] = _english_words(attendee, written)
    found["facilitator, in a round"] = _english_words(lead, written)
    lead_context.close()
    attendee_context.close()
    assert {who: words for who, words in found.items() if words} == {}
