"""The frame loop: drain the inbox, update the state, start announcements, draw what changed.

Everything pygame happens here, on the main thread. The loop ticks fast (`fps`) only while
something moves (a flashing call, a scrolling notice, an announcement playing) and slowly
(`idle_fps`) otherwise, which is what keeps a wall display light for weeks.
"""

import logging
import os
import queue
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import pygame

from display import board, messages
from display.board import Memory, Style
from display.client import Connection, Message, SoundSetting
from display.fonts import Fonts
from display.view import BoardView, Call, Follower
from display.voice import Announcer, SilentChannel

log = logging.getLogger(__name__)

DEFAULT_VOICE_DIR = Path(__file__).resolve().parent.parent / "var" / "voice"


NOTICE_SEPARATOR = "     •     "
VOLUME_STEP = 0.1  # one press of + or -


@dataclass
class DisplayConfig:
    """Everything a center can set for its wall display (the `motcua display` options)."""

    server: str = "http://127.0.0.1:8000"
    token: str | None = None
    center_id: int | None = None
    windowed: bool = False
    window_size: tuple[int, int] = (1280, 720)
    language: str = "vi"  # the spoken language; the board is always Vietnamese + English
    volume: float = 1.0
    repeat: int = 2  # how many times the number is said after the chime
    # Read A015 "a không một năm" rather than "a mười lăm": None follows the center's setting
    # (admin page); True or False is this display's own choice, whatever the center's.
    ticket_digits: bool | None = None
    voice_dir: Path = field(default_factory=lambda: DEFAULT_VOICE_DIR)
    notice: str | None = None  # None: the catalog's default with the center's hotline
    flash_seconds: float = 6.0
    # Calls older than this when they reach the display (after an outage) are said only if the
    # ticket is still called when their turn comes; newer ones always.
    announce_within: float = 120.0
    fps: int = 30
    idle_fps: int = 4

    def style(self) -> Style:
        return Style(flash_seconds=self.flash_seconds)


def sdl_defaults() -> None:
    """Environment for SDL, set before pygame.init (a center can still override each).

    SDL backs the window surface with an OpenGL texture when it can, and then every
    display.update re-uploads and redraws the whole window: measured on X11 with software GL,
    15 ms of CPU per update however small the dirty rectangle, i.e. 46% of a core while the
    notice scrolls. The plain X11 framebuffer (shared memory) copies only the dirty
    rectangles: 0.06 ms.
    """
    os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")


def utc_now() -> datetime:
    return datetime.now(UTC)


