"""Where the ticket's fonts come from: Be Vietnam Pro (OFL, from the `fontpkg-be-vietnam-pro`
package), else DejaVu Sans from Debian's fonts-dejavu-core. Both cover Vietnamese; Pillow's
built-in bitmap font does not, so a missing font is an error, never a silent fallback.
"""

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

DEJAVU_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))


class FontMissing(RuntimeError):
    """No font that covers Vietnamese is installed."""


@dataclass(frozen=True)
class FontSet:
    """The three weights a ticket uses."""

    regular: Path
    bold: Path
    heavy: Path  # the ticket number

    @property
    def name(self) -> str:
        return self.regular.stem.split("-")[0]


def be_vietnam_pro() -> FontSet | None:
    try:
        import fontpkg_be_vietnam_pro
    except ImportError:
        return None
    files = Path(fontpkg_be_vietnam_pro.ROOT) / "files"
    fonts = FontSet(
        files / "BeVietnamPro-Regular.ttf", files / "BeVietnamPro-Bold.ttf", files / "BeVietnamPro-ExtraBold.ttf"
    )
    return fonts if all(path.is_file() for path in (fonts.regular, fonts.bold, fonts.heavy)) else None


def dejavu_sans() -> FontSet | None:
    for folder in DEJAVU_DIRS:
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.is_file() and bold.is_file():
            return FontSet(regular, bold, bold)
    return None


def default_fonts() -> FontSet:
    """Be Vietnam Pro if installed, else DejaVu Sans."""
    fonts = be_vietnam_pro() or dejavu_sans()
    if fonts is None:
        raise FontMissing(
            "No Vietnamese font: install the printer extra (pip install 'motcua[printer]', "
            "which brings fontpkg-be-vietnam-pro) or Debian's fonts-dejavu-core."
        )
    return fonts


@lru_cache(maxsize=64)
def load(path: Path, size: int) -> ImageFont.FreeTypeFont:
    """A font at one size, loaded once (Pillow's default layout engine: libraqm where present,
    which measures text about ten times faster than the basic one)."""
    return ImageFont.truetype(str(path), size)
