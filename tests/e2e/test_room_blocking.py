"""Blocking in the browser: a person blocks someone from the room and their messages go; they
unblock them from the account page in another tab and the messages come back in the open
room at once, in their places, without a reload."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.room_helpers import (
    confirm_dialog,
    expect_in_log,
    log_texts,
    logged_in,
    make_room,
    open_room,
    send_message,
)


def test_unblocked_messages_reappear_without_a_reload(browser, hearth_server, unique):
    room = make_room(hearth_server, unique)
    contexts = [
        logged_in(browser, hearth_server, room.cookies[who]) for who in ("lead", "ana", "ben")
    ]
    lead_ctx, ana_ctx, ben_ctx = contexts
    lead = open_room(lead_ctx, room)
    ana = open_room(ana_ctx, room)
    ben = open_room(ben_ctx, room)
    send_message(ben, "Ben says hello")
    send_message(lead, "Lee welcomes everyone")
    expect_in_log(ana, "Lee welcomes everyone")
    expect_in_log(ana, "Ben says hello")

    ana.get_by_role("button", name="Block Ben: hide their messages from you").first.click()
    confirm_dialog(ana)
    expect(ana.locator("#send-note")).to_have_text(
        "You blocked Ben: their messages are hidden from you."
    )
    expect(ana.locator("#log > li .text", has_text="Ben says hello")).to_have_count(0)
    send_message(ben, "Ben while blocked")
    expect_in_log(lead, "Ben while blocked")
    send_message(lead, "Lee again")
    expect_in_log(ana, "Lee again")
    assert log_texts(ana) == ["Lee welcomes everyone", "Lee again"]
    ana.evaluate("window.sameDocument = true")  # gone if the page reloads

    account = ana_ctx.new_page()
    account.goto("/account/")
    account.get_by_role("button", name="Unblock Ben").click()
    expect(account.get_by_text("You will see messages from Ben again.")).to_be_visible()

    # The room tab, untouched: Ben's messages are back where they were said.
    expect(ana.locator("#log > li .text", has_text="Ben while blocked")).to_have_count(1)
    assert log_texts(ana) == [
        "Ben says hello",
        "Lee welcomes everyone",
        "Ben while blocked",
        "Lee again",
    ]
    expect(ana.locator("#send-note")).to_have_text(
        "You unblocked Ben: their messages are shown again."
    )
    assert ana.evaluate("window.sameDocument") is True
    # And what Ben says from now on arrives as usual.
    send_message(ben, "Ben after")
    expect_in_log(ana, "Ben after")
    for context in contexts:
        context.close()
