"""The admin page in Debian's Chromium against a real server: what the admin sets up reaches
kiosks, displays and consoles live."""

import json
from contextlib import ExitStack

import httpx
import pytest
from playwright.sync_api import expect
from websockets.sync.client import connect

import browser as real_browser
from console_server import PASSWORD, sign_in


@pytest.fixture
def stream(server):  # type: ignore[no-untyped-def]
    """Opens a device's /ws/events connection (a kiosk or a display) and reads its snapshot;
    every connection is closed at the end of the test."""
    with ExitStack() as connections:

        def open_stream(kind: str):  # type: ignore[no-untyped-def]
            ws = connections.enter_context(
                connect(f"{server.ws_url}/ws/events?token={server.token(kind)}", open_timeout=15)
            )
            snapshot = json.loads(ws.recv(timeout=15))
            assert snapshot["type"] == "snapshot"
            return ws, snapshot

        yield open_stream


def next_event(ws, kind: str) -> dict:
    """The next event of `kind` (others, such as sign-in side effects, are passed over)."""
    while True:
        event = json.loads(ws.recv(timeout=15))
        if event["kind"] == kind:
            return event


def open_admin(server, new_page):  # type: ignore[no-untyped-def]
    page = new_page()
    sign_in(page, f"{server.url}/admin", server.add_user("chi", "admin"))
    expect(page.locator("#center-form")).to_be_visible()
    return page


def test_a_new_category_reaches_the_kiosk_and_a_console_without_reload(server, new_page, console, stream):
    kiosk, snapshot = stream("kiosk")
    assert "N" not in [c["prefix"] for c in snapshot["categories"]]
    kiosk_page = new_page(1080, 1920)
    kiosk_page.goto(f"{server.url}/kiosk?token={server.token('kiosk')}")
    expect(kiosk_page.locator(".tile")).to_have_count(10)
    desk = console("thu", 1)
    desk.get_by_role("button", name="Bàn tiếp đón").click()
    expect(desk.locator("#desk-categories label")).to_have_count(10)

    page = open_admin(server, new_page)
    page.get_by_role("tab", name="Lĩnh vực").click()
    editor = page.locator("#editor")
    editor.get_by_label("Chữ cái").fill("N")
    editor.get_by_label("Tên tiếng Việt").fill("Nông nghiệp")
    editor.get_by_label("Tên tiếng Anh").fill("Agriculture")
    editor.get_by_label("Giờ tiếp nhận").fill("00:00-24:00")
    editor.get_by_label("Số phiếu tối đa mỗi ngày").fill("40")
    editor.get_by_role("button", name="Thêm").click()
    expect(page.locator("#status")).to_have_text("Đã lưu.")
    expect(page.locator("#panel table tbody tr")).to_have_count(11)
    expect(page.locator("#panel table tbody tr").last).to_contain_text("Nông nghiệp / Agriculture")
    real_browser.screenshot(page, "console", "admin-categories")

    event = next_event(kiosk, "category.updated")
    kiosk.close()
    [category] = event["categories"]
    assert (category["prefix"], category["name_vi"], category["daily_cap"], category["open"]) == ("N", "Nông nghiệp", 40, True)
    expect(desk.locator("#desk-categories label")).to_have_count(11)  # live, no reload
    new_tile = kiosk_page.locator(f'.tile[data-category-id="{category["id"]}"]')
    expect(new_tile).to_contain_text("Nông nghiệp")  # on the kiosk too, without a reload
    expect(kiosk_page.locator(".tile")).to_have_count(11)
    real_browser.screenshot(kiosk_page, "console", "kiosk-new-category")
    expect(desk.locator(f'#desk-categories label[data-category-id="{category["id"]}"]')).to_contain_text("Nông nghiệp")

    # Counter 1 now serves N first; the desk issues N001 and counter 1's console sees it.
    page.get_by_role("tab", name="Quầy").click()
    page.locator("#panel tbody tr", has_text="Quầy 1").get_by_role("button", name="Sửa").click()
    page.locator("#counter-add-category").select_option(label="N · Nông nghiệp")
    page.locator('#counter-links li[data-category-id="%d"]' % category["id"]).get_by_role("button", name="Lên trên").click()
    page.locator("#editor").get_by_role("button", name="Lưu").click()
    expect(page.locator("#panel tbody tr", has_text="Quầy 1")).to_contain_text("A · Hộ tịch, N · Nông nghiệp, K · Tư pháp")
    desk.locator(f'#desk-categories label[data-category-id="{category["id"]}"]').click()
    desk.get_by_role("button", name="Cấp số").click()
    expect(desk.locator("#desk-label")).to_have_text("N001")
    desk.get_by_role("button", name="Quầy", exact=True).click()
    expect(desk.locator("#waiting-list li .ticket-label")).to_have_text(["N001"])
    assert page.errors == [] and desk.errors == [] and kiosk_page.errors == []


