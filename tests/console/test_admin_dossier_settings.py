"""The admin sets what dossiers' return dates depend on: the afternoon cut-off, the center's
own days off, the làm bù Saturdays, and how long a closed dossier keeps the name and phone."""

from playwright.sync_api import expect

import browser as real_browser
from console_server import sign_in


def test_dossier_calendar_is_set_on_the_admin_page(server, new_page):
    page = new_page()
    sign_in(page, f"{server.url}/admin", server.add_user("chi", "admin"))
    form = page.locator("#center-form")
    expect(form).to_be_visible()
    saturdays = form.get_by_label("Thứ Bảy làm bù theo quyết định của Chính phủ")
    saturdays.fill("21/08/2026")  # a Friday
    form.get_by_label("Giờ chốt nhận hồ sơ buổi chiều (GG:PP, để trống: không chốt)").fill("16:30")
    form.get_by_role("button", name="Lưu").click()
    error = form.locator('[data-field="working_saturdays"] .field-error')
    expect(error).to_have_text("Thứ Bảy làm bù: ngày 21/08/2026 không phải thứ Bảy")
    expect(saturdays).to_have_attribute("aria-invalid", "true")
    saturdays.fill("22/08/2026")
    form.get_by_label("Ngày nghỉ riêng, không tính vào hạn trả hồ sơ (dd/mm/yyyy, cách nhau dấu phẩy)").fill("2/1/2027, 30/12/2026")
    form.get_by_label("Số ngày giữ họ tên, số điện thoại sau khi trả hồ sơ").fill("14")
    form.get_by_role("button", name="Lưu").click()
    expect(page.locator("#status")).to_have_text("Đã lưu.")
    profile = server.client("admin").get("/api/v1/admin/centers/1").json()["center"]
    assert profile["working_saturdays"] == ["2026-08-22"]
    assert profile["days_off"] == ["2026-12-30", "2027-01-02"]  # kept in order
    assert (profile["afternoon_cutoff"], profile["personal_data_retention_days"]) == ("16:30", 14)
    page.reload()
    expect(page.locator("#center-form").get_by_label("Thứ Bảy làm bù theo quyết định của Chính phủ")).to_have_value("22/08/2026")
    real_browser.screenshot(page, "console", "admin-center-dossiers")
    assert real_browser.axe_violations(page) == []
    assert page.errors == []
