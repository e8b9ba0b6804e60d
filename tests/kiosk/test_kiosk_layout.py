"""Every kiosk screen fits 1080x1920 portrait, 1920x1080 and 1366x768 without scrolling, every
touch target is at least 2 cm, and axe-core finds no serious or critical accessibility
violation. Screenshots of each screen at each size go to test-output/kiosk/."""

import pytest
from playwright.sync_api import expect

from browser import SIZES, axe_violations, css_pixels_per_cm, overflow, screenshot
from kiosk_server import tile

SCREENS = ("home", "priority", "ticket")


def small_targets(page, min_px: float) -> list[dict]:
    """Visible buttons smaller than min_px in either direction."""
    return page.evaluate(
        """min => [...document.querySelectorAll('button')]
            .filter(b => b.offsetParent !== null)
            .map(b => ({id: b.id || b.className, w: b.getBoundingClientRect().width, h: b.getBoundingClientRect().height}))
            .filter(b => b.w < min - 0.5 || b.h < min - 0.5)""",
        min_px,
    )


def walk_screens(page):
    """Yield each screen's name once it is showing: home, priority question, ticket."""
    yield "home"
    tile(page, 5).click()  # "Đăng ký kinh doanh": a long name
    expect(page.locator("#screen-priority")).to_be_visible()
    expect(page.locator(".choice.none")).to_be_enabled()
    yield "priority"
    page.locator(".choice.none").click()
    expect(page.locator("#ticket-label")).to_have_text("E001")
    page.wait_for_function("() => document.getElementById('ticket-qr').naturalWidth > 0")
    yield "ticket"


@pytest.mark.parametrize("size", SIZES)
def test_screens_fit_without_scrolling_with_2cm_targets(size, server, open_kiosk):
    width, height = SIZES[size]
    page = open_kiosk(width, height)
    page.evaluate("document.fonts.ready")
    two_cm = 2 * css_pixels_per_cm(page)
    seen = []
    for screen in walk_screens(page):
        seen.append(screen)
        screenshot(page, "kiosk", f"{screen}-{width}x{height}")
        assert overflow(page) == {"x": 0, "y": 0}, screen
        assert small_targets(page, two_cm) == [], screen
        # The text inside the tiles and buttons is not cut off either.
        clipped = page.evaluate(
            """() => [...document.querySelectorAll('.tile .name, .choice .name, .ticket-label')]
                .filter(e => e.offsetParent !== null && e.scrollWidth > e.clientWidth + 1)
                .map(e => e.textContent)"""
        )
        assert clipped == [], (screen, clipped)
    assert seen == list(SCREENS)
    # The ticket number is the biggest thing on the screen: at least 1/8 of the viewport height.
    label_height = page.locator("#ticket-label").bounding_box()["height"]
    assert label_height >= height / 8


def test_accessibility_of_every_screen(server, open_kiosk):
    page = open_kiosk(1920, 1080)
    server.admin("POST", "/centers/1/notices", {"text_vi": "Chiều nay nghỉ từ 15 giờ", "text_en": "Closed from 3 pm"})
    expect(page.locator("#notices")).to_be_visible()
    for screen in walk_screens(page):
        assert axe_violations(page) == [], screen
    # A ticket refused: the category's day is full by the time the citizen answers.
    page.locator("#done").click()
    tile(page, 5).click()
    expect(page.locator(".choice.none")).to_be_enabled()
    category = next(c for c in server.admin("GET", "/centers/1")["categories"] if c["id"] == 5)
    fields = ("prefix", "name_vi", "name_en", "pictogram", "color", "sessions", "service_minutes", "position", "active")
    server.admin("PUT", "/categories/5", {**{k: category[k] for k in fields}, "daily_cap": 1})
    page.locator(".choice.none").click()
    expect(page.locator("#screen-notice")).to_be_visible()
    expect(page.locator("#notice-done")).to_be_enabled()
    screenshot(page, "kiosk", "notice-1920x1080")
    assert axe_violations(page) == [], "notice"
    # Closed tiles and the unavailable screen too.
    server.stop()
    expect(page.locator("#unavailable")).to_be_visible(timeout=10_000)
    assert axe_violations(page) == [], "unavailable"
    screenshot(page, "kiosk", "unavailable-1920x1080")
