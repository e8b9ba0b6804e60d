"""The server's print jobs against virtual printers on 127.0.0.1: what the kiosk issues is
printed pixel for pixel as the preview shows it, and a printer fault never loses the ticket."""

import io
import queue
from datetime import UTC, datetime

import pytest
from escpos_decoder import page
from fastapi.testclient import TestClient
from PIL import Image
from virtual_printer import Fault

from queue_world import build_world, register_device, sign_in
from server.app import create_app
from server.protocol import EventOut
from server.settings import PrinterConfig, Settings


def make_app(tmp_path, printers: dict[str, PrinterConfig], attempts: int = 2):
    return create_app(
        Settings(database_url=f"sqlite:///{tmp_path}/p.db", printers=printers, print_attempts=attempts)
    )


def print_events(app) -> "queue.Queue[EventOut]":  # type: ignore[no-untyped-def]
    """Every print.updated event the server publishes, as it commits."""
    found: queue.Queue[EventOut] = queue.Queue()
    publish = app.state.db.on_commit

    def tap(events: list[EventOut]) -> None:
        publish(events)
        for event in events:
            if event.kind == "print.updated":
                found.put(event)

    app.state.db.on_commit = tap
    return found


def until(events: "queue.Queue[EventOut]", state: str) -> EventOut:
    while True:
        event = events.get(timeout=30)
        if event.print_job.state == state:
            return event


@pytest.mark.parametrize("width", [384, 576])
def test_a_kiosk_ticket_prints_exactly_the_preview(tmp_path, virtual_printer, width):
    printer = virtual_printer()
    app = make_app(tmp_path, {"kiosk-1": PrinterConfig(url=printer.url, width_dots=width)})
    with TestClient(app) as client:
        with app.state.db.write() as session:
            world = build_world(session)
            kiosk = register_device(session, datetime.now(UTC), world.center.id, "kiosk")
        events = print_events(app)
        headers = {"Authorization": f"Bearer {kiosk}"}
        issued = client.post("/api/v1/tickets", json={"category_id": world.categories["A"].id}, headers=headers).json()
        assert issued["print_job"]["state"] == "queued" and issued["print_job"]["printer"] == "kiosk-1"
        done = until(events, "done")
        assert done.print_job.label == issued["label"] and done.print_job.error is None
        (job,) = printer.wait_for_connections(1)
        preview = client.get(f"/api/v1/tickets/{issued['id']}/ticket.png?width={width}", headers=headers)
    assert preview.headers["content-type"] == "image/png"
    expected = Image.open(io.BytesIO(preview.content)).convert("1")
    assert page(job.commands).size == (width, expected.height)
    assert page(job.commands).tobytes() == expected.tobytes()


def test_a_printer_fault_keeps_the_ticket_and_tells_everyone(tmp_path, virtual_printer, closed_port):
    working = virtual_printer()
    app = make_app(
        tmp_path,
        {
            "kiosk-1": PrinterConfig(url=f"tcp://127.0.0.1:{closed_port}?timeout=1"),
            "desk": PrinterConfig(url=working.url),
        },
    )
    with TestClient(app) as client:
        with app.state.db.write() as session:
            world = build_world(session)
            kiosk = register_device(session, datetime.now(UTC), world.center.id, "kiosk")
            staff = sign_in(session, datetime.now(UTC), world.center.id, "staff")
        events = print_events(app)
        issued = client.post(
            "/api/v1/tickets", json={"category_id": world.categories["A"].id}, headers={"Authorization": f"Bearer {kiosk}"}
        )
        assert issued.status_code == 201
        failed = until(events, "failed")
        assert failed.print_job.attempts == 2
        assert "máy in" in failed.print_job.error.vi.lower() and failed.print_job.error.en
        staff_headers = {"Authorization": f"Bearer {staff}"}
        ticket = client.get(f"/api/v1/tickets/{issued.json()['id']}", headers=staff_headers).json()
        assert (ticket["label"], ticket["state"]) == ("A001", "waiting")  # the ticket is untouched
        # Staff reprint it at the entrance desk.
        again = client.post(f"/api/v1/tickets/{ticket['id']}/print", json={"place": "desk"}, headers=staff_headers)
        assert again.status_code == 200 and again.json()["printer"] == "desk"
        assert until(events, "done").print_job.printer == "desk"
        (job,) = working.wait_for_connections(1)
        assert page(job.commands).width == 576
        nowhere = client.post(f"/api/v1/tickets/{ticket['id']}/print", json={"place": "lobby"}, headers=staff_headers)
        assert nowhere.status_code == 409 and nowhere.json()["code"] == "no_printer"


def test_paper_out_fails_the_job_with_the_reason(tmp_path, virtual_printer):
    printer = virtual_printer(Fault.PAPER_OUT)
    app = make_app(tmp_path, {"desk": PrinterConfig(url=printer.url)}, attempts=1)
    with TestClient(app) as client:
        with app.state.db.write() as session:
            world = build_world(session)
            staff = sign_in(session, datetime.now(UTC), world.center.id, "staff")
        events = print_events(app)
        issued = client.post(
            "/api/v1/tickets",
            json={"category_id": world.categories["B"].id, "source": "desk"},
            headers={"Authorization": f"Bearer {staff}"},
        ).json()
        failed = until(events, "failed")
    assert failed.print_job.label == issued["label"] == "B001"
    assert "giấy" in failed.print_job.error.vi.lower()


def test_printer_test_command_prints_a_vietnamese_test_page(virtual_printer, closed_port):
    from typer.testing import CliRunner

    from server.cli import app as cli

    printer = virtual_printer()
    printed = CliRunner().invoke(cli, ["printer", "test", printer.url, "--width-dots", "384"])
    assert printed.exit_code == 0, printed.output
    job = printer.wait_for_connections(1)[0]  # then the status query may connect once more
    assert page(job.commands).width == 384
    refused = CliRunner().invoke(cli, ["printer", "test", f"tcp://127.0.0.1:{closed_port}?timeout=1"])
    assert refused.exit_code == 1 and "Không kết nối được máy in" in refused.output
