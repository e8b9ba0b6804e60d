"""The kiosk's print state with real print jobs: the server prints the kiosk's ticket on the
printer configured for that kiosk (MOTCUA_PRINTERS, by device name), and the kiosk shows what
the print.updated events say."""

import json
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kiosk_server import KioskServer, tile
from server_process import free_port

sys.path.insert(0, str(Path(__file__).parent.parent / "printer"))  # the virtual printer
from virtual_printer import VirtualPrinter  # noqa: E402


@pytest.fixture
def printer_server(request, tmp_path, voice_dir):
    server = KioskServer(tmp_path / "print.db", voice_dir, env={"MOTCUA_PRINTERS": json.dumps({"kiosk-1": {"url": request.param(tmp_path)}})})
    server.prepare()
    server.token_for("kiosk")  # "kiosk-1" exists before the server starts, as its printer requires
    server.start()
    yield server
    server.stop()


def paper(tmp_path):
    return f"file://{tmp_path}/paper.bin"  # a device file cannot confirm: the job ends "sent"


def confirming(tmp_path):
    printer = VirtualPrinter().start()
    STARTED.append(printer)
    return printer.url


def unplugged(tmp_path):
    return f"tcp://127.0.0.1:{free_port()}?timeout=1"  # nobody listens there


STARTED: list[VirtualPrinter] = []


@pytest.fixture(autouse=True)
def _stop_printers():
    yield
    while STARTED:
        STARTED.pop().stop()


@pytest.mark.parametrize("printer_server", [confirming], indirect=True)
def test_a_confirmed_ticket_says_take_your_ticket(printer_server, open_page):
    page = open_page(printer_server.kiosk_url(print_wait=1))
    tile(page, 1).click()
    page.locator(".choice.none").click()
    expect(page.locator("#ticket-label")).to_have_text("A001")
    state = page.locator("#print-state")
    expect(state).to_have_text("Đã in phiếu — mời ông/bà nhận phiếu", timeout=20_000)
    expect(state).to_have_attribute("data-state", "printed")


@pytest.mark.parametrize("printer_server", [paper], indirect=True)
def test_a_ticket_sent_to_a_device_file_is_not_called_printed(printer_server, open_page, tmp_path):
    page = open_page(printer_server.kiosk_url(print_wait=1))
    tile(page, 1).click()
    with page.expect_response("**/api/v1/tickets") as answer:
        page.locator(".choice.none").click()
    assert answer.value.json()["print_job"]["state"] == "queued"
    expect(page.locator("#ticket-label")).to_have_text("A001")
    state = page.locator("#print-state")
    # Nothing can confirm paper came out of a device file: never "take your ticket".
    expect(state).to_have_attribute("data-state", "sent", timeout=20_000)
    expect(state).not_to_have_text("Đã in phiếu — mời ông/bà nhận phiếu")
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
