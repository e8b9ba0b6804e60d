"""Dossiers in the console, in Debian's Chromium against a real server: received at the counter
from the ticket in hand (the procedure found without accents, the code typed the way a barcode
scanner types it, Enter included), its due date as the API says it, the appointment slip on the
counter's virtual printer, the server's refusal under its field; and the center's dossiers view:
a dossier moved along its life, a late one with its badge and apology letter, kept live from
the event stream. axe-clean in the dialogs and the view."""

import json
import sys
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

import browser as real_browser
from console_server import ConsoleServer, sign_in
from server_process import free_port

sys.path.insert(0, str(Path(__file__).parent.parent / "printer"))
from virtual_printer import VirtualPrinter  # noqa: E402

A = 1  # the demo's Hộ tịch; counter 1 serves it
WEEKDAYS_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]


def shown_due(iso: str) -> str:
    due = date.fromisoformat(iso)
    return f"{WEEKDAYS_VI[due.weekday()]}, {due:%d/%m/%Y}"


@pytest.fixture
def printer():
    printer = VirtualPrinter().start()
    yield printer
    printer.stop()


@pytest.fixture
def server(tmp_path, printer):
    """The demo center with its dossiers (one late), counter 1 with a printer."""
    printers = {"Quầy 1": {"url": f"{printer.url}?timeout=1", "counters": [1]}}
    proc = ConsoleServer(tmp_path / "dossiers.db", env={"MOTCUA_PRINTERS": json.dumps(printers), "MOTCUA_DEMO_DOSSIERS": "1"})
    proc.prepare().start()
    yield proc
    proc.stop()


def open_console(server: ConsoleServer, new_page, username: str) -> Page:
    page = new_page(1366, 768)
    sign_in(page, f"{server.url}/console", server.add_user(username))
    page.locator('#counter-list button[data-counter-id="1"]').click()
    expect(page.locator("#counter-view")).to_be_visible()
    return page


def pick_procedure(page: Page, typed: str, name: str) -> None:
    search = page.locator("#procedure-search")
    search.fill(typed)
    expect(page.locator("#procedure-list option")).to_have_text([name])
    expect(page.locator("#procedure-list")).to_have_value(page.locator("#procedure-list option").get_attribute("value"))
    search.press("Enter")  # takes it, and moves on to the code
    expect(page.locator("#dossier-code")).to_be_focused()


