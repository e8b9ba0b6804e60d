"""The admin page in Debian's Chromium against a real server: what the admin sets up reaches
kiosks, displays and consoles live."""

import json
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import expect
from websockets.sync.client import connect

import browser as real_browser
from console_server import PASSWORD, sign_in
from server import protocol
from server.collation import vi_key


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
    # Retired and revoked rows (grey), the pictogram picker, a refusal under its field.
    row(page, "Quầy 6").get_by_role("button", name="Ngừng sử dụng").click()
    expect(row(page, "Quầy 6")).to_have_class("off")
    row(page, "Quầy 5").get_by_role("button", name="Sửa").click()
    page.locator("#counter-links input").first.fill("11")
    page.locator("#editor").get_by_role("button", name="Lưu").click()
    expect(page.locator("#error-categories")).to_be_visible()
    assert real_browser.axe_violations(page) == []
    page.get_by_role("tab", name="Lĩnh vực").click()
    row(page, "Tư pháp").get_by_role("button", name="Sửa").click()
    expect(page.locator("#pictogram-picker")).to_be_visible()
    assert real_browser.axe_violations(page) == []
    page.get_by_role("tab", name="Thiết bị").click()
    row(page, "Màn hình phòng chờ").get_by_role("button", name="Thu hồi").click()
    expect(row(page, "Màn hình phòng chờ")).to_have_class("off")
    assert real_browser.axe_violations(page) == []


def row(page, text: str):  # type: ignore[no-untyped-def]
    return page.locator("#panel tbody tr", has_text=text)


