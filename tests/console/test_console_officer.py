"""The console as two officers and a long morning see it, in Debian's Chromium against a real
server: one officer per counter (taken over only when asked, the first told live), the
waiting list in call order with priority, transfers and notes marked, a number called or
cancelled, a pause with its reason, the recall count, messages that belong to one action,
an outage said in Vietnamese, and no serious accessibility fault in any of these states."""

import re

import httpx
from playwright.sync_api import expect

import browser as real_browser
from console_server import sign_in
from server_process import poll

A, C = 1, 3  # the demo's categories Hộ tịch (A) and Đất đai (C); counter 1 serves A
BUTTONS = ["#btn-call", "#btn-number", "#btn-recall", "#btn-start", "#btn-done", "#btn-noshow", "#btn-transfer", "#btn-pause"]


def press(page, key: str, button: str) -> None:
    """A shortcut key once its button is enabled, as a person waits for it (the last change's
    answer re-enables the buttons)."""
    expect(page.locator(button)).to_be_enabled()
    page.keyboard.press(key)


def waiting_labels(page):
    return page.locator("#waiting-list li .ticket-label")


def call_order(server, counter: int = 1) -> list[str]:
    """What call-next would call, in order: the server's own answer."""
    return [t["label"] for t in server.client("staff").get(f"/api/v1/counters/{counter}/view?limit=20").json()["waiting"]]


def test_one_officer_per_counter_a_take_over_is_told_live(server, new_page, console):
    kiosk = server.client("kiosk")
    label = kiosk.post("/api/v1/tickets", json={"category_id": A}).json()["label"]
    lan = console("lan", 1)
    press(lan, "n", "#btn-call")
    expect(lan.locator("#in-hand-label")).to_have_text(label)

    minh = new_page()
    sign_in(minh, f"{server.url}/console", server.add_user("minh"))
    one = minh.locator('#counter-list button[data-counter-id="1"]')
    expect(one).to_have_class(re.compile(r"\btaken\b"))
    expect(one.locator(".officer")).to_have_text(re.compile(r"^lan làm việc từ \d\d:\d\d$"))
    expect(minh.locator('#counter-list button[data-counter-id="2"] .officer')).to_have_text("Đang trống")
    assert real_browser.axe_violations(minh) == []

    # A clear choice: pick another counter...
    one.click()
    claim = minh.locator("#claim-dialog")
    expect(claim).to_be_visible()
    expect(claim.locator("#claim-text")).to_contain_text("Quầy 1 đang do lan làm việc từ")
    real_browser.screenshot(minh, "console", "claim-dialog")
    assert real_browser.axe_violations(minh) == []
    claim.get_by_role("button", name="Chọn quầy khác").click()
    expect(claim).to_be_hidden()
    expect(minh.locator("#picker")).to_be_visible()
    assert server.client("staff").get("/api/v1/counters/1").json()["officer_name"] == "lan"

    # ...or take it over: lan's console is told at once and stops acting.
    one.click()
    claim.get_by_role("button", name="Nhận thay quầy này").click()
    expect(minh.locator("#counter-view")).to_be_visible()
    expect(minh.locator("#in-hand-label")).to_have_text(label)  # the citizen at the counter stays
    expect(lan.locator("#replaced")).to_contain_text(re.compile(r"minh đã nhận thay quầy 1 lúc \d\d:\d\d"))
    for button in BUTTONS:
        expect(lan.locator(button)).to_be_disabled()
    real_browser.screenshot(lan, "console", "replaced")
    assert real_browser.axe_violations(lan) == []
    lan.keyboard.press("d")  # its shortcut does nothing: the button is off
    press(minh, "d", "#btn-done")
    expect(minh.locator("#in-hand-label")).to_have_text("—")
    completed = [e["actor"] for e in server.client("admin").get("/api/v1/centers/1/audit").json() if e["action"] == "ticket.complete"]
    assert completed == ["user:minh"]
    expect(lan.locator("#message")).to_be_hidden()  # lan's console did not even try

    # lan moves to counter 2; minh signs out, which frees counter 1.
    lan.locator("#replaced-pick").click()
    expect(lan.locator('#counter-list button[data-counter-id="1"] .officer')).to_contain_text("minh làm việc từ")
    lan.locator('#counter-list button[data-counter-id="2"]').click()
    expect(lan.locator("#change-counter")).to_contain_text("Quầy 2")
    expect(lan.locator("#replaced")).to_be_hidden()
    expect(lan.locator("#btn-pause")).to_be_enabled()
    minh.get_by_role("button", name="Đăng xuất").click()
    expect(minh.locator("#signin")).to_be_visible()
    counters = {c["number"]: c["officer_name"] for c in server.client("staff").get("/api/v1/centers/1/counters").json()}
    assert (counters[1], counters[2]) == (None, "lan")
    assert lan.errors == [] and minh.errors == []


