"""The appointment slip (phiếu hẹn trả kết quả) read back from paper: ESC/POS over TCP to the
virtual printer, decoded to an image, then read by Tesseract and zbarimg; the same for the PNG
and the PDF (drawn back by pdftoppm)."""

import io
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from escpos_decoder import Cut, page
from ocr import pdf_page, read_block, read_qr_codes
from PIL import Image, ImageChops
from printer_samples import sample_slip
from pydantic import ValidationError
from virtual_printer import VirtualPrinter

from printer.connections import Delivery, open_printer
from printer.escpos_out import encode_image, fold_vietnamese
from printer.layout import PAPER_58MM, PAPER_80MM, spans
from printer.slip import PRINTER_DPI, SlipContent, compose_slip, day_with_weekday, render_slip, slip_pdf, slip_png

Start = Callable[..., VirtualPrinter]


def assert_reads_back(sheet: Image.Image, slip: SlipContent, width: int) -> None:
    """The dossier code, the return date with its weekday and the QR code's address, read off
    the sheet where the layout put them."""
    where = spans(compose_slip(slip, width))
    assert read_block(sheet, where["code"], lang="eng") == slip.dossier_code
    due = read_block(sheet, where["return_date"])
    assert re.search(r"\b09/02/2026\b", due), due
    assert "Thứ Hai" in due, due
    assert read_qr_codes(sheet) == [slip.status_url]


@pytest.mark.parametrize("width", [PAPER_58MM, PAPER_80MM])
def test_printed_slip_reads_back(virtual_printer: Start, width: int) -> None:
    slip = sample_slip()
    printer = virtual_printer()
    data = encode_image(render_slip(slip, width))
    assert open_printer(printer.url).send(data) is Delivery.PRINTED
    (job,) = printer.wait_for_connections(1)
    assert any(isinstance(command, Cut) for command in job.commands)
    printed = page(job.commands)
    assert printed.tobytes() == render_slip(slip, width).tobytes()
    assert_reads_back(printed, slip, width)


def test_png_is_the_printed_image_and_reads_back() -> None:
    slip = sample_slip()
    with Image.open(io.BytesIO(slip_png(slip))) as png:
        assert png.format == "PNG"
        image = png.convert("1")
    assert image.tobytes() == render_slip(slip, PAPER_80MM).tobytes()
    assert_reads_back(image, slip, PAPER_80MM)


def test_pdf_is_a_receipt_page_that_reads_back() -> None:
    slip = sample_slip()
    pdf = slip_pdf(slip)
    assert pdf.startswith(b"%PDF-")
    width_pt = float(re.search(rb"/MediaBox \[ ?0 0 ([\d.]+) ([\d.]+) ?\]", pdf).group(1))  # type: ignore[union-attr]
    assert width_pt * 25.4 / 72 == pytest.approx(PAPER_80MM / PRINTER_DPI * 25.4, abs=0.1)  # 72 mm: 80 mm paper
    # pdftoppm at the printer's resolution draws the page back at the PNG's size (its rounding
    # may move an edge by a dot, so it is read, not compared pixel for pixel).
    drawn = pdf_page(pdf, 203)
    assert drawn.size == render_slip(slip, PAPER_80MM).size
    assert_reads_back(drawn, slip, PAPER_80MM)


@pytest.mark.parametrize(
    ("day", "vi", "en"),
    [
        (date(2026, 2, 9), "Thứ Hai, 09/02/2026", "Monday, 09/02/2026"),
        (date(2026, 2, 10), "Thứ Ba, 10/02/2026", "Tuesday, 10/02/2026"),
        (date(2026, 2, 11), "Thứ Tư, 11/02/2026", "Wednesday, 11/02/2026"),
        (date(2026, 2, 12), "Thứ Năm, 12/02/2026", "Thursday, 12/02/2026"),
        (date(2026, 2, 13), "Thứ Sáu, 13/02/2026", "Friday, 13/02/2026"),
        (date(2026, 2, 14), "Thứ Bảy, 14/02/2026", "Saturday, 14/02/2026"),
        (date(2026, 2, 15), "Chủ nhật, 15/02/2026", "Sunday, 15/02/2026"),
    ],
)
def test_return_date_has_its_weekday(day: date, vi: str, en: str) -> None:
    assert day_with_weekday(day) == vi
    assert day_with_weekday(day, "en") == en