def test_center_profile_picks_a_ward_from_the_official_list(server, new_page):
    page = open_admin(server, new_page)
    form = page.locator("#center-form")
    form.get_by_label("Tỉnh, thành phố").select_option(label="Thành phố Hà Nội")
    form.get_by_label("Xã, phường, đặc khu").select_option(label="Phường Hoàn Kiếm")
    form.get_by_label("Tên tiếng Việt").fill("Trung tâm Phục vụ hành chính công phường Hoàn Kiếm")
    form.get_by_label("Địa chỉ").fill("126 Hàng Trống")
    holidays = form.get_by_label("Nghỉ vào các ngày lễ theo quy định")
    expect(holidays).not_to_be_checked()  # the demo center opens every day
    holidays.check()
    form.get_by_role("button", name="Lưu").click()
    expect(page.locator("#status")).to_have_text("Đã lưu.")
    expect(page.locator("#panel")).to_contain_text("Phường Hoàn Kiếm, Thành phố Hà Nội")
    expect(page.locator("#center-name")).to_contain_text("phường Hoàn Kiếm")
    real_browser.screenshot(page, "console", "admin-center")
    assert real_browser.overflow(page) == {"x": 0, "y": 0}
    profile = server.client("admin").get("/api/v1/admin/centers/1").json()["center"]
    assert (profile["ward_name"], profile["province_code"], profile["address"]) == ("Phường Hoàn Kiếm", 1, "126 Hàng Trống")
    assert profile["observe_public_holidays"] is True


def test_devices_staff_and_notices(server, new_page, stream):
    display, _ = stream("display")
    page = open_admin(server, new_page)

    page.get_by_role("tab", name="Thiết bị").click()
    page.locator("#editor").get_by_label("Loại").select_option("kiosk")
    page.locator("#editor").get_by_label("Tên thiết bị").fill("kiosk-sanh-2")
    page.locator("#editor").get_by_role("button", name="Thêm").click()
    token = page.locator("#device-token .token").inner_text().strip()
    real_browser.screenshot(page, "console", "admin-device-token")
    kiosk = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{server.url}/api/v1/centers", headers=kiosk).status_code == 200
    page.locator("#panel tbody tr", has_text="kiosk-sanh-2").get_by_role("button", name="Thu hồi").click()
    expect(page.locator("#panel tbody tr", has_text="kiosk-sanh-2")).to_contain_text("Không")
    expect(page.locator("#device-token")).to_have_count(0)  # shown once, gone after
    assert httpx.get(f"{server.url}/api/v1/centers", headers=kiosk).status_code == 401

    page.get_by_role("tab", name="Cán bộ").click()
    editor = page.locator("#editor")
    editor.get_by_label("Tên đăng nhập").fill("hung.lv")
    editor.get_by_label("Họ và tên").fill("Lê Văn Hùng")
    editor.get_by_label("Mật khẩu (ít nhất 10 ký tự)").fill(PASSWORD)
    editor.get_by_role("button", name="Thêm").click()
    expect(page.locator("#panel tbody tr", has_text="hung.lv")).to_contain_text("Cán bộ tiếp nhận")
    console = new_page()
    sign_in(console, f"{server.url}/console", "hung.lv")
    expect(console.locator("#counter-list button")).to_have_count(6)
    page.locator("#panel tbody tr", has_text="hung.lv").get_by_role("button", name="Sửa").click()
    page.locator("#editor").get_by_label("Đang hoạt động").uncheck()
    page.locator("#editor").get_by_role("button", name="Lưu").click()
    expect(page.locator("#panel tbody tr", has_text="hung.lv")).to_contain_text("Không")
    assert httpx.post(f"{server.url}/api/v1/auth/login", json={"username": "hung.lv", "password": PASSWORD}).status_code == 401

    page.get_by_role("tab", name="Thông báo").click()
    page.locator("#editor").get_by_label("Nội dung tiếng Việt").fill("Chiều thứ Bảy trung tâm nghỉ")
    page.locator("#editor").get_by_label("Nội dung tiếng Anh").fill("Closed on Saturday afternoon")
    page.locator("#editor").get_by_role("button", name="Thêm").click()
    event = next_event(display, "notice.updated")
    display.close()
    assert [(n["text_vi"], n["text_en"]) for n in event["notices"]] == [("Chiều thứ Bảy trung tâm nghỉ", "Closed on Saturday afternoon")]
    real_browser.screenshot(page, "console", "admin-notices")

    audit = [e for e in _audit(server) if e.startswith("admin.")]
    assert audit == ["admin.device.create", "admin.device.revoke", "admin.user.create", "admin.user.update", "admin.notice.create"]
    assert page.errors == [] and console.errors == []


def test_staff_cannot_use_the_admin(server, new_page):
    page = new_page()
    page.goto(f"{server.url}/admin")
    page.get_by_label("Tên đăng nhập").fill(server.add_user("lan"))
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("#signin-error")).to_have_text("Tài khoản này không có quyền quản trị.")
    expect(page.locator("#admin")).to_be_hidden()
    # And the data behind the page refuses a staff member whatever the page does.
    assert server.client("staff").get("/api/v1/admin/centers/1").status_code == 403


def _audit(server) -> list[str]:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from server.db import Database, make_engine
    from server.models import AuditEntry

    engine = make_engine(server.database_url)
    try:
        with Database(engine).read() as session:
            return [e.action for e in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]
    finally:
        engine.dispose()


def test_admin_has_no_serious_accessibility_faults(server, new_page):
    page = open_admin(server, new_page)
    assert real_browser.axe_violations(page) == []
    page.get_by_role("tab", name="Quầy").click()
    expect(page.locator("#counter-add-category")).to_be_visible()
    assert real_browser.axe_violations(page) == []
