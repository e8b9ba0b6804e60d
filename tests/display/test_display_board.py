"""The board rendered from a known snapshot at every supported screen size, checked by pixels."""

import unicodedata
from datetime import timedelta
from pathlib import Path

import pygame
import pytest
from display_sample import NOW, called_event, snapshot
from pygame import Rect

from display.board import COLORS, Memory, Style, draw, flash_on, format_clock
from display.fonts import ELLIPSIS, Fonts
from display.layout import compute_layout, table_rows
from display.messages import text
from display.view import BoardView, Follower

SIZES = [(1920, 1080), (1366, 768), (3840, 2160), (1080, 1920)]
NOTICE = "Giờ làm việc: sáng 7:30–11:30, chiều 13:30–17:00. Đường dây nóng: 1900 0000"
STEADY = NOW + timedelta(minutes=2)  # the latest call no longer flashes


def board_view(connected: bool = True, **kwargs: object) -> BoardView:
    follower = Follower()
    follower.receive(snapshot(**kwargs), NOW)  # type: ignore[arg-type]
    return follower.view(notice=NOTICE, connected=connected)


def pixels(surface: pygame.Surface, rect: Rect) -> bytes:
    return pygame.image.tobytes(surface.subsurface(rect), "RGB")


def reference(fonts: Fonts, size: tuple[int, int], box: Rect, background, text_: str, color, **fit) -> pygame.Surface:  # type: ignore[no-untyped-def]
    """The same string drawn alone, centred in the same box on the same background."""
    surface = pygame.Surface(size)
    surface.fill(background)
    rendered = fonts.fit(text_, box.size, color, **fit)
    rect = rendered.get_rect(center=box.center)
    surface.blit(rendered, rect)
    return surface


def strip_marks(value: str) -> str:
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def ink_box(surface: pygame.Surface, rect: Rect, color: tuple[int, int, int]) -> Rect:
    """Bounding box of the pixels of (nearly) `color` inside `rect`: the solid part of glyphs."""
    sub = surface.subsurface(rect)
    mask = pygame.mask.from_threshold(sub, color, (6, 6, 6, 255))
    boxes = mask.get_bounding_rects()
    assert boxes, f"no pixel of {color} in {rect}"
    union = boxes[0].unionall(boxes[1:])
    return union.move(rect.topleft)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_called_number_and_counter_are_drawn_where_the_layout_says(size, fonts: Fonts, artefacts: Path) -> None:
    view = board_view()
    surface = pygame.Surface(size)
    frame = draw(surface, view, STEADY, fonts)
    pygame.image.save(surface, artefacts / f"board_{size[0]}x{size[1]}.png")
    layout = compute_layout(size)

    assert frame.placements["call_number"].text == "A015"
    assert frame.placements["call_counter"].text == "3"
    for name in ("call_number", "call_counter"):
        box = getattr(layout, name)
        expected = reference(fonts, size, box, COLORS["hero"], frame.placements[name].text, COLORS["highlight"], ink=True)
        assert pixels(surface, box) == pixels(expected, box), f"{name} differs from a reference render"
        # and something is actually there: the box is not just background
        assert pixels(surface, box) != pixels(_filled(size, COLORS["hero"]), box)

    # The number itself (its glyphs, not just its box) stands at least a sixth of the screen tall.
    glyphs = ink_box(surface, layout.call_number, COLORS["highlight"])
    assert glyphs.height >= size[1] / 6, (glyphs, size)
    assert layout.call_number.contains(glyphs)


def _filled(size: tuple[int, int], color) -> pygame.Surface:  # type: ignore[no-untyped-def]
    surface = pygame.Surface(size)
    surface.fill(color)
    return surface


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_text_leaves_its_box_even_when_too_long(size, fonts: Fonts, artefacts: Path) -> None:
    long_name = "Trung tâm Phục vụ hành chính công phường Hòa Bình, quận Hoàn Kiếm, thành phố Hà Nội " * 3
    follower = Follower()
    snap = snapshot(center_name=long_name)
    snap.categories[0].name_vi = "Hộ tịch, quốc tịch, chứng thực, nuôi con nuôi và các thủ tục liên quan khác"
    follower.receive(snap, NOW)
    view = follower.view(notice=NOTICE * 4, connected=True)
    surface = pygame.Surface(size)
    frame = draw(surface, view, STEADY, fonts)
    pygame.image.save(surface, artefacts / f"board_long_{size[0]}x{size[1]}.png")
    screen = surface.get_rect()

    assert len(frame.placements) > 20
    for name, placement in frame.placements.items():
        assert screen.contains(placement.box), name
        assert placement.box.contains(placement.rect), f"{name}: {placement.rect} outside {placement.box}"
    # too long to fit even wrapped on two lines and shrunk: cut with an ellipsis, not overflowing
    rendered_name = fonts.fit_block(long_name, compute_layout(size).center_name.size, COLORS["text"], max_lines=2)
    assert frame.placements["center_name"].rect.size == rendered_name.get_size()
    assert fonts.font(8).size(ELLIPSIS)[0] > 0
    assert frame.placements["category0.name"].rect.width <= frame.placements["category0.name"].box.width


