"""The appointment slip of a real dossier through the API: printed on the printer of the counter
that received it (ESC/POS over TCP to the virtual printer, read back by OCR), and served as PDF
and PNG whose QR code opens the dossier's status page."""

import io

from escpos_decoder import page
from fastapi.testclient import TestClient
from ocr import read_block, read_qr_codes
from PIL import Image
from server_printing import PrintEvents, make_app, prepare

from printer.layout import PAPER_80MM, spans
from printer.slip import compose_slip, render_slip
from server import directory
from server.printing import slip_content
from server.queue import get_center
from server.settings import PrinterConfig


def receive(client: TestClient, prepared, counter: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    staff = {"Authorization": f"Bearer {prepared.staff}"}
    with client.app.state.db.write() as session:
        procedure = directory.add_procedure(session, prepared.world.categories["A"], "Đăng ký khai sinh", "Birth registration", 3, "1.001193")
    issued = client.post("/api/v1/tickets", json={"category_id": prepared.world.categories["A"].id}, headers={"Authorization": f"Bearer {prepared.kiosk}"})
    assert issued.status_code == 201, issued.text
    called = client.post(f"/api/v1/counters/{prepared.world.counters[counter].id}/call-next", headers=staff)
    assert called.status_code == 200, called.text
    answer = client.post("/api/v1/dossiers", json={"ticket_id": called.json()["id"], "procedure_id": procedure.id, "code": code}, headers=staff)
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_dossiers_slip_prints_at_its_counter_and_downloads_as_pdf_and_png(tmp_path, virtual_printer):
    printer = virtual_printer()
    prepared = prepare(tmp_path)
    app = make_app(prepared, {"Quầy 1": PrinterConfig(url=printer.url, width_dots=PAPER_80MM, counters=[1])})
    staff = {"Authorization": f"Bearer {prepared.staff}"}
    with TestClient(app) as client:
        events = PrintEvents(app)
        dossier = receive(client, prepared, 1, "H26.22-0001")
        job = client.post(f"/api/v1/dossiers/{dossier['id']}/print-slip", headers=staff)
        assert job.status_code == 200, job.text
        assert (job.json()["kind"], job.json()["document"]) == ("slip", "H26.22-0001")
        assert events.until("printed", printer="Quầy 1").print_job.id == job.json()["id"]
        pdf = client.get(f"/api/v1/dossiers/{dossier['id']}/slip.pdf", headers=staff)
        png = client.get(f"/api/v1/dossiers/{dossier['id']}/slip.png?width=384", headers=staff)
        with app.state.db.read() as session:
            expected = slip_content(
                get_center(session, prepared.world.center.id), procedure_name="Đăng ký khai sinh", dossier_code="H26.22-0001",
                received_at=dossier["received_at"], return_date=dossier["due_date"], officer_name=dossier["officer_name"],
                status_url=f"http://testserver/d/{dossier['token']}",
            )  # fmt: skip
        kiosk = client.get(f"/api/v1/dossiers/{dossier['id']}/slip.png", headers={"Authorization": f"Bearer {prepared.kiosk}"})
    (printed,) = printer.printed()
    sheet = page(printed.commands)
    assert sheet.tobytes() == render_slip(expected, PAPER_80MM).tobytes()  # the dossier's own slip, nothing else
    where = spans(compose_slip(expected, PAPER_80MM))
    assert read_block(sheet, where["code"], lang="eng") == "H26.22-0001"
    day, month, year = reversed(dossier["due_date"].split("-"))
    assert f"{day}/{month}/{year}" in read_block(sheet, where["return_date"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and pdf.headers["content-type"] == "application/pdf"
    image = Image.open(io.BytesIO(png.content))
    assert image.width == 384
    assert read_qr_codes(image) == [f"http://testserver/d/{dossier['token']}"]
    assert kiosk.status_code == 403  # a dossier's slip is for staff


def test_a_counter_without_a_printer_is_told_so(tmp_path, virtual_printer):
    prepared = prepare(tmp_path)
    app = make_app(prepared, {"Quầy 1": PrinterConfig(url=virtual_printer().url, counters=[1])})
    with TestClient(app) as client:
        dossier = receive(client, prepared, 2, "H26.22-0002")
        refused = client.post(f"/api/v1/dossiers/{dossier['id']}/print-slip", headers={"Authorization": f"Bearer {prepared.staff}"})
    assert refused.status_code == 409
    assert refused.json()["message"]["vi"] == f"Quầy {prepared.world.counters[2].number} không có máy in."
