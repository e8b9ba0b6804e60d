"""Tiles readable from a step back on every supported screen: a category's name is at least
3.5% of the screen's shorter side, its pictogram at least a quarter of the tile's height, the
waiting count at least 2.5%; long names wrap and are never cut or shrunk below that. Measured
in Chromium at each size, with the demo's names (its longest included), with a long made-up
name, in both languages and with a notice above the tiles."""

import pytest
from playwright.sync_api import expect

from browser import SIZES, overflow, screenshot
from kiosk_server import tile

SOCIAL = 6  # "Chính sách xã hội và lao động": the demo's longest name
# Longer than any of the demo's, as long as a real center's longest (47 and 46 characters).
LONG_VI = "Lao động, thương binh, xã hội và bảo trợ trẻ em"
LONG_EN = "Labour, war invalids, social and child welfare"

MEASURE = """() => {
    const shorter = Math.min(innerWidth, innerHeight);
    return [...document.querySelectorAll('.tile')].map(tile => {
        const box = tile.getBoundingClientRect();
        const name = tile.querySelector('.name');
        const nameBox = name.getBoundingClientRect();
        const picto = tile.querySelector('.picto').getBoundingClientRect();
        const style = getComputedStyle(tile);
        return {
            name: name.textContent,
            shorter,
            nameSize: parseFloat(getComputedStyle(name).fontSize),
            infoSize: parseFloat(getComputedStyle(tile.querySelector('.info')).fontSize),
            lines: Math.round(nameBox.height / parseFloat(getComputedStyle(name).lineHeight)),
            pictoHeight: picto.height,
            tileHeight: box.height,
            tileWidth: box.width,
            // Nothing of the tile's content is cut off by its edges.
            fits: tile.scrollHeight <= tile.clientHeight + 1 && tile.scrollWidth <= tile.clientWidth + 1
                && name.scrollWidth <= name.clientWidth + 1
                && nameBox.top >= box.top && nameBox.bottom <= box.bottom + 0.5
                && nameBox.left >= box.left - 0.5 && nameBox.right <= box.right + 0.5,
            padding: parseFloat(style.paddingLeft) + parseFloat(style.paddingRight),
        };
    });
}"""


def assert_readable(page, label: str) -> list[dict]:
    page.evaluate("document.fonts.ready")
    tiles = page.evaluate(MEASURE)
    screenshot(page, "kiosk", f"readable-{label.replace(' ', '-')}-{page.viewport_size['width']}x{page.viewport_size['height']}")
    assert len(tiles) == 10, label
    for t in tiles:
        where = (label, t["name"], t)
        assert t["nameSize"] >= 0.035 * t["shorter"] - 0.01, where
        assert t["infoSize"] >= 0.025 * t["shorter"] - 0.01, where
        assert t["pictoHeight"] >= t["tileHeight"] / 4 - 0.5, where
        assert t["fits"], where
        # The padding is the tile's: a small share of its own width, whatever the screen.
        assert t["padding"] <= 0.1 * t["tileWidth"], where
    assert overflow(page) == {"x": 0, "y": 0}, label
    return tiles


@pytest.mark.parametrize("size", SIZES)
def test_tiles_are_readable_with_long_names_and_a_notice(size, server, open_kiosk):
    width, height = SIZES[size]
    page = open_kiosk(width, height)
    tiles = assert_readable(page, "demo")
    social = next(t for t in tiles if t["name"] == "Chính sách xã hội và lao động")
    assert social["lines"] >= 1

    # A long made-up name wraps over several lines at the same size as the others.
    category = next(c for c in server.admin("GET", "/centers/1")["categories"] if c["id"] == SOCIAL)
    fields = ("prefix", "pictogram", "color", "sessions", "daily_cap", "service_minutes", "position", "active")
    server.admin("PUT", f"/categories/{SOCIAL}", {**{k: category[k] for k in fields}, "name_vi": LONG_VI, "name_en": LONG_EN})
    server.admin("POST", "/centers/1/notices", {"text_vi": "Chiều thứ Sáu nghỉ từ 15 giờ để họp cơ quan", "text_en": "Closed Friday from 3 pm"})
    expect(tile(page, SOCIAL).locator(".name")).to_have_text(LONG_VI)
    expect(page.locator("#notices")).to_be_visible()
    tiles = assert_readable(page, "long vi")
    long_vi = next(t for t in tiles if t["name"] == LONG_VI)
    others = [t["nameSize"] for t in tiles if t["name"] != LONG_VI]
    assert long_vi["lines"] >= 2 and long_vi["nameSize"] >= min(others), long_vi
    screenshot(page, "kiosk", f"home-long-name-{width}x{height}")

    page.locator("#language").click()
    expect(tile(page, SOCIAL).locator(".name")).to_have_text(LONG_EN)
    assert_readable(page, "long en")
    screenshot(page, "kiosk", f"home-long-name-en-{width}x{height}")