def test_the_waiting_list_is_the_call_order_with_priority_transfers_and_notes_marked(server, console):
    kiosk, desk = server.client("kiosk"), server.client("staff")
    for _ in range(15):
        kiosk.post("/api/v1/tickets", json={"category_id": A})
    # The case: an elderly citizen issued at the desk after 15 others, the next to be called.
    elderly = desk.post(
        "/api/v1/tickets", json={"category_id": A, "source": "desk", "priority_group": "elderly", "note": "đi xe lăn"}
    ).json()
    page = console("lan", 1)
    order = call_order(server)
    assert order[0] == elderly["label"]
    expect(waiting_labels(page)).to_have_text(order)
    first = page.locator("#waiting-list li").first
    expect(first).to_be_in_viewport()
    expect(first.locator(".badge.priority")).to_have_text("Người cao tuổi")
    expect(first.locator(".ticket-note")).to_have_text("Ghi chú: đi xe lăn")  # before the call
    # The list scrolls at 1366x768, and its scrolling region is reachable by keyboard.
    assert page.evaluate("(() => { const l = document.getElementById('waiting-list'); return l.scrollHeight > l.clientHeight; })()")
    assert real_browser.axe_violations(page) == []
    real_browser.screenshot(page, "console", "call-order")

    # Live: a ticket transferred in from another category, and one sent to this counter by name.
    land = kiosk.post("/api/v1/tickets", json={"category_id": C}).json()
    officer = server.client("staff")
    assert officer.post(f"/api/v1/tickets/{land['id']}/call", json={"counter_id": 5}).json()["state"] == "called"
    officer.post(f"/api/v1/tickets/{land['id']}/transfer", json={"category_id": A, "note": "thiếu giấy khai sinh"})
    order = call_order(server)
    expect(waiting_labels(page)).to_have_text(order)
    assert land["label"] in order  # 17th in call order: the list shows 20
    moved = page.locator(f'#waiting-list li[data-label="{land["label"]}"]')
    expect(moved.locator(".badge.transfer")).to_have_text("được chuyển đến")
    expect(moved.locator(".ticket-note")).to_have_text("Ghi chú: thiếu giấy khai sinh")
    sent = kiosk.post("/api/v1/tickets", json={"category_id": C}).json()
    officer.post(f"/api/v1/tickets/{sent['id']}/call", json={"counter_id": 5})
    officer.post(f"/api/v1/tickets/{sent['id']}/transfer", json={"counter_id": 1})
    expect(waiting_labels(page)).to_have_text(call_order(server))
    press(page, "n", "#btn-call")
    expect(page.locator("#in-hand-label")).to_have_text(elderly["label"])
    expect(waiting_labels(page)).to_have_text(call_order(server))
    assert elderly["label"] not in call_order(server)
    sent_row = page.locator(f'#waiting-list li[data-label="{sent["label"]}"]')
    expect(sent_row.locator(".badge.transfer")).to_have_text("chuyển đến quầy này")
    assert page.errors == []


