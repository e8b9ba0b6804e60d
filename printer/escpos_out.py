"""Ticket or slip -> ESC/POS bytes, through python-escpos's `Dummy` printer (it records instead of sending).

Two modes, chosen per printer:
- image: the rendered ticket (or slip) as GS v 0 raster images, then a cut. Correct Vietnamese on any
  printer that prints images, which is nearly all of them.
- text: the printer's own font with Vietnamese folded to ASCII (Đăng ký -> Dang ky), for the few
  printers that cannot print images; the QR code is the printer's own if its profile has one.
"""

import textwrap
import unicodedata
from dataclasses import dataclass

from PIL import Image

from printer import escpos_lib
from printer.layout import PAPER_58MM, PAPER_80MM, TicketPrint, render
from printer.messages import pair, text
from printer.slip import SlipContent, day_with_weekday, render_slip

# A named python-escpos profile per paper width: the data we start from, copied, never changed.
BASE_PROFILES = {PAPER_58MM: "POS-5890", PAPER_80MM: "TM-T20II"}
# Rows per GS v 0 command. Cheap printers have small receive buffers and some mishandle one huge
# raster command; 256 rows costs 8 bytes of header per fragment.
FRAGMENT_ROWS = 256
# Characters per line in the printer's font A (12 dots wide).
FONT_A_DOTS = 12


def _printer(width_dots: int, profile_name: str | None = None):  # -> escpos.printer.Dummy
    escpos = escpos_lib.load()
    printer = escpos.printer.Dummy()
    # An attribute of this one printer object: the shared named profile stays untouched.
    printer.profile = escpos_lib.profile(profile_name or BASE_PROFILES.get(width_dots, "default"), width_dots)
    return printer


def encode_image(image: Image.Image, profile_name: str | None = None, cut: bool = True) -> bytes:
    """A mode "1" ticket image -> ESC/POS: initialise, raster image, feed and cut."""
    printer = _printer(image.width, profile_name)
    printer.hw("INIT")
    # We cut the fragments ourselves: python-escpos would convert the whole image once, then
    # each fragment again.
    for top in range(0, image.height, FRAGMENT_ROWS):
        fragment = image.crop((0, top, image.width, min(top + FRAGMENT_ROWS, image.height)))
        printer.image(fragment, impl="bitImageRaster", fragment_height=FRAGMENT_ROWS)
    if cut:
        printer.cut()
    return printer.output


def encode_ticket(ticket: TicketPrint, width_dots: int, profile_name: str | None = None) -> bytes:
    """Render and encode in one call: what the print queue sends for a ticket."""
    return encode_image(render(ticket, width_dots), profile_name)


def fold_vietnamese(value: str) -> str:
    """Vietnamese -> plain ASCII for printers without a Vietnamese code page: drop the tone and
    vowel marks (NFD then remove combining marks) and write đ as d. Anything else outside ASCII
    becomes '?', which every code page prints."""
    value = value.replace("đ", "d").replace("Đ", "D")
    bare = "".join(char for char in unicodedata.normalize("NFD", value) if not unicodedata.combining(char))
    return bare.encode("ascii", "replace").decode("ascii")


@dataclass(frozen=True)
class TextPage:
    """A document for the printer's own font, by part: what `encode_text` prints, top to bottom."""

    header: list[str]  # centred, bold
    big: str  # one large line: the ticket's number, the dossier code
    body: list[str]  # centred, bold: the category, or the procedure and the return date
    details: list[str]  # left
    qr_url: str
    footer: list[str]  # centred


def ticket_text(ticket: TicketPrint) -> TextPage:
    when = ticket.local_issued_at().strftime("%H:%M %d/%m/%Y")
    wait = (
        pair("estimated_wait_unknown")
        if ticket.estimated_wait_minutes is None
        else pair("estimated_wait", minutes=ticket.estimated_wait_minutes)
    )
    body = [ticket.category_vi, ticket.category_en]
    if ticket.priority_vi:
        body.insert(0, text("priority", "vi", group_vi=ticket.priority_vi))
    return TextPage(
        header=[ticket.center_name, pair("your_number")],
        big=ticket.label,
        body=body,
        details=[f"{pair('issued_at')}: {when}", pair("people_ahead", count=ticket.people_ahead), wait],
        qr_url=ticket.status_url,
        footer=[pair("hotline", phone=ticket.hotline)] if ticket.hotline else [],
    )


def slip_text(slip: SlipContent) -> TextPage:
    received = slip.local_received_at().strftime("%H:%M %d/%m/%Y")
    return TextPage(
        header=[
            slip.center_name,
            slip.center_address,
            pair("hotline", phone=slip.hotline) if slip.hotline else "",
            pair("slip_title"),
            pair("slip_dossier_code"),
        ],
        big=slip.dossier_code,
        body=[f"{pair('slip_procedure')}:", slip.procedure_name, f"{pair('slip_return_date')}:", day_with_weekday(slip.return_date)],
        details=[text("slip_received_at", "vi", when=received), text("slip_officer", "vi", name=slip.officer_name)],
        qr_url=slip.status_url,
        footer=[pair("slip_scan"), pair("slip_bring")],
    )


def text_lines(page: TextPage, columns: int) -> dict[str, list[str]]:
    """The page's text, folded and wrapped to `columns`, by part (the big line is separate)."""
    parts = {"header": page.header, "body": page.body, "details": page.details, "footer": page.footer}
    return {
        name: [wrapped for line in lines if line for wrapped in textwrap.wrap(fold_vietnamese(line), columns)]
        for name, lines in parts.items()
    }


def _cut_to(value: str, columns: int) -> list[str]:
    """A line without spaces (an address, a code) cut at the line width."""
    return [value[start : start + columns] for start in range(0, len(value), columns)]


def encode_text(document: TicketPrint | SlipContent, width_dots: int, profile_name: str | None = None) -> bytes:
    """The ticket or slip in the printer's own font, code page CP437 (ASCII is the same in all of them)."""
    page = ticket_text(document) if isinstance(document, TicketPrint) else slip_text(document)
    printer = _printer(width_dots, profile_name)
    columns = width_dots // FONT_A_DOTS
    lines = text_lines(page, columns)
    big = fold_vietnamese(page.big)
    size = max(1, min(4, columns // len(big)))  # the ticket's number 4 times as large; a code as large as fits
    printer.hw("INIT")
    printer.charcode("CP437")
    printer.set(align="center", bold=True)
    for line in lines["header"]:
        printer.textln(line)
    printer.set(custom_size=True, width=size, height=size)
    for line in _cut_to(big, columns // size):
        printer.textln(line)
    printer.set(normal_textsize=True)
    for line in lines["body"]:
        printer.textln(line)
    printer.set(align="left", bold=False)
    for line in lines["details"]:
        printer.textln(line)
    printer.set(align="center")
    if printer.profile.supports("qrCode"):
        printer.qr(page.qr_url, size=6, native=True)
        printer.ln()
    else:  # the address itself, cut at the line width (a URL has no spaces to wrap at)
        for line in _cut_to(fold_vietnamese(page.qr_url), columns):
            printer.textln(line)
    for line in lines["footer"]:
        printer.textln(line)
    printer.cut()
    return printer.output


def encode(document: TicketPrint | SlipContent, width_dots: int, mode: str = "image") -> bytes:
    """What a printer in `mode` (image, or text for printers that cannot print images) gets for
    a ticket or a slip: the print queue's and the print agent's one call."""
    if mode == "text":
        return encode_text(document, width_dots)
    image = render(document, width_dots) if isinstance(document, TicketPrint) else render_slip(document, width_dots)
    return encode_image(image)
