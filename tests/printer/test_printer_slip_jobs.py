"""Appointment slips as print jobs: a counter's printer (MOTCUA_PRINTERS `counters`) gets the
slip's ESC/POS bytes over TCP from the server's print queue, like a kiosk's ticket, and the paper
reads back; a slip and its ticket's reprint do not stand in each other's way; a second click
while the slip is still unprinted prints one copy; a print agent prints a slip too. No test
sleeps: each waits for an event or the virtual printer."""

import json

import httpx
import pytest
from escpos_decoder import TextLine, decode, page
from fastapi.testclient import TestClient
from ocr import read_block, read_qr_codes
from printer_samples import sample_slip
from pydantic import ValidationError
from server_printing import PrintEvents, make_app, prepare
from server_process import ServerProcess
from test_printer_agent import Center, RunningAgent, poll
from test_printer_server import issue, unprinted
from virtual_printer import Fault

from printer.escpos_out import encode_text
from printer.layout import PAPER_58MM, PAPER_80MM, spans
from printer.slip import compose_slip, render_slip
from server.db import Database, make_engine
from server.errors import Conflict
from server.printing import Printing, slip_content
from server.queue import get_center, system_clock
from server.settings import PrinterConfig, Settings

COUNTER_PRINTER = "Quầy 1-2"


@pytest.mark.parametrize("width", [PAPER_58MM, PAPER_80MM])
def test_a_counters_slip_prints_on_its_printer_and_reads_back(tmp_path, virtual_printer, width):
    printer = virtual_printer()
    prepared = prepare(tmp_path)
    # A counter's printer needs no kiosk of that name: its `counters` say what it is for.
    app = make_app(prepared, {COUNTER_PRINTER: PrinterConfig(url=printer.url, width_dots=width, counters=[1, 2])})
    slip = sample_slip()
    with TestClient(app) as client:
        events = PrintEvents(app)
        ticket = issue(client, prepared.kiosk, prepared.world.categories["A"].id)
        assert ticket["print_job"] is None  # the kiosk has no printer: the ticket's job is not this one
        printing = app.state.printing
        assert (printing.counter_place(2), printing.counter_place(3)) == (COUNTER_PRINTER, None)
        queued = printing.print_slip(ticket["id"], printing.counter_place(2), slip)
        assert (queued.kind, queued.document, queued.label, queued.state) == ("slip", slip.dossier_code, ticket["label"], "queued")
        printed = events.until("printed", printer=COUNTER_PRINTER)
        assert (printed.print_job.id, printed.print_job.kind) == (queued.id, "slip")
        assert unprinted(client, prepared.staff) == []
    (job,) = printer.printed()
    sheet = page(job.commands)
    assert sheet.tobytes() == render_slip(slip, width).tobytes()
    where = spans(compose_slip(slip, width))
    assert read_block(sheet, where["code"], lang="eng") == slip.dossier_code
    assert "09/02/2026" in read_block(sheet, where["return_date"])
    assert read_qr_codes(sheet) == [slip.status_url]


def test_a_second_click_prints_one_slip_and_the_ticket_prints_beside_it(tmp_path, virtual_printer):
    printer = virtual_printer(Fault.PAPER_OUT)
    prepared = prepare(tmp_path)
    app = make_app(prepared, {"desk": PrinterConfig(url=printer.url + "?timeout=0.5", counters=[1])})
    slip = sample_slip()
    with TestClient(app) as client:
        events = PrintEvents(app)
        ticket = issue(client, prepared.kiosk, prepared.world.categories["A"].id)
        printing = app.state.printing
        first = printing.print_slip(ticket["id"], "desk", slip)
        assert "hết giấy" in events.until("retrying", printer="desk").print_job.error.vi
        again = printing.print_slip(ticket["id"], "desk", slip)
        assert again.id == first.id  # the same unfinished job: one copy however many clicks
        reprint = printing.reprint(ticket["id"], "desk", "http://testserver")
        assert reprint.id != first.id and reprint.kind == "ticket"  # a ticket's job is no slip's
        listed = unprinted(client, prepared.staff)
        assert sorted((job["kind"], job["document"]) for job in listed) == [("slip", slip.dossier_code), ("ticket", None)]
        printer.recover()
        done = {events.until("printed").print_job.id, events.until("printed").print_job.id}
        assert done == {first.id, reprint.id}
        assert unprinted(client, prepared.staff) == []
        printer.wait_for(lambda p: len(p.printed()) >= 2)  # the connections' ends may come after
    assert len(printer.printed()) == 2


def test_a_place_without_a_printer_is_a_conflict(tmp_path):
    prepared = prepare(tmp_path)
    with TestClient(make_app(prepared, {})) as client:
        ticket = issue(client, prepared.kiosk, prepared.world.categories["A"].id)
        with pytest.raises(Conflict):
            client.app.state.printing.print_slip(ticket["id"], "desk", sample_slip())  # type: ignore[attr-defined]