def test_call_a_number_the_no_show_who_came_back_cancel_and_the_recall_count(server, console):
    kiosk = server.client("kiosk")
    a1, a2, a3 = (kiosk.post("/api/v1/tickets", json={"category_id": A}).json()["label"] for _ in range(3))
    page = console("lan", 1)
    expect(waiting_labels(page)).to_have_text([a1, a2, a3])
    press(page, "g", "#btn-number")
    dialog = page.locator("#number-dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Số thứ tự").fill(a3.lower().replace("00", ""))  # "a3": as staff type it
    dialog.get_by_role("button", name="Tìm").click()
    expect(dialog.locator("#number-found")).to_contain_text(a3)
    expect(dialog.locator(".found-state")).to_have_text("đang chờ")
    assert real_browser.axe_violations(page) == []
    dialog.get_by_role("button", name="Gọi số này").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#in-hand-label")).to_have_text(a3)
    expect(page.locator("#done-message")).to_have_text(f"Đã gọi số {a3}.")
    expect(waiting_labels(page)).to_have_text([a1, a2])

    press(page, "r", "#btn-recall")
    expect(page.locator("#in-hand-recalls")).to_have_text("Đã gọi lại 1 lần")
    expect(page.locator("#done-message")).to_be_hidden()  # the next action clears it
    press(page, "r", "#btn-recall")
    expect(page.locator("#in-hand-recalls")).to_have_text("Đã gọi lại 2 lần")
    press(page, "v", "#btn-noshow")
    expect(page.locator("#in-hand-label")).to_have_text("—")

    # The citizen comes back: called by number again; the waiting count is not touched.
    page.locator("#btn-number").click()
    dialog.get_by_label("Số thứ tự").fill(a3)
    dialog.get_by_label("Số thứ tự").press("Enter")
    expect(dialog.locator(".found-state")).to_contain_text("vắng mặt lúc")
    expect(dialog.get_by_role("button", name="Huỷ số này")).to_be_disabled()
    dialog.get_by_role("button", name="Gọi số này").click()
    expect(page.locator("#in-hand-label")).to_have_text(a3)
    expect(page.locator("#waiting-count")).to_have_text("2")
    expect(waiting_labels(page)).to_have_text([a1, a2])
    press(page, "d", "#btn-done")
    expect(page.locator("#in-hand-label")).to_have_text("—")

    # Cancel a waiting ticket: from its row in the list.
    page.locator(f'#waiting-list li[data-label="{a2}"] button').click()
    expect(dialog.locator("#number-found")).to_contain_text(a2)
    dialog.get_by_role("button", name="Huỷ số này").click()
    expect(dialog).to_be_hidden()
    expect(waiting_labels(page)).to_have_text([a1])
    expect(page.locator("#done-message")).to_have_text(f"Đã huỷ số {a2}.")
    expect(page.locator("#waiting-count")).to_have_text("1")

    # A number that does not exist today: said in the dialog, in Vietnamese.
    press(page, "g", "#btn-number")
    dialog.get_by_label("Số thứ tự").fill("Z99")
    dialog.get_by_role("button", name="Tìm").click()
    expect(dialog.locator("#number-error")).to_have_text("Hôm nay không có số Z099.")
    expect(dialog.get_by_role("button", name="Gọi số này")).to_be_disabled()
    dialog.get_by_role("button", name="Đóng").click()

    audit = server.client("admin").get("/api/v1/centers/1/audit").json()
    actions = [e["action"] for e in audit if e["actor"] == "user:lan"]
    for action in ("counter.claim", "ticket.call", "ticket.recall", "ticket.no-show", "ticket.complete", "ticket.cancel"):
        assert action in actions, action
    assert page.errors == []


