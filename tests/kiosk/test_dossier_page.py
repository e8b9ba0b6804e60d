"""/d/{token}, what the dossier's QR code (the appointment slip) opens: its state and due date
with the weekday, what is missing, "ready for pick-up", the center; never the citizen's name
or phone. The demo center's dossiers (server/demo.py) are the data."""

from datetime import date

import httpx
import pytest
from playwright.sync_api import expect

from browser import axe_violations, overflow, screenshot
from kiosk_server import KioskServer

PHONE = {"width": 360, "height": 640}
WEEKDAYS_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]


@pytest.fixture
def server(tmp_path, voice_dir):
    """The demo center's server with its dossiers (the suite's servers leave them out)."""
    proc = KioskServer(tmp_path / "kiosk.db", voice_dir, env={"MOTCUA_DEMO_DOSSIERS": "1"})
    proc.start()
    yield proc
    proc.stop()


def demo_dossier(server, state: str) -> dict:
    r = httpx.get(f"{server.url}/api/v1/dossiers", params={"state": state}, headers=server.headers("staff"), timeout=30)
    assert r.status_code == 200, r.text
    return r.json()[0]


def due_words(dossier: dict) -> str:
    day = date.fromisoformat(dossier["due_date"])
    return f"{WEEKDAYS_VI[day.weekday()]}, {day:%d/%m/%Y}"


def test_ready_dossier_says_so_on_a_phone_and_a_laptop(server, open_page):
    dossier = demo_dossier(server, "ready")
    for width, height, options in ((PHONE["width"], PHONE["height"], {"is_mobile": True, "has_touch": True}), (1366, 768, {})):
        page = open_page(f"{server.url}{dossier['status_path']}", width, height, **options)
        expect(page.locator("#state")).to_have_text("Đã có kết quả, chờ nhận")
        expect(page.locator("#notice")).to_contain_text("Hồ sơ đã có kết quả. Mời ông/bà đến trung tâm nhận kết quả")
        expect(page.locator("#code")).to_have_text(dossier["code"])
        expect(page.locator("#procedure")).to_have_text("Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi")
        expect(page.locator("#due")).to_have_text(due_words(dossier))
        expect(page.locator("#center")).to_have_text("Trung tâm Phục vụ hành chính công phường Hòa Bình")
        expect(page.locator("#hotline")).to_have_attribute("href", "tel:19000000")
        expect(page.locator("#missing-row")).to_be_hidden()
        assert overflow(page)["x"] == 0
        screenshot(page, "kiosk", f"dossier-ready-{width}x{height}")
        assert axe_violations(page) == []
        page.locator("#language").click()
        expect(page.locator("#state")).to_have_text("Ready for pick-up")
        assert page.errors == []


def test_needs_more_shows_what_is_missing_and_never_the_citizen(server, open_page):
    dossier = demo_dossier(server, "needs_more")
    assert dossier["citizen_name"] == "Lê Văn Cường"  # the staff API has it; the page must not
    page = open_page(f"{server.url}{dossier['status_path']}", PHONE["width"], PHONE["height"], is_mobile=True, has_touch=True)
    expect(page.locator("#state")).to_have_text("Cần bổ sung giấy tờ")
    expect(page.locator("#missing")).to_have_text("Bản sao giấy xác nhận khuyết tật")
    expect(page.locator("#notice")).to_contain_text("Thời hạn giải quyết tạm dừng")
    text = page.locator("body").inner_text()
    assert "Cường" not in text and "0987654321" not in text and dossier["citizen_phone"] not in page.content()
    screenshot(page, "kiosk", "dossier-needs-more-360x640")
    assert axe_violations(page) == []


def test_unknown_dossier_is_a_clear_404(server, open_page):
    assert httpx.get(f"{server.url}/d/no-such-dossier").status_code == 404
    page = open_page(f"{server.url}/d/no-such-dossier", PHONE["width"], PHONE["height"], is_mobile=True)
    expect(page.locator("#not-found")).to_be_visible()
    expect(page.locator("#not-found")).to_have_text(
        "Không tìm thấy hồ sơ này. Xin kiểm tra lại mã QR trên phiếu hẹn, hoặc gọi đường dây nóng của trung tâm."
    )
    expect(page.locator("#dossier")).to_be_hidden()
    assert axe_violations(page) == []
