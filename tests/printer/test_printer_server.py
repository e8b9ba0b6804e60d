"""The server's print jobs against virtual printers on 127.0.0.1: what the kiosk issues is printed
pixel for pixel as the preview shows it; "printed" only when the printer confirmed it; every job
finishes (printed when the printer is back, in order and once each, or expired); a restart loses
none. No test sleeps: each waits for an event, or for the virtual printer, with a deadline."""

import io
import time
from datetime import timedelta

import pytest
from escpos_decoder import page
from fastapi.testclient import TestClient
from PIL import Image
from server_printing import WAIT, Clock, PrintEvents, make_app, prepare
from virtual_printer import Fault, VirtualPrinter

from printer.layout import render
from server.printing import ticket_print
from server.queue import get_ticket
from server.settings import PrinterConfig

FAST = "?timeout=0.5"


def issue(client, token: str, category_id: int, **body: object) -> dict:  # type: ignore[no-untyped-def]
    answer = client.post(
        "/api/v1/tickets", json={"category_id": category_id, **body}, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def unprinted(client, token: str) -> list[dict]:  # type: ignore[no-untyped-def]
    answer = client.get("/api/v1/centers/1/print-jobs?unprinted=true", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


@pytest.mark.parametrize("width", [384, 576])
def test_a_kiosk_ticket_prints_exactly_the_preview(tmp_path, virtual_printer, width):
    printer = virtual_printer()
    prepared = prepare(tmp_path)
    app = make_app(prepared, {"kiosk-1": PrinterConfig(url=printer.url, width_dots=width)})
    with TestClient(app) as client:
        events = PrintEvents(app)
        issued = issue(client, prepared.kiosk, prepared.world.categories["A"].id)
        assert issued["print_job"]["state"] == "queued" and issued["print_job"]["printer"] == "kiosk-1"
        printed = events.until("printed")
        assert printed.print_job.label == issued["label"] and printed.print_job.error is None
        (job,) = printer.printed()
        headers = {"Authorization": f"Bearer {prepared.kiosk}"}
        preview = client.get(f"/api/v1/tickets/{issued['id']}/ticket.png?width={width}", headers=headers)
        assert unprinted(client, prepared.staff) == []
    assert preview.headers["content-type"] == "image/png"
    expected = Image.open(io.BytesIO(preview.content)).convert("1")
    assert page(job.commands).size == (width, expected.height)
    assert page(job.commands).tobytes() == expected.tobytes()


@pytest.mark.parametrize(
    ("fault", "options", "reason"),
    [
        (Fault.STALL, {}, "không xác nhận"),  # accepts the connection, never reads
        (Fault.STALL_AFTER_STATUS, {}, "không xác nhận"),  # answers the first status query, then stops
        (Fault.CLOSE_MID_JOB, {"close_after": 12_000}, "mất kết nối"),  # dropped after 12 kB
        (Fault.COVER_OPEN, {}, "mở nắp"),
        (Fault.PAPER_OUT, {}, "hết giấy"),
        (Fault.LIAR, {}, "không xác nhận"),  # answers with bytes that are no status
        (Fault.CUTTER_ERROR, {}, "báo lỗi"),
    ],
)
def test_a_fault_is_never_printed_and_the_job_prints_once_when_the_printer_recovers(
    tmp_path, virtual_printer, fault, options, reason
):
    printer = virtual_printer(fault, **options)
    prepared = prepare(tmp_path)
    app = make_app(prepared, {"Kiosk-1": PrinterConfig(url=printer.url + FAST)})  # case differs: served, with a warning
    with TestClient(app) as client:
        events = PrintEvents(app)
        issued = issue(client, prepared.kiosk, prepared.world.categories["A"].id)
        failing = events.until("retrying")
        error = failing.print_job.error
        assert reason in error.vi.lower() and "kiosk-1" in error.vi and error.en
        assert not printer.printed()
        [listed] = unprinted(client, prepared.staff)
        assert (listed["label"], listed["state"], listed["error"]["vi"]) == (issued["label"], "retrying", error.vi)
        printer.recover()  # paper refilled, cover closed, cable back
        printed = events.until("printed")
        assert printed.print_job.label == issued["label"] and printed.print_job.attempts >= 2
        # The server may mark it printed before the printer has seen the connection end.
        printer.wait_for(lambda p: len(p.printed()) >= 1)
        assert len(printer.printed()) == 1
        assert unprinted(client, prepared.staff) == []


def test_a_dead_printers_jobs_print_in_order_once_each_when_it_comes_back(tmp_path, closed_port):
    prepared = prepare(tmp_path)
    app = make_app(prepared, {"kiosk-1": PrinterConfig(url=f"tcp://127.0.0.1:{closed_port}{FAST}")}, print_retry_max_seconds=1)
    with TestClient(app) as client:
        events = PrintEvents(app)
        tickets = [issue(client, prepared.kiosk, prepared.world.categories["A"].id) for _ in range(3)]
        labels, ids = [t["label"] for t in tickets], [t["id"] for t in tickets]
        for label in labels:  # each job says why it waits, so each kiosk screen can
            assert "không kết nối" in events.until("retrying", label).print_job.error.vi.lower()
        printer = VirtualPrinter(port=closed_port).start()
        try:
            for label in labels:
                events.until("printed", label)
            printer.wait_for(lambda p: len(p.printed()) == 3)
            with app.state.db.read() as session:
                expected = [
                    render(ticket_print(session, get_ticket(session, ticket_id), "http://testserver"), 576).tobytes()
                    for ticket_id in ids
                ]
            assert [page(job.commands).tobytes() for job in printer.printed()] == expected
        finally:
            printer.stop()
    assert labels == ["A001", "A002", "A003"]


def test_an_old_job_is_not_printed_late_but_expired_for_staff_to_reprint(tmp_path, closed_port):
    prepared = prepare(tmp_path)
    clock = Clock()
    app = make_app(prepared, {"kiosk-1": PrinterConfig(url=f"tcp://127.0.0.1:{closed_port}{FAST}")}, clock=clock)
    with TestClient(app) as client:
        events = PrintEvents(app)
        issued = issue(client, prepared.kiosk, prepared.world.categories["A"].id)
        events.until("retrying")
        clock.ahead = timedelta(minutes=11)  # past print_max_age_minutes (10)
        app.state.printing.wake("kiosk-1")
        expired = events.until("expired")
        assert expired.print_job.label == issued["label"]
        [listed] = unprinted(client, prepared.staff)
        assert listed["state"] == "expired"
        printer = VirtualPrinter(port=closed_port).start()
        try:
            headers = {"Authorization": f"Bearer {prepared.staff}"}
            again = client.post(f"/api/v1/tickets/{issued['id']}/print", json={"place": "kiosk-1"}, headers=headers)
            assert again.status_code == 200 and again.json()["state"] == "queued"
            events.until("printed")
            printer.wait_for(lambda p: len(p.printed()) >= 1)  # the connection's end may come after
            assert len(printer.printed()) == 1  # the reprint; never the expired job
            assert unprinted(client, prepared.staff) == []
        finally:
            printer.stop()


def test_queued_jobs_are_printed_after_a_restart(tmp_path, closed_port):
    prepared = prepare(tmp_path)
    printers = {"kiosk-1": PrinterConfig(url=f"tcp://127.0.0.1:{closed_port}{FAST}")}
    clock = Clock()  # the list is the center's day: never let a run at midnight split it
    app = make_app(prepared, printers, clock=clock)
    with TestClient(app) as client:
        events = PrintEvents(app)
        labels = [issue(client, prepared.kiosk, prepared.world.categories["B"].id)["label"] for _ in range(2)]
        events.until("retrying", labels[-1])
    # The server stopped with both unprinted; the printer is switched on; the server starts again.
    printer = VirtualPrinter(port=closed_port).start()
    try:
        with TestClient(make_app(prepared, printers, clock=clock)) as client:
            printer.wait_for(lambda p: len(p.printed()) == 2)
            deadline = time.monotonic() + WAIT
            while unprinted(client, prepared.staff) and time.monotonic() < deadline:
                printer.wait_for(lambda p: True)  # (re-read the list; the rows settle right after the paper)
            assert unprinted(client, prepared.staff) == []
            jobs = client.get("/api/v1/centers/1/print-jobs", headers={"Authorization": f"Bearer {prepared.staff}"}).json()
        assert sorted((job["label"], job["state"]) for job in jobs) == [(label, "printed") for label in labels]
        assert len(printer.printed()) == 2
    finally:
        printer.stop()


def test_one_stalled_printer_delays_neither_the_issue_nor_another_printer(tmp_path, virtual_printer):
    stalled = virtual_printer(Fault.STALL)
    desk = virtual_printer()
    prepared = prepare(tmp_path)
    app = make_app(
        prepared,
        {"kiosk-1": PrinterConfig(url=stalled.url + "?timeout=60"), "desk": PrinterConfig(url=desk.url)},
    )
    with TestClient(app) as client:
        events = PrintEvents(app)
        kiosk_ticket = issue(client, prepared.kiosk, prepared.world.categories["A"].id)
        assert kiosk_ticket["print_job"]["state"] == "queued"  # answered while its printer hangs
        stalled.wait_for(lambda p: len(p.stalled) == 1)
        desk_ticket = issue(client, prepared.staff, prepared.world.categories["B"].id, source="desk")
        assert events.until("printed").print_job.label == desk_ticket["label"]
        [hanging] = unprinted(client, prepared.staff)
        assert (hanging["label"], hanging["state"]) == (kiosk_ticket["label"], "printing")
        stalled.stop()  # pulled the plug: the hanging attempt ends now, not in 60 s
        assert events.until("retrying").print_job.label == kiosk_ticket["label"]


def test_a_printer_without_status_replies_ends_sent_not_printed(tmp_path, virtual_printer):
    printer = virtual_printer(Fault.SILENT)
    prepared = prepare(tmp_path)
    app = make_app(prepared, {"kiosk-1": PrinterConfig(url=printer.url + "?status=none")})
    with TestClient(app) as client:
        events = PrintEvents(app)
        issue(client, prepared.kiosk, prepared.world.categories["A"].id)
        sent = events.until("sent")
        assert sent.print_job.error is None
        printer.wait_for(lambda p: len(p.printed()) == 1)


def test_a_second_reprint_click_prints_one_copy_and_the_kiosk_job_gives_way(tmp_path, closed_port):
    prepared = prepare(tmp_path)
    app = make_app(
        prepared,
        {
            "kiosk-1": PrinterConfig(url=f"tcp://127.0.0.1:{closed_port}{FAST}"),
            "desk": PrinterConfig(url=f"tcp://127.0.0.1:{closed_port}{FAST}"),
        },
    )
    with TestClient(app) as client:
        events = PrintEvents(app)
        issued = issue(client, prepared.kiosk, prepared.world.categories["A"].id)
        events.until("retrying")
        headers = {"Authorization": f"Bearer {prepared.staff}"}
        first = client.post(f"/api/v1/tickets/{issued['id']}/print", json={"place": "desk"}, headers=headers).json()
        assert events.until("replaced").print_job.printer == "kiosk-1"  # no copy later at the kiosk
        second = client.post(f"/api/v1/tickets/{issued['id']}/print", json={"place": "desk"}, headers=headers).json()
        assert first["id"] == second["id"] and first["printer"] == "desk"
        events.until("retrying", printer="desk")
        desk_fault = unprinted(client, prepared.staff)[0]["error"]
        assert "bàn tiếp đón" in desk_fault["vi"] and "entrance desk" in desk_fault["en"]  # named by place
        printer = VirtualPrinter(port=closed_port).start()
        try:
            events.until("printed", printer="desk")
            printer.wait_for(lambda p: len(p.printed()) == 1)
            assert len(printer.printed()) == 1
        finally:
            printer.stop()
        nowhere = client.post(f"/api/v1/tickets/{issued['id']}/print", json={"place": "lobby"}, headers=headers)
        assert nowhere.status_code == 409 and nowhere.json()["code"] == "no_printer"


def test_printer_test_command_prints_a_vietnamese_test_page(virtual_printer, closed_port):
    from typer.testing import CliRunner

    from server.cli import app as cli

    printer = virtual_printer()
    printed = CliRunner().invoke(cli, ["printer", "test", printer.url, "--width-dots", "384"])
    assert printed.exit_code == 0, printed.output
    assert printed.output.startswith("printed on")
    job = printer.wait_for_connections(1)[0]  # then the status query may connect once more
    assert page(job.commands).width == 384
    refused = CliRunner().invoke(cli, ["printer", "test", f"tcp://127.0.0.1:{closed_port}?timeout=1"])
    assert refused.exit_code == 1 and "Không kết nối được máy in" in refused.output
