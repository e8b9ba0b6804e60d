"""The board: a pure function of (view, time) to pixels.

`draw()` paints each region of the layout (title, clock, hero, counters, waiting, notice) from
a `BoardView` and the time. Given a `Memory` of what each region last showed, it repaints only
regions whose content changed and returns their rectangles for `pygame.display.update`; without
one it paints everything. The returned placements (box and drawn text rectangle per text) let
tests check where things are and that no text leaves its box.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pygame
from pygame import Rect

from display import messages
from display.fonts import Color, Fonts, wrap
from display.layout import Layout, columns_for, compute_layout, inset, split, table_pages, table_unit
from display.view import BoardView

COLORS: dict[str, Color] = {
    "background": (11, 31, 58),
    "panel": (17, 45, 84),
    "hero": (14, 39, 74),
    "text": (255, 255, 255),
    "muted": (168, 189, 214),
    "highlight": (255, 210, 0),
    "on_highlight": (11, 31, 58),
    "banner": (198, 40, 40),
    "notice": (6, 20, 40),
    "paused": (255, 160, 0),
}
VIETNAM = timezone(timedelta(hours=7), "ICT")  # Vietnam keeps no daylight saving time


@dataclass(frozen=True)
class Style:
    """How the board moves; config, not constants in the drawing code."""

    flash_seconds: float = 6.0
    flash_period: float = 1.0  # one on/off cycle
    scroll_speed: float = 0.08  # notice scrolling, in screen widths per second
    page_seconds: float = 10.0  # a table too long for its region shows one page this long
    language: str = "vi"


@dataclass
class Placement:
    box: Rect  # where the text may go
    rect: Rect  # where it was drawn
    text: str


@dataclass
class Frame:
    dirty: list[Rect] = field(default_factory=list)
    placements: dict[str, Placement] = field(default_factory=dict)


@dataclass
class Memory:
    """What each region showed last time, so unchanged regions are not repainted."""

    size: tuple[int, int] | None = None
    keys: dict[str, object] = field(default_factory=dict)


def zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return VIETNAM  # a display PC without tzdata still shows Hà Nội time


def format_clock(now: datetime, tz_name: str = "Asia/Ho_Chi_Minh", language: str = "vi") -> str:
    """'Thứ Hai, 23/11/2026 09:15' in the center's time zone."""
    local = now.astimezone(zone(tz_name))
    weekdays = messages.WEEKDAYS.get(language, messages.WEEKDAYS["vi"])
    return f"{weekdays[local.weekday()]}, {local:%d/%m/%Y %H:%M}"


def flash_on(view: BoardView, now: datetime, style: Style) -> bool | None:
    """None when not flashing; else whether this instant is the highlighted half-cycle."""
    if view.flash_started is None:
        return None
    elapsed = (now - view.flash_started).total_seconds()
    if not 0 <= elapsed < style.flash_seconds:
        return None
    return (elapsed % style.flash_period) < style.flash_period / 2


def notice_scrolls(view: BoardView, layout: Layout, fonts: Fonts) -> bool:
    """Whether the notice line is longer than its box (only then it scrolls, and animates)."""
    if not view.connected or not view.notice:
        return False
    box = layout.notice_text
    line = fonts.fit(view.notice, box.size, COLORS["text"], bold=False, max_width=False)
    return line.get_width() > box.width


def animating(view: BoardView, now: datetime, layout: Layout, fonts: Fonts, style: Style) -> bool:
    """True while something moves, so the loop must keep a high frame rate."""
    return flash_on(view, now, style) is not None or notice_scrolls(view, layout, fonts)


