"""The kiosk in real Chromium against a real server: two taps to a ticket, one ticket per tap
however it is tapped, voice, the print state, and going home by itself."""

import json

import httpx

from playwright.sync_api import Route, expect

from kiosk_server import tile

CIVIL_REGISTRATION = 1  # the demo center's category A


def test_two_taps_give_the_number_the_server_issued(server, open_kiosk):
    server.issue(CIVIL_REGISTRATION)
    server.issue(CIVIL_REGISTRATION)
    page = open_kiosk()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    expect(tile(page, CIVIL_REGISTRATION).locator(".info")).to_have_text("2 người đang chờ")
    tile(page, CIVIL_REGISTRATION).click()  # tap 1
    expect(page.locator("#screen-priority")).to_be_visible()
    expect(page.locator("#chosen-category")).to_have_text("Hộ tịch")
    with page.expect_response("**/api/v1/tickets") as answer:
        page.locator(".choice.none").click()  # tap 2
    issued = answer.value.json()
    assert answer.value.status == 201
    expect(page.locator("#screen-ticket")).to_be_visible()
    expect(page.locator("#ticket-label")).to_have_text("A003")
    expect(page.locator("#ticket-category")).to_have_text("Hộ tịch")
    expect(page.locator("#ticket-ahead")).to_have_text("2")
    expect(page.locator("#ticket-wait")).to_have_text(f"khoảng {issued['estimated_wait_minutes']} phút")
    assert issued["label"] == "A003" and issued["people_ahead"] == 2
    # The server holds exactly that ticket, from this kiosk, with no priority.
    on_server = [t for t in server.snapshot()["tickets"] if t["label"] == "A003"]
    assert len(on_server) == 1
    assert (on_server[0]["source"], on_server[0]["priority_group"]) == ("kiosk", None)
    # The QR code is the server's, for this ticket's status page, and it loaded.
    qr = page.locator("#ticket-qr")
    expect(qr).to_have_attribute("src", f"/t/{issued['token']}/qr.svg")
    page.wait_for_function("() => document.getElementById('ticket-qr').naturalWidth > 0")
    # Everything the kiosk loaded came from our own server.
    assert requests and all(u.startswith((server.url, server.ws_url, "data:")) for u in requests), requests
    assert page.errors == []


def test_a_priority_group_is_one_tap_instead_of_no(server, open_kiosk):
    page = open_kiosk()
    tile(page, 3).click()
    page.locator('.choice[data-group="elderly"]').click()
    expect(page.locator("#ticket-label")).to_have_text("C001")
    [ticket] = server.snapshot()["tickets"]
    assert (ticket["label"], ticket["priority_group"]) == ("C001", "elderly")


def test_double_taps_issue_one_ticket(server, open_kiosk):
    page = open_kiosk()
    tile(page, CIVIL_REGISTRATION).dblclick()
    expect(page.locator("#screen-priority")).to_be_visible()
    page.locator(".choice.none").dblclick()
    expect(page.locator("#ticket-label")).to_have_text("A001")
    # One ticket, and no priority: the tile's second tap did not press what appeared under it.
    tickets = server.snapshot()["tickets"]
    assert [(t["label"], t["priority_group"]) for t in tickets] == [("A001", None)]


def test_a_lost_answer_is_retried_with_the_same_key_and_gives_one_ticket(server, open_kiosk):
    page = open_kiosk()
    posts: list[dict] = []

    def lose_first_answer(route: Route) -> None:
        posts.append(json.loads(route.request.post_data or "{}"))
        if len(posts) == 1:
            route.fetch()  # the server issues the ticket ...
            route.abort("connectionreset")  # ... and the answer never reaches the kiosk
        else:
            route.continue_()

    page.route("**/api/v1/tickets", lose_first_answer)
    tile(page, 2).click()
    with page.expect_response("**/api/v1/tickets") as answer:
        page.locator(".choice.none").click()
    assert answer.value.status == 200  # the repeat of a key: the ticket issued the first time
    expect(page.locator("#ticket-label")).to_have_text("B001")
    assert len(posts) == 2 and posts[0]["idempotency_key"] == posts[1]["idempotency_key"]
    assert [t["label"] for t in server.snapshot()["tickets"]] == ["B001"]
    # The next tap is a new key: a new ticket.
    page.locator("#done").click()
    tile(page, 2).click()
    page.locator(".choice.none").click()
    expect(page.locator("#ticket-label")).to_have_text("B002")
    assert posts[2]["idempotency_key"] != posts[0]["idempotency_key"]