def test_a_counter_on_two_printers_is_refused():
    printers = {"desk": {"url": "dummy://", "counters": [1, 2]}, "Quầy 2": {"url": "dummy://", "counters": [2]}}
    with pytest.raises(ValidationError) as raised:
        Settings(printers=printers)  # type: ignore[arg-type]
    assert "counter 2 is in the counters of both 'desk' and 'Quầy 2'" in str(raised.value)
    with pytest.raises(ValidationError):
        Settings.model_validate({"printers": json.loads('{"desk": {"url": "dummy://", "counters": [0]}}')})


@pytest.mark.parametrize("width", [PAPER_58MM, PAPER_80MM])
def test_a_slip_in_the_printers_own_font(width):
    slip = sample_slip()
    commands = decode(encode_text(slip, width))
    lines = [command.text for command in commands if isinstance(command, TextLine)]
    assert all(len(line) <= width // 12 for line in lines)
    assert slip.dossier_code in lines
    text = " ".join(lines)
    assert "PHIEU HEN TRA KET QUA" in text and "Dang ky khai sinh" in text
    assert "Thu Hai, 09/02/2026" in text and "Nguyen Thi Hang" in text and "09:05 04/02/2026" in text


def test_a_print_agent_prints_a_counters_slip(tmp_path, virtual_printer):
    """A counter's USB printer on its PC, driven by a print agent: the slip is a job of the
    agent's, fetched as data and drawn on the counter's PC like a ticket."""
    printer = virtual_printer()
    agent_printer = {"url": "agent://print_agent-1"}
    printers = {"kiosk-1": agent_printer, COUNTER_PRINTER: {**agent_printer, "counters": [1]}}
    server = ServerProcess(tmp_path / "agent.db", env={"MOTCUA_PRINTERS": json.dumps(printers)}).prepare()
    center = Center(server)
    slip = sample_slip()
    server.start()
    try:
        ticket = center.issue()
        # The slip's job is written while the server is stopped (one process writes at a time
        # here): it waits as a row and is handed out after the ticket's.
        server.stop()
        engine = make_engine(server.database_url)
        try:
            settings = Settings(database_url=server.database_url, printers=printers)  # type: ignore[arg-type]
            queued = Printing(settings, Database(engine), system_clock).print_slip(ticket["id"], COUNTER_PRINTER, slip)
        finally:
            engine.dispose()
        assert (queued.kind, queued.agent, queued.state) == ("slip", "print_agent-1", "queued")
        server.start()
        agent = RunningAgent(server, center.agent_token, printer.url, tmp_path / "agent-state.json")
        ticket_job, slip_job = printer.wait_for_connections(2)
        poll(lambda: center.jobs(unprinted=True) == [], "both jobs reported printed")
        agent.close()
        assert page(ticket_job.commands).tobytes() == center.preview(ticket)
        sheet = page(slip_job.commands)
        assert sheet.tobytes() == render_slip(slip, PAPER_80MM).tobytes()
        assert read_block(sheet, spans(compose_slip(slip, PAPER_80MM))["code"], lang="eng") == slip.dossier_code
        assert {(job["kind"], job["state"]) for job in center.jobs()} == {("ticket", "printed"), ("slip", "printed")}
        # Only the agent's own printers' slips, and only slips, are handed out as slips.
        headers = {"Authorization": f"Bearer {center.agent_token}"}
        assert httpx.get(f"{server.url}/api/v1/print-jobs/{queued.id}/slip", headers=headers).json()["dossier_code"] == slip.dossier_code
        ticket_job_id = ticket["print_job"]["id"]
        assert httpx.get(f"{server.url}/api/v1/print-jobs/{ticket_job_id}/slip", headers=headers).status_code == 404
    finally:
        server.stop()


def test_a_slip_takes_the_centers_part_from_its_row(tmp_path):
    prepared = prepare(tmp_path)
    engine = make_engine(prepared.url)
    try:
        with Database(engine).write() as session:
            center = get_center(session, prepared.world.center.id)
            center.address, center.hotline = "Số 1 Tràng Tiền, Hà Nội", "024 3825 1234"
            fields = sample_slip().model_dump(exclude={"center_name", "center_address", "hotline", "timezone"})
            slip = slip_content(center, **fields)
            assert (slip.center_name, slip.center_address, slip.hotline, slip.timezone) == (
                center.name_vi, "Số 1 Tràng Tiền, Hà Nội", "024 3825 1234", center.timezone,
            )  # fmt: skip
    finally:
        engine.dispose()
    assert slip.dossier_code == sample_slip().dossier_code