def test_text_is_ellipsized_rather_than_shrunk_past_the_floor(fonts: Fonts) -> None:
    box = (300, 40)
    long_text = "Chính sách xã hội và lao động, người có công với cách mạng"
    shrunk_only = fonts.fit(long_text, box, (255, 255, 255))
    floored = fonts.fit(long_text, box, (255, 255, 255), min_scale=0.9)
    assert shrunk_only.get_width() <= 300 and floored.get_width() <= 300
    assert floored.get_height() > shrunk_only.get_height()  # kept its size, so it was cut instead
    assert Fonts._ellipsize(fonts.font(30), long_text, 300).endswith(ELLIPSIS)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_vietnamese_diacritics_render(size, fonts: Fonts) -> None:
    view = board_view()
    surface = pygame.Surface(size)
    frame = draw(surface, view, STEADY, fonts)
    layout = compute_layout(size)
    placement = frame.placements["center_name"]
    name = "Trung tâm Phục vụ hành chính công phường Hòa Bình"
    assert placement.text.replace("\n", " ") == name  # whole, on one line or two

    def alone(value: str) -> pygame.Surface:
        out = pygame.Surface(size)
        out.fill(COLORS["background"])
        rendered = fonts.fit_block(value, layout.center_name.size, COLORS["text"], max_lines=2)
        out.blit(rendered, rendered.get_rect(midleft=layout.center_name.midleft))
        return out

    region = layout.title
    assert pixels(surface, region) == pixels(alone(name), region)
    assert pixels(surface, region) != pixels(alone(strip_marks(name)), region)