def test_voice_says_the_category_and_reads_the_number_from_served_clips(server, open_kiosk):
    page = open_kiosk()
    clips: dict[str, int] = {}
    page.on("response", lambda r: "/kiosk/voice/" in r.url and clips.setdefault(r.url.split("/kiosk/voice/")[1], r.status))
    page.locator("#speaker").click()
    page.wait_for_function("() => window.motcuaKiosk.spoken.includes('vi/guidance')")
    tile(page, CIVIL_REGISTRATION).click()
    page.wait_for_function("() => window.motcuaKiosk.spoken.includes('vi/category_1')")
    page.locator(".choice.none").click()
    expect(page.locator("#ticket-label")).to_have_text("A001")
    page.wait_for_function(
        "() => JSON.stringify(window.motcuaKiosk.spoken.slice(-5)) === JSON.stringify("
        "['vi/your_number', 'vi/letter_a', 'vi/digit_0', 'vi/digit_0', 'vi/digit_1'])",
        timeout=30_000,
    )
    # Chromium streams media with range requests: 206 is the clip's first part.
    assert {clips[f"vi/{c}.wav"] for c in ("category_1", "your_number", "letter_a", "digit_1")} <= {200, 206}
    wav = httpx.get(f"{server.url}/kiosk/voice/vi/category_1.wav").content  # espeak-ng saying "Hộ tịch"
    assert wav[:4] == b"RIFF" and wav[8:12] == b"WAVE" and len(wav) > 4000


def test_the_language_toggle_shows_english_and_the_next_citizen_gets_vietnamese(server, open_kiosk):
    page = open_kiosk(idle=2)
    page.locator("#language").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(tile(page, CIVIL_REGISTRATION).locator(".name")).to_have_text("Civil registration")
    expect(page.locator("#home-title")).to_have_text("Please choose a service")
    tile(page, CIVIL_REGISTRATION).click()
    expect(page.locator(".choice.none")).to_have_text("No priority — Get a number")
    # Left alone, the kiosk goes home in Vietnamese.
    expect(page.locator("#screen-home")).to_be_visible(timeout=10_000)
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(tile(page, CIVIL_REGISTRATION).locator(".name")).to_have_text("Hộ tịch")
    assert server.snapshot()["tickets"] == []


def test_the_ticket_screen_returns_home_by_itself(server, open_kiosk):
    page = open_kiosk(ticket_seconds=3)
    tile(page, CIVIL_REGISTRATION).click()
    page.locator(".choice.none").click()
    expect(page.locator("#screen-ticket")).to_be_visible()
    expect(page.locator("#returning")).to_contain_text("Tự động quay lại sau")
    expect(page.locator("#screen-home")).to_be_visible(timeout=10_000)
    expect(tile(page, CIVIL_REGISTRATION).locator(".info")).to_have_text("1 người đang chờ")


def test_a_kiosk_without_a_printer_shows_the_number_and_no_print_state(server, open_kiosk):
    page = open_kiosk(print_wait=60)  # the answer says so: no waiting for print events
    tile(page, CIVIL_REGISTRATION).click()
    with page.expect_response("**/api/v1/tickets") as answer:
        page.locator(".choice.none").click()
    assert answer.value.json()["print_job"] is None
    expect(page.locator("#ticket-label")).to_have_text("A001")
    expect(page.locator("#print-state")).to_be_hidden()
    expect(page.locator("#print-state")).to_have_attribute("data-state", "none")


def test_an_older_server_that_says_nothing_of_printing_gets_print_wait_seconds(server, open_kiosk):
    page = open_kiosk(print_wait=2)

    def without_print_job(route: Route) -> None:
        response = route.fetch()
        body = response.json()
        body.pop("print_job", None)
        route.fulfill(response=response, json=body)

    page.route("**/api/v1/tickets", without_print_job)
    tile(page, CIVIL_REGISTRATION).click()
    page.locator(".choice.none").click()
    expect(page.locator("#ticket-label")).to_have_text("A001")
    expect(page.locator("#print-state")).to_have_text("Đang chuẩn bị in phiếu…")
    expect(page.locator("#print-state")).to_be_hidden(timeout=10_000)


