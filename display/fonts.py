"""Fonts and text fitted to boxes.

The bundled font is Be Vietnam Pro (SIL OFL, from the `fontpkg-be-vietnam-pro` wheel), drawn for
Vietnamese: every stacked diacritic (ặ, ổ, ữ) has its own glyph. DejaVu Sans is the fallback.
Text always fits its box: the size shrinks to the box, and below a minimum size the text is cut
with an ellipsis. Rendered text is cached (bounded), so an idle board renders nothing.
"""

import logging
import unicodedata
from collections import OrderedDict
from pathlib import Path

import pygame

log = logging.getLogger(__name__)

Color = tuple[int, int, int]
ELLIPSIS = "…"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


def bundled_font(weight: str = "Bold") -> Path | None:
    """A Be Vietnam Pro weight (Regular, Medium, SemiBold, Bold, ExtraBold...), or DejaVu."""
    try:
        import fontpkg_be_vietnam_pro  # the wheel exposes its folder as ROOT; files are in files/
    except ImportError:
        fontpkg_be_vietnam_pro = None  # type: ignore[assignment]
    if fontpkg_be_vietnam_pro is not None:
        path = Path(fontpkg_be_vietnam_pro.ROOT) / "files" / f"BeVietnamPro-{weight}.ttf"
        if path.is_file():
            return path
    fallback = DEJAVU / ("DejaVuSans-Bold.ttf" if weight in ("SemiBold", "Bold", "ExtraBold", "Black") else "DejaVuSans.ttf")
    if fallback.is_file():
        log.warning("Be Vietnam Pro not installed; using %s", fallback)
        return fallback
    log.warning("no Vietnamese font found; pygame's default font may lack diacritics")
    return None


