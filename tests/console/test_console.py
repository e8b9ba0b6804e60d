"""The counter console in Debian's Chromium against a real server: sign in, call, serve,
transfer, pause, and what other counters do arriving live."""

import threading
from concurrent.futures import ThreadPoolExecutor

from playwright.sync_api import expect

import browser as real_browser
from console_server import sign_in

A, B = 1, 2  # the demo's categories Hộ tịch (A) and Chứng thực (B); counters 1 and 2 serve A


def waiting_labels(page):
    return page.locator("#waiting-list li .ticket-label")


KEY_BUTTON = {"n": "#btn-call", "r": "#btn-recall", "s": "#btn-start", "d": "#btn-done", "v": "#btn-noshow", "t": "#btn-transfer", "p": "#btn-pause"}


def press(page, key: str) -> None:
    """A shortcut key, once its button is enabled (as a person waits for the button: the
    event of the last change can arrive before that change's answer re-enables the buttons)."""
    expect(page.locator(KEY_BUTTON[key])).to_be_enabled()
    page.keyboard.press(key)


def test_sign_in_call_next_serve_and_the_ticket_leaves_the_waiting_list(server, new_page, tmp_path):
    kiosk = server.client("kiosk")
    first = kiosk.post("/api/v1/tickets", json={"category_id": A}).json()["label"]
    second = kiosk.post("/api/v1/tickets", json={"category_id": A, "priority_group": None}).json()["label"]
    page = new_page()
    page.goto(f"{server.url}/console")
    page.get_by_label("Tên đăng nhập").fill(server.add_user("lan"))
    page.get_by_label("Mật khẩu").fill("wrong password")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("#signin-error")).to_have_text("Sai tên đăng nhập hoặc mật khẩu.")
    sign_in(page, f"{server.url}/console", "lan")
    page.locator('#counter-list button[data-counter-id="1"]').click()
    expect(waiting_labels(page)).to_have_text([first, second])
    expect(page.locator("#in-hand-label")).to_have_text("—")
    real_browser.screenshot(page, "console", "counter-empty-hand")

    page.get_by_role("button", name="Gọi số tiếp theo").click()
    expect(page.locator("#in-hand-label")).to_have_text(first)
    expect(waiting_labels(page)).to_have_text([second])
    expect(page.locator("#in-hand-elapsed")).to_contain_text("Đã gọi")
    expect(page.locator("#btn-call")).to_be_disabled()
    real_browser.screenshot(page, "console", "counter-called")
    assert real_browser.overflow(page) == {"x": 0, "y": 0}

    press(page, "s")  # start serving
    expect(page.locator("#in-hand-elapsed")).to_contain_text("Đang phục vụ")
    expect(page.locator("#btn-recall")).to_be_disabled()
    press(page, "d")  # done
    expect(page.locator("#in-hand-label")).to_have_text("—")
    press(page, "n")  # the next one
    expect(page.locator("#in-hand-label")).to_have_text(second)
    expect(page.locator("#waiting-empty")).to_be_visible()
    press(page, "v")  # no-show
    expect(page.locator("#in-hand-label")).to_have_text("—")

    tickets = {t["label"]: t for t in server.client("staff").get("/api/v1/centers/1/queue").json()["tickets"]}
    assert first not in tickets and second not in tickets  # done and no-show are no longer active
    assert page.errors == []


def test_a_second_console_updates_live(server, console):
    kiosk = server.client("kiosk")
    labels = [kiosk.post("/api/v1/tickets", json={"category_id": A}).json()["label"] for _ in range(3)]
    one = console("lan", 1)
    two = console("minh", 2)
    expect(waiting_labels(two)).to_have_text(labels)

    one.get_by_role("button", name="Gọi số tiếp theo").click()
    expect(one.locator("#in-hand-label")).to_have_text(labels[0])
    expect(waiting_labels(two)).to_have_text(labels[1:])  # no reload: the event moved it

    late = kiosk.post("/api/v1/tickets", json={"category_id": A}).json()["label"]
    expect(waiting_labels(one)).to_have_text(labels[1:] + [late])
    expect(waiting_labels(two)).to_have_text(labels[1:] + [late])
    real_browser.screenshot(two, "console", "second-console-live")
    assert one.errors == [] and two.errors == []


