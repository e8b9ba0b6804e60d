"""Ticket data -> the raster image a thermal printer prints, one dot per pixel.

The ticket is a stack of named blocks (center name, number, category, ...), each drawn on its own
strip the width of the paper and stacked top to bottom, so tests can find where each one landed.
Text is drawn without anti-aliasing and the page is thresholded here: a thermal head has no grey,
and letting the ESC/POS library dither grey edges speckles the glyphs.
"""

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import qrcode
import qrcode.constants
from PIL import Image, ImageDraw, ImageFont
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from printer import fonts as font_files
from printer.messages import pair, text
from printer.textblock import BLACK, WHITE, text_block

PAPER_58MM = 384
PAPER_80MM = 576


def composed(value: str | None) -> str | None:
    """Printed text trimmed and in NFC: one code point per accented letter, the font's
    precomposed glyphs, no shaping needed, and the same text always gives the same pixels however
    the client typed it."""
    return unicodedata.normalize("NFC", value.strip()) if value is not None else None


def known_zone(value: str) -> str:
    """A time zone name the system knows (printed times are local to the center)."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ValueError(f"unknown time zone {value!r}") from error
    return value


class TicketPrint(BaseModel):
    """What goes on one printed ticket. The server fills it from a ticket; nothing here knows
    the server's models."""

    model_config = ConfigDict(frozen=True)

    center_name: str = Field(min_length=1, max_length=200)
    label: str = Field(min_length=1, max_length=12, description="the ticket number, e.g. A015")
    category_vi: str = Field(min_length=1, max_length=200)
    category_en: str = Field(default="", max_length=200)
    issued_at: AwareDatetime
    timezone: str = Field(default="Asia/Ho_Chi_Minh", description="the center's time zone; printed times are local")
    people_ahead: int = Field(ge=0)
    estimated_wait_minutes: int | None = Field(default=None, ge=0)
    status_url: str = Field(min_length=1, max_length=500, description="the QR code's target")
    hotline: str = Field(default="", max_length=40)
    priority_vi: str | None = Field(default=None, max_length=80)
    priority_en: str | None = Field(default=None, max_length=80)

    _composed = field_validator(
        "center_name", "label", "category_vi", "category_en", "hotline", "priority_vi", "priority_en"
    )(composed)
    _known_zone = field_validator("timezone")(known_zone)

    def local_issued_at(self) -> datetime:
        return self.issued_at.astimezone(ZoneInfo(self.timezone))


@dataclass(frozen=True)
class Style:
    """Sizes in dots for one paper width."""

    margin: int
    gap: int
    center_name: int
    caption: int
    number_max: int
    category_vi: int
    category_en: int
    info: int
    small: int
    qr_target: int
    qr_beside_info: bool  # wide paper: QR code right of the details, so the ticket stays short

    @classmethod
    def for_width(cls, width_dots: int) -> "Style":
        if width_dots >= PAPER_80MM:
            return cls(8, 8, 28, 18, 150, 28, 20, 20, 16, 140, True)
        return cls(6, 8, 24, 17, 140, 24, 19, 19, 15, 144, False)


@dataclass(frozen=True)
class Block:
    name: str
    image: Image.Image  # mode "L", the full paper width


def space(name: str, width: int, height: int) -> Block:
    return Block(name, Image.new("L", (width, height), WHITE))


def load_font(path_for: font_files.FontSet, weight: str, size: int) -> ImageFont.FreeTypeFont:
    """One of the set's weights (regular, bold, heavy) at `size` dots."""
    return font_files.load(getattr(path_for, weight), size)