def test_every_vietnamese_letter_has_its_own_glyph(fonts: Fonts) -> None:
    """A missing glyph draws the same empty box for every letter; distinct images mean real
    glyphs. Checked over all tone marks on every vowel, in both fonts."""
    vowels = "aăâeêioôơuưy"
    letters = [unicodedata.normalize("NFC", v + tone) for v in vowels for tone in ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")]
    letters += [c.upper() for c in letters] + ["đ", "Đ"]
    for bold in (True, False):
        font = fonts.font(48, bold)
        images = {pygame.image.tobytes(font.render(c, True, (255, 255, 255), (0, 0, 0)), "RGB") for c in letters}
        assert len(images) == len(letters)


def test_clock_reads_in_vietnamese_in_the_center_time_zone() -> None:
    assert format_clock(NOW) == "Thứ Hai, 23/11/2026 09:15"
    assert format_clock(NOW + timedelta(days=6)) == "Chủ Nhật, 29/11/2026 09:15"
    # 17:15 UTC is already Tuesday in Hà Nội
    assert format_clock(NOW + timedelta(hours=15)) == "Thứ Ba, 24/11/2026 00:15"
    assert format_clock(NOW, language="en") == "Monday, 23/11/2026 09:15"
    assert format_clock(NOW, "Not/AZone") == "Thứ Hai, 23/11/2026 09:15"  # no tzdata: still UTC+7


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_regions_tile_the_screen(size) -> None:
    layout = compute_layout(size)
    regions = list(layout.regions().values())
    assert sum(r.width * r.height for r in regions) == size[0] * size[1]
    for i, a in enumerate(regions):
        for b in regions[i + 1 :]:
            assert not a.colliderect(b), (a, b)
    for name, box in layout.boxes().items():
        assert any(r.contains(box) for r in regions), name
    assert layout.call_number.height >= size[1] / 6


def test_table_rows_fit_the_body() -> None:
    body = Rect(10, 10, 600, 300)
    for count in (1, 3, 6, 10, 25):
        rows = table_rows(body, count)
        assert len(rows) == count
        assert all(body.contains(r) for r in rows)
        for i, a in enumerate(rows):
            assert not any(a.colliderect(b) for b in rows[i + 1 :])
    assert len({r.x for r in table_rows(body, 10)}) == 2  # ten rows go in two columns


def test_latest_call_flashes_then_stays_highlighted(fonts: Fonts, artefacts: Path) -> None:
    size = (1366, 768)
    view = board_view()
    style = Style(flash_seconds=6.0, flash_period=1.0)
    layout = compute_layout(size)
    corner = (layout.hero.x + 2, layout.hero.bottom - 3)  # hero background, no text there
    seen = []
    for seconds in (0.1, 0.6, 1.1, 7.0):
        surface = pygame.Surface(size)
        now = NOW + timedelta(seconds=seconds)
        draw(surface, view, now, fonts, style=style)
        seen.append(tuple(surface.get_at(corner))[:3])
        pygame.image.save(surface, artefacts / f"flash_{seconds:.1f}s.png")
    assert seen == [COLORS["highlight"], COLORS["hero"], COLORS["highlight"], COLORS["hero"]]
    assert flash_on(view, NOW + timedelta(seconds=7), style) is None


def test_only_what_changes_is_redrawn(fonts: Fonts) -> None:
    size = (1920, 1080)
    layout = compute_layout(size)
    follower = Follower()
    follower.receive(snapshot(), NOW)
    view = follower.view(notice="Ngắn gọn", connected=True)  # a short notice does not scroll
    surface = pygame.Surface(size)
    memory = Memory()
    first = draw(surface, view, STEADY, fonts, memory)
    assert len(first.dirty) == 6
    assert draw(surface, view, STEADY + timedelta(seconds=5), fonts, memory).dirty == []
    # the waiting table is on two pages here (two long names wrap): it turns every page_seconds
    assert draw(surface, view, STEADY + timedelta(seconds=10), fonts, memory).dirty == [layout.waiting]
    assert draw(surface, view, STEADY + timedelta(seconds=20), fonts, memory).dirty == [layout.waiting]
    # the minute turns: the clock alone
    assert draw(surface, view, STEADY + timedelta(minutes=1), fonts, memory).dirty == [layout.clock]
    # a call: the hero and the counters table
    at = STEADY + timedelta(minutes=1)
    follower.receive(called_event(41, 16, 1, 16, 2, at), at)
    view = follower.view(notice="Ngắn gọn", connected=True)
    dirty = draw(surface, view, at + timedelta(seconds=7), fonts, memory).dirty
    assert sorted(map(tuple, dirty)) == sorted(map(tuple, [layout.hero, layout.counters]))
    # a long notice scrolls: only its strip repaints from frame to frame
    scrolling = follower.view(notice=NOTICE * 3, connected=True)
    draw(surface, scrolling, at + timedelta(seconds=8), fonts, memory)
    assert draw(surface, scrolling, at + timedelta(seconds=8.5), fonts, memory).dirty == [layout.notice]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_disconnected_banner_keeps_the_last_board(size, fonts: Fonts, artefacts: Path) -> None:
    layout = compute_layout(size)
    online, offline = pygame.Surface(size), pygame.Surface(size)
    draw(online, board_view(connected=True), STEADY, fonts)
    frame = draw(offline, board_view(connected=False), STEADY, fonts)
    pygame.image.save(offline, artefacts / f"disconnected_{size[0]}x{size[1]}.png")

    assert frame.placements["banner"].text == "Mất kết nối máy chủ — đang kết nối lại…"
    assert text("disconnected") == frame.placements["banner"].text
    assert tuple(offline.get_at(layout.notice.topleft))[:3] == COLORS["banner"]
    for region in ("title", "hero", "counters", "waiting"):  # everything else as it was
        rect = getattr(layout, region)
        assert pixels(online, rect) == pixels(offline, rect), region
    assert pixels(online, layout.notice) != pixels(offline, layout.notice)


def test_before_the_first_snapshot_the_board_says_it_is_connecting(fonts: Fonts) -> None:
    surface = pygame.Surface((1366, 768))
    frame = draw(surface, BoardView(notice="x"), STEADY, fonts)
    assert frame.placements["banner"].text == text("connecting")
    assert frame.placements["call_number"].text == text("no_call_yet")


def test_rendered_text_cache_is_bounded_by_memory(headless: None) -> None:
    """Every ticket number is a new big text; weeks of them must not grow the process."""
    fonts = Fonts(cache_bytes=8 << 20)
    box = (1130, 350)
    for n in range(60):
        fonts.fit(f"A{n:03d}", box, COLORS["highlight"], ink=True)
    assert 0 < fonts.cached_bytes <= 8 << 20
    first = fonts.fit("A000", box, COLORS["highlight"], ink=True)
    assert first.get_height() == fonts.fit("A059", box, COLORS["highlight"], ink=True).get_height()


def twenty_counters_view() -> BoardView:
    """The demo center's categories and 20 counters, each with a called ticket."""
    from display_sample import category, counter, ticket

    from server import demo

    snap = snapshot()
    snap.categories = [category(i, c[0], c[1], c[2], c[4]) for i, c in enumerate(demo.CATEGORIES, start=1)]
    snap.counters = [counter(n) for n in range(1, 21)]
    snap.tickets = [t for t in snap.tickets if t.state == "waiting"] + [
        ticket(200 + n, 1, 100 + n, "called", counter_id=n, called_at=NOW - timedelta(minutes=3)) for n in range(1, 21)
    ]
    follower = Follower()
    follower.receive(snap, NOW)
    return follower.view(notice="Ngắn", connected=True)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_twenty_counters_are_readable_from_the_back_of_the_room(size, fonts: Fonts, artefacts: Path) -> None:
    """Counter and waiting text at least 3% of the screen height (of a landscape screen; of
    the width of a portrait one, the same TV turned), on pages that turn with the clock;
    category names wrapped, never cut."""
    view = twenty_counters_view()
    style = Style()
    least = 0.03 * min(size)
    counters: set[int] = set()
    categories: set[int] = set()
    page = 0
    while True:
        surface = pygame.Surface(size)
        now = STEADY + timedelta(seconds=style.page_seconds * page)
        frame = draw(surface, view, now, fonts, style=style)
        pygame.image.save(surface, artefacts / f"twenty_{size[0]}x{size[1]}_page{page + 1}.png")
        p = frame.placements
        shown_counters = {int(k[7:].split(".")[0]) for k in p if k.startswith("counter") and k.endswith(".label")}
        shown_categories = {int(k[8:].split(".")[0]) for k in p if k.startswith("category") and k.endswith(".count")}
        assert shown_counters and shown_categories
        counters |= shown_counters
        categories |= shown_categories
        for i in shown_counters:
            label = p[f"counter{i}.label"]
            glyphs = ink_box(surface, label.rect, COLORS["highlight"])  # "A101": capitals and digits
            assert glyphs.height >= least, (i, glyphs, least)
            assert p[f"counter{i}.name"].rect.height >= label.rect.height  # "Quầy 12" not shrunk to fit
        for i in shown_categories:
            count = p[f"category{i}.count"]
            assert ink_box(surface, count.rect, COLORS["highlight"]).height >= least, i
            name = p[f"category{i}.name"]
            assert ELLIPSIS not in name.text and name.text.replace("\n", " ") == view.categories[i].name_vi
            assert name.box.contains(name.rect)
            # each line of the name is drawn at least as large as the count beside it
            assert name.rect.height / (name.text.count("\n") + 1) >= count.rect.height * 0.9, i
        pages = p.get("counters_title.page")
        page += 1
        if pages is None or page >= int(pages.text.split("/")[1]):
            if "waiting_title.page" in p:
                assert int(p["waiting_title.page"].text.split("/")[1]) <= page
            break
    assert counters == set(range(20)) and categories == set(range(len(view.categories)))
    assert page <= 2  # two pages at most: a citizen does not wait long for their counter's row


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_the_centers_name_is_never_cut(size, fonts: Fonts) -> None:
    name = "Trung tâm Phục vụ hành chính công phường Hòa Bình, thị xã Sơn Tây"
    frame = draw(pygame.Surface(size), board_view(center_name=name), STEADY, fonts)
    shown = frame.placements["center_name"]
    assert ELLIPSIS not in shown.text and shown.text.replace("\n", " ") == name
    assert shown.box.contains(shown.rect)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_no_sound_and_muted_are_shown_and_the_banner_is_bilingual(size, fonts: Fonts, artefacts: Path) -> None:
    from dataclasses import replace

    layout = compute_layout(size)
    for sound, key in (("none", "sound_none"), ("muted", "sound_muted")):
        surface = pygame.Surface(size)
        frame = draw(surface, replace(board_view(connected=False), sound=sound), STEADY, fonts)
        pygame.image.save(surface, artefacts / f"sound_{sound}_{size[0]}x{size[1]}.png")
        assert frame.placements["sound.vi"].text == text(key, "vi")
        assert frame.placements["sound.en"].text == text(key, "en")
        badge = frame.placements["sound.vi"].box
        assert layout.clock.contains(badge)
        assert COLORS["paused"] in [tuple(surface.get_at((x, badge.top)))[:3] for x in range(badge.left, badge.right)]
        clock = frame.placements["clock"]
        assert not clock.rect.colliderect(frame.placements["sound.vi"].rect)
        assert frame.placements["banner"].text == text("disconnected", "vi")
        assert frame.placements["banner.en"].text == "Server connection lost — reconnecting…"
        assert layout.notice.contains(frame.placements["banner.en"].rect)
    quiet = draw(pygame.Surface(size), board_view(), STEADY, fonts)
    assert "sound.vi" not in quiet.placements