class DisplayApp:
    def __init__(
        self,
        screen: Callable[[], pygame.Surface],
        inbox: "queue.Queue[Message]",
        fonts: Fonts,
        announcer: Announcer,
        config: DisplayConfig,
        *,
        on_resync: Callable[[], None] = lambda: None,
        wall_clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.screen = screen  # a getter: the window surface changes when the window is resized
        self.inbox = inbox
        self.fonts = fonts
        self.announcer = announcer
        self.config = config
        self.style = config.style()
        self.on_resync = on_resync
        self.wall_clock = wall_clock
        self.follower = Follower(recent_seconds=config.announce_within)
        self.memory = Memory()
        self.connected = False
        self.refused = False
        # The sound setting last taken from the server. It starts at the server's default, so a
        # center that never set one keeps the display's own --volume; a reconnect's snapshot
        # repeats it, and re-applying it would undo the keys pressed since.
        self.server_sound = SoundSetting(muted=False, volume=1.0, ticket_digits=False)
        if config.ticket_digits is not None:
            announcer.ticket_digits = config.ticket_digits
        self.view = BoardView()
        self.frames = 0  # frames that repainted something
        self.ticks = 0  # loop iterations
        self.running = True
        # The call the voice is reading, shown in the big number while it is read (a burst
        # queues calls; the board must not show the newest while the voice reads an older one).
        self.spoken: Call | None = None
        self.spoken_since: datetime | None = None
        self._refresh_view()

    def _notice(self) -> str:
        """The admin's notices (live from the server) first, then --notice, then the default."""
        state = self.follower.state
        if state is not None and state.notices:
            return NOTICE_SEPARATOR.join(f"{n.text_vi} — {n.text_en}" if n.text_en else n.text_vi for n in state.notices)
        if self.config.notice is not None:
            return self.config.notice
        center = state.center if state else None
        return messages.text("default_notice", "vi", hotline=center.hotline if center else "")

    def _sound(self) -> str:
        if isinstance(self.announcer.channel, SilentChannel):
            return "none"
        return "muted" if self.announcer.muted else "on"

    def _refresh_view(self) -> None:
        view = self.follower.view(notice=self._notice(), connected=self.connected, refused=self.refused)
        if self.spoken is not None and view.synced:
            view = replace(view, latest=self.spoken, flash_started=self.spoken_since)
        self.view = replace(view, sound=self._sound())

    def _follow_voice(self, now: datetime) -> bool:
        """Point the big number at the call being read; True if that changed."""
        speaking = self.announcer.speaking
        # Without a sound device nothing is read (the clips "play" at once): show the newest.
        speaking = speaking if isinstance(speaking, Call) and self._sound() != "none" else None
        if speaking == self.spoken:
            return False
        # Between announcements the board shows the newest call again.
        self.spoken, self.spoken_since = speaking, (now if speaking else None)
        return True

    def set_sound(self, *, muted: bool | None = None, volume: float | None = None, source: str = "") -> None:
        """Staff turn the sound down or off while the display runs (a key or the server)."""
        before = (self.announcer.muted, self.announcer.volume)
        if volume is not None:
            self.announcer.set_volume(volume)
        if muted is not None:
            self.announcer.set_muted(muted)
        if (self.announcer.muted, self.announcer.volume) == before:
            return  # already so (a key held at the top of the range): nothing to log or redraw
        log.info(
            "sound %s, volume %d%% (%s)", "off" if self.announcer.muted else "on", round(self.announcer.volume * 100), source
        )
        self._refresh_view()

    def center_ticket_digits(self, digits: bool) -> None:
        """The center chose how ticket numbers are read (admin page): from the next call on,
        unless this display has its own choice (MOTCUA_DISPLAY_TICKET_DIGITS)."""
        how = "digit by digit" if digits else "as numbers"
        if self.config.ticket_digits is not None:
            log.info("the center reads ticket numbers %s; this display keeps its own setting", how)
            return
        self.announcer.ticket_digits = digits
        log.info("ticket numbers read %s (server)", how)

    def drain(self, now: datetime) -> bool:
        """Apply everything waiting in the inbox, never blocking; True if the board changed."""
        changed = False
        while True:
            try:
                message = self.inbox.get_nowait()
            except queue.Empty:
                break
            if isinstance(message, SoundSetting):
                before, self.server_sound = self.server_sound, message
                if (message.muted, message.volume) != (before.muted, before.volume):
                    self.set_sound(muted=message.muted, volume=message.volume, source="server")
                    changed = True
                if message.ticket_digits != before.ticket_digits:
                    self.center_ticket_digits(message.ticket_digits)
                continue
            if isinstance(message, Connection):
                changed |= (self.connected, self.refused) != (message.connected, message.refused)
                self.connected, self.refused = message.connected, message.refused
                continue
            result = self.follower.receive(message, now)
            if result.resync:
                log.warning("sequence gap at %s; asking for a fresh snapshot", getattr(message, "seq", "?"))
                self.on_resync()
            for call in result.announce:
                # A call learned late is said only if its citizen is still awaited by then.
                wanted = (lambda call=call: self.follower.still_called(call)) if call.late else None
                self.announcer.announce(call.label, call.counter_number, key=call, wanted=wanted)
            changed |= result.changed
        if changed:
            self._refresh_view()
        return changed

    def step(self, now: datetime | None = None) -> board.Frame:
        """One frame: inbox, sound, draw. Returns what was repainted."""
        now = now or self.wall_clock()
        self.drain(now)
        self.announcer.update()
        if self._follow_voice(now):
            self._refresh_view()
        frame = board.draw(self.screen(), self.view, now, self.fonts, self.memory, self.style)
        self.ticks += 1
        if frame.dirty:
            self.frames += 1
        return frame

    def frame_rate(self, now: datetime) -> int:
        surface = self.screen()
        layout = board.compute_layout(surface.get_size())
        busy = self.announcer.busy or board.animating(self.view, now, layout, self.fonts, self.style)
        return self.config.fps if busy else self.config.idle_fps

    def handle_events(self) -> None:
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                self.running = False
            elif event.type == pygame.KEYDOWN and event.key in (pygame.K_ESCAPE, pygame.K_q):
                self.running = False
            elif event.type == pygame.KEYDOWN:
                self.key(event.key)
            elif event.type in (pygame.VIDEOEXPOSE, pygame.WINDOWSIZECHANGED, pygame.WINDOWRESTORED):
                self.memory.keys.clear()  # the window was uncovered or resized: paint it all

    def key(self, key: int) -> None:
        """M mutes or unmutes, + and - change the volume: staff at the display PC's keyboard."""
        if key == pygame.K_m:
            self.set_sound(muted=not self.announcer.muted, source="key")
        elif key in (pygame.K_PLUS, pygame.K_EQUALS, pygame.K_KP_PLUS):
            self.set_sound(volume=self.announcer.volume + VOLUME_STEP, muted=False, source="key")
        elif key in (pygame.K_MINUS, pygame.K_KP_MINUS):
            self.set_sound(volume=self.announcer.volume - VOLUME_STEP, source="key")

    def run(self, until: Callable[[], bool] = lambda: False) -> None:
        clock = pygame.time.Clock()
        while self.running and not until():
            self.handle_events()
            now = self.wall_clock()
            frame = self.step(now)
            if frame.dirty:
                pygame.display.update(frame.dirty)
            clock.tick(self.frame_rate(now))
