"""Where everything goes on the board, computed from the screen size alone.

Regions tile the screen without gaps or overlaps, so each can be redrawn on its own (dirty
rectangles); text boxes sit inside their region with a margin. Landscape puts the call beside
the counter number; portrait stacks them. The called number's box is always more than a sixth
of the screen height, because it has to be read from the back of the room; so is the text of
the tables (`TABLE_TEXT`): when the rows do not fit at that size, they go on pages.
"""

import math

from dataclasses import dataclass, fields

from pygame import Rect

# Digits of the tables stand at least this fraction of the screen height: readable from the back
# of a waiting room. A row is a text line of this ink height (about 0.58 of the line box in the
# bundled font) plus its margins.
TABLE_TEXT = 0.03
ROW_PER_TEXT = 1.3 / 0.56


@dataclass(frozen=True)
class Layout:
    size: tuple[int, int]
    portrait: bool
    # regions: tile the screen, redrawn independently
    title: Rect
    clock: Rect
    hero: Rect
    counters: Rect
    waiting: Rect
    notice: Rect
    # text boxes inside the regions
    center_name: Rect
    clock_text: Rect
    call_caption: Rect
    call_number: Rect
    counter_caption: Rect
    call_counter: Rect
    counters_title: Rect
    counters_body: Rect
    waiting_title: Rect
    waiting_body: Rect
    notice_text: Rect

    REGIONS = ("title", "clock", "hero", "counters", "waiting", "notice")

    def regions(self) -> dict[str, Rect]:
        return {name: getattr(self, name) for name in self.REGIONS}

    def boxes(self) -> dict[str, Rect]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("size", "portrait")}


def split(rect: Rect, fractions: list[float], vertical: bool) -> list[Rect]:
    """Cut `rect` into consecutive parts by fractions of its height (vertical) or width, on
    whole pixels, with the last part taking the rounding remainder so the parts tile exactly."""
    total = rect.height if vertical else rect.width
    edges = [0]
    acc = 0.0
    for f in fractions[:-1]:
        acc += f
        edges.append(round(total * acc))
    edges.append(total)
    parts = []
    for a, b in zip(edges, edges[1:]):
        if vertical:
            parts.append(Rect(rect.x, rect.y + a, rect.width, b - a))
        else:
            parts.append(Rect(rect.x + a, rect.y, b - a, rect.height))
    return parts


def inset(rect: Rect, dx: int, dy: int | None = None) -> Rect:
    dy = dx if dy is None else dy
    return rect.inflate(-2 * dx, -2 * dy)


