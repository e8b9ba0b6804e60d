"""/t/{token}, what the ticket's QR code opens on a citizen's phone: the ticket, live."""

import httpx
import qrcode
import qrcode.image.svg
from playwright.sync_api import expect

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