def test_a_device_may_have_a_vietnamese_name(server, new_page):
    page = open_admin(server, new_page)
    page.get_by_role("tab", name="Thiết bị").click()
    editor = page.locator("#editor")
    editor.get_by_label("Loại").select_option("kiosk")
    editor.get_by_label("Tên thiết bị").fill("Kiosk sảnh phụ tầng 2")
    editor.get_by_role("button", name="Thêm").click()
    expect(page.locator("#device-token")).to_contain_text("Kiosk sảnh phụ tầng 2")
    token = page.locator("#device-token .token").inner_text().strip()
    assert httpx.get(f"{server.url}/api/v1/centers", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    expect(row(page, "Kiosk sảnh phụ tầng 2")).to_contain_text("Ki-ốt lấy số")
    # A refusal is said under the field, in Vietnamese, and goes once the field is edited.
    editor.get_by_label("Tên thiết bị").fill("   ")
    editor.get_by_role("button", name="Thêm").click()
    expect(page.locator("#error-name")).to_have_text("Tên thiết bị: không được để trống")
    expect(editor.get_by_label("Tên thiết bị")).to_have_attribute("aria-invalid", "true")
    editor.get_by_label("Tên thiết bị").fill("Kiosk")
    expect(page.locator("#error-name")).to_have_count(0)
    assert page.errors == []


def test_bad_opening_hours_say_which_field_and_why(server, new_page):
    page = open_admin(server, new_page)
    page.get_by_role("tab", name="Lĩnh vực").click()
    editor = page.locator("#editor")
    editor.get_by_label("Chữ cái").fill("n1")
    editor.get_by_label("Tên tiếng Việt").fill("Nông nghiệp")
    editor.get_by_label("Tên tiếng Anh").fill("Agriculture")
    editor.get_by_label("Giờ tiếp nhận").fill("11:00-08:00")
    editor.get_by_role("button", name="Thêm").click()
    expect(page.locator("#error-sessions")).to_have_text("Giờ tiếp nhận: ca 11:00-08:00 phải bắt đầu trước giờ kết thúc")
    expect(page.locator("#error-prefix")).to_have_text("Chữ cái: phải là một hoặc hai chữ cái in hoa từ A đến Z (vd. A, HT)")
    expect(page.locator("#error")).to_contain_text("Giờ tiếp nhận: ca 11:00-08:00")
    expect(page.locator("#error")).not_to_contain_text("(sessions)")
    real_browser.screenshot(page, "console", "admin-field-errors")
    editor.get_by_label("Chữ cái").fill("A")  # taken: a conflict, said under the field too
    editor.get_by_label("Giờ tiếp nhận").fill("07:30-11:30, 13:30-17:00")
    editor.get_by_role("button", name="Thêm").click()
    expect(page.locator("#error-prefix")).to_have_text("Chữ cái A đã dùng cho lĩnh vực khác.")
    expect(page.locator("#error-sessions")).to_have_count(0)
    assert page.errors == []


def test_retiring_a_category_takes_its_tile_off_the_kiosk_live(server, new_page, console):
    kiosk = new_page(1080, 1920)
    kiosk.goto(f"{server.url}/kiosk?token={server.token('kiosk')}")
    expect(kiosk.locator(".tile")).to_have_count(10)
    desk = console("thu", 1)
    desk.get_by_role("button", name="Bàn tiếp đón").click()
    expect(desk.locator("#desk-categories label")).to_have_count(10)
    k = next(c for c in server.client("kiosk").get("/api/v1/centers/1/categories").json() if c["prefix"] == "K")
    waiting = server.client("kiosk").post("/api/v1/tickets", json={"category_id": k["id"]})
    assert waiting.status_code == 201, waiting.text

    page = open_admin(server, new_page)
    page.get_by_role("tab", name="Lĩnh vực").click()
    # A citizen waits for it: refused, saying how many.
    row(page, "Tư pháp").get_by_role("button", name="Ngừng sử dụng").click()
    expect(page.locator("#error")).to_contain_text("Lĩnh vực Tư pháp còn 1 số đang chờ hoặc đang phục vụ hôm nay")
    staff = server.client("staff")
    assert staff.post(f"/api/v1/tickets/{waiting.json()['id']}/cancel").status_code == 200

    row(page, "Tư pháp").get_by_role("button", name="Ngừng sử dụng").click()
    expect(page.locator("#status")).to_have_text("Đã ngừng sử dụng K · Tư pháp.")
    expect(row(page, "Tư pháp")).to_have_class("off")
    expect(row(page, "Tư pháp")).to_contain_text("Đã ngừng")
    expect(kiosk.locator(".tile")).to_have_count(9)  # live: no grey tile, no tile at all
    expect(kiosk.locator(f'.tile[data-category-id="{k["id"]}"]')).to_have_count(0)
    expect(desk.locator("#desk-categories label")).to_have_count(9)
    kiosk.reload()
    expect(kiosk.locator(".tile")).to_have_count(9)
    real_browser.screenshot(page, "console", "admin-category-retired")

    row(page, "Tư pháp").get_by_role("button", name="Dùng lại").click()
    expect(page.locator("#status")).to_have_text("Đã dùng lại K · Tư pháp.")
    expect(kiosk.locator(".tile")).to_have_count(10)
    assert page.errors == [] and kiosk.errors == [] and desk.errors == []


def test_retiring_a_counter_takes_it_off_the_display_and_the_counter_picker(server, new_page, stream):
    display, snapshot = stream("display")
    assert 6 in [c["number"] for c in snapshot["counters"]]
    page = open_admin(server, new_page)
    page.get_by_role("tab", name="Quầy").click()
    expect(row(page, "Quầy 6")).to_contain_text("Đang mở")  # its state in Vietnamese, not "open"
    expect(page.locator("#panel tbody")).not_to_contain_text("open")
    row(page, "Quầy 6").get_by_role("button", name="Ngừng sử dụng").click()
    expect(page.locator("#status")).to_have_text("Đã ngừng sử dụng Quầy 6.")
    event = next_event(display, "counter.updated")
    display.close()
    state = protocol.QueueState.from_snapshot(protocol.Snapshot.model_validate(snapshot))
    state.seq = event["seq"] - 1
    assert state.apply(protocol.EventOut.model_validate(event))
    assert 6 not in [c.number for c in state.counters.values()]  # what the wall display draws from
    officer = new_page()
    sign_in(officer, f"{server.url}/console", server.add_user("hoa"))
    expect(officer.locator("#counter-list button")).to_have_count(5)
    expect(officer.locator("#counter-list")).not_to_contain_text("Quầy 6")
    assert page.errors == [] and officer.errors == []


def test_counter_weights_are_edited_on_the_admin_page(server, new_page):
    page = open_admin(server, new_page)
    page.get_by_role("tab", name="Quầy").click()
    row(page, "Quầy 1").get_by_role("button", name="Sửa").click()
    weight = page.get_by_label("Trọng số của K · Tư pháp")
    expect(weight).to_have_value("1")
    weight.fill("11")
    page.locator("#editor").get_by_role("button", name="Lưu").click()
    expect(page.locator("#error-categories")).to_have_text("Trọng số (mục 2): không được quá 10")
    weight.fill("3")
    page.locator("#editor").get_by_role("button", name="Lưu").click()
    expect(row(page, "Quầy 1")).to_contain_text("A · Hộ tịch, K · Tư pháp ×3")
    counter = next(c for c in server.client("admin").get("/api/v1/admin/centers/1").json()["counters"] if c["number"] == 1)
    assert [link["weight"] for link in sorted(counter["categories"], key=lambda x: x["position"])] == [1, 3]
    assert page.errors == []


def test_a_pictogram_is_picked_from_those_the_kiosk_has(server, new_page):
    page = open_admin(server, new_page)
    page.get_by_role("tab", name="Lĩnh vực").click()
    row(page, "Tư pháp").get_by_role("button", name="Sửa").click()
    picker = page.locator("#pictogram-picker")
    files = sorted(p.stem for p in (Path(__file__).parents[2] / "kiosk" / "static" / "pictograms").glob("*.svg"))
    expect(picker.get_by_role("radio")).to_have_count(len(files) + 1)  # and "none"
    expect(picker.get_by_role("radio", name="Cán cân")).to_be_checked()
    page.wait_for_function("() => [...document.querySelectorAll('#pictogram-picker img')].every((i) => i.complete && i.naturalWidth > 0)")
    picker.get_by_text("Con dấu").click()
    page.locator("#editor").get_by_role("button", name="Lưu").click()
    expect(row(page, "Tư pháp")).to_contain_text("Con dấu")
    category = next(c for c in server.client("admin").get("/api/v1/admin/centers/1").json()["categories"] if c["prefix"] == "K")
    assert category["pictogram"] == "stamp"
    kiosk = new_page(1080, 1920)
    kiosk.goto(f"{server.url}/kiosk?token={server.token('kiosk')}")
    expect(kiosk.locator(f'.tile[data-category-id="{category["id"]}"] img')).to_have_attribute("src", "/kiosk/static/pictograms/stamp.svg")
    assert page.errors == []


def test_wards_in_vietnamese_order_found_with_or_without_diacritics(server, new_page):
    page = open_admin(server, new_page)
    form = page.locator("#center-form")
    form.get_by_label("Tỉnh, thành phố").select_option(label="Thành phố Hà Nội")
    ward = form.get_by_label("Xã, phường, đặc khu")
    expect(ward.locator("option")).to_have_count(127)  # "—" and Hà Nội's 126
    names = ward.locator("option").all_inner_texts()[1:]
    assert names == sorted(names, key=vi_key)  # the server's order and the page's agree
    assert names == page.evaluate("(names) => [...names].sort(new Intl.Collator('vi').compare)", names)
    starts = [n.removeprefix("Phường ")[0] for n in names if n.startswith("Phường ")]
    assert starts.index("Đ") > len(starts) - 1 - starts[::-1].index("D")  # Đ after every D
    assert starts.index("Đ") < starts.index("G")  # and before E, G ... (not after Y)
    search = form.get_by_label("Tìm xã, phường")
    search.fill("dong da")  # no diacritics
    expect(ward.locator("option")).to_have_text(["—", "Phường Đống Đa"])
    expect(ward).to_have_value(str(next(w["code"] for w in server.client("admin").get("/api/v1/admin/divisions/1").json() if w["name"] == "Phường Đống Đa")))
    search.fill("Hoàn Kiếm")  # with them; the ward chosen stays a choice
    expect(ward.locator("option")).to_have_text(["—", "Phường Đống Đa", "Phường Hoàn Kiếm"])
    expect(ward.locator("option:checked")).to_have_text("Phường Hoàn Kiếm")
    form.get_by_role("button", name="Lưu").click()
    expect(page.locator("#panel")).to_contain_text("Phường Hoàn Kiếm, Thành phố Hà Nội")
    page.get_by_role("tab", name="Thủ tục").click()
    page.get_by_label("Tìm trong danh sách").fill("chung thuc")
    expect(page.locator("#panel tbody tr:visible")).to_have_count(2)
    expect(page.locator("#panel tbody tr:visible").first).to_contain_text("Chứng thực")
    assert page.errors == []


def test_saved_goes_on_the_next_edit_and_after_a_while(server, new_page):
    page = new_page()
    page.clock.install()
    sign_in(page, f"{server.url}/admin", server.add_user("chi", "admin"))
    form = page.locator("#center-form")
    expect(form).to_be_visible()
    # From here the page's time moves only when the test moves it.
    page.clock.pause_at(datetime.fromtimestamp(page.evaluate("Date.now()") / 1000 + 1, UTC))
    form.get_by_role("button", name="Lưu").click()
    expect(page.locator("#status")).to_have_text("Đã lưu.")
    form.get_by_label("Địa chỉ").fill("Số 2 đường Trung tâm")  # an edit: the old "saved" goes
    expect(page.locator("#status")).to_be_hidden()
    form.get_by_role("button", name="Lưu").click()
    expect(page.locator("#status")).to_be_visible()
    page.clock.run_for(4000)
    expect(page.locator("#status")).to_be_visible()
    page.clock.run_for(1500)
    expect(page.locator("#status")).to_be_hidden()
    assert page.errors == []


def test_staff_mute_the_displays_and_see_which_are_connected(server, new_page, stream):
    display, _ = stream("display")
    page = open_admin(server, new_page)
    page.get_by_role("tab", name="Thiết bị").click()
    expect(row(page, "display-1")).to_contain_text("Đang kết nối (1)")
    expect(row(page, "Kiosk sảnh chính")).to_contain_text("Chưa kết nối")
    sound = page.locator("#sound-form")
    digits = sound.get_by_label("Đọc số vé từng chữ số (A015: “A không một năm”)")
    expect(digits).not_to_be_checked()
    sound.get_by_label("Tắt tiếng").check()
    sound.get_by_label("Âm lượng (%)").fill("40")
    digits.check()
    sound.get_by_role("button", name="Áp dụng").click()
    event = next_event(display, "display.sound")
    assert (event["center"]["display_muted"], event["center"]["display_volume"]) == (True, 40)
    assert event["center"]["display_ticket_digits"] is True
    expect(page.locator("#status")).to_have_text("Đã lưu.")
    expect(page.locator("#sound-form").get_by_label("Tắt tiếng")).to_be_checked()
    expect(page.locator("#sound-form").get_by_label("Đọc số vé từng chữ số (A015: “A không một năm”)")).to_be_checked()
    assert "admin.display.sound" in _audit(server)


def test_a_province_account_makes_a_center_of_its_province_and_switches_to_it(server, new_page):
    with server.client("province") as province:  # the demo center is put in Phú Thọ (code 25)
        assert [c["code"] for c in province.get("/api/v1/centers").json()] == ["DEMO"]
    page = new_page()
    sign_in(page, f"{server.url}/admin", server.add_user("tinh", "province", province_code=25))
    expect(page.locator("#center-form")).to_be_visible()
    expect(page.locator("#center-pick option")).to_have_count(1)
    page.get_by_role("tab", name="Trung tâm mới").click()
    form = page.locator("#new-center-form")
    expect(form.locator("#new-center-province option")).to_have_text(["Phú Thọ"])  # its own province only
    form.get_by_label("Mã trung tâm").fill("AUCO")
    form.get_by_label("Tên tiếng Việt").fill("Phường Âu Cơ")
    form.get_by_label("Tên tiếng Anh").fill("Au Co Ward")
    form.get_by_label("Xã, phường").select_option(label="Phường Âu Cơ")
    form.get_by_role("button", name="Tạo trung tâm").click()
    expect(page.locator("#center-form")).to_be_visible()  # on to setting it up
    expect(page.locator("#center-name")).to_contain_text("Phường Âu Cơ")
    expect(page.locator("#center-pick option")).to_have_count(2)
    page.get_by_role("tab", name="Trung tâm mới").click()
    page.locator("#new-center-form").get_by_label("Mã trung tâm").fill("AUCO")
    page.locator("#new-center-form").get_by_label("Tên tiếng Việt").fill("Lặp")
    page.locator("#new-center-form").get_by_label("Tên tiếng Anh").fill("Again")
    page.locator("#new-center-form").get_by_label("Xã, phường").select_option(label="Phường Âu Cơ")
    page.locator("#new-center-form").get_by_role("button", name="Tạo trung tâm").click()
    expect(page.locator("#error")).to_contain_text("AUCO")  # the code is taken, said under its field too
    expect(page.locator('#new-center-form [data-field="code"]')).to_contain_text("đã được dùng")
    assert page.errors == []
    center_admin = new_page()
    sign_in(center_admin, f"{server.url}/admin", server.add_user("chi", "admin"))
    expect(center_admin.locator("#center-form")).to_be_visible()
    expect(center_admin.get_by_role("tab", name="Trung tâm mới")).to_be_hidden()
    expect(center_admin.locator("#center-pick-label")).to_be_hidden()
