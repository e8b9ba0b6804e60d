"""/t/{token}, what the ticket's QR code opens on a citizen's phone: the ticket, live."""

from datetime import datetime

import httpx
import qrcode
import qrcode.image.svg
from playwright.sync_api import expect

import browser as real_browser
from browser import axe_violations, overflow, screenshot

PHONE = {"width": 360, "height": 640}  # a small phone


def open_status(open_page, server, token: str):
    return open_page(
        f"{server.url}/t/{token}", PHONE["width"], PHONE["height"], device_scale_factor=2, is_mobile=True, has_touch=True
    )


def test_status_page_follows_the_ticket_until_its_counter_calls_it(server, open_page):
    first = server.issue(1)
    mine = server.issue(1)
    page = open_status(open_page, server, mine["token"])
    expect(page.locator("#label")).to_have_text(mine["label"])
    expect(page.locator("#category")).to_have_text("Hộ tịch")
    expect(page.locator("#state")).to_have_text("Đang chờ")
    expect(page.locator("#ahead")).to_have_text("1")
    assert overflow(page) == {"x": 0, "y": 0}
    screenshot(page, "kiosk", "status-waiting-360x640")

    assert server.call_next(1)["label"] == first["label"]
    expect(page.locator("#ahead")).to_have_text("0", timeout=20_000)
    assert server.call_next(2)["label"] == mine["label"]
    expect(page.locator("#state")).to_have_text("Mời đến quầy 2", timeout=20_000)
    expect(page.locator("#ahead-row")).to_be_hidden()
    screenshot(page, "kiosk", "status-called-360x640")
    assert axe_violations(page) == []
    page.locator("#language").click()
    expect(page.locator("#state")).to_have_text("Please go to counter 2")
    expect(page.locator("#category")).to_have_text("Civil registration")
    assert page.errors == []


def test_unknown_token_says_so(server, open_page):
    page = open_status(open_page, server, "no-such-ticket")
    expect(page.locator("#not-found")).to_be_visible()
    expect(page.locator("#not-found")).to_have_text("Không tìm thấy số này. Xin kiểm tra lại mã trên phiếu.")
    assert httpx.get(f"{server.url}/t/no-such-ticket/qr.svg").status_code == 404


def test_qr_code_encodes_the_status_page_address(server):
    ticket = server.issue(1)
    response = httpx.get(f"{server.url}/t/{ticket['token']}/qr.svg")
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"
    url = f"{server.url}/t/{ticket['token']}"
    expected = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2).to_string()
    assert response.content == expected
    assert httpx.get(url).status_code == 200


def test_status_page_says_at_once_when_it_is_no_longer_updating(server, chromium):
    ticket = server.issue(1)
    with real_browser.context(chromium, PHONE["width"], PHONE["height"], is_mobile=True, has_touch=True) as ctx:
        page = ctx.new_page()
        page.clock.install(time=datetime(2026, 3, 2, 8, 0))
        page.goto(f"{server.url}/t/{ticket['token']}")
        connection = page.locator("#connection")
        expect(connection).to_contain_text("Tự động cập nhật")
        expect(page.locator("#state")).to_have_text("Đang chờ")
        # From here the page's timers stand still: what it says next comes from losing the
        # server itself, not from a poll that happens to come round.
        page.clock.pause_at(page.evaluate("Date.now()") / 1000 + 1)
        server.stop()
        expect(connection).to_have_text("Mất kết nối — đang thử lại…")
        expect(page.locator("#label")).to_have_text(ticket["label"])  # what it knew stays
        server.start()
        page.clock.resume()
        expect(connection).to_contain_text("Tự động cập nhật", timeout=20_000)
        assert page.errors == []


def test_status_page_states_have_no_serious_accessibility_violation(server, open_page):
    page = open_status(open_page, server, "no-such-ticket")
    expect(page.locator("#not-found")).to_be_visible()
    assert axe_violations(page) == [], "not found"
    ticket = server.issue(1)
    page = open_status(open_page, server, ticket["token"])
    expect(page.locator("#connection")).to_contain_text("Tự động cập nhật")
    server.stop()
    expect(page.locator("#connection")).to_have_text("Mất kết nối — đang thử lại…", timeout=20_000)
    assert axe_violations(page) == [], "offline"
