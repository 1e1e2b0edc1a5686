"""The browser harness itself: Daphne serves the demo data and Chromium renders it."""

from playwright.sync_api import expect


def test_home_page_renders_demo_groups(page, hearth_server):
    page.goto("/")
    expect(page.locator("h1, header .brand").first).to_be_visible()
    assert "Hearth" in page.title()
    assert page.locator("link[rel=stylesheet]").count() >= 1
