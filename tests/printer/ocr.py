"""Reading paper back in tests: Tesseract OCR for text, zbarimg for QR codes, pdftoppm for PDF
pages. All three are Debian packages deploy/install.sh installs with the dev extras
(deploy/packages.txt); a missing one fails the test rather than skipping it.

Lines are read one printed block at a time (`spans` of the layout says where each landed), with
a white border and page segmentation mode 7 ("one line of text"): a whole page with a QR code
beside the text makes Tesseract guess the layout, and it guesses differently on 58 and 80 mm.
"""

import subprocess
import tempfile
from pathlib import Path

from PIL import Image, ImageOps


def read_text(image: Image.Image, lang: str = "vie", one_line: bool = True) -> str:
    """What Tesseract reads in `image` (`lang`: vie, or eng for codes in plain ASCII)."""
    framed = ImageOps.expand(image.convert("L"), 20, fill=255)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "read.png"
        framed.save(path)
        mode = ["--psm", "7"] if one_line else ["--psm", "6"]
        done = subprocess.run(
            ["tesseract", str(path), "-", "-l", lang, *mode], capture_output=True, text=True, check=True, timeout=60
        )
    return " ".join(done.stdout.split())


def read_block(page: Image.Image, span: tuple[int, int], lang: str = "vie", one_line: bool = True) -> str:
    """The text of the rows `span` (first row, row after the last) of a printed page."""
    top, bottom = span
    return read_text(page.crop((0, top, page.width, bottom)), lang, one_line)


def read_qr_codes(image: Image.Image) -> list[str]:
    """Every QR code's content zbarimg finds in `image`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "codes.png"
        ImageOps.expand(image.convert("L"), 20, fill=255).save(path)
        done = subprocess.run(
            ["zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(path)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert done.returncode in (0, 4), done.stderr  # 4: nothing found, which the caller's assert reports
    return done.stdout.splitlines()


def pdf_page(pdf: bytes, dpi: int) -> Image.Image:
    """The PDF's first page as pdftoppm draws it, black and white, at `dpi`."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "in.pdf"
        source.write_bytes(pdf)
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-mono", "-singlefile", "-f", "1", str(source), str(Path(folder) / "page")],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        with Image.open(Path(folder) / "page.pbm") as page:
            return page.convert("1")