def test_received_at_is_printed_in_the_centers_time() -> None:
    # 17:30 UTC on Sunday 08/02 is 00:30 on Monday 09/02 in Hà Nội.
    slip = sample_slip().model_copy(update={"received_at": datetime(2026, 2, 8, 17, 30, tzinfo=UTC)})
    assert slip.local_received_at() == datetime(2026, 2, 9, 0, 30, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    sheet = render_slip(slip, PAPER_58MM)  # on 58 mm the details stand alone, above the QR code
    details = read_block(sheet, spans(compose_slip(slip, PAPER_58MM))["details"], one_line=False)
    assert "00:30 09/02/2026" in details, details


def test_slip_content_is_checked() -> None:
    fields = sample_slip().model_dump()
    with pytest.raises(ValidationError):
        SlipContent(**{**fields, "received_at": datetime(2026, 2, 4, 9, 5)})  # no time zone
    with pytest.raises(ValidationError):
        SlipContent(**{**fields, "dossier_code": "X" * 65})
    with pytest.raises(ValidationError):
        SlipContent(**{**fields, "timezone": "Asia/Hà_Nội"})
    decomposed = SlipContent(**{**fields, "officer_name": " Nguye\u0302\u0303n Thi\u0323 Ha\u0306\u0300ng "})
    assert decomposed.officer_name == "Nguyễn Thị Hằng"


@pytest.mark.parametrize("width", [PAPER_58MM, PAPER_80MM])
def test_long_procedure_name_wraps_and_is_never_cut(width: int) -> None:
    words = (
        "Thủ tục đăng ký khai sinh, đăng ký thường trú, cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi "
        "theo quy trình liên thông điện tử giữa Ủy ban nhân dân cấp xã, Công an và Bảo hiểm xã hội "
    ) * 3
    long = sample_slip().model_copy(update={"procedure_name": (words + "mẫu số 2026").strip()})
    short = sample_slip()
    where, before = spans(compose_slip(long, width)), spans(compose_slip(short, width))
    top, bottom = where["procedure"]
    one_line = before["procedure"][1] - before["procedure"][0]
    assert bottom - top >= 6 * one_line, "the long name should take many lines"
    # Everything below the procedure moved down by exactly the extra lines: nothing overlaps.
    shift = (bottom - top) - one_line
    assert where["return_date"] == (before["return_date"][0] + shift, before["return_date"][1] + shift)
    sheet = render_slip(long, width)
    last_line = (bottom - one_line, bottom)
    assert "2026" in read_block(sheet, last_line), "the last words are printed, not cut with …"
    assert_reads_back(sheet, long, width)


def strip_marks(slip: SlipContent, field: str) -> SlipContent:
    return slip.model_copy(update={field: fold_vietnamese(getattr(slip, field))})


@pytest.mark.parametrize("width", [PAPER_58MM, PAPER_80MM])
@pytest.mark.parametrize(("field", "block"), [("procedure_name", "procedure"), ("officer_name", "details"), ("center_name", "center_name")])
def test_vietnamese_marks_are_drawn_where_the_field_is(width: int, field: str, block: str) -> None:
    slip = sample_slip().model_copy(update={"procedure_name": "Chứng thực bản sao từ bản chính giấy tờ, văn bản"})
    bare = strip_marks(slip, field)
    assert getattr(bare, field) != getattr(slip, field)
    marked_page, bare_page = render_slip(slip, width), render_slip(bare, width)
    assert render_slip(slip, width).tobytes() == marked_page.tobytes()  # same slip, same pixels
    assert marked_page.size == bare_page.size  # marks fit in the line's height: no line moves
    box = ImageChops.difference(marked_page.convert("L"), bare_page.convert("L")).getbbox()
    assert box is not None, "the marks left no trace"
    top, bottom = spans(compose_slip(slip, width))[block]
    assert top <= box[1] and box[3] <= bottom


def test_the_title_and_procedure_read_in_vietnamese() -> None:
    slip = sample_slip()
    sheet = render_slip(slip, PAPER_80MM)
    where = spans(compose_slip(slip, PAPER_80MM))
    assert read_block(sheet, where["title"]) == "PHIẾU HẸN TRẢ KẾT QUẢ"
    assert read_block(sheet, where["procedure"]) == slip.procedure_name
