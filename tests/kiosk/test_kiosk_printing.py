"""The kiosk's print state with real print jobs: the server prints the kiosk's ticket on the
printer configured for that kiosk (MOTCUA_PRINTERS, by device name), and the kiosk shows what
the print.updated events say."""

import json

import pytest
from playwright.sync_api import expect

from kiosk_server import KioskServer, tile
from server_process import free_port


@pytest.fixture
def printer_server(request, tmp_path, voice_dir):
    server = KioskServer(tmp_path / "print.db", voice_dir, env={"MOTCUA_PRINTERS": json.dumps({"kiosk-1": {"url": request.param(tmp_path)}})})
    server.start()
    yield server
    server.stop()


def paper(tmp_path):
    return f"file://{tmp_path}/paper.bin"


def unplugged(tmp_path):
    return f"tcp://127.0.0.1:{free_port()}"  # nobody listens there


@pytest.mark.parametrize("printer_server", [paper], indirect=True)
def test_a_printed_ticket_says_take_your_ticket(printer_server, open_page, tmp_path):
    page = open_page(printer_server.kiosk_url(print_wait=1))
    tile(page, 1).click()
    with page.expect_response("**/api/v1/tickets") as answer:
        page.locator(".choice.none").click()
    assert answer.value.json()["print_job"]["state"] in ("queued", "printing", "done")
    expect(page.locator("#ticket-label")).to_have_text("A001")
    state = page.locator("#print-state")
    expect(state).to_have_text("Đã in phiếu — mời ông/bà nhận phiếu", timeout=20_000)
    expect(state).to_have_attribute("data-state", "done")
    assert (tmp_path / "paper.bin").stat().st_size > 1000  # the ESC/POS bytes of the ticket


@pytest.mark.parametrize("printer_server", [unplugged], indirect=True)
def test_a_printer_fault_tells_the_citizen_to_note_the_number(printer_server, open_page):
    page = open_page(printer_server.kiosk_url(print_wait=1, ticket_seconds=120))
    tile(page, 1).click()
    page.locator(".choice.none").click()
    expect(page.locator("#ticket-label")).to_have_text("A001")
    state = page.locator("#print-state")
    expect(state).to_be_visible()
    expect(state).to_have_text("Máy in lỗi: xin ông/bà ghi nhớ số của mình", timeout=30_000)
    expect(page.locator("#ticket-label")).to_have_text("A001")  # the number stays on screen