class Fonts:
    """Fonts by size, and a bounded cache of rendered, fitted text."""

    def __init__(
        self, bold: Path | None = None, regular: Path | None = None, cache_bytes: int = 48 << 20, min_size: int = 8,
        min_condense: float = 0.8,
    ) -> None:
        if not pygame.font.get_init():
            pygame.font.init()
        self.paths = {True: bold or bundled_font("Bold"), False: regular or bundled_font("Medium")}
        self.min_size = min_size
        self.min_condense = min_condense
        self._fonts: dict[tuple[bool, int], pygame.font.Font] = {}
        self._texts: OrderedDict[tuple[object, ...], pygame.Surface] = OrderedDict()
        # Bounded by pixels, not entries: a 4K call number is 9 MB, a row label a few kB. The
        # display runs for weeks and every new ticket number is a new text.
        self._cache_bytes = cache_bytes
        self._cached_bytes = 0
        self._line_ratio = {b: self.font(200, b).get_height() / 200 for b in (True, False)}

    def font(self, size: int, bold: bool = True) -> pygame.font.Font:
        key = (bold, size)
        if key not in self._fonts:
            path = self.paths[bold]
            self._fonts[key] = pygame.font.Font(str(path) if path else None, size)
        return self._fonts[key]

    def fit(
        self,
        text: str,
        box: tuple[int, int],
        color: Color,
        *,
        bold: bool = True,
        ink: bool = False,
        max_width: bool = True,
        min_scale: float = 0.0,
    ) -> pygame.Surface:
        """`text` rendered as large as fits in `box` (width, height).

        ink=True sizes by the drawn glyphs rather than the font's line height, and crops to
        them: a big ticket number then fills its box. max_width=False ignores the width (the
        scrolling notice). min_scale: never shrink below this fraction of the size the height
        allows; cut with an ellipsis instead (so rows of a table keep one size).
        """
        text = unicodedata.normalize("NFC", text)  # one code point per Vietnamese letter
        key = (text, box, color, bold, ink, max_width, min_scale)
        cached = self._texts.get(key)
        if cached is not None:
            self._texts.move_to_end(key)
            return cached
        width, height = box
        limit = width if max_width else 1 << 30
        if ink:
            surface = self._fit_ink(text, limit, height, color, bold)
        else:
            surface = self._fit_line(text, limit, height, color, bold, min_scale)
        self._texts[key] = surface
        self._cached_bytes += _size_of(surface)
        while self._cached_bytes > self._cache_bytes and len(self._texts) > 1:
            _, dropped = self._texts.popitem(last=False)
            self._cached_bytes -= _size_of(dropped)
        return surface

    def line_size(self, height: int, bold: bool = True) -> int:
        """The largest font size whose line fits `height` pixels."""
        size = max(1, int(height / self._line_ratio[bold]))
        while size > self.min_size and self.font(size, bold).get_height() > height:
            size -= 1
        return max(self.min_size, size)

    def fit_block(
        self, text: str, box: tuple[int, int], color: Color, *, bold: bool = True, max_lines: int = 2,
        align: str = "left",
    ) -> pygame.Surface:  # fmt: skip
        """`text` as large as fits in `box` on up to `max_lines` lines, wrapped at spaces: a long
        name is wrapped rather than cut. Only when even the smallest size cannot hold it is
        the last line cut with an ellipsis."""
        text = unicodedata.normalize("NFC", text)
        key = ("block", text, box, color, bold, max_lines, align)
        cached = self._texts.get(key)
        if cached is not None:
            self._texts.move_to_end(key)
            return cached
        font, lines = self.block_lines(text, box, bold=bold, max_lines=max_lines)
        surface = self._render_lines(font, lines, color, align, box[1])
        self._texts[key] = surface
        self._cached_bytes += _size_of(surface)
        return surface

    def block_lines(self, text: str, box: tuple[int, int], *, bold: bool = True, max_lines: int = 2) -> tuple[pygame.font.Font, list[str]]:
        """The font and the lines `fit_block` shows."""
        text = unicodedata.normalize("NFC", text)
        width, height = box
        size = max(self.min_size, int(height / self._line_ratio[bold]))
        while True:
            font = self.font(size, bold)
            lines = wrap(font, text, width)
            if lines is not None and len(lines) <= max_lines and len(lines) * font.get_linesize() <= height:
                return font, lines
            if size <= self.min_size:
                lines = wrap_cut(font, text, width)
                fit = max(1, min(max_lines, height // font.get_linesize()))
                if len(lines) > fit:
                    lines = [*lines[: fit - 1], self._ellipsize(font, " ".join(lines[fit - 1 :]), width)]
                return font, lines
            size = max(self.min_size, size - max(1, size // 24))

    @staticmethod
    def _render_lines(font: pygame.font.Font, lines: list[str], color: Color, align: str, height: int) -> pygame.Surface:
        rendered = [font.render(line, True, color) for line in lines]
        step = font.get_linesize()
        width = max((r.get_width() for r in rendered), default=0)
        surface = pygame.Surface((width, min(height, step * len(rendered))), pygame.SRCALPHA)
        for i, line in enumerate(rendered):
            x = 0 if align == "left" else (width - line.get_width()) // (2 if align == "center" else 1)
            surface.blit(line, (x, i * step + (step - line.get_height()) // 2))
        return surface

    @property
    def cached_bytes(self) -> int:
        return self._cached_bytes

    def _fit_line(
        self, text: str, width: int, height: int, color: Color, bold: bool, min_scale: float = 0.0
    ) -> pygame.Surface:
        size = max(1, int(height / self._line_ratio[bold]))
        while size > self.min_size and self.font(size, bold).get_height() > height:
            size -= 1
        smallest = max(self.min_size, int(size * min_scale))
        rendered = pygame.Surface((0, 0), pygame.SRCALPHA)
        for _ in range(8):
            while size > smallest:
                text_width = self.font(size, bold).size(text)[0]
                if text_width <= width:
                    break
                size = max(smallest, min(size - 1, int(size * width / text_width)))
            font = self.font(size, bold)
            shown = text if font.size(text)[0] <= width else self._ellipsize(font, text, width)
            rendered = font.render(shown, True, color) if shown else pygame.Surface((0, 0), pygame.SRCALPHA)
            if rendered.get_height() <= height or size <= self.min_size:
                break
            # Stacked marks over capitals (Ở, Ấ) can reach above the font's ascent, and SDL_ttf
            # then makes the surface taller than the line: shrink until it fits after all.
            size = max(self.min_size, min(size - 1, int(size * height / rendered.get_height())))
            smallest = min(smallest, size)
        if rendered.get_height() > height:  # only at the minimum size: crop, never overflow
            top = (rendered.get_height() - height) // 2
            rendered = rendered.subsurface((0, top, rendered.get_width(), height)).copy()
        return rendered

    def _fit_ink(self, text: str, width: int, height: int, color: Color, bold: bool) -> pygame.Surface:
        # Size by the height of the drawn glyphs first.
        size = max(self.min_size, height)
        ink = self._ink(text, size, color, bold)
        for _ in range(4):
            if ink.get_height() == 0:
                return ink
            size = max(self.min_size, int(size * height / ink.get_height()))
            ink = self._ink(text, size, color, bold)
            if ink.get_height() <= height:
                break
        while ink.get_height() > height and size > self.min_size:
            size -= 1
            ink = self._ink(text, size, color, bold)
        if ink.get_width() <= width:
            return ink
        # Too wide: condense horizontally a little (queue boards commonly do) before shrinking,
        # so a four-character number in portrait still stands a sixth of the screen tall.
        if width / ink.get_width() < self.min_condense:
            size = max(self.min_size, int(size * width / (ink.get_width() * self.min_condense)))
            ink = self._ink(text, size, color, bold)
            while ink.get_width() * self.min_condense > width and size > self.min_size:
                size -= 1
                ink = self._ink(text, size, color, bold)
        if ink.get_width() > width:
            ink = pygame.transform.smoothscale(ink, (width, ink.get_height()))
        return ink

    def _ink(self, text: str, size: int, color: Color, bold: bool) -> pygame.Surface:
        rendered = self.font(size, bold).render(text, True, color)
        bounds = rendered.get_bounding_rect()
        return rendered.subsurface(bounds).copy()

    @staticmethod
    def _ellipsize(font: pygame.font.Font, text: str, width: int) -> str:
        """The longest prefix of `text` that fits with an ellipsis after it (binary search)."""
        lo, hi = 0, len(text)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if font.size(text[:mid].rstrip() + ELLIPSIS)[0] <= width:
                lo = mid
            else:
                hi = mid - 1
        if lo == 0:
            return ELLIPSIS if font.size(ELLIPSIS)[0] <= width else ""
        return text[:lo].rstrip() + ELLIPSIS


def _size_of(surface: pygame.Surface) -> int:
    return surface.get_width() * surface.get_height() * surface.get_bytesize()


def wrap(font: pygame.font.Font, text: str, width: int) -> list[str] | None:
    """Greedy word wrap; None if a single word is wider than `width`."""
    lines: list[str] = []
    for word in text.split():
        if font.size(word)[0] > width:
            return None
        if lines and font.size(f"{lines[-1]} {word}")[0] <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def wrap_cut(font: pygame.font.Font, text: str, width: int) -> list[str]:
    """Word wrap that cuts a word too wide for a line (only at the smallest size)."""
    lines: list[str] = []
    for word in text.split():
        while font.size(word)[0] > width and len(word) > 1:
            cut = len(word)
            while cut > 1 and font.size(word[:cut])[0] > width:
                cut -= 1
            lines.append(word[:cut])
            word = word[cut:]
        if lines and font.size(f"{lines[-1]} {word}")[0] <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines
