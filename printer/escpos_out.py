"""Ticket -> ESC/POS bytes, through python-escpos's `Dummy` printer (it records instead of sending).

Two modes, chosen per printer:
- image: the rendered ticket as GS v 0 raster images, then a cut. Correct Vietnamese on any
  printer that prints images, which is nearly all of them.
- text: the printer's own font with Vietnamese folded to ASCII (Đăng ký -> Dang ky), for the few
  printers that cannot print images; the QR code is the printer's own if its profile has one.
"""

import textwrap
import unicodedata

from PIL import Image

from printer import escpos_lib
from printer.layout import PAPER_58MM, PAPER_80MM, TicketPrint, render
from printer.messages import pair, text

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


def text_lines(ticket: TicketPrint, columns: int) -> dict[str, list[str]]:
    """The ticket's text, folded and wrapped to `columns`, by part (the number is separate)."""
    when = ticket.local_issued_at().strftime("%H:%M %d/%m/%Y")
    wait = (
        pair("estimated_wait_unknown")
        if ticket.estimated_wait_minutes is None
        else pair("estimated_wait", minutes=ticket.estimated_wait_minutes)
    )
    parts = {
        "header": [ticket.center_name, pair("your_number")],
        "category": [ticket.category_vi, ticket.category_en],
        "details": [
            f"{pair('issued_at')}: {when}",
            pair("people_ahead", count=ticket.people_ahead),
            wait,
        ],
        "footer": [pair("hotline", phone=ticket.hotline)] if ticket.hotline else [],
    }
    if ticket.priority_vi:
        parts["category"].insert(0, text("priority", "vi", group_vi=ticket.priority_vi))
    return {
        name: [wrapped for line in lines if line for wrapped in textwrap.wrap(fold_vietnamese(line), columns)]
        for name, lines in parts.items()
    }


def encode_text(ticket: TicketPrint, width_dots: int, profile_name: str | None = None) -> bytes:
    """The ticket in the printer's own font, code page CP437 (ASCII is the same in all of them)."""
    printer = _printer(width_dots, profile_name)
    lines = text_lines(ticket, width_dots // FONT_A_DOTS)
    printer.hw("INIT")
    printer.charcode("CP437")
    printer.set(align="center", bold=True)
    for line in lines["header"]:
        printer.textln(line)
    printer.set(custom_size=True, width=4, height=4)
    printer.textln(fold_vietnamese(ticket.label))
    printer.set(normal_textsize=True)
    for line in lines["category"]:
        printer.textln(line)
    printer.set(align="left", bold=False)
    for line in lines["details"]:
        printer.textln(line)
    printer.set(align="center")
    if printer.profile.supports("qrCode"):
        printer.qr(ticket.status_url, size=6, native=True)
        printer.ln()
    else:  # the address itself, cut at the line width (a URL has no spaces to wrap at)
        columns = width_dots // FONT_A_DOTS
        for start in range(0, len(ticket.status_url), columns):
            printer.textln(fold_vietnamese(ticket.status_url[start : start + columns]))
    for line in lines["footer"]:
        printer.textln(line)
    printer.cut()
    return printer.output
