"""The kiosk follows the queue over the websocket, greys closed categories, and rides out a
server that goes away and comes back."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from server import demo, directory
from server.db import Database, make_engine, migrate
from kiosk_server import KioskServer, tile

CERTIFICATION = 2  # category B of the demo center; counter 2 serves A and B


def test_waiting_counts_follow_the_queue_live(server, open_kiosk):
    page = open_kiosk()
    count = tile(page, CERTIFICATION).locator(".info")
    expect(count).to_have_text("0 người đang chờ")
    server.issue(CERTIFICATION)
    server.issue(CERTIFICATION)
    expect(count).to_have_text("2 người đang chờ")
    server.call_next(3)  # counter 3 serves B first
    expect(count).to_have_text("1 người đang chờ")


def test_server_down_shows_unavailable_and_recovers_by_itself(server, open_kiosk):
    page = open_kiosk()
    unavailable = page.locator("#unavailable")
    expect(unavailable).to_be_hidden()
    server.stop()
    expect(unavailable).to_be_visible(timeout=10_000)
    expect(unavailable.locator("h2")).to_have_text("Tạm thời gián đoạn")
    server.start()  # same database, same port; nobody touches the kiosk
    expect(unavailable).to_be_hidden(timeout=20_000)
    # It works again, and knows what happened while it was away.
    server.issue(CERTIFICATION)
    expect(tile(page, CERTIFICATION).locator(".info")).to_have_text("1 người đang chờ")
    tile(page, CERTIFICATION).click()
    page.locator(".choice.none").click()
    expect(page.locator("#ticket-label")).to_have_text("B002")
    assert page.errors == []


def test_a_tap_while_the_server_is_down_shows_unavailable_not_a_ticket(server, open_kiosk):
    page = open_kiosk(idle=60)
    tile(page, CERTIFICATION).click()
    expect(page.locator(".choice.none")).to_be_enabled()  # past the guard against double taps
    server.stop()
    # The tap lands before the unavailable screen covers the button (it waits out short blips).
    page.locator(".choice.none").dispatch_event("click")
    expect(page.locator("#unavailable")).to_be_visible(timeout=15_000)
    expect(page.locator("#ticket-label")).to_have_text("")
    server.start()
    expect(page.locator("#unavailable")).to_be_hidden(timeout=20_000)
    expect(page.locator("#screen-home")).to_be_visible()


def _local_hour() -> int:
    return datetime.now(UTC).astimezone(ZoneInfo("Asia/Ho_Chi_Minh")).hour


@pytest.fixture
def closing_server(tmp_path, voice_dir):
    """The demo center plus category N (one ticket a day) and category P (open three hours
    from now, so closed now), set up with the admin's domain functions before the server starts."""
    server = KioskServer(tmp_path / "closing.db", voice_dir)
    engine = make_engine(server.database_url)
    migrate(engine)
    later = (_local_hour() + 3) % 24
    with Database(engine).write() as session:
        center = demo.seed(session)
        capped = directory.add_category(
            session, center, "N", "Cấp phiếu thử", "Trial", pictogram="stamp", color="#1565c0",
            sessions=demo.ALL_DAY, daily_cap=1, position=20,
        )  # fmt: skip
        directory.add_category(
            session, center, "P", "Tiếp công dân", "Citizen reception", pictogram="info", color="#455a64",
            sessions=[[f"{later:02d}:00", f"{later:02d}:59"]], position=21,
        )  # fmt: skip
        capped_id = capped.id
    engine.dispose()
    server.start()
    server.capped_id = capped_id
    yield server
    server.stop()


def test_closed_categories_are_greyed_with_the_reason_and_cannot_be_tapped(closing_server, open_page):
    server = closing_server
    page = open_page(server.kiosk_url())
    expect(page.locator(".tile")).to_have_count(12)
    reception = page.locator(".tile", has_text="Tiếp công dân")
    expect(reception).to_have_class("tile closed")
    expect(reception).to_have_attribute("aria-disabled", "true")
    expect(reception.locator(".info")).to_have_text("Ngoài giờ tiếp nhận")
    reception.click(force=True)  # a citizen taps it anyway
    expect(page.locator("#screen-home")).to_be_visible()
    expect(page.locator("#screen-priority")).to_be_hidden()

    capped = tile(page, server.capped_id)
    expect(capped).to_have_attribute("aria-disabled", "false")
    server.issue(server.capped_id)  # the day's only ticket, from another kiosk: closes it live
    expect(capped).to_have_attribute("aria-disabled", "true")
    expect(capped.locator(".info")).to_have_text("Đã hết số hôm nay")
    capped.click(force=True)
    expect(page.locator("#screen-priority")).to_be_hidden()
    assert [t["label"] for t in server.snapshot()["tickets"]] == ["N001"]
    # Both closed tiles stay visibly different from open ones.
    grey, open_colour = page.evaluate(
        """() => [getComputedStyle(document.querySelector('.tile.closed')).backgroundColor,
                  getComputedStyle(document.querySelector('.tile:not(.closed)')).backgroundColor]"""
    )
    assert grey == "rgb(220, 223, 227)" and open_colour != grey


def test_a_center_rename_and_notices_reach_an_open_kiosk(server, open_kiosk):
    page = open_kiosk()
    band = page.locator("#notices")
    expect(band).to_be_hidden()  # the demo has no notice
    profile = server.admin("GET", "/centers/1")["center"]
    fields = ("name_vi", "name_en", "address", "hotline", "priority_rule", "priority_ratio", "ageing_minutes")
    renamed = {**{k: profile[k] for k in fields}, "name_vi": "Trung tâm Một cửa phường Đống Đa"}
    server.admin("PUT", "/centers/1", renamed)
    expect(page.locator("#center-name")).to_have_text("Trung tâm Một cửa phường Đống Đa")

    first = server.admin("POST", "/centers/1/notices", {"text_vi": "Chiều nay nghỉ từ 15 giờ", "text_en": "Closed from 3 pm today"})
    expect(band).to_be_visible()
    expect(band.locator("p")).to_have_text(["Chiều nay nghỉ từ 15 giờ"])
    server.admin("POST", "/centers/1/notices", {"text_vi": "Mang theo CCCD", "position": 1})
    expect(band.locator("p")).to_have_text(["Chiều nay nghỉ từ 15 giờ", "Mang theo CCCD"])
    # Readable from where a citizen stands: as big as the tiles' waiting counts at least.
    size = page.evaluate("parseFloat(getComputedStyle(document.querySelector('#notices p')).fontSize)")
    assert size >= 0.025 * 768
    page.locator("#language").click()
    expect(band.locator("p")).to_have_text(["Closed from 3 pm today", "Mang theo CCCD"])  # no English: the Vietnamese
    page.locator("#language").click()
    server.admin("DELETE", f"/notices/{first['id']}")
    expect(band.locator("p")).to_have_text(["Mang theo CCCD"])
    # A kiosk opened now gets them from its first snapshot.
    later = open_kiosk()
    expect(later.locator("#center-name")).to_have_text("Trung tâm Một cửa phường Đống Đa")
    expect(later.locator("#notices p")).to_have_text(["Mang theo CCCD"])
    assert page.errors == [] and later.errors == []
