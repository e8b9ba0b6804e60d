"""The ticket image: what is on it, how big, where, and that it is the same every time."""

import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest
import qrcode
import qrcode.constants
from PIL import Image, ImageChops
from pydantic import ValidationError

from printer import fonts
from printer.escpos_out import encode_ticket
from printer.layout import PAPER_58MM, PAPER_80MM, TicketPrint, compose, render, spans
from printer.textblock import at_most, wrap
from longest_ticket import LONGEST

WIDTHS = [PAPER_58MM, PAPER_80MM]


def ink_rows(image: Image.Image) -> tuple[int, int]:
    """First and last+1 row with a black pixel."""
    box = ImageChops.invert(image.convert("L")).getbbox()
    assert box is not None, "the image is blank"
    return box[1], box[3]


@pytest.mark.parametrize("width", WIDTHS)
def test_render_is_pure_black_and_white_at_paper_width(ticket: TicketPrint, width: int) -> None:
    image = render(ticket, width)
    assert image.mode == "1"
    assert image.width == width
    histogram = image.convert("L").histogram()
    assert {value for value, count in enumerate(histogram) if count} == {0, 255}
    # Nothing is cut off: ink stays clear of the outermost column on each side.
    left, _, right, _ = ImageChops.invert(image.convert("L")).getbbox()
    assert left > 0 and right < width


@pytest.mark.parametrize("width", WIDTHS)
def test_same_ticket_same_pixels(ticket: TicketPrint, width: int) -> None:
    assert render(ticket, width).tobytes() == render(ticket.model_copy(), width).tobytes()


@pytest.mark.parametrize("width", WIDTHS)
def test_every_part_is_on_the_ticket_in_order(ticket: TicketPrint, width: int) -> None:
    placed = spans(compose(ticket, width))
    order = ["center_name", "caption", "number", "category", "category_en", "details", "scan", "hotline"]
    tops = [placed[name][0] for name in order]
    assert tops == sorted(tops)
    page = render(ticket, width)
    for name in order:
        top, bottom = placed[name]
        assert bottom > top
        assert ImageChops.invert(page.crop((0, top, width, bottom)).convert("L")).getbbox(), f"{name} is blank"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_number_is_very_large(ticket: TicketPrint, width: int) -> None:
    blocks = {block.name: block.image for block in compose(ticket, width)}
    top, bottom = ink_rows(blocks["number"])
    caption_top, caption_bottom = ink_rows(blocks["caption"])
    assert bottom - top >= 5 * (caption_bottom - caption_top)
    assert bottom - top >= 12 * 8  # 12 mm at 8 dots per mm


def test_the_number_shrinks_to_fit_a_long_label(ticket: TicketPrint) -> None:
    wide = ticket.model_copy(update={"label": "A1234567"})
    number = {block.name: block.image for block in compose(wide, PAPER_58MM)}["number"]
    left, _, right, _ = ImageChops.invert(number).getbbox()
    assert left >= 0 and right <= PAPER_58MM
    assert number.height < {block.name: block.image for block in compose(ticket, PAPER_58MM)}["number"].height


def test_long_text_wraps_instead_of_running_off(ticket: TicketPrint) -> None:
    short = compose(ticket.model_copy(update={"center_name": "UBND Xã An Bình"}), PAPER_58MM)
    long_name = "Trung tâm Phục vụ hành chính công Ủy ban nhân dân Phường Hoàn Kiếm, Quận Hoàn Kiếm, Thành phố Hà Nội"
    long = compose(ticket.model_copy(update={"center_name": long_name}), PAPER_58MM)
    short_block = {block.name: block.image for block in short}["center_name"]
    long_block = {block.name: block.image for block in long}["center_name"]
    assert long_block.width == short_block.width == PAPER_58MM
    # Two lines at most (the screen shows the name whole): the paper stays short.
    assert long_block.height == 2 * short_block.height


def test_a_paragraph_past_its_lines_ends_in_an_ellipsis_that_fits() -> None:
    font = fonts.load(fonts.default_fonts().bold, 24)
    text = "Trung tâm Phục vụ hành chính công Ủy ban nhân dân Phường Hoàn Kiếm, Quận Hoàn Kiếm, Thành phố Hà Nội"
    lines = wrap(text, font, 300)
    assert len(lines) >= 3
    kept = at_most(lines, font, 300, 2)
    assert kept[0] == lines[0]
    assert len(kept) == 2 and kept[1].endswith("…")
    assert all(font.getlength(line) <= 300 for line in kept)
    assert at_most(lines[:2], font, 300, 2) == lines[:2]  # nothing left out, nothing added


@pytest.mark.parametrize("width", [PAPER_58MM, PAPER_80MM])
def test_every_field_at_its_longest_still_prints_in_under_40_kb(width: int) -> None:
    assert len(encode_ticket(LONGEST, width)) < 40_000


def test_time_is_printed_in_the_center_time_zone(ticket: TicketPrint) -> None:
    # The same instant written in UTC or in Hà Nội time prints the same; another hour does not.
    hanoi = timezone(timedelta(hours=7))
    same_instant = ticket.model_copy(update={"issued_at": ticket.issued_at.astimezone(hanoi)})
    assert render(same_instant, PAPER_58MM).tobytes() == render(ticket, PAPER_58MM).tobytes()
    assert ticket.local_issued_at().strftime("%H:%M") == "09:05"
    later = ticket.model_copy(update={"issued_at": ticket.issued_at + timedelta(hours=1)})
    assert render(later, PAPER_58MM).tobytes() != render(ticket, PAPER_58MM).tobytes()


