"""The appointment slip (phiếu hẹn trả kết quả): what the citizen takes home when a counter
receives a dossier, with the date to come back for the result.

Drawn with the ticket's machinery (printer/layout.py: fonts, wrapped paragraphs, fitted lines,
the QR code, the threshold), so it prints on the same 58 and 80 mm printers through the same
`escpos_out.encode_image`, and the same pixels make the PNG and the PDF. Nothing here knows the
server's dossier: the server fills a `SlipContent`.

The PDF is a receipt-size page (the paper width at the printer's 203 dpi): the slip exactly as a
thermal printer prints it, for an office printer or to send by mail.
"""

import io
from datetime import date, datetime
from zoneinfo import ZoneInfo

from PIL import Image
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator

from printer import fonts as font_files
from printer.layout import (
    PAPER_80MM,
    Block,
    Style,
    check_width,
    composed,
    details_with_qr,
    fitted_line,
    known_zone,
    load_font,
    paragraph,
    rule,
    space,
    stack,
    threshold,
)
from printer.messages import pair, text

# A thermal printer's resolution: 8 dots per millimetre.
PRINTER_DPI = 203.2


class SlipContent(BaseModel):
    """What goes on one appointment slip. Plain data: the server fills it from a dossier; it is
    also what a print job stores, so the slip prints as it was when the dossier was received."""

    model_config = ConfigDict(frozen=True)

    center_name: str = Field(min_length=1, max_length=200)
    center_address: str = Field(default="", max_length=300)
    hotline: str = Field(default="", max_length=40)
    procedure_name: str = Field(min_length=1, max_length=500, description="wrapped on paper, never cut")
    dossier_code: str = Field(min_length=1, max_length=64, description="mã hồ sơ")
    received_at: AwareDatetime
    return_date: date = Field(description="the day the result is due, printed with its weekday")
    officer_name: str = Field(min_length=1, max_length=120)
    status_url: str = Field(min_length=1, max_length=500, description="the QR code's target: the dossier's status page")
    timezone: str = Field(default="Asia/Ho_Chi_Minh", description="the center's time zone; printed times are local")

    _composed = field_validator(
        "center_name", "center_address", "hotline", "procedure_name", "dossier_code", "officer_name"
    )(composed)
    _known_zone = field_validator("timezone")(known_zone)

    def local_received_at(self) -> datetime:
        return self.received_at.astimezone(ZoneInfo(self.timezone))


def day_with_weekday(day: date, lang: str = "vi") -> str:
    """"Thứ Hai, 09/02/2026" (English: "Monday, 09/02/2026")."""
    return f"{text(f'weekday_{day.weekday()}', lang)}, {day:%d/%m/%Y}"


def compose_slip(content: SlipContent, width_dots: int, fonts: font_files.FontSet | None = None) -> list[Block]:
    """The slip's blocks, top to bottom, each `width_dots` wide."""
    check_width(width_dots)
    fonts = fonts or font_files.default_fonts()
    style = Style.for_width(width_dots)
    width = width_dots

    def caption(name: str, key: str) -> Block:
        return paragraph(name, pair(key), load_font(fonts, "regular", style.small), width, style)

    blocks = [
        space("top", width, style.margin),
        paragraph("center_name", content.center_name, load_font(fonts, "bold", style.center_name), width, style),
    ]
    if content.center_address:
        address = text("slip_address", "vi", address=content.center_address)
        blocks.append(paragraph("address", address, load_font(fonts, "regular", style.small), width, style))
    if content.hotline:
        hotline = pair("hotline", phone=content.hotline)
        blocks.append(paragraph("hotline", hotline, load_font(fonts, "regular", style.small), width, style))
    received = content.local_received_at().strftime("%H:%M  %d/%m/%Y")
    details = [
        (text("slip_received_at", "vi", when=received), style.info),
        (text("slip_received_at", "en", when=received), style.small),
        (text("slip_officer", "vi", name=content.officer_name), style.info),
        (text("slip_officer", "en", name=content.officer_name), style.small),
    ]
    blocks += [
        space("above_rule", width, style.gap // 2),
        Block("rule", rule(width, style)),
        space("above_title", width, style.gap // 2),
        paragraph("title", text("slip_title", "vi"), load_font(fonts, "heavy", style.category_vi), width, style),
        paragraph("title_en", text("slip_title", "en"), load_font(fonts, "regular", style.small), width, style),
        space("above_code", width, style.gap),
        caption("code_caption", "slip_dossier_code"),
        Block("code", fitted_line(content.dossier_code, fonts.bold, width, style.margin, style.center_name + 8)),
        space("above_procedure", width, style.gap),
        caption("procedure_caption", "slip_procedure"),
        paragraph("procedure", content.procedure_name, load_font(fonts, "bold", style.category_vi), width, style),
        space("above_return", width, style.gap),
        caption("return_caption", "slip_return_date"),
        paragraph(
            "return_date", day_with_weekday(content.return_date), load_font(fonts, "heavy", style.center_name), width, style
        ),
        paragraph(
            "return_date_en", day_with_weekday(content.return_date, "en"), load_font(fonts, "regular", style.small), width, style
        ),
        space("above_details", width, style.gap),
        *details_with_qr(details, content.status_url, pair("slip_scan"), fonts, width, style),
        space("above_bring", width, style.gap // 2),
        paragraph("bring", pair("slip_bring"), load_font(fonts, "bold", style.small), width, style),
        space("bottom", width, style.margin),
    ]
    return blocks


def render_slip(content: SlipContent, width_dots: int, fonts: font_files.FontSet | None = None) -> Image.Image:
    """The slip as a mode "1" image `width_dots` wide: what the printer prints, the PNG and the
    PDF. Same slip, same fonts -> same pixels."""
    blocks = compose_slip(content, width_dots, fonts)
    return threshold(stack([block.image for block in blocks], width_dots))


def slip_png(content: SlipContent, width_dots: int = PAPER_80MM) -> bytes:
    """The slip as a PNG, one pixel per printer dot."""
    out = io.BytesIO()
    render_slip(content, width_dots).save(out, "PNG", dpi=(PRINTER_DPI, PRINTER_DPI))
    return out.getvalue()


def slip_pdf(content: SlipContent, width_dots: int = PAPER_80MM) -> bytes:
    """The slip as a one-page PDF the size of the receipt (80 mm paper prints 72 mm wide)."""
    out = io.BytesIO()
    render_slip(content, width_dots).save(
        out, "PDF", resolution=PRINTER_DPI, title=f"{text('slip_title', 'vi')} {content.dossier_code}", author=content.center_name
    )
    return out.getvalue()