@dataclass
class Canvas:
    """What every region painter needs for one frame."""

    surface: pygame.Surface
    view: BoardView
    now: datetime
    layout: Layout
    fonts: Fonts
    style: Style
    placements: dict[str, Placement]

    def text(
        self,
        text: str,
        box: Rect,
        color: Color,
        name: str,
        *,
        align: str = "left",
        bold: bool = True,
        ink: bool = False,
        min_scale: float = 0.0,
    ) -> Rect:
        rendered = self.fonts.fit(text, box.size, color, bold=bold, ink=ink, min_scale=min_scale)
        return self.put(rendered, box, align, name, text)

    def block(self, text: str, box: Rect, color: Color, name: str, *, max_lines: int, bold: bool = True, align: str = "left") -> Rect:
        """Text wrapped onto up to `max_lines` lines rather than cut."""
        rendered = self.fonts.fit_block(text, box.size, color, bold=bold, max_lines=max_lines, align=align)
        _, lines = self.fonts.block_lines(text, box.size, bold=bold, max_lines=max_lines)
        return self.put(rendered, box, align, name, "\n".join(lines))  # as shown, line by line

    def put(self, rendered: pygame.Surface, box: Rect, align: str, name: str, text: str) -> Rect:
        rect = rendered.get_rect()
        rect.centery = box.centery
        if align == "left":
            rect.left = box.left
        elif align == "right":
            rect.right = box.right
        else:
            rect.centerx = box.centerx
        self.surface.blit(rendered, rect)
        self.placements[name] = Placement(Rect(box), rect, text)
        return rect

    def bilingual(self, key: str, box: Rect, color: Color, name: str, en_color: Color | None = None) -> None:
        """Vietnamese large, English smaller under it."""
        vi_box, en_box = split(box, [0.62, 0.38], True)
        self.text(messages.text(key, "vi"), vi_box, color, f"{name}.vi")
        self.text(messages.text(key, "en"), en_box, en_color or COLORS["muted"], f"{name}.en", bold=False)


def draw(
    surface: pygame.Surface,
    view: BoardView,
    now: datetime,
    fonts: Fonts,
    memory: Memory | None = None,
    style: Style = Style(),
) -> Frame:
    layout = compute_layout(surface.get_size())
    if memory is not None and memory.size != layout.size:
        memory.size = layout.size
        memory.keys.clear()
    frame = Frame()
    canvas = Canvas(surface, view, now, layout, fonts, style, frame.placements)
    for name, region in layout.regions().items():
        key_fn, paint = _REGIONS[name]
        key = key_fn(canvas)
        if memory is not None and memory.keys.get(name) == key:
            continue
        surface.set_clip(region)  # a region never paints outside itself
        try:
            paint(canvas)
        finally:
            surface.set_clip(None)
        frame.dirty.append(Rect(region))
        if memory is not None:
            memory.keys[name] = key
    return frame


# --- regions: a key (what the region shows; unchanged key, no repaint) and a painter --------


def _title_key(c: Canvas) -> object:
    return c.view.center_name


def _paint_title(c: Canvas) -> None:
    c.surface.fill(COLORS["background"], c.layout.title)
    c.block(c.view.center_name, c.layout.center_name, COLORS["text"], "center_name", max_lines=2)


def _clock_key(c: Canvas) -> object:
    return (format_clock(c.now, c.view.timezone, c.style.language), c.view.sound)