def fitted_line(value: str, path: Path, width: int, margin: int, max_size: int) -> Image.Image:
    """One line centred at the largest size (at most `max_size`) whose ink fits inside the margins:
    the ticket's number, the slip's dossier code."""
    # Measure once at 100 and scale, then make sure.
    avail = width - 2 * margin
    probe = font_files.load(path, 100)
    left, _, right, _ = probe.getbbox(value)
    size = max(8, min(max_size, 100 * avail // max(1, right - left)))
    font = font_files.load(path, size)
    while size > 8 and font.getbbox(value)[2] - font.getbbox(value)[0] > avail:
        size -= 2
        font = font_files.load(path, size)
    left, top, right, bottom = font.getbbox(value)
    strip = Image.new("L", (width, bottom - top), WHITE)
    draw = ImageDraw.Draw(strip)
    draw.fontmode = "1"
    draw.text(((width - (right - left)) // 2 - left, -top), value, font=font, fill=BLACK)
    return strip


def inverted(image: Image.Image) -> Image.Image:
    return image.point(lambda value: WHITE - value)


def rule(width: int, style: Style) -> Image.Image:
    strip = Image.new("L", (width, 2), WHITE)
    ImageDraw.Draw(strip).rectangle((style.margin, 0, width - style.margin - 1, 1), fill=BLACK)
    return strip


def qr_image(url: str, target: int) -> Image.Image:
    """The status-page QR code, whole modules only (a scaled QR code blurs), about `target` dots."""
    # A fixed mask pattern: any of the eight is valid, and searching for the best one costs
    # 5 ms of the 50 ms budget.
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0, mask_pattern=0)
    code.add_data(url)
    code.make(fit=True)
    matrix = code.get_matrix()
    modules = len(matrix)
    scale = max(2, target // modules)
    small = Image.new("L", (modules, modules), WHITE)
    small.putdata([BLACK if dark else WHITE for row in matrix for dark in row])
    return small.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)


def beside(left: Image.Image, right: Image.Image, width: int, style: Style) -> Image.Image:
    height = max(left.height, right.height)
    strip = Image.new("L", (width, height), WHITE)
    room = width - right.width - style.margin
    # Crop only ever narrows: cropping past an image's edge fills with black.
    strip.paste(left.crop((0, 0, min(room, left.width), left.height)), (0, (height - left.height) // 2))
    strip.paste(right, (width - right.width - style.margin, (height - right.height) // 2))
    return strip


def centered(image: Image.Image, width: int) -> Image.Image:
    strip = Image.new("L", (width, image.height), WHITE)
    strip.paste(image, ((width - image.width) // 2, 0))
    return strip


def _details(ticket: TicketPrint, style: Style) -> list[tuple[str, int]]:
    """(text, font size) for each detail line: the time once, then each figure in Vietnamese and
    below it, smaller, in English."""
    when = ticket.local_issued_at().strftime("%H:%M  %d/%m/%Y")
    lines = [(f"{pair('issued_at')}: {when}", style.info)]
    figures = [("people_ahead", {"count": ticket.people_ahead})]
    if ticket.estimated_wait_minutes is None:
        figures.append(("estimated_wait_unknown", {}))
    else:
        figures.append(("estimated_wait", {"minutes": ticket.estimated_wait_minutes}))
    for key, values in figures:
        lines += [(text(key, "vi", **values), style.info), (text(key, "en", **values), style.small)]
    return lines


# The most lines a paragraph of the center's own text takes: a long name is cut with "…" (the
# screen shows it whole), so that no ticket is longer than the paper and the time it needs:
# every ticket stays under 40 kB of printer data at both widths (bench/print_ticket.py).
MAX_LINES = {"center_name": 2, "priority": 1, "category": 2, "category_en": 1, "hotline": 1}


def paragraph(name: str, value: str, font: ImageFont.FreeTypeFont, width: int, style: Style) -> Block:
    """A centred, wrapped paragraph inside the margins."""
    return Block(name, centered(text_block(value, font, width - 2 * style.margin, max_lines=MAX_LINES.get(name)), width))


def details_with_qr(
    lines: list[tuple[str, int]], status_url: str, scan: str, fonts: font_files.FontSet, width: int, style: Style
) -> list[Block]:
    """Detail lines (text, font size) and the status page's QR code with its caption `scan`: side
    by side on 80 mm paper, one above the other on 58 mm."""
    qr = qr_image(status_url, style.qr_target)
    inner = width - 2 * style.margin
    column = inner - (qr.width + style.gap if style.qr_beside_info else 0)
    images = [text_block(line, load_font(fonts, "regular", size), column, align="left") for line, size in lines]
    details = stack(images, column)
    caption = paragraph("scan", scan, load_font(fonts, "regular", style.small), width, style)
    if style.qr_beside_info:
        padded = Image.new("L", (column + style.margin, details.height), WHITE)
        padded.paste(details, (style.margin, 0))
        return [Block("details", beside(padded, qr, width, style)), caption]
    padded = Image.new("L", (width, details.height), WHITE)
    padded.paste(details, (style.margin, 0))
    return [Block("details", padded), Block("qr", centered(qr, width)), caption]


def check_width(width_dots: int) -> None:
    if width_dots < 256 or width_dots % 8:
        raise ValueError(
            f"paper width must be a multiple of 8 dots, at least 256 (58 mm is 384, 80 mm is 576); got {width_dots}"
        )


def compose(ticket: TicketPrint, width_dots: int, fonts: font_files.FontSet | None = None) -> list[Block]:
    """The ticket's blocks, top to bottom, each `width_dots` wide."""
    check_width(width_dots)
    fonts = fonts or font_files.default_fonts()
    style = Style.for_width(width_dots)
    width = width_dots
    blocks = [
        space("top", width, style.margin),
        paragraph("center_name", ticket.center_name, load_font(fonts, "bold", style.center_name), width, style),
        Block("rule", rule(width, style)),
        paragraph("caption", pair("your_number"), load_font(fonts, "regular", style.caption), width, style),
        space("above_number", width, style.gap // 2),
        Block("number", fitted_line(ticket.label, fonts.heavy, width, style.margin, style.number_max)),
        space("below_number", width, style.gap),
    ]
    if ticket.priority_vi:
        group = {"group_vi": ticket.priority_vi, "group_en": ticket.priority_en or ticket.priority_vi}
        band = paragraph("priority", pair("priority", **group), load_font(fonts, "bold", style.info), width, style)
        blocks.append(Block("priority", inverted(band.image)))
    blocks.append(paragraph("category", ticket.category_vi, load_font(fonts, "bold", style.category_vi), width, style))
    if ticket.category_en:
        blocks.append(
            paragraph("category_en", ticket.category_en, load_font(fonts, "regular", style.category_en), width, style)
        )
    blocks.append(space("above_details", width, style.gap))
    blocks += details_with_qr(_details(ticket, style), ticket.status_url, pair("scan_status"), fonts, width, style)
    if ticket.hotline:
        hotline = pair("hotline", phone=ticket.hotline)
        blocks.append(paragraph("hotline", hotline, load_font(fonts, "bold", style.small), width, style))
    blocks.append(space("bottom", width, style.margin))
    return blocks


def stack(images: list[Image.Image], width: int) -> Image.Image:
    page = Image.new("L", (width, sum(image.height for image in images)), WHITE)
    top = 0
    for image in images:
        page.paste(image, (0, top))
        top += image.height
    return page


def spans(blocks: list[Block]) -> dict[str, tuple[int, int]]:
    """Where each block lands on the page: name -> (first row, row after the last)."""
    placed, top = {}, 0
    for block in blocks:
        placed[block.name] = (top, top + block.image.height)
        top += block.image.height
    return placed


def threshold(page: Image.Image) -> Image.Image:
    """Grey -> pure black and white at 50%, no dithering."""
    return page.point(lambda value: 255 if value >= 128 else 0, mode="1")


def render(ticket: TicketPrint, width_dots: int, fonts: font_files.FontSet | None = None) -> Image.Image:
    """The ticket as a mode "1" image `width_dots` wide: what the printer prints and the preview
    shows. Same ticket, same fonts -> same pixels."""
    blocks = compose(ticket, width_dots, fonts)
    return threshold(stack([block.image for block in blocks], width_dots))
