"""The frame loop's step: inbox -> state -> announcements -> dirty regions, on injected clocks."""

import logging
import queue
from datetime import datetime, timedelta
from pathlib import Path

import pygame
import pytest
from clip_log import heard
from display_sample import NOW, called_event, snapshot
from test_display_voice import FakeChannel, FakeClock, fake_library

from display.app import DisplayApp, DisplayConfig
from display.board import COLORS
from display.client import Connection, Message
from display.fonts import Fonts
from display.layout import compute_layout
from display.messages import text
from display.voice import Announcer, SilentChannel


def make_app(tmp_path: Path, fonts: Fonts, size=(1366, 768), notice: str = "Ngắn"):  # type: ignore[no-untyped-def]
    surface = pygame.Surface(size)
    inbox: queue.Queue[Message] = queue.Queue()
    clock = FakeClock()
    channel = FakeChannel(clock)
    announcer = Announcer(fake_library(tmp_path), channel, repeat=1, clock=clock)
    resyncs: list[int] = []
    config = DisplayConfig(notice=notice, flash_seconds=4.0, fps=30, idle_fps=4)
    app = DisplayApp(lambda: surface, inbox, fonts, announcer, config, on_resync=lambda: resyncs.append(1))
    return app, surface, inbox, channel, resyncs


def test_step_applies_messages_announces_calls_and_draws(tmp_path: Path, fonts: Fonts, artefacts: Path) -> None:
    app, surface, inbox, channel, _ = make_app(tmp_path, fonts)
    assert app.step(NOW).dirty  # first frame: everything
    assert app.step(NOW).dirty == []

    inbox.put(Connection(True))
    inbox.put(snapshot(seq=40))
    read_out(app, NOW)  # the snapshot's B007 and A015, still called, are read first
    assert [(label, counter) for _, label, counter in heard(channel)] == [("B007", "2"), ("A015", "3")]
    channel.played.clear()
    at = NOW + timedelta(minutes=3)
    inbox.put(called_event(41, 101, 1, 20, 4, at))
    frame = app.step(at)
    pygame.image.save(surface, artefacts / "app_after_call.png")
    assert frame.placements["call_number"].text == "A020"
    assert frame.placements["call_counter"].text == "4"
    assert [name for _, _, name in channel.played] == ["chime"]
    assert app.frame_rate(at) == 30  # flashing and speaking: fast ticks
    layout = compute_layout(surface.get_size())
    assert tuple(surface.get_at((layout.hero.x + 2, layout.hero.bottom - 3)))[:3] == COLORS["highlight"]

    later = at + timedelta(seconds=10)
    app.announcer.channel.clock.now = 1000.0  # type: ignore[attr-defined]
    while app.announcer.busy:
        app.announcer.channel.clock.now += 0.1  # type: ignore[attr-defined]
        app.step(later)
    spoken = [name for _, _, name in channel.played]
    assert spoken == ["chime", "prefix", "letter_a", "digit_2", "num_tens", "to_counter", "digit_4"]
    assert app.frame_rate(later) == 4  # nothing moves: idle ticks


def read_out(app: DisplayApp, now: datetime) -> None:
    """Let the announcer say everything queued, on its fake clock (the board's time stands)."""
    clock = app.announcer.channel.clock  # type: ignore[attr-defined]
    app.step(now)
    while app.announcer.busy:
        clock.now += 0.1
        app.step(now)


def test_disconnect_shows_the_banner_and_a_gap_asks_for_resync(tmp_path: Path, fonts: Fonts) -> None:
    app, surface, inbox, _, resyncs = make_app(tmp_path, fonts)
    inbox.put(Connection(True))
    inbox.put(snapshot(seq=40))
    read_out(app, NOW)
    assert "banner" not in app.step(NOW).placements
    inbox.put(Connection(False, "ConnectionClosedError"))
    frame = app.step(NOW + timedelta(seconds=1))
    assert frame.placements["banner"].text == "Mất kết nối máy chủ — đang kết nối lại…"
    assert [tuple(r) for r in frame.dirty] == [tuple(compute_layout(surface.get_size()).notice)]
    assert app.view.latest is not None and app.view.latest.label == "A015"  # the last board stays

    inbox.put(called_event(45, 101, 1, 20, 4, NOW))  # 41..44 never came
    app.step(NOW + timedelta(seconds=2))
    assert resyncs == [1]
    assert app.view.latest is not None and app.view.latest.label == "A015"


