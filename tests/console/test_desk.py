"""The entrance desk: a staff member issues a ticket for a citizen from the console."""

from playwright.sync_api import expect

import browser as real_browser


def test_the_desk_issues_a_priority_ticket_with_a_note_and_counters_see_it(server, console):
    desk = console("thu", 1)
    counter = console("lan", 2)  # counter 2 serves A and B
    desk.get_by_role("button", name="Bàn tiếp đón").click()
    expect(desk.locator("#desk-view")).to_be_visible()
    desk.locator('#desk-categories label[data-category-id="2"]').click()  # B · Chứng thực
    desk.get_by_label("Người cao tuổi").check()
    desk.get_by_label("Ghi chú ngắn").fill("đi xe lăn")
    desk.get_by_role("button", name="Cấp số").click()
    expect(desk.locator("#desk-label")).to_have_text("B001")
    expect(desk.locator("#desk-info")).to_contain_text("Chứng thực · 0 người phía trước")
    real_browser.screenshot(desk, "console", "desk-issued")
    assert real_browser.overflow(desk) == {"x": 0, "y": 0}

    expect(counter.locator("#waiting-list li .ticket-label")).to_have_text(["B001"])
    expect(counter.locator("#waiting-list li")).to_contain_text("Người cao tuổi")
    [ticket] = server.client("staff").get("/api/v1/centers/1/queue").json()["tickets"]
    assert (ticket["source"], ticket["priority_group"], ticket["note"]) == ("desk", "elderly", "đi xe lăn")

    desk.get_by_role("button", name="Cấp số").click()  # a second citizen, same category, no priority
    expect(desk.locator("#desk-label")).to_have_text("B002")
    expect(desk.get_by_label("Không ưu tiên")).to_be_checked()
    assert desk.errors == [] and counter.errors == []


def test_a_desk_printer_that_fails_shows_as_a_fault_on_the_console(tmp_path, new_page):
    """A real print job to a printer address where nothing listens: the console lists the
    unprinted ticket with its reason (the printer named by its place) and keeps the fault in
    its history; a reprint click joins the waiting job; when the printer is switched on, the
    ticket prints once and leaves the list."""
    import sys
    from pathlib import Path

    from console_server import ConsoleServer, sign_in
    from server_process import free_port

    sys.path.insert(0, str(Path(__file__).parent.parent / "printer"))
    from virtual_printer import VirtualPrinter

    port = free_port()
    printers = '{"desk": {"url": "tcp://127.0.0.1:%d?timeout=1"}}' % port
    server = ConsoleServer(tmp_path / "p.db", env={"MOTCUA_PRINTERS": printers, "MOTCUA_PRINT_RETRY_MAX_SECONDS": "1"})
    server.start()
    printer = None
    try:
        page = new_page()
        sign_in(page, f"{server.url}/console", server.add_user("thu"))
        page.locator('#counter-list button[data-counter-id="1"]').click()
        expect(page.locator("#print-none")).to_be_visible()
        page.get_by_role("button", name="Bàn tiếp đón").click()
        page.locator('#desk-categories label[data-category-id="1"]').click()
        page.get_by_role("button", name="Cấp số").click()
        expect(page.locator("#desk-label")).to_have_text("A001")
        page.get_by_role("button", name="Quầy", exact=True).click()
        row = page.locator("#print-unprinted li")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("A001 · Bàn tiếp đón · máy in lỗi")
        expect(row).to_contain_text("Không kết nối được máy in bàn tiếp đón.")
        expect(page.locator("#print-history li").first).to_contain_text("Bàn tiếp đón (A001): Không kết nối được máy in")
        expect(page.locator("#print-none")).to_be_hidden()
        real_browser.screenshot(page, "console", "printer-fault")
        row.get_by_role("button", name="In lại").click()
        row.get_by_role("button", name="In lại").click()
        expect(row).to_have_count(1)  # one job, however many clicks
        printer = VirtualPrinter(port=port).start()
        expect(page.locator("#print-none")).to_be_visible(timeout=30_000)
        printer.wait_for(lambda p: len(p.printed()) == 1)
        assert len(printer.printed()) == 1
        assert page.locator("#print-history li").count() >= 1  # the history stays
        assert page.errors == []
    finally:
        if printer is not None:
            printer.stop()
        server.stop()
