"""The board: a pure function of (view, time) to pixels.

`draw()` paints each region of the layout (title, clock, hero, counters, waiting, notice) from
a `BoardView` and the time. Given a `Memory` of what each region last showed, it repaints only
regions whose content changed and returns their rectangles for `pygame.display.update`; without
one it paints everything. The returned placements (box and drawn text rectangle per text) let
tests check where things are and that no text leaves its box.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pygame
from pygame import Rect

from display import messages
from display.fonts import Color, Fonts
from display.layout import Layout, compute_layout, inset, split, table_rows
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
    painters = {
        "title": (_title_key, _paint_title),
        "clock": (_clock_key, _paint_clock),
        "hero": (_hero_key, _paint_hero),
        "counters": (_counters_key, _paint_counters),
        "waiting": (_waiting_key, _paint_waiting),
        "notice": (_notice_key, _paint_notice),
    }
    for name, region in layout.regions().items():
        key_fn, paint = painters[name]
        key = key_fn(view, now, layout, fonts, style)
        if memory is not None and memory.keys.get(name) == key:
            continue
        surface.set_clip(region)  # a region never paints outside itself
        try:
            paint(surface, view, now, layout, fonts, style, frame.placements)
        finally:
            surface.set_clip(None)
        frame.dirty.append(Rect(region))
        if memory is not None:
            memory.keys[name] = key
    return frame


# --- text helpers ------------------------------------------------------------------------


def _put(
    surface: pygame.Surface,
    text_surface: pygame.Surface,
    box: Rect,
    align: str,
    placements: dict[str, Placement],
    name: str,
    text: str,
) -> Rect:
    rect = text_surface.get_rect()
    rect.centery = box.centery
    if align == "left":
        rect.left = box.left
    elif align == "right":
        rect.right = box.right
    else:
        rect.centerx = box.centerx
    surface.blit(text_surface, rect)
    placements[name] = Placement(Rect(box), rect, text)
    return rect


def _text(
    surface: pygame.Surface,
    fonts: Fonts,
    text: str,
    box: Rect,
    color: Color,
    placements: dict[str, Placement],
    name: str,
    *,
    align: str = "left",
    bold: bool = True,
    ink: bool = False,
    min_scale: float = 0.0,
) -> Rect:
    rendered = fonts.fit(text, box.size, color, bold=bold, ink=ink, min_scale=min_scale)
    return _put(surface, rendered, box, align, placements, name, text)


def _bilingual(
    surface: pygame.Surface,
    fonts: Fonts,
    key: str,
    box: Rect,
    color: Color,
    placements: dict[str, Placement],
    name: str,
    align: str = "left",
    en_color: Color | None = None,
) -> None:
    """Vietnamese large, English smaller under it."""
    vi_box, en_box = split(box, [0.62, 0.38], True)
    _text(surface, fonts, messages.text(key, "vi"), vi_box, color, placements, f"{name}.vi", align=align)
    _text(
        surface, fonts, messages.text(key, "en"), en_box, en_color or COLORS["muted"], placements, f"{name}.en",
        align=align, bold=False,
    )  # fmt: skip


# --- regions -----------------------------------------------------------------------------


def _title_key(view: BoardView, now: datetime, layout: Layout, fonts: Fonts, style: Style) -> object:
    return view.center_name


def _paint_title(surface, view, now, layout, fonts, style, placements) -> None:  # type: ignore[no-untyped-def]
    surface.fill(COLORS["background"], layout.title)
    _text(surface, fonts, view.center_name, layout.center_name, COLORS["text"], placements, "center_name", min_scale=0.6)


def _clock_key(view: BoardView, now: datetime, layout: Layout, fonts: Fonts, style: Style) -> object:
    return format_clock(now, view.timezone, style.language)


def _paint_clock(surface, view, now, layout, fonts, style, placements) -> None:  # type: ignore[no-untyped-def]
    surface.fill(COLORS["background"], layout.clock)
    clock = format_clock(now, view.timezone, style.language)
    align = "left" if layout.portrait else "right"
    _text(surface, fonts, clock, layout.clock_text, COLORS["muted"], placements, "clock", align=align, bold=False)


def _hero_key(view: BoardView, now: datetime, layout: Layout, fonts: Fonts, style: Style) -> object:
    latest = view.latest
    ident = (latest.ticket_id, latest.label, latest.counter_number, latest.recalls) if latest else None
    return (ident, flash_on(view, now, style))


def _paint_hero(surface, view, now, layout, fonts, style, placements) -> None:  # type: ignore[no-untyped-def]
    on = flash_on(view, now, style)
    background = COLORS["highlight"] if on else COLORS["hero"]
    number_color = COLORS["on_highlight"] if on else COLORS["highlight"]
    caption_color = COLORS["on_highlight"] if on else COLORS["text"]
    surface.fill(background, layout.hero)
    en_color = COLORS["on_highlight"] if on else COLORS["muted"]
    for key, box, name in (
        ("now_calling", layout.call_caption, "call_caption"),
        ("to_counter", layout.counter_caption, "counter_caption"),
    ):
        _bilingual(surface, fonts, key, box, caption_color, placements, name, en_color=en_color)
    if view.latest is None:
        _text(
            surface, fonts, messages.text("no_call_yet", style.language), inset(layout.call_number, 0, layout.call_number.height // 4),
            COLORS["muted"], placements, "call_number", align="center",
        )  # fmt: skip
        return
    _text(
        surface, fonts, view.latest.label, layout.call_number, number_color, placements, "call_number",
        align="center", ink=True,
    )  # fmt: skip
    _text(
        surface, fonts, str(view.latest.counter_number), layout.call_counter, number_color, placements,
        "call_counter", align="center", ink=True,
    )  # fmt: skip


def _counters_key(view: BoardView, now: datetime, layout: Layout, fonts: Fonts, style: Style) -> object:
    return view.counters


def _paint_counters(surface, view, now, layout, fonts, style, placements) -> None:  # type: ignore[no-untyped-def]
    surface.fill(COLORS["panel"], layout.counters)
    _bilingual(surface, fonts, "counters_title", layout.counters_title, COLORS["text"], placements, "counters_title")
    rows = table_rows(layout.counters_body, len(view.counters))
    for i, (row, counter) in enumerate(zip(rows, view.counters)):
        row = inset(row, max(1, row.height // 20), max(1, row.height // 12))
        name_box, label_box, previous_box = split(row, [0.36, 0.30, 0.34], False)
        name = f"{messages.text('counter', style.language)} {counter.number}"
        _text(surface, fonts, name, inset(name_box, 2, 0), COLORS["text"], placements, f"counter{i}.name")
        if counter.state != "open":
            status = messages.text(f"counter_{counter.state}", style.language) if counter.state in ("paused", "closed") else counter.state
            _text(surface, fonts, status, inset(label_box, 2, 0), COLORS["paused"], placements, f"counter{i}.label", bold=False)
        elif counter.label:
            _text(surface, fonts, counter.label, inset(label_box, 2, 0), COLORS["highlight"], placements, f"counter{i}.label")
        else:
            _text(surface, fonts, messages.text("counter_idle", style.language), inset(label_box, 2, 0), COLORS["muted"], placements, f"counter{i}.label")
        if counter.previous:
            previous_text = "  ".join(counter.previous)
            previous = inset(previous_box, 2, previous_box.height // 8)
            _text(surface, fonts, previous_text, previous, COLORS["muted"], placements, f"counter{i}.previous", bold=False)


def _waiting_key(view: BoardView, now: datetime, layout: Layout, fonts: Fonts, style: Style) -> object:
    return view.categories


def _paint_waiting(surface, view, now, layout, fonts, style, placements) -> None:  # type: ignore[no-untyped-def]
    surface.fill(COLORS["background"], layout.waiting)
    _bilingual(surface, fonts, "waiting_title", layout.waiting_title, COLORS["text"], placements, "waiting_title")
    rows = table_rows(layout.waiting_body, len(view.categories))
    for i, (row, category) in enumerate(zip(rows, view.categories)):
        row = inset(row, max(1, row.height // 20), max(1, row.height // 12))
        swatch_box, name_box, count_box = split(row, [0.16, 0.64, 0.20], False)
        swatch = inset(swatch_box, max(1, swatch_box.width // 12), 0)
        surface.fill(_color(category.color), swatch)
        _text(surface, fonts, category.prefix, inset(swatch, 2, 2), COLORS["text"], placements, f"category{i}.prefix", align="center")
        _text(surface, fonts, category.name_vi, inset(name_box, max(2, row.height // 8), row.height // 10), COLORS["text"], placements, f"category{i}.name", bold=False, min_scale=0.75)
        _text(surface, fonts, str(category.waiting), inset(count_box, 2, 0), COLORS["highlight"], placements, f"category{i}.count", align="right")


def _notice_key(view: BoardView, now: datetime, layout: Layout, fonts: Fonts, style: Style) -> object:
    if not view.connected:
        return ("banner", view.synced)
    if notice_scrolls(view, layout, fonts):
        return ("scroll", view.notice, _scroll_offset(view, now, layout, fonts, style))
    return ("static", view.notice)


def _scroll_offset(view: BoardView, now: datetime, layout: Layout, fonts: Fonts, style: Style) -> int:
    line = fonts.fit(view.notice, layout.notice_text.size, COLORS["text"], bold=False, max_width=False)
    period = line.get_width() + layout.notice_text.width // 3
    speed = style.scroll_speed * layout.size[0]
    return int(now.timestamp() * speed) % period


def _paint_notice(surface, view, now, layout, fonts, style, placements) -> None:  # type: ignore[no-untyped-def]
    box = layout.notice_text
    if not view.connected:
        surface.fill(COLORS["banner"], layout.notice)
        key = "disconnected" if view.synced else "connecting"
        _text(surface, fonts, messages.text(key, "vi"), box, COLORS["text"], placements, "banner", align="center")
        return
    surface.fill(COLORS["notice"], layout.notice)
    if not view.notice:
        return
    line = fonts.fit(view.notice, box.size, COLORS["text"], bold=False, max_width=False)
    if line.get_width() <= box.width:
        _put(surface, line, box, "center", placements, "notice", view.notice)
        return
    offset = _scroll_offset(view, now, layout, fonts, style)
    period = line.get_width() + box.width // 3
    surface.set_clip(box)
    x = box.right - offset
    # two copies, so the start of the line follows its end round the loop
    for start in (x, x + period, x - period):
        if start < box.right and start + line.get_width() > box.left:
            surface.blit(line, (start, box.centery - line.get_height() // 2))
    surface.set_clip(layout.notice)
    placements["notice"] = Placement(Rect(box), Rect(box), view.notice)


def _color(value: str) -> Color:
    value = value.lstrip("#")
    try:
        return (int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16))
    except (ValueError, IndexError):
        return COLORS["panel"]