def test_two_consoles_pressing_call_next_together_get_different_tickets(server, console):
    kiosk = server.client("kiosk")
    labels = {kiosk.post("/api/v1/tickets", json={"category_id": A}).json()["label"] for _ in range(2)}
    one = console("lan", 1)
    two = console("minh", 2)
    expect(waiting_labels(one)).to_have_count(2)
    expect(waiting_labels(two)).to_have_count(2)
    # Playwright's click returns once the click is dispatched, before the page's request
    # completes: both requests are in flight together.
    one.locator("#btn-call").click()
    two.locator("#btn-call").click()
    expect(one.locator("#in-hand-label")).not_to_have_text("—")
    expect(two.locator("#in-hand-label")).not_to_have_text("—")
    got = {one.locator("#in-hand-label").inner_text(), two.locator("#in-hand-label").inner_text()}
    assert got == labels
    expect(waiting_labels(one)).to_have_count(0)


def test_many_counters_calling_at_once_over_http_never_share_a_ticket(server):
    """Counters 1 and 2 both serve A; 3 serves B and 5 serves C: six staff call at once until
    the queue is empty. Every ticket is called exactly once."""
    kiosk = server.client("kiosk")
    issued = [kiosk.post("/api/v1/tickets", json={"category_id": A}).json()["id"] for _ in range(25)]
    clients = [server.client("staff") for _ in range(2)]
    start = threading.Barrier(len(clients))

    def work(client, counter_id):  # type: ignore[no-untyped-def]
        called = []
        start.wait()
        while True:
            r = client.post(f"/api/v1/counters/{counter_id}/call-next")
            if r.status_code == 409 and r.json()["code"] == "queue_empty":
                return called
            assert r.status_code == 200, r.text
            called.append(r.json()["id"])
            assert client.post(f"/api/v1/tickets/{r.json()['id']}/complete").status_code == 200

    with ThreadPoolExecutor(len(clients)) as pool:
        results = list(pool.map(work, clients, [1, 2]))
    every = results[0] + results[1]
    assert sorted(every) == sorted(issued)  # each once, none twice
    assert results[0] and results[1]  # both counters really worked


def test_transfer_with_a_note_and_pause_resume(server, console):
    kiosk = server.client("kiosk")
    label = kiosk.post("/api/v1/tickets", json={"category_id": A}).json()["label"]
    page = console("lan", 1)
    receiving = console("hoa", 3)  # counter 3 serves B, L, M
    press(page, "n")
    expect(page.locator("#in-hand-label")).to_have_text(label)
    press(page, "t")
    dialog = page.locator("#transfer-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Sang lĩnh vực").select_option(label="B · Chứng thực")
    dialog.get_by_label("Ghi chú cho quầy nhận").fill("cần chứng thực bản sao")
    real_browser.screenshot(page, "console", "transfer-dialog")
    dialog.get_by_role("button", name="Chuyển").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#in-hand-label")).to_have_text("—")
    expect(waiting_labels(receiving)).to_have_text([label])  # live, on counter 3
    leg = [t for t in server.client("staff").get("/api/v1/centers/1/queue").json()["tickets"] if t["label"] == label]
    assert [(t["category_id"], t["note"], t["state"]) for t in leg] == [(B, "cần chứng thực bản sao", "waiting")]

    press(page, "p")  # pausing asks why
    pause = page.locator("#pause-dialog")
    pause.get_by_label("Họp").check()
    pause.get_by_role("button", name="Tạm dừng").click()
    expect(pause).to_be_hidden()
    expect(page.locator("#counter-paused")).to_have_text("Quầy đang tạm dừng (Họp): không gọi số mới.")
    expect(page.locator("#btn-call")).to_be_disabled()
    expect(page.locator("#pause-text")).to_have_text("Tiếp tục")
    counter = server.client("staff").get("/api/v1/counters/1").json()
    assert (counter["state"], counter["pause_reason"]) == ("paused", "meeting")
    press(page, "p")
    expect(page.locator("#counter-paused")).to_be_hidden()
    expect(page.locator("#btn-call")).to_be_enabled()
    assert page.errors == [] and receiving.errors == []


def test_english_and_back(server, console):
    page = console("lan", 1)
    page.get_by_role("button", name="English").click()
    expect(page.locator("#btn-call")).to_contain_text("Call next")
    expect(page.locator("#waiting-empty")).to_have_text("Nobody is waiting.")
    page.get_by_role("button", name="Tiếng Việt").click()
    expect(page.locator("#btn-call")).to_contain_text("Gọi số tiếp theo")


def test_console_and_desk_have_no_serious_accessibility_faults(server, console):
    page = console("lan", 1)
    assert real_browser.axe_violations(page) == []
    page.get_by_role("button", name="Bàn tiếp đón").click()
    expect(page.locator("#desk-categories label")).to_have_count(10)
    assert real_browser.axe_violations(page) == []