def test_the_admins_notices_scroll_instead_of_the_configured_line(tmp_path: Path, fonts: Fonts) -> None:
    from server.protocol import EventOut, NoticeOut

    app, _, inbox, _, _ = make_app(tmp_path, fonts, notice="Dòng mặc định")
    inbox.put(Connection(True))
    inbox.put(snapshot(seq=40))
    frame = app.step(NOW)
    assert app.view.notice == "Dòng mặc định"
    notices = [
        NoticeOut(id=1, text_vi="Chiều thứ Sáu nghỉ họp", text_en="Closed Friday afternoon", position=0),
        NoticeOut(id=2, text_vi="Mang theo căn cước", text_en="", position=1),
    ]
    inbox.put(EventOut(seq=41, center_id=1, kind="notice.updated", at=NOW, notices=notices))
    frame = app.step(NOW + timedelta(seconds=1))
    assert app.view.notice == "Chiều thứ Sáu nghỉ họp — Closed Friday afternoon     •     Mang theo căn cước"
    assert frame.dirty  # the notice region was repainted


def test_the_big_number_is_the_one_being_read(tmp_path: Path, fonts: Fonts, artefacts: Path) -> None:
    """Three calls in a second: the voice reads them in turn, and the big number and its flash
    follow the voice, not the newest call."""
    app, surface, inbox, channel, _ = make_app(tmp_path, fonts)
    clock = channel.clock
    inbox.put(Connection(True))
    inbox.put(snapshot(seq=40))
    read_out(app, NOW)
    channel.played.clear()
    at = NOW + timedelta(minutes=3)
    for seq, (tid, number, counter) in enumerate([(101, 20, 4), (102, 21, 5), (103, 22, 2)], start=41):
        inbox.put(called_event(seq, tid, 1, number, counter, at))
    layout = compute_layout(surface.get_size())
    corner = (layout.hero.x + 2, layout.hero.bottom - 3)
    shown: list[tuple[str, str]] = []
    now = at
    while True:
        frame = app.step(now)
        if "call_number" in frame.placements:
            shown.append((frame.placements["call_number"].text, frame.placements["call_counter"].text))
            if len(shown) == 1:
                assert app.follower.latest is not None and app.follower.latest.label == "A022"
                assert tuple(surface.get_at(corner))[:3] == COLORS["highlight"]  # it flashes as it is read
                pygame.image.save(surface, artefacts / "app_reading_first_of_three.png")
        if not app.announcer.busy:
            break
        clock.now += 0.1
        now += timedelta(seconds=0.1)
    spoken = [(label, counter) for _, label, counter in heard(channel)]
    assert spoken == [("A020", "4"), ("A021", "5"), ("A022", "2")]
    assert [s for i, s in enumerate(shown) if i == 0 or s != shown[i - 1]] == spoken



def test_staff_mute_and_change_the_volume_from_the_keyboard(
    tmp_path: Path, fonts: Fonts, headless: None, caplog: pytest.LogCaptureFixture
) -> None:
    app, surface, inbox, channel, _ = make_app(tmp_path, fonts)
    inbox.put(Connection(True))
    inbox.put(snapshot(seq=40))
    app.step(NOW)
    pygame.event.clear()

    def press(key: int) -> None:
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0))
        app.handle_events()

    with caplog.at_level(logging.INFO, "display.app"):
        press(pygame.K_m)
        assert app.announcer.muted and channel.volume == 0.0
        frame = app.step(NOW + timedelta(seconds=1))
        assert frame.placements["sound.vi"].text == text("sound_muted", "vi")  # the board says so
        press(pygame.K_m)
        assert not app.announcer.muted and channel.volume == 1.0
        press(pygame.K_MINUS)
        press(pygame.K_KP_MINUS)
        assert channel.volume == 0.8
        press(pygame.K_PLUS)
        assert channel.volume == 0.9
        for _ in range(5):
            press(pygame.K_EQUALS)  # the + key without shift
        assert channel.volume == 1.0
    assert app.running
    frame = app.step(NOW + timedelta(seconds=2))
    assert "sound.vi" not in frame.placements and [tuple(r) for r in frame.dirty] == [tuple(app_layout(surface).clock)]
    assert len([r for r in caplog.records if r.getMessage().startswith("sound ")]) == 6  # one line per change, none at the top