def compute_layout(size: tuple[int, int]) -> Layout:
    width, height = size
    screen = Rect(0, 0, width, height)
    pad = max(2, round(min(width, height) * 0.012))
    portrait = height > width
    if portrait:
        header, hero, counters, waiting, notice = split(screen, [0.09, 0.35, 0.27, 0.24, 0.05], True)
        title, clock = split(header, [0.58, 0.42], True)
        caption_row, number_row, counter_row = split(hero, [0.13, 0.55, 0.32], True)
        call_caption = caption_row
        call_number = number_row
        counter_caption, call_counter = split(counter_row, [0.5, 0.5], False)
        counter_caption = inset(counter_caption, 0, counter_caption.height // 5)
        name_box = inset(title, pad * 2, pad // 2)
        clock_box = inset(clock, pad * 2, pad // 2)
    else:
        header, hero, lower, notice = split(screen, [0.10, 0.36, 0.46, 0.08], True)
        title, clock = split(header, [0.62, 0.38], False)
        counters, waiting = split(lower, [0.56, 0.44], False)
        caption_row, body = split(hero, [0.17, 0.83], True)
        call_caption, counter_caption = split(caption_row, [0.62, 0.38], False)
        call_number, call_counter = split(body, [0.62, 0.38], False)
        name_box = inset(title, pad * 2, pad)
        clock_box = inset(clock, pad * 2, pad)
    counters_title, counters_body = split(counters, [0.13, 0.87], True)
    waiting_title, waiting_body = split(waiting, [0.13, 0.87], True)
    return Layout(
        size=(width, height),
        portrait=portrait,
        title=title,
        clock=clock,
        hero=hero,
        counters=counters,
        waiting=waiting,
        notice=notice,
        center_name=name_box,
        clock_text=clock_box,
        call_caption=inset(call_caption, pad * 2, pad // 2),
        call_number=inset(call_number, pad * 2, pad),
        counter_caption=inset(counter_caption, pad * 2, pad // 2),
        call_counter=inset(call_counter, pad * 2, pad),
        counters_title=inset(counters_title, pad * 2, pad // 2),
        counters_body=inset(counters_body, pad * 2, pad // 2),
        waiting_title=inset(waiting_title, pad * 2, pad // 2),
        waiting_body=inset(waiting_body, pad * 2, pad // 2),
        notice_text=inset(notice, pad * 2, pad),
    )


def table_rows(body: Rect, count: int, min_rows: int = 4, max_columns: int = 2, min_row_px: int = 0) -> list[Rect]:
    """Row boxes for `count` entries: one column while rows stay tall enough to read, else two.

    Rows never grow taller than 1/`min_rows` of the body, so three counters don't get giant rows.
    """
    if count <= 0:
        return []
    columns = 1
    threshold = max(min_row_px, body.height // 7)
    while columns < max_columns and body.height / -(-count // columns) < threshold:
        columns += 1
    per_column = -(-count // columns)
    rows_shown = max(per_column, min_rows)
    column_rects = split(body, [1 / columns] * columns, False)
    out: list[Rect] = []
    for column in column_rects:
        parts = split(column, [1 / rows_shown] * rows_shown, True)
        out.extend(parts[:per_column])
    return out[:count]


def table_unit(screen: int) -> int:
    """The height of one table row, in pixels, for text of `TABLE_TEXT` of `screen` (the
    height of a landscape screen; the width of a portrait one, i.e. the same TV turned)."""
    return math.ceil(screen * TABLE_TEXT * ROW_PER_TEXT)


def table_pages(
    body: Rect, heights: list[int], unit: int, *, columns: int = 1, min_rows: int = 4
) -> list[list[tuple[int, Rect]]]:
    """Place entries `heights` rows tall (a wrapped name takes two) in `columns` columns of
    rows at least `unit` pixels high; what does not fit goes on further pages.

    Returns pages of (entry index, box). Rows never grow taller than 1/`min_rows` of the body,
    so three counters don't get giant rows.
    """
    if not heights:
        return [[]]
    capacity = max(1, body.height // unit)  # rows per column
    placed: list[list[tuple[int, int, int, int]]] = [[]]  # per page: (index, column, row, rows)
    column, row = 0, 0
    for index, rows in enumerate(heights):
        rows = max(1, min(rows, capacity))
        if row + rows > capacity:
            column, row = column + 1, 0
        if column == columns:
            placed.append([])
            column = 0
        placed[-1].append((index, column, row, rows))
        row += rows
    if len(placed) == 1:
        used = max(r + n for _, _, r, n in placed[0])
        shown = max(used, min(min_rows, capacity))
    else:
        shown = capacity
    step = body.height / shown
    column_rects = split(body, [1 / columns] * columns, False)
    pages = []
    for page in placed:
        boxes = []
        for index, column, row, rows in page:
            top, bottom = round(row * step), round((row + rows) * step)
            col = column_rects[column]
            boxes.append((index, Rect(col.x, body.y + top, col.width, bottom - top)))
        pages.append(boxes)
    return pages


def columns_for(body: Rect, rows: int, unit: int, max_columns: int = 2) -> int:
    """One column while the rows fit at `unit`, else more (up to `max_columns`)."""
    capacity = max(1, body.height // unit)
    return max(1, min(max_columns, -(-rows // capacity)))