def test_figures_change_the_details_only(ticket: TicketPrint) -> None:
    other = ticket.model_copy(update={"people_ahead": 12, "estimated_wait_minutes": 40})
    placed = spans(compose(ticket, PAPER_80MM))
    diff = ImageChops.difference(render(ticket, PAPER_80MM).convert("L"), render(other, PAPER_80MM).convert("L"))
    _, top, _, bottom = diff.getbbox()
    assert placed["details"][0] <= top and bottom <= placed["details"][1]


def test_priority_is_shown_as_a_black_band(ticket: TicketPrint) -> None:
    plain = spans(compose(ticket, PAPER_58MM))
    assert "priority" not in plain
    priority = ticket.model_copy(update={"priority_vi": "Người cao tuổi", "priority_en": "Elderly"})
    band = {block.name: block.image for block in compose(priority, PAPER_58MM)}["priority"]
    black = band.histogram()[0]
    assert black > band.width * band.height // 2  # white letters on black


def rightmost_ink_run(region: Image.Image, gap: int = 6) -> tuple[int, int]:
    """The right-most run of inked columns, ended by `gap` white columns (inside a QR code no
    white column run is wider than one module: the timing pattern alternates)."""
    inked = [
        ImageChops.invert(region.crop((x, 0, x + 1, region.height)).convert("L")).getbbox() is not None
        for x in range(region.width)
    ]
    right = max(x for x, ink in enumerate(inked) if ink) + 1
    left, white, x = right - 1, 0, right - 1
    while x >= 0 and white < gap:
        left, white = (x, 0) if inked[x] else (left, white + 1)
        x -= 1
    return left, right


@pytest.mark.parametrize("width", WIDTHS)
def test_qr_code_modules_are_printed_whole(ticket: TicketPrint, width: int) -> None:
    """Sample the printed QR code at each module's centre and compare with the code for the URL."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=0)
    code.add_data(ticket.status_url)
    code.make(fit=True)
    expected = code.get_matrix()
    name = "details" if width == PAPER_80MM else "qr"
    top, bottom = spans(compose(ticket, width))[name]
    region = render(ticket, width).crop((0, top, width, bottom))
    left, right = rightmost_ink_run(region)
    _, qr_top, _, qr_bottom = ImageChops.invert(region.crop((left, 0, right, region.height)).convert("L")).getbbox()
    modules = len(expected)
    assert right - left == qr_bottom - qr_top
    assert (right - left) % modules == 0, "modules must be whole dots"
    scale = (right - left) // modules
    assert scale >= 3, "modules under 3 dots do not scan on a thermal print"
    sampled = [
        [
            region.getpixel((left + col * scale + scale // 2, qr_top + row * scale + scale // 2)) == 0
            for col in range(modules)
        ]
        for row in range(modules)
    ]
    assert sampled == expected


def test_ticket_needs_an_aware_time_and_a_known_zone(ticket: TicketPrint) -> None:
    fields = ticket.model_dump()
    with pytest.raises(ValidationError):
        TicketPrint(**{**fields, "issued_at": datetime(2026, 11, 23, 9, 5)})
    with pytest.raises(ValidationError, match="unknown time zone"):
        TicketPrint(**{**fields, "timezone": "Asia/Hanoi_City"})
    with pytest.raises(ValidationError):
        TicketPrint(**{**fields, "people_ahead": -1})


def test_decomposed_input_renders_like_composed(ticket: TicketPrint) -> None:
    decomposed = TicketPrint(**{**ticket.model_dump(), "category_vi": unicodedata.normalize("NFD", ticket.category_vi)})
    assert decomposed.category_vi == ticket.category_vi
    assert render(decomposed, PAPER_58MM).tobytes() == render(ticket, PAPER_58MM).tobytes()


def test_paper_width_must_be_whole_bytes(ticket: TicketPrint) -> None:
    with pytest.raises(ValueError, match="multiple of 8"):
        render(ticket, 380)


def test_dejavu_fallback_renders_too(ticket: TicketPrint) -> None:
    dejavu = fonts.dejavu_sans()
    assert dejavu is not None, "Debian's fonts-dejavu-core is in deploy/packages.txt"
    default = render(ticket, PAPER_58MM)
    fallback = render(ticket, PAPER_58MM, fonts=dejavu)
    assert fonts.default_fonts().name == "BeVietnamPro"
    assert fallback.mode == "1" and fallback.width == PAPER_58MM
    assert fallback.tobytes() != default.tobytes()
    assert render(ticket, PAPER_58MM, fonts=dejavu).tobytes() == fallback.tobytes()


def test_issued_at_is_converted_not_relabelled() -> None:
    ticket = TicketPrint(
        center_name="X",
        label="B001",
        category_vi="Đất đai",
        issued_at=datetime(2026, 1, 1, 23, 30, tzinfo=UTC),
        people_ahead=0,
        status_url="https://x.vn/s/1",
    )
    # 23:30 UTC on 1 January is 06:30 on 2 January in Hà Nội.
    assert ticket.local_issued_at().strftime("%d/%m %H:%M") == "02/01 06:30"
