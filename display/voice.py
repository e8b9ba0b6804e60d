"""Announcements built from short voice clips: chime, "Mời công dân có số", A, 0, 1, 5,
"đến quầy số", 3.

Clips live in a voice folder, one sub-folder per language, named the same in every language
(`prefix`, `to_counter`, `letter_a`..`letter_z`, `digit_0`..`digit_9`), plus a shared `chime`.
A center replaces a file with a recording of a real voice, or adds a language, by dropping in
same-named files; no code changes. `display.voice_build` makes the default (espeak-ng) set.

The `Announcer` plays one announcement at a time on one reserved mixer channel, so they queue and
never overlap. It is driven from the frame loop (`update()`), never from a thread, because
pygame wants to stay on the main thread.
"""

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

CHIME = "chime"
PREFIX = "prefix"
TO_COUNTER = "to_counter"
AUDIO_SUFFIXES = (".wav", ".ogg", ".mp3", ".flac")


def clip_sequence(label: str, counter_number: int, language: str = "vi") -> list[str]:
    """The clip names of one announcement, chime first.

    Letters and digits are read one by one ("A 0 1 5"): that is how the ticket is printed and
    how a clip set stays small. `language` is accepted so a language can change the order; every
    language we ship says the phrase, the number, "to counter", the counter.
    """
    del language  # same order for vi and en; the hook is here for a language that differs
    return [CHIME, PREFIX, *label_clips(label), TO_COUNTER, *label_clips(str(counter_number))]


def label_clips(text: str) -> list[str]:
    """`A015` -> letter_a, digit_0, digit_1, digit_5; separators such as '-' are silent."""
    clips: list[str] = []
    for char in text.lower():
        if char.isdigit():
            clips.append(f"digit_{char}")
        elif "a" <= char <= "z":
            clips.append(f"letter_{char}")
    return clips


def all_clip_names() -> list[str]:
    """Every clip an announcement can use, except the shared chime."""
    return [
        PREFIX,
        TO_COUNTER,
        *(f"letter_{chr(c)}" for c in range(ord("a"), ord("z") + 1)),
        *(f"digit_{d}" for d in range(10)),
    ]


class VoiceLibrary:
    """Finds and loads clips: `<root>/<language>/<name>.<wav|ogg|...>`, then `<root>/<name>.*`
    (where the shared chime lives). A missing clip is logged once and skipped, so a half-built
    voice folder still announces what it can rather than crashing a wall display."""

    def __init__(self, root: Path, language: str, load: Callable[[Path], Any]) -> None:
        self.root = root
        self.language = language
        self._load = load
        self._cache: dict[str, Any] = {}

    def path(self, name: str) -> Path | None:
        for folder in (self.root / self.language, self.root):
            for suffix in AUDIO_SUFFIXES:
                candidate = folder / f"{name}{suffix}"
                if candidate.is_file():
                    return candidate
        return None

    def sound(self, name: str) -> Any | None:
        if name not in self._cache:
            path = self.path(name)
            sound = None
            if path is None:
                log.warning("voice clip %r missing in %s (language %s)", name, self.root, self.language)
            else:
                try:
                    sound = self._load(path)
                except Exception:  # a corrupt recording must not stop the display
                    log.exception("cannot load voice clip %s", path)
            self._cache[name] = sound
        return self._cache[name]

    def missing(self, names: Iterable[str]) -> list[str]:
        return [n for n in names if self.path(n) is None]


class Channel(Protocol):
    """The part of pygame.mixer.Channel the announcer uses (a fake one in tests)."""

    def play(self, sound: Any) -> Any: ...
    def get_busy(self) -> bool: ...
    def set_volume(self, value: float) -> None: ...


@dataclass(frozen=True)
class Pause:
    seconds: float


Step = str | Pause


class Announcer:
    """Queues announcements and plays them one clip at a time on a single channel.

    `repeat` says the words that many times after one chime; `gap` is the silence between
    repeats and after each announcement, so two calls in a row are heard as two.
    """

    def __init__(
        self,
        library: VoiceLibrary,
        channel: Channel,
        *,
        repeat: int = 2,
        volume: float = 1.0,
        gap: float = 0.8,
        max_pending: int = 6,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.library = library
        self.channel = channel
        self.repeat = max(1, repeat)
        self.gap = gap
        self.clock = clock
        # A burst of calls (say, after a long disconnect) must not keep the room listening for
        # minutes: beyond this many waiting announcements the oldest are dropped.
        self._pending: deque[list[Step]] = deque(maxlen=max_pending)
        self._steps: deque[Step] = deque()
        self._quiet_until = 0.0
        channel.set_volume(max(0.0, min(1.0, volume)))

    def announce(self, label: str, counter_number: int) -> None:
        names = clip_sequence(label, counter_number, self.library.language)
        chime, words = names[:1], names[1:]
        steps: list[Step] = list(chime)
        for i in range(self.repeat):
            if i:
                steps.append(Pause(self.gap))
            steps.extend(words)
        steps.append(Pause(self.gap))
        self._pending.append(steps)

    @property
    def busy(self) -> bool:
        """True while an announcement is playing or waiting: the loop then ticks faster."""
        return bool(self._steps or self._pending or self.channel.get_busy()) or (
            self.clock() < self._quiet_until
        )

    def update(self) -> None:
        """Start the next clip if the channel is free; call once per frame."""
        if self.channel.get_busy() or self.clock() < self._quiet_until:
            return
        while True:
            if not self._steps:
                if not self._pending:
                    return
                self._steps.extend(self._pending.popleft())
            step = self._steps.popleft()
            if isinstance(step, Pause):
                self._quiet_until = self.clock() + step.seconds
                return
            sound = self.library.sound(step)
            if sound is not None:
                self.channel.play(sound)
                return
            # missing clip: go straight on to the next one


def open_mixer_announcer(
    root: Path, language: str, *, repeat: int, volume: float, gap: float = 0.8
) -> Announcer:
    """An announcer on a reserved pygame.mixer channel. The mixer must be initialised (with
    `pygame.mixer.pre_init` before `pygame.init`, or its settings are ignored)."""
    import pygame

    pygame.mixer.set_reserved(1)  # channel 0 is ours: nothing else may cut an announcement
    library = VoiceLibrary(root, language, pygame.mixer.Sound)
    return Announcer(library, pygame.mixer.Channel(0), repeat=repeat, volume=volume, gap=gap)


class SilentChannel:
    """Used when no audio device opens: the board must keep working without sound."""

    def play(self, sound: Any) -> None:
        pass

    def get_busy(self) -> bool:
        return False

    def set_volume(self, value: float) -> None:
        pass