def app_layout(surface: pygame.Surface):  # type: ignore[no-untyped-def]
    return compute_layout(surface.get_size())


def test_without_a_sound_device_the_board_says_so(tmp_path: Path, fonts: Fonts) -> None:
    surface = pygame.Surface((1920, 1080))
    inbox: queue.Queue[Message] = queue.Queue()
    announcer = Announcer(fake_library(tmp_path), SilentChannel())
    app = DisplayApp(lambda: surface, inbox, fonts, announcer, DisplayConfig(notice="x"))
    inbox.put(Connection(True))
    inbox.put(snapshot(seq=40))
    at = NOW + timedelta(minutes=3)
    inbox.put(called_event(41, 101, 1, 20, 4, at))
    inbox.put(called_event(42, 102, 1, 21, 5, at))
    frame = app.step(at)
    assert frame.placements["sound.vi"].text == "Không có loa"
    assert frame.placements["sound.en"].text == "No sound device"
    assert frame.placements["call_number"].text == "A021"  # nothing is read out: the newest call


def test_a_call_served_before_its_turn_is_said_if_recent_and_passed_over_if_late(tmp_path: Path, fonts: Fonts) -> None:
    """Recent calls are always said (the citizen may still be on the way); one learned long
    after it was made is said only if its ticket is still called when its turn comes."""
    from display_sample import ticket

    from server.protocol import EventOut

    app, _, inbox, channel, _ = make_app(tmp_path, fonts)
    inbox.put(Connection(True))
    inbox.put(snapshot(seq=40))
    read_out(app, NOW)
    at = NOW + timedelta(minutes=3)
    for seq, received in ((41, at), (44, at + timedelta(minutes=10))):  # live, then after an outage
        channel.played.clear()
        first, second = 60 + seq, 61 + seq  # ticket ids, numbers and counters follow the seq
        inbox.put(called_event(seq, first, 1, first, 4, at))
        inbox.put(called_event(seq + 1, second, 1, second, 5, at))
        app.step(received)  # the first is being said...
        served = ticket(second, 1, second, "serving", counter_id=5, called_at=at)
        inbox.put(EventOut(seq=seq + 2, center_id=1, kind="ticket.started", at=at, ticket=served))
        read_out(app, received)  # ...when the second's citizen is already served
        heard_now = [(label, counter) for _, label, counter in heard(channel)]
        if received == at:
            assert heard_now == [("A101", "4"), ("A102", "5")]
        else:
            assert heard_now == [("A104", "4")]


def test_the_centers_ticket_digits_apply_live_unless_the_display_has_its_own(
    tmp_path: Path, fonts: Fonts, caplog: pytest.LogCaptureFixture
) -> None:
    from dataclasses import replace as changed

    from display.client import SoundSetting

    for own in (None, False):  # the center's choice; this display's MOTCUA_DISPLAY_TICKET_DIGITS=0
        app, surface, inbox, channel, _ = make_app(tmp_path, fonts)
        app.config.ticket_digits = own
        app = DisplayApp(lambda: surface, inbox, fonts, app.announcer, app.config)
        inbox.put(Connection(True))
        inbox.put(snapshot(seq=40))
        read_out(app, NOW)
        app.set_sound(volume=0.5, source="key")  # staff turned it down at the display
        channel.played.clear()
        inbox.put(SoundSetting(muted=False, volume=1.0, ticket_digits=True))  # the admin page's change
        inbox.put(called_event(41, 101, 1, 15, 4, NOW))
        with caplog.at_level(logging.INFO, "display.app"):
            read_out(app, NOW)
        assert app.announcer.volume == 0.5  # only the digits changed: the keys' volume stays
        said = [name for _, _, name in channel.played][2:5]
        if own is None:
            assert said == ["letter_a", "digit_0", "digit_1"]  # A015: a không một năm
        else:
            assert said == ["letter_a", "num_ten", "num_lam"]  # A015: a mười lăm, the display's own
        inbox.put(changed(app.server_sound))  # a reconnect's snapshot repeating it: nothing to do
        caplog.clear()
        with caplog.at_level(logging.INFO, "display.app"):
            app.step(NOW)
        assert caplog.records == []