def test_dossiers_received_at_the_counter_with_their_slips(server, new_page, printer):
    api = server.client("staff")
    label = server.client("kiosk").post("/api/v1/tickets", json={"category_id": A}).json()["label"]
    page = open_console(server, new_page, "thu")
    expect(page.locator("#btn-receive")).to_be_disabled()  # no ticket in hand
    expect(page.locator("#btn-call")).to_be_enabled()
    page.keyboard.press("n")
    expect(page.locator("#in-hand-label")).to_have_text(label)
    expect(page.locator("#btn-receive")).to_be_enabled()
    ticket_id = int(page.locator("#in-hand").get_attribute("data-ticket-id"))

    # The shortcut opens the dialog; the search finds with or without accents, in any case.
    page.keyboard.press("h")
    dialog = page.locator("#receive-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("#receive-title")).to_have_text(f"Tiếp nhận hồ sơ của số {label}")
    expect(page.locator("#procedure-search")).to_be_focused()
    expect(page.locator("#procedure-list option").first).to_be_attached()
    expect(page.locator("#procedure-list")).to_have_value("")  # nothing chosen until picked

    # Scanned first: the code's Enter with no procedure chosen does not submit; it goes there.
    page.locator("#dossier-code").click()
    page.keyboard.type("HS-2026-0001", delay=5)
    page.keyboard.press("Enter")
    expect(page.locator("#procedure-search")).to_be_focused()
    expect(dialog).to_be_visible()
    assert api.get("/api/v1/dossiers", params={"ticket_id": ticket_id}).json() == []

    for typed in ("khai sính", "KHAI SINH"):
        page.locator("#procedure-search").fill(typed)
        expect(page.locator("#procedure-list option")).to_have_text(["Đăng ký khai sinh"])
    expect(dialog).to_contain_text("không bắt buộc")
    real_browser.screenshot(page, "console", "receive-dialog")
    assert real_browser.axe_violations(page) == []

    # Procedure picked without accents, then the scanner: code and Enter submit it.
    pick_procedure(page, "khai sinh", "Đăng ký khai sinh")
    page.locator("#dossier-code").fill("")
    page.keyboard.type("HS-2026-0001", delay=5)
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    rows = page.locator("#ticket-dossier-list li")
    expect(rows).to_have_count(1)
    expect(page.locator("#ticket-dossiers-title")).to_have_text(f"Hồ sơ của số {label}")

    # A second dossier of the same ticket, with the citizen's name and phone.
    page.keyboard.press("h")
    expect(dialog).to_be_visible()
    expect(page.locator("#procedure-list option").first).to_be_attached()
    expect(page.locator("#procedure-list")).to_have_value("")  # the last one is not chosen again
    pick_procedure(page, "ket hon", "Đăng ký kết hôn")
    page.locator("#citizen-name").fill("Nguyễn Thị Hoa")
    page.locator("#citizen-phone").fill("0912 345 678")
    page.locator("#dossier-code").click()
    page.keyboard.type("HS-2026-0002", delay=5)
    page.keyboard.press("Enter")
    expect(dialog).to_be_hidden()
    expect(rows).to_have_count(2)

    received = api.get("/api/v1/dossiers", params={"ticket_id": ticket_id}).json()
    assert {d["code"]: d["procedure_name_vi"] for d in received} == {"HS-2026-0002": "Đăng ký kết hôn", "HS-2026-0001": "Đăng ký khai sinh"}
    assert [d["citizen_phone"] for d in received if d["code"] == "HS-2026-0002"] == ["0912345678"]
    for d in received:
        row = page.locator(f'#ticket-dossier-list li[data-code="{d["code"]}"]')
        expect(row.locator(".procedure")).to_have_text(d["procedure_name_vi"])
        expect(row.locator(".due-date")).to_have_text(shown_due(d["due_date"]))
    real_browser.screenshot(page, "console", "ticket-dossiers")
    assert real_browser.overflow(page) == {"x": 0, "y": 0}

    # The server's refusal under its field: a phone number that is not one.
    page.keyboard.press("h")
    pick_procedure(page, "khai sinh", "Đăng ký khai sinh")
    page.locator("#dossier-code").fill("HS-2026-0003")
    page.locator("#citizen-phone").fill("12345")
    page.get_by_role("button", name="Tiếp nhận", exact=True).click()
    error = page.locator('[data-field="citizen_phone"] .field-error')
    expect(error).to_be_visible()
    expect(error).to_contain_text("điện thoại")
    expect(page.locator("#citizen-phone")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#citizen-phone")).to_be_focused()
    assert real_browser.axe_violations(page) == []
    page.locator("#citizen-phone").fill("")  # editing clears it; without the phone it goes in
    expect(error).to_have_count(0)
    page.get_by_role("button", name="Tiếp nhận", exact=True).click()
    expect(dialog).to_be_hidden()
    expect(rows).to_have_count(3)

    # The appointment slip on the counter's printer; the PDF beside it.
    first = page.locator('#ticket-dossier-list li[data-code="HS-2026-0001"]')
    first.get_by_role("button", name="In phiếu hẹn").click()
    expect(page.locator("#slip-message")).to_have_text("Đã gửi phiếu hẹn HS-2026-0001 tới máy in của quầy.")
    printer.wait_for(lambda p: len(p.printed()) == 1)
    pdf = page.request.get(server.url + first.locator("a.pdf").get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:5] == b"%PDF-"

    # Done: the citizen may still hand in a dossier; the list stays until the next ticket.
    page.keyboard.press("d")
    expect(page.locator("#in-hand-label")).to_have_text("—")
    expect(rows).to_have_count(3)
    expect(page.locator("#btn-receive")).to_be_enabled()
    assert page.errors == []


def test_the_no_printer_answer_offers_the_pdf(tmp_path, new_page):
    server = ConsoleServer(tmp_path / "noprinter.db").start()
    try:
        server.client("kiosk").post("/api/v1/tickets", json={"category_id": A})
        page = open_console(server, new_page, "lan")
        page.keyboard.press("n")
        expect(page.locator("#btn-receive")).to_be_enabled()
        page.locator("#btn-receive").click()
        pick_procedure(page, "khai tu", "Đăng ký khai tử")
        page.keyboard.type("KT-0001", delay=5)
        page.keyboard.press("Enter")
        row = page.locator('#ticket-dossier-list li[data-code="KT-0001"]')
        row.get_by_role("button", name="In phiếu hẹn").click()
        message = page.locator("#slip-message")
        expect(message).to_contain_text("Quầy 1 không có máy in.")
        link = message.get_by_role("link", name="Mở phiếu hẹn dạng PDF để in ở máy khác")
        assert page.request.get(server.url + link.get_attribute("href")).body()[:5] == b"%PDF-"
        assert page.errors == []
    finally:
        server.stop()


def test_the_dossiers_view_moves_a_dossier_along_and_marks_the_late_one(server, new_page):
    api = server.client("staff")
    page = open_console(server, new_page, "minh")
    page.locator("#mode-dossiers").click()
    expect(page.locator("#dossiers-view")).to_be_visible()
    expect(page.locator("#mode-dossiers")).to_have_attribute("aria-pressed", "true")
    everything = api.get("/api/v1/dossiers").json()
    open_codes = [d["code"] for d in everything if d["state"] not in ("returned", "rejected")]
    items = page.locator("#dossiers-list > li")
    expect(items).to_have_count(len(open_codes))
    assert [items.nth(i).get_attribute("data-code") for i in range(len(open_codes))] == open_codes  # newest first

    # The late one: its badge, its apology letter.
    [late] = [d for d in everything if d["late"]]
    late_row = page.locator(f'#dossiers-list li[data-code="{late["code"]}"]')
    expect(late_row.locator(".badge.late")).to_have_text("Trễ hạn")
    expect(page.locator("#dossiers-list .badge.late")).to_have_count(1)
    page.locator("#dossier-q").fill("hoang van em")  # the name without accents: the server finds it
    expect(items).to_have_count(1)
    expect(items.first).to_have_attribute("data-code", late["code"])
    page.locator("#dossier-q").fill("")
    page.locator("#dossier-late").check()
    expect(items).to_have_count(1)
    real_browser.screenshot(page, "console", "dossiers-late")
    with page.context.expect_page() as opened:
        late_row.get_by_role("link", name="Thư xin lỗi").click()
    letter = opened.value
    expect(letter.locator("h1")).to_have_text("THƯ XIN LỖI")
    expect(letter.locator("#code")).to_have_text(late["code"])
    letter.close()
    page.locator("#dossier-late").uncheck()
    expect(items).to_have_count(len(open_codes))

    # A received dossier along its life: processing, needs_more (what is missing), processing,
    # ready, returned (then it leaves the open list).
    fresh = next(d for d in everything if d["state"] == "received")  # the newest of the demo's three
    row = page.locator(f'#dossiers-list li[data-code="{fresh["code"]}"]')

    def step(state: str) -> None:
        row.locator(f'button[data-step="{state}"]').click()
        expect(row).to_have_attribute("data-state", state)
        expect(row.locator(":focus")).to_have_count(1)  # redrawn, the keyboard stays on it

    step("processing")
    expect(row.locator(".badge.state")).to_have_text("Đang giải quyết")
    row.locator('button[data-step="needs_more"]').click()
    asked = page.locator("#step-dialog")
    expect(asked).to_be_visible()
    page.get_by_role("button", name="Xác nhận").click()  # nothing said: refused under the field
    expect(asked.locator(".field-error")).to_have_text("Hãy ghi rõ nội dung.")
    assert real_browser.axe_violations(page) == []
    page.get_by_label("Giấy tờ cần bổ sung").fill("Bản sao căn cước công dân")
    page.get_by_role("button", name="Xác nhận").click()
    expect(asked).to_be_hidden()
    expect(row).to_have_attribute("data-state", "needs_more")
    expect(row.locator(".words")).to_have_text("Bản sao căn cước công dân")
    expect(row.locator("button[data-step]")).to_have_count(3)  # processing, ready, rejected
    step("processing")
    step("ready")
    expect(row.locator("button[data-step]")).to_have_count(1)
    real_browser.screenshot(page, "console", "dossiers-view")
    assert real_browser.axe_violations(page) == []
    assert real_browser.overflow(page) == {"x": 0, "y": 0}
    row.locator('button[data-step="returned"]').click()
    expect(row).to_have_count(0)  # returned: no longer open
    audited = [e["action"] for e in server.client("admin").get("/api/v1/centers/1/audit").json() if e["action"].startswith("dossier.")]
    for action in ("dossier.processing", "dossier.needs_more", "dossier.ready", "dossier.returned"):
        assert action in audited
    assert api.get(f"/api/v1/dossiers/{fresh['id']}").json()["state"] == "returned"

    # Another officer's change comes live on the stream, without reloading.
    ready = next(d for d in everything if d["state"] == "ready")
    assert page.locator(f'#dossiers-list li[data-code="{ready["code"]}"]').count() == 1
    assert api.post(f"/api/v1/dossiers/{ready['id']}/state", json={"state": "returned"}).status_code == 200
    expect(page.locator(f'#dossiers-list li[data-code="{ready["code"]}"]')).to_have_count(0)
    assert page.errors == []
