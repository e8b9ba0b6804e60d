"""The apology letter (thư xin lỗi) for a late dossier: a printable A4 page for staff, in the
administrative letter's form. The demo center's late dossier (server/demo.py) is the data."""

import re
from datetime import date

import httpx
import pytest
from playwright.sync_api import expect

import browser as real_browser
from browser import axe_violations, overflow, screenshot
from console_server import sign_in

WEEKDAYS_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]


@pytest.fixture
def server(dossier_server):
    return dossier_server


def test_apology_letter_for_the_late_dossier(server, new_page, chromium):
    with server.client() as api:
        [late] = api.get("/api/v1/dossiers", params={"late": "true"}).json()
        on_time = api.get("/api/v1/dossiers", params={"state": "received"}).json()[0]
        assert api.get(f"/dossiers/{on_time['id']}/apology").status_code == 409  # not late: no letter
    assert httpx.get(f"{server.url}/dossiers/{late['id']}/apology").status_code == 401  # staff only
    due = date.fromisoformat(late["due_date"])
    page = new_page(1366, 768)
    sign_in(page, f"{server.url}/console", server.add_user("lan.nt"))
    page.goto(f"{server.url}/dossiers/{late['id']}/apology")
    letter = page.locator("#letter")
    expect(letter).to_contain_text("Độc lập - Tự do - Hạnh phúc")
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in letter.inner_text()  # as printed: upper case
    expect(page.locator("h1")).to_have_text("THƯ XIN LỖI")
    expect(letter).to_contain_text("Kính gửi: Ông/Bà Hoàng Văn Em")
    expect(page.locator("#code")).to_have_text(late["code"])
    expect(page.locator("#due")).to_have_text(f"{WEEKDAYS_VI[due.weekday()]}, ngày {due:%d/%m/%Y}")
    # On screen, the form sets the new date and the reason; the letter then says them.
    page.locator("#new-date").fill("2027-01-05")
    page.locator("#reason").fill("cần xác minh thêm thông tin tại nơi cư trú trước đây")
    page.get_by_role("button", name="Cập nhật thư").click()
    expect(letter).to_contain_text("Do cần xác minh thêm thông tin tại nơi cư trú trước đây, hồ sơ của Ông/Bà chưa được giải quyết")
    expect(letter).to_contain_text("hẹn trả kết quả vào Thứ Ba, ngày 05/01/2027.")  # 5 January 2027 is a Tuesday
    assert re.search(r"ngày \d\d tháng (0[12]|1[0-2]|[3-9]) năm 20\d\d", letter.inner_text())
    assert overflow(page)["x"] == 0
    screenshot(page, "console", "apology-1366x768")
    assert axe_violations(page) == []
    # Printed: the form is gone, and the letter is one A4 page.
    page.emulate_media(media="print")
    expect(page.locator("form.controls")).to_be_hidden()
    pdf = page.pdf(prefer_css_page_size=True)
    assert len(re.findall(rb"/Type\s*/Page\b", pdf)) == 1
    page.emulate_media(media="screen")
    with real_browser.context(chromium, 390, 844, is_mobile=True, has_touch=True) as ctx:
        phone = ctx.new_page()
        sign_in(phone, f"{server.url}/console", "lan.nt")
        phone.goto(f"{server.url}/dossiers/{late['id']}/apology")
        expect(phone.locator("h1")).to_have_text("THƯ XIN LỖI")
        assert overflow(phone)["x"] == 0
        screenshot(phone, "console", "apology-390x844")
        assert axe_violations(phone) == []
        assert page.errors == [] and phone.errors == []