def test_print_events_show_printing_printed_and_fault(server, open_kiosk):
    """Every print state, fed to the kiosk's event handler as the stream would (the real printer
    tests below see only the states a real printer goes through)."""
    page = open_kiosk(print_wait=30)
    tile(page, CIVIL_REGISTRATION).click()
    with page.expect_response("**/api/v1/tickets") as answer:
        page.locator(".choice.none").click()
    ticket_id = answer.value.json()["id"]
    state = page.locator("#print-state")
    expect(state).to_have_text("Đang chuẩn bị in phiếu…")

    def print_event(job_state: str, error=None, ticket=ticket_id) -> None:
        page.evaluate(
            "e => window.motcuaKiosk.handleMessage(e)",
            {"type": "event", "kind": "print.updated", "print_job": {"ticket_id": ticket, "state": job_state, "error": error}},
        )

    print_event("printing")
    expect(state).to_have_text("Đang in phiếu…")
    print_event("failed", ticket=ticket_id + 1000)  # another kiosk's ticket: not ours
    expect(state).to_have_text("Đang in phiếu…")
    for waiting in ("retrying", "expired", "failed"):  # no paper yet, or none coming
        print_event(waiting, {"vi": "Hết giấy", "en": "Out of paper"})
        expect(state).to_have_text("Máy in lỗi: xin ông/bà ghi nhớ số của mình")
        expect(state).to_have_attribute("data-state", "failed")
    print_event("sent")  # a printer that cannot confirm: the citizen is asked to look
    expect(state).to_have_text("Đã gửi phiếu tới máy in — mời ông/bà xem khay phiếu; nếu không có, xin ghi nhớ số của mình")
    expect(state).to_have_attribute("data-state", "sent")
    print_event("printed")
    expect(state).to_have_text("Đã in phiếu — mời ông/bà nhận phiếu")
    expect(state).to_have_attribute("data-state", "printed")


# Remembers what the page's last click landed on.
LAST_CLICK = "addEventListener('click', (e) => (window.lastClick = e.target.id || e.target.className), true);"


def double_tap(page, locator) -> None:
    """Two touch taps on the middle of `locator`, as quick as a finger does them, and a third
    on the center's name: once that one is handled, so are the two before it."""
    box = locator.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.touchscreen.tap(x, y)
    page.touchscreen.tap(x, y)
    page.evaluate("window.lastClick = null")
    name = page.locator("#center-name").bounding_box()
    page.touchscreen.tap(name["x"] + 5, name["y"] + name["height"] / 2)
    page.wait_for_function("() => window.lastClick === 'center-name'")
    # Where the finger was, the home screen has a tile: the second tap could have opened it.
    assert page.evaluate(f"!!document.elementFromPoint({x}, {y}).closest('.tile')")


def test_a_double_tap_on_done_or_back_does_not_open_the_tile_under_the_finger(server, open_page):
    page = open_page(server.kiosk_url(), 1366, 768, has_touch=True)
    page.evaluate(LAST_CLICK)
    expect(page.locator(".tile")).to_have_count(10)
    tile(page, CIVIL_REGISTRATION).tap()
    page.locator(".choice.none").tap()
    expect(page.locator("#ticket-label")).to_have_text("A001")
    expect(page.locator("#done")).to_be_enabled()
    double_tap(page, page.locator("#done"))
    expect(page.locator("#screen-home")).to_be_visible()
    assert page.evaluate("window.motcuaKiosk.screen") == "home"

    expect(tile(page, CIVIL_REGISTRATION)).to_be_enabled()  # past the guard of a new screen
    tile(page, CIVIL_REGISTRATION).tap()
    expect(page.locator("#screen-priority")).to_be_visible()
    expect(page.locator("#back")).to_be_enabled()
    double_tap(page, page.locator("#back"))
    expect(page.locator("#screen-home")).to_be_visible()
    assert page.evaluate("window.motcuaKiosk.screen") == "home"
    assert [t["label"] for t in server.snapshot()["tickets"]] == ["A001"]


def test_english_left_on_the_home_screen_goes_back_to_vietnamese(server, open_kiosk):
    page = open_kiosk(idle=2)
    page.locator("#language").click()
    expect(page.locator("#home-title")).to_have_text("Please choose a service")
    expect(page.locator("#center-name")).not_to_have_text(server.snapshot()["center"]["name_vi"])
    # Nobody touches it: the next citizen finds it in Vietnamese.
    expect(page.locator("html")).to_have_attribute("lang", "vi", timeout=10_000)
    expect(page.locator("#home-title")).to_have_text("Mời ông/bà chọn lĩnh vực")
    expect(tile(page, CIVIL_REGISTRATION).locator(".name")).to_have_text("Hộ tịch")
    expect(page.locator("#center-name")).to_have_text(server.snapshot()["center"]["name_vi"])