def test_a_pause_shows_its_reason_and_messages_belong_to_one_action(server, console):
    page = console("lan", 1)
    press(page, "n", "#btn-call")  # nobody waits
    expect(page.locator("#message")).to_have_text("Không còn ai đang chờ ở quầy 1.")
    press(page, "p", "#btn-pause")
    expect(page.locator("#message")).to_be_hidden()  # opening the next action clears it
    pause = page.locator("#pause-dialog")
    pause.get_by_label("Nghỉ trưa").check()
    assert real_browser.axe_violations(page) == []
    pause.get_by_role("button", name="Tạm dừng").click()
    expect(page.locator("#counter-paused")).to_have_text("Quầy đang tạm dừng (Nghỉ trưa): không gọi số mới.")
    assert real_browser.axe_violations(page) == []
    page.locator("#btn-number").click()
    page.locator("#number-dialog").get_by_role("button", name="Đóng").click()
    press(page, "p", "#btn-pause")
    expect(page.locator("#counter-paused")).to_be_hidden()

    press(page, "n", "#btn-call")
    expect(page.locator("#message")).to_be_visible()
    page.locator("#change-counter").click()  # another counter: the old message goes
    page.locator('#counter-list button[data-counter-id="2"]').click()
    expect(page.locator("#change-counter")).to_contain_text("Quầy 2")
    expect(page.locator("#message")).to_be_hidden()
    assert page.errors == []


def test_long_fault_lists_scroll_within_reach_of_the_keyboard(server, console):
    page = console("lan", 1)
    # A bad day's faults, more than the panels hold: they scroll, and stay axe-clean.
    page.evaluate(
        """() => {
            for (const id of ['fault-list', 'print-history']) {
                const list = document.getElementById(id);
                for (let i = 0; i < 30; i += 1) list.append(Object.assign(document.createElement('li'), {textContent: `Máy in ${i}: hết giấy`}));
            }
            document.getElementById('faults-none').hidden = true;
        }"""
    )
    scrolling = page.evaluate("() => [...document.querySelectorAll('.faults')].map((s) => s.scrollHeight > s.clientHeight)")
    assert scrolling == [True, True]
    assert real_browser.axe_violations(page) == []


def test_a_call_during_an_outage_is_said_in_vietnamese(server, console):
    page = console("lan", 1)
    expect(page.locator("#online")).to_have_text("Đang kết nối")
    server.kill()
    expect(page.locator("#online")).to_have_text("Mất kết nối, đang thử lại")
    page.locator("#btn-call").click()
    expect(page.locator("#message")).to_have_text("Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.")
    assert "Failed to fetch" not in page.locator("#message").inner_text()


def test_a_display_that_leaves_shows_among_the_faults_and_clears_when_back(server, new_page):
    """Presence is read from the server every 30 s (no event per connect): the console's clock
    is driven by Playwright, the display's connection is a real websocket."""
    from websockets.sync.client import connect

    display = server.token("display")
    url = f"{server.ws_url}/ws/events?token={display}"
    staff = {"Authorization": f"Bearer {server.token('staff')}"}

    def connections() -> int:
        devices = httpx.get(f"{server.url}/api/v1/centers/1/devices/presence", headers=staff).json()
        return next(d["connections"] for d in devices if d["name"] == "display-1")

    page = new_page()
    page.clock.install()
    sign_in(page, f"{server.url}/console", server.add_user("an"))
    page.locator('#counter-list button[data-counter-id="1"]').click()
    faults = page.locator("#fault-list")
    with connect(url) as wall:
        wall.recv(timeout=10)  # the snapshot: it is connected
        page.clock.fast_forward(30_000)
        expect(page.locator("#faults-none")).to_be_visible()
    poll(lambda: connections() == 0, "the display's disconnect")
    page.clock.fast_forward(30_000)
    expect(faults).to_contain_text(re.compile(r"display-1: màn hình mất kết nối từ \d\d:\d\d"))
    with connect(url) as wall:
        wall.recv(timeout=10)
        page.clock.fast_forward(30_000)
        expect(faults).not_to_contain_text("display-1")
        expect(page.locator("#faults-none")).to_be_visible()