def _paint_clock(c: Canvas) -> None:
    c.surface.fill(COLORS["background"], c.layout.clock)
    align = "left" if c.layout.portrait else "right"
    box = c.layout.clock_text
    if c.view.sound != "on":
        # Staff must see at a glance why the room hears nothing: no device, or muted.
        if c.layout.portrait:
            box, badge = split(box, [0.6, 0.4], False)
        else:
            badge, box = split(box, [0.4, 0.6], False)
        badge = inset(badge, box.height // 10, 0)
        c.surface.fill(COLORS["paused"], badge)
        key = "sound_none" if c.view.sound == "none" else "sound_muted"
        vi_box, en_box = split(inset(badge, max(2, badge.height // 12)), [0.6, 0.4], True)
        c.text(messages.text(key, "vi"), vi_box, COLORS["on_highlight"], "sound.vi", align="center")
        c.text(messages.text(key, "en"), en_box, COLORS["on_highlight"], "sound.en", align="center", bold=False)
    clock = format_clock(c.now, c.view.timezone, c.style.language)
    c.text(clock, box, COLORS["muted"], "clock", align=align, bold=False)


def _hero_key(c: Canvas) -> object:
    latest = c.view.latest
    ident = (latest.ticket_id, latest.label, latest.counter_number, latest.recalls) if latest else None
    return (ident, flash_on(c.view, c.now, c.style))


def _paint_hero(c: Canvas) -> None:
    on = flash_on(c.view, c.now, c.style)
    layout = c.layout
    c.surface.fill(COLORS["highlight"] if on else COLORS["hero"], layout.hero)
    number_color = COLORS["on_highlight"] if on else COLORS["highlight"]
    caption_color = COLORS["on_highlight"] if on else COLORS["text"]
    en_color = COLORS["on_highlight"] if on else COLORS["muted"]
    c.bilingual("now_calling", layout.call_caption, caption_color, "call_caption", en_color)
    c.bilingual("to_counter", layout.counter_caption, caption_color, "counter_caption", en_color)
    latest = c.view.latest
    if latest is None:
        box = inset(layout.call_number, 0, layout.call_number.height // 4)
        c.text(messages.text("no_call_yet", c.style.language), box, COLORS["muted"], "call_number", align="center")
        return
    c.text(latest.label, layout.call_number, number_color, "call_number", align="center", ink=True)
    c.text(str(latest.counter_number), layout.call_counter, number_color, "call_counter", align="center", ink=True)


def _page(c: Canvas, pages: int) -> int:
    """Which page a table too long for its region shows now: turned by the frame clock."""
    return int(c.now.timestamp() // c.style.page_seconds) % pages if pages > 1 else 0


def _row_inset(row: Rect, unit: int) -> Rect:
    return inset(row, max(1, unit // 20), max(1, unit // 12))


def _counter_pages(c: Canvas) -> list[list[tuple[int, Rect]]]:
    body, count = c.layout.counters_body, len(c.view.counters)
    unit = table_unit(min(c.layout.size))
    return table_pages(body, [1] * count, unit, columns=columns_for(body, count, unit))


def _counters_key(c: Canvas) -> object:
    pages = _counter_pages(c)
    return (c.view.counters, _page(c, len(pages)), len(pages))


def _title_with_page(c: Canvas, key: str, box: Rect, name: str, page: int, pages: int) -> None:
    if pages > 1:
        box, page_box = split(box, [0.84, 0.16], False)
        c.text(f"{page + 1}/{pages}", inset(page_box, 0, page_box.height // 6), COLORS["muted"], f"{name}.page", align="right")
    c.bilingual(key, box, COLORS["text"], name)


def _paint_counters(c: Canvas) -> None:
    c.surface.fill(COLORS["panel"], c.layout.counters)
    pages = _counter_pages(c)
    page = _page(c, len(pages))
    _title_with_page(c, "counters_title", c.layout.counters_title, "counters_title", page, len(pages))
    language = c.style.language
    unit = table_unit(min(c.layout.size))
    for i, row in pages[page]:
        counter = c.view.counters[i]
        row = _row_inset(row, unit)
        if row.width < c.layout.counters_body.width * 0.75:
            # Columns: the room reads the counter and its number; earlier calls give way.
            name_box, label_box = (inset(b, 2, 0) for b in split(row, [0.58, 0.42], False))
            previous_box = None
        else:
            name_box, label_box, previous_box = (inset(b, 2, 0) for b in split(row, [0.43, 0.26, 0.31], False))
        c.text(f"{messages.text('counter', language)} {counter.number}", name_box, COLORS["text"], f"counter{i}.name")
        if counter.state in ("paused", "closed"):
            status = messages.text(f"counter_{counter.state}", language)
            c.text(status, label_box, COLORS["paused"], f"counter{i}.label", bold=False)
        elif counter.label:
            c.text(counter.label, label_box, COLORS["highlight"], f"counter{i}.label")
        else:
            c.text(messages.text("counter_idle", language), label_box, COLORS["muted"], f"counter{i}.label")
        if counter.previous and previous_box is not None:
            previous = inset(previous_box, 0, previous_box.height // 8)
            c.text("  ".join(counter.previous), previous, COLORS["muted"], f"counter{i}.previous", bold=False)


# A category row: colour swatch with the prefix, the name (wrapped), the number waiting.
MAX_NAME_LINES = 3
CATEGORY_SPLIT = [0.13, 0.69, 0.18]


def _category_pages(c: Canvas) -> list[list[tuple[int, Rect]]]:
    names = tuple(category.name_vi for category in c.view.categories)
    body = c.layout.waiting_body
    return _lay_categories(names, (body.x, body.y, body.width, body.height), table_unit(min(c.layout.size)), c.fonts)


@lru_cache(maxsize=8)
def _lay_categories(
    names: tuple[str, ...], body_box: tuple[int, int, int, int], unit: int, fonts: Fonts
) -> list[list[tuple[int, Rect]]]:
    """Rows for the categories: a name too long for one line takes two rows (wrapped at the
    table's text size, never cut); two columns, then pages, when they do not fit."""
    body = Rect(body_box)
    size = fonts.line_size(_row_inset(Rect(0, 0, 100, unit), unit).height, bold=False)
    font = fonts.font(size, bold=False)
    columns = 1
    while True:
        width = body.width // columns
        name_width = _name_box(_row_inset(Rect(0, 0, width, unit), unit), unit).width
        heights = [min(MAX_NAME_LINES, len(wrap(font, name, name_width) or ["", ""])) for name in names]
        if columns == 2 or sum(heights) <= max(1, body.height // unit):
            return table_pages(body, heights, unit, columns=columns)
        columns = 2


def _name_box(row: Rect, unit: int) -> Rect:
    name_box = split(row, CATEGORY_SPLIT, False)[1]
    return inset(name_box, max(2, unit // 8), 0)


def _waiting_key(c: Canvas) -> object:
    pages = _category_pages(c)
    return (c.view.categories, _page(c, len(pages)), len(pages))


def _paint_waiting(c: Canvas) -> None:
    c.surface.fill(COLORS["background"], c.layout.waiting)
    pages = _category_pages(c)
    page = _page(c, len(pages))
    _title_with_page(c, "waiting_title", c.layout.waiting_title, "waiting_title", page, len(pages))
    unit = table_unit(min(c.layout.size))
    for i, row in pages[page]:
        category = c.view.categories[i]
        row = _row_inset(row, unit)
        # one row's height, centred: the prefix and count are as big as the name's letters
        line = Rect(0, 0, 0, _row_inset(Rect(0, 0, 100, unit), unit).height)
        swatch_box, _, count_box = split(row, CATEGORY_SPLIT, False)
        swatch = inset(swatch_box, max(1, swatch_box.width // 12), 0)
        c.surface.fill(_color(category.color), swatch)
        prefix_box = inset(Rect(swatch.x, 0, swatch.width, line.height), 2, 2)
        prefix_box.centery = swatch.centery
        c.text(category.prefix, prefix_box, COLORS["text"], f"category{i}.prefix", align="center")
        c.block(category.name_vi, _name_box(row, unit), COLORS["text"], f"category{i}.name", max_lines=MAX_NAME_LINES, bold=False)
        count = inset(Rect(count_box.x, 0, count_box.width, line.height), 2, 0)
        count.centery = count_box.centery
        c.text(str(category.waiting), count, COLORS["highlight"], f"category{i}.count", align="right")


def _notice_key(c: Canvas) -> object:
    if not c.view.connected:
        return ("banner", c.view.synced, c.view.refused)
    if notice_scrolls(c.view, c.layout, c.fonts):
        return ("scroll", c.view.notice, _scroll_offset(c))
    return ("static", c.view.notice)


def _notice_line(c: Canvas) -> pygame.Surface:
    return c.fonts.fit(c.view.notice, c.layout.notice_text.size, COLORS["text"], bold=False, max_width=False)


def _scroll_offset(c: Canvas) -> int:
    period = _notice_line(c).get_width() + c.layout.notice_text.width // 3
    speed = c.style.scroll_speed * c.layout.size[0]
    return int(c.now.timestamp() * speed) % period


def _paint_notice(c: Canvas) -> None:
    box = c.layout.notice_text
    if not c.view.connected:
        c.surface.fill(COLORS["banner"], c.layout.notice)
        key = "refused" if c.view.refused else "disconnected" if c.view.synced else "connecting"
        vi_box, en_box = split(box, [0.6, 0.4], True)
        c.text(messages.text(key, "vi"), vi_box, COLORS["text"], "banner", align="center")
        c.text(messages.text(key, "en"), en_box, COLORS["text"], "banner.en", align="center", bold=False)
        return
    c.surface.fill(COLORS["notice"], c.layout.notice)
    if not c.view.notice:
        return
    line = _notice_line(c)
    if line.get_width() <= box.width:
        c.put(line, box, "center", "notice", c.view.notice)
        return
    period = line.get_width() + box.width // 3
    x = box.right - _scroll_offset(c)
    c.surface.set_clip(box)
    # two copies, so the start of the line follows its end round the loop
    for start in (x, x + period, x - period):
        if start < box.right and start + line.get_width() > box.left:
            c.surface.blit(line, (start, box.centery - line.get_height() // 2))
    c.surface.set_clip(c.layout.notice)
    c.placements["notice"] = Placement(Rect(box), Rect(box), c.view.notice)


def _color(value: str) -> Color:
    value = value.lstrip("#")
    try:
        return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))
    except (ValueError, IndexError):
        return COLORS["panel"]


_REGIONS: dict[str, tuple[Callable[[Canvas], object], Callable[[Canvas], None]]] = {
    "title": (_title_key, _paint_title),
    "clock": (_clock_key, _paint_clock),
    "hero": (_hero_key, _paint_hero),
    "counters": (_counters_key, _paint_counters),
    "waiting": (_waiting_key, _paint_waiting),
    "notice": (_notice_key, _paint_notice),
}
