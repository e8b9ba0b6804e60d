"""Text wrapped to a width and drawn without anti-aliasing."""

from typing import Literal

from PIL import Image, ImageDraw, ImageFont

BLACK, WHITE = 0, 255


def wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Greedy word wrap by measured width; a word wider than the line is split by letters."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if font.getlength(candidate) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        line = ""
        for letter in word:
            if line and font.getlength(line + letter) > width:
                lines.append(line)
                line = ""
            line += letter
    if line:
        lines.append(line)
    return lines or [""]


def at_most(lines: list[str], font: ImageFont.FreeTypeFont, width: int, max_lines: int) -> list[str]:
    """The first `max_lines` lines, the last one ending in "…" if any text was left out."""
    if len(lines) <= max_lines:
        return lines
    last = lines[max_lines - 1]
    while last and font.getlength(last + "…") > width:
        last = last[:-1]
    return [*lines[: max_lines - 1], last.rstrip() + "…"]


def text_block(
    text: str,
    font: ImageFont.FreeTypeFont,
    width: int,
    align: Literal["left", "center"] = "center",
    max_lines: int | None = None,
) -> Image.Image:
    """A mode "L" strip `width` wide holding `text` wrapped to it, pure black on white; at most
    `max_lines` lines, if given (the rest cut, with "…").

    Each line is ascent + descent tall, so stacked marks (Ấ, Ỹ) and descenders (ự, g) have room.
    """
    ascent, descent = font.getmetrics()
    line_height = ascent + descent
    lines = wrap(text, font, width)
    if max_lines is not None:
        lines = at_most(lines, font, width, max_lines)
    strip = Image.new("L", (width, line_height * len(lines)), WHITE)
    draw = ImageDraw.Draw(strip)
    draw.fontmode = "1"  # no anti-aliasing: every pixel is 0 or 255
    for row, line in enumerate(lines):
        x = (width - round(font.getlength(line))) // 2 if align == "center" else 0
        draw.text((x, row * line_height), line, font=font, fill=BLACK, anchor="la")
    return strip
