"""Bad printer settings stop the server with a message naming the key and the fix; a kiosk name
that differs only in accents or Unicode form is a warning naming both; the QR code opens the
same address on the kiosk's screen and on the paper."""

import json
import logging
import unicodedata

import pytest
from escpos_decoder import page
from fastapi.testclient import TestClient
from pydantic import ValidationError
from server_printing import PrintEvents, make_app, prepare
from typer.testing import CliRunner

from printer.layout import render
from server.cli import app as cli
from server.printing import PrinterSettingsError, ticket_print
from server.queue import get_ticket
from server.settings import PrinterConfig, Settings


@pytest.mark.parametrize(
    ("printer", "says"),
    [
        ({"url": "10.0.0.5:9100"}, "write it as tcp://10.0.0.5:9100"),
        ({"url": "http://10.0.0.5"}, "unknown kind 'http'"),
        ({"url": "tcp://10.0.0.5", "width": 384}, "unknown key 'width': did you mean 'width_dots'?"),
        ({"url": "tcp://10.0.0.5", "width_dots": 512}, "width_dots 512 is not supported: use 384 (58 mm paper) or 576"),
        ({"url": "tcp://10.0.0.5", "mode": "raster"}, "mode 'raster' is not supported"),
    ],
)
def test_bad_printer_settings_name_the_key_and_the_fix(printer, says):
    with pytest.raises(ValidationError) as raised:
        Settings(printers={"desk": printer})
    assert says in str(raised.value)
    # `motcua serve` says it in one line and stops before anything starts.
    result = CliRunner().invoke(cli, ["serve"], env={"MOTCUA_PRINTERS": json.dumps({"desk": printer})})
    assert result.exit_code == 2
    assert "bad setting MOTCUA_PRINTERS ['desk'" in result.output and says in result.output
    assert "Traceback" not in result.output


def test_a_printer_for_no_kiosk_stops_the_server(tmp_path):
    prepared = prepare(tmp_path)
    with pytest.raises(PrinterSettingsError) as raised:
        with TestClient(make_app(prepared, {"Kiosk hành lang": PrinterConfig(url="dummy://")})):
            pass
    assert "'Kiosk hành lang' is neither \"desk\" nor the name of a kiosk device (kiosks: 'kiosk-1')" in str(raised.value)
    assert "motcua device add 'Kiosk hành lang' --kind kiosk" in str(raised.value)
    result = CliRunner().invoke(
        cli,
        ["serve", "--database-url", prepared.url],
        env={"MOTCUA_PRINTERS": json.dumps({"Kiosk hành lang": {"url": "dummy://"}})},
    )
    assert result.exit_code == 2 and "motcua device add 'Kiosk hành lang'" in result.output


def test_a_name_differing_in_accents_or_unicode_form_serves_the_kiosk_with_a_warning(tmp_path, caplog, virtual_printer):
    from datetime import UTC, datetime

    from queue_world import register_device  # noqa: F401
    from server import auth
    from server.db import Database, make_engine
    from server.models import DeviceKind

    prepared = prepare(tmp_path)
    engine = make_engine(prepared.url)
    with Database(engine).write() as session:
        _, token = auth.create_device(session, datetime.now(UTC), 1, DeviceKind.kiosk, "Kiosk sảnh chính")
    engine.dispose()
    printer = virtual_printer()
    decomposed = unicodedata.normalize("NFD", "Kiosk sảnh chính")
    for typed in ("Kiosk sanh chinh", decomposed):
        caplog.clear()
        app = make_app(prepared, {typed: PrinterConfig(url=printer.url)})
        with caplog.at_level(logging.WARNING), TestClient(app) as client:
            events = PrintEvents(app)
            answer = client.post("/api/v1/tickets", json={"category_id": 1}, headers={"Authorization": f"Bearer {token}"})
            assert answer.status_code == 201 and answer.json()["print_job"]["printer"] == "Kiosk sảnh chính"
            events.until("printed")
        assert f"printer {typed!r} is taken to be the one of kiosk 'Kiosk sảnh chính'" in caplog.text


def test_the_kiosk_screen_and_the_paper_show_the_same_address(tmp_path, virtual_printer, caplog):
    printer = virtual_printer()
    prepared = prepare(tmp_path)
    for public_url in (None, "http://192.168.1.10:8000"):
        printer.connections.clear()
        caplog.clear()
        app = make_app(prepared, {"kiosk-1": PrinterConfig(url=printer.url)}, public_url=public_url)
        with caplog.at_level(logging.WARNING), TestClient(app, base_url="http://10.1.2.3:8000") as client:
            events = PrintEvents(app)
            headers = {"Authorization": f"Bearer {prepared.kiosk}"}
            issued = client.post("/api/v1/tickets", json={"category_id": 1}, headers=headers).json()
            events.until("printed")
            screen = client.get(f"/t/{issued['token']}/qr.svg").headers["X-Status-Url"]
            with app.state.db.read() as session:
                expected = render(ticket_print(session, get_ticket(session, issued["id"]), screen.rsplit("/t/", 1)[0]), 576)
        (job,) = printer.printed()
        assert screen == f"{public_url or 'http://10.1.2.3:8000'}/t/{issued['token']}"
        assert page(job.commands).tobytes() == expected.tobytes()  # the QR code on paper opens `screen`
        assert ("MOTCUA_PUBLIC_URL is not set" in caplog.text) is (public_url is None)
