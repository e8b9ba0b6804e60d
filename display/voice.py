"""Announcements built from short voice clips: chime, "Mời công dân có số", A, mười lăm,
"đến quầy số", ba.

Clips live in a voice folder, one sub-folder per language (`prefix`, `to_counter`, `counter`,
`letter_a`..`letter_z`, `digit_0`..`digit_9` and the number words that language needs, see
`number_words`), plus a shared `chime`. A center replaces a file with a recording of a real voice,
or adds a language, by dropping in same-named files; no code changes. `display.voice_build` makes
the default (espeak-ng) set.

The `Announcer` plays one announcement at a time on one reserved mixer channel, so they never
overlap. It is driven from the frame loop (`update()`), never from a thread, because pygame wants
to stay on the main thread. Nothing queued is ever dropped for lack of time: when calls come faster
than speech it shortens what it says (drops the repeat, then the chime, then says several calls in
one sentence). Only a call whose `wanted` check says no when its turn comes is passed over (the
display's late calls whose citizen has been served meanwhile).
"""

import logging
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)

CHIME = "chime"
PREFIX = "prefix"
TO_COUNTER = "to_counter"
COUNTER = "counter"  # the short "quầy" of a merged announcement: "A015 quầy 3, B007 quầy 5"
AUDIO_SUFFIXES = (".wav", ".ogg", ".mp3", ".flac")
LETTERS = [f"letter_{chr(c)}" for c in range(ord("a"), ord("z") + 1)]
DIGITS = [f"digit_{d}" for d in range(10)]
# The words beyond the digits each language needs to say 1..999 (clip name -> kept in
# display.messages.VOICE with what it says).
NUMBER_WORDS: dict[str, list[str]] = {
    # mười (10..19), mươi (tens from 20), trăm, linh (105), mốt (21), tư (24), lăm (15, 25)
    "vi": ["num_ten", "num_tens", "num_hundred", "num_linh", "num_mot", "num_tu", "num_lam"],
    # ten..nineteen, twenty..ninety, hundred
    "en": [*(f"num_{n}" for n in range(10, 20)), *(f"num_{n}" for n in range(20, 100, 10)), "num_hundred"],
}


def number_clips(n: int, language: str = "vi") -> list[str]:
    """`n` read as that language says numbers: 15 -> mười lăm, 21 -> hai mươi mốt,
    105 -> một trăm linh năm. Beyond 999 (never a ticket) it is read digit by digit."""
    if n < 0 or n > 999:
        return [f"digit_{c}" for c in str(abs(n))]
    if language == "en":
        return _english(n)
    return _vietnamese(n)


def _vietnamese(n: int) -> list[str]:
    if n < 10:
        return [f"digit_{n}"]
    hundreds, rest = divmod(n, 100)
    out = [f"digit_{hundreds}", "num_hundred"] if hundreds else []
    if hundreds and rest == 0:
        return out
    if hundreds and rest < 10:
        return [*out, "num_linh", f"digit_{rest}"]  # một trăm linh năm
    tens, unit = divmod(rest, 10)
    if tens == 1:
        out.append("num_ten")  # mười; then mười một, mười bốn, mười lăm
        units = {0: [], 5: ["num_lam"]}
    else:
        out += [f"digit_{tens}", "num_tens"]  # hai mươi; then mốt, tư, lăm
        units = {0: [], 1: ["num_mot"], 4: ["num_tu"], 5: ["num_lam"]}
    return out + units.get(unit, [f"digit_{unit}"])


def _english(n: int) -> list[str]:
    hundreds, rest = divmod(n, 100)
    out = [f"digit_{hundreds}", "num_hundred"] if hundreds else []
    if rest == 0:
        return out or ["digit_0"]
    if rest < 10:
        return [*out, f"digit_{rest}"]
    if rest < 20:
        return [*out, f"num_{rest}"]
    tens, unit = divmod(rest, 10)
    return [*out, f"num_{tens * 10}", *([f"digit_{unit}"] if unit else [])]


def label_clips(text: str, language: str = "vi", ticket_digits: bool = False) -> list[str]:
    """`A015` -> letter_a, then 15 as a number (mười lăm), or digit by digit (không một năm) when
    the center prints and reads its numbers that way. Separators such as '-' are silent."""
    clips: list[str] = []
    run = ""
    for char in text.lower() + " ":
        if char.isascii() and char.isdigit():
            run += char
            continue
        if run:
            clips += [f"digit_{d}" for d in run] if ticket_digits else number_clips(int(run), language)
            run = ""
        if "a" <= char <= "z":
            clips.append(f"letter_{char}")
    return clips


def clip_sequence(label: str, counter_number: int, language: str = "vi", ticket_digits: bool = False) -> list[str]:
    """The clip names of one full announcement, chime first. Every language we ship says the
    phrase, the number, "to counter", the counter."""
    return [CHIME, PREFIX, *label_clips(label, language, ticket_digits), TO_COUNTER, *number_clips(counter_number, language)]


def all_clip_names(language: str = "vi") -> list[str]:
    """Every clip an announcement in `language` can use, except the shared chime."""
    return [PREFIX, TO_COUNTER, COUNTER, *LETTERS, *DIGITS, *NUMBER_WORDS.get(language, NUMBER_WORDS["vi"])]


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

    def length(self, name: str) -> float:
        """Seconds the clip plays (0 if missing), for planning how to keep up."""
        sound = self.sound(name)
        if sound is None:
            return 0.0
        get_length = getattr(sound, "get_length", None)
        return float(get_length()) if get_length else 0.5

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


@dataclass(frozen=True)
class Step:
    what: str | Pause
    key: Hashable  # the call this step speaks for (the board highlights it meanwhile)
    repeat: bool = False  # part of the repeat: dropped as soon as another call waits


@dataclass(frozen=True)
class Waiting:
    label: str
    counter_number: int
    key: Hashable
    at: float  # announcer clock when it was queued
    # Asked when its turn to be said comes; False: passed over (with a log line).
    wanted: Callable[[], bool] | None = None


# How an announcement is said, longest first; the announcer takes the first that lets every
# waiting call start in time, else says several calls in one sentence.
FULL, ONCE, BARE = "full", "once", "bare"


class Announcer:
    """Queues announcements and plays them one clip at a time on a single channel.

    `repeat` says the words that many times after one chime; `gap` is the silence between
    repeats and after each announcement, so two calls in a row are heard as two. `max_delay`:
    when calls come faster than speech, announcements get shorter so that none starts later than
    this after it was queued, as far as shortening can manage; none is ever dropped.
    """

    def __init__(
        self,
        library: VoiceLibrary,
        channel: Channel,
        *,
        repeat: int = 2,
        volume: float = 1.0,
        gap: float = 0.8,
        max_delay: float = 20.0,
        merge_max: int = 12,
        ticket_digits: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.library = library
        self.channel = channel
        self.repeat = max(1, repeat)
        self.gap = gap
        self.max_delay = max_delay
        self.merge_max = max(2, merge_max)
        self.comma = min(gap, 0.25)  # the pause between two calls said in one sentence
        self.clip_overhead = 0.04
        self.ticket_digits = ticket_digits
        self.clock = clock
        self._pending: deque[Waiting] = deque()
        self._steps: deque[Step] = deque()
        self._quiet_until = 0.0
        self._speaking: Hashable = None
        # (clock, keys) of each announcement started: what the room heard, and when.
        self.started: deque[tuple[float, tuple[Hashable, ...]]] = deque(maxlen=512)
        self.volume = max(0.0, min(1.0, volume))
        self.muted = False
        self._apply_volume()

    # --- sound level, changed by staff while the display runs ---------------------------------

    def set_volume(self, value: float) -> None:
        self.volume = round(max(0.0, min(1.0, value)), 2)  # +/- steps of 0.1 stay exact
        self._apply_volume()

    def set_muted(self, muted: bool) -> None:
        self.muted = muted
        self._apply_volume()

    def _apply_volume(self) -> None:
        # Muted still "plays" at volume 0, so the board's highlight and the order stay the
        # same and unmuting takes effect at the next clip.
        self.channel.set_volume(0.0 if self.muted else self.volume)

    # --- queue -------------------------------------------------------------------------------

    def announce(
        self, label: str, counter_number: int, key: Hashable = None, wanted: Callable[[], bool] | None = None
    ) -> None:
        """Queue one call; `key` (default the label and counter) is what `speaking` returns
        while it is being said. `wanted`, if given, is asked when the call's turn comes: if it
        says no, the call is not said (a late call whose citizen has been served since)."""
        key = key if key is not None else (label, counter_number)
        self._pending.append(Waiting(label, counter_number, key, self.clock(), wanted))

    @property
    def waiting(self) -> int:
        return len(self._pending)

    @property
    def speaking(self) -> Hashable:
        """The key of the call being said now (None between announcements)."""
        return self._speaking

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
            if self._steps and self._steps[0].repeat and self._pending and not self._repeat_keeps_up():
                # Others wait and would be late: they hear their number rather than this one again.
                while self._steps and self._steps[0].repeat:
                    self._steps.popleft()
            if not self._steps:
                self._speaking = None
                self._pass_over_unwanted()
                if not self._pending:
                    return
                self._steps.extend(self._plan())
            step = self._steps.popleft()
            if isinstance(step.what, Pause):
                self._quiet_until = self.clock() + step.what.seconds
                return
            self._speaking = step.key
            sound = self.library.sound(step.what)
            if sound is not None:
                self.channel.play(sound)
                return
            # missing clip: go straight on to the next one

    def _pass_over_unwanted(self) -> None:
        """Before the next announcement: drop the waiting calls no longer wanted (asked now,
        so a call's citizen served while others were read is not sent to a counter)."""
        if not any(item.wanted is not None for item in self._pending):
            return
        kept: deque[Waiting] = deque()
        for item in self._pending:
            if item.wanted is None or item.wanted():
                kept.append(item)
            else:
                log.info("not announcing %s@%s: no longer wanted when its turn came", item.label, item.counter_number)
        self._pending = kept

    # --- planning ----------------------------------------------------------------------------

    def _words(self, item: Waiting, counter_clip: str = TO_COUNTER) -> list[str]:
        language = self.library.language
        return [
            *label_clips(item.label, language, self.ticket_digits),
            counter_clip,
            *number_clips(item.counter_number, language),
        ]

    def _clips_length(self, names: Iterable[str]) -> float:
        # each clip also waits for the next frame to start (a 30 fps loop: up to 33 ms)
        return sum(self.library.length(n) + self.clip_overhead for n in names)

    def _length(self, item: Waiting, form: str) -> float:
        words = self._clips_length([PREFIX, *self._words(item)])
        chime = self._clips_length([CHIME]) if form != BARE else 0.0
        times = self.repeat if form == FULL else 1
        return chime + words * times + self.gap * times

    def _in_time(self, start: float, form: str) -> bool:
        """Whether every waiting call, each said in `form` from `start` on, starts in time."""
        for item in self._pending:
            if start - item.at > self.max_delay:
                return False
            start += self._length(item, form)
        return True

    def _repeat_keeps_up(self) -> bool:
        repeat = [s.what for s in self._steps if s.repeat]
        pauses = sum(w.seconds for w in repeat if isinstance(w, Pause))
        return self._in_time(self.clock() + pauses + self._clips_length(w for w in repeat if isinstance(w, str)), FULL)

    def _plan(self) -> list[Step]:
        now = self.clock()
        for form in (FULL, ONCE, BARE):
            if self._in_time(now, form):
                return self._single(self._pending.popleft(), form, now)
        # Several calls in one sentence. Best: no longer than `max_delay` (a call that comes
        # while it is said starts in time, in the next one) and short enough that the oldest
        # call left for the next one starts in time too. Else all that still can be in time.
        pending = list(self._pending)[: self.merge_max]
        lengths = {k: self._merged_length(pending[:k]) for k in range(1, len(pending) + 1)}
        fair = [
            k for k in lengths
            if k == len(self._pending) or now + lengths[k] <= self._pending[k].at + self.max_delay
        ]  # fmt: skip
        short = [k for k in lengths if k == 1 or lengths[k] <= self.max_delay]
        count = max([k for k in fair if k in short] or fair or short)
        group = [self._pending.popleft() for _ in range(count)]
        return self._merged(group, now)

    def _merged_length(self, group: list[Waiting]) -> float:
        words = self._clips_length(n for item in group for n in self._words(item, COUNTER))
        return self._clips_length([PREFIX]) + words + self.comma * (len(group) - 1) + self.gap

    def _single(self, item: Waiting, form: str, now: float) -> list[Step]:
        self._log(now, [item], form)
        words = [PREFIX, *self._words(item)]
        steps = [Step(CHIME, item.key)] if form != BARE else []
        steps += [Step(w, item.key) for w in words]
        for _ in range(1, self.repeat if form == FULL else 1):
            steps.append(Step(Pause(self.gap), item.key, repeat=True))
            steps += [Step(w, item.key, repeat=True) for w in words]
        steps.append(Step(Pause(self.gap), item.key))
        return steps

    def _merged(self, group: list[Waiting], now: float) -> list[Step]:
        """"Mời công dân có số A015 quầy 3, B007 quầy 5": one sentence for several calls."""
        self._log(now, group, "merged")
        steps = [Step(PREFIX, group[0].key)]
        for i, item in enumerate(group):
            if i:
                steps.append(Step(Pause(self.comma), item.key))
            steps += [Step(w, item.key) for w in self._words(item, COUNTER if len(group) > 1 else TO_COUNTER)]
        steps.append(Step(Pause(self.gap), group[-1].key))
        return steps

    def _log(self, now: float, items: list[Waiting], form: str) -> None:
        self.started.append((now, tuple(i.key for i in items)))
        late = max(now - i.at for i in items)
        text = ", ".join(f"{i.label}@{i.counter_number}" for i in items)
        log.info("announcing %s (%s, %.1fs after the call, %d more waiting)", text, form, late, len(self._pending))


def open_mixer_announcer(
    root: Path, language: str, *, repeat: int, volume: float, gap: float = 0.8, ticket_digits: bool = False
) -> Announcer:
    """An announcer on a reserved pygame.mixer channel. The mixer must be initialised (with
    `pygame.mixer.pre_init` before `pygame.init`, or its settings are ignored)."""
    import pygame

    pygame.mixer.set_reserved(1)  # channel 0 is ours: nothing else may cut an announcement
    library = VoiceLibrary(root, language, pygame.mixer.Sound)
    return Announcer(
        library, pygame.mixer.Channel(0), repeat=repeat, volume=volume, gap=gap, ticket_digits=ticket_digits
    )


class SilentChannel:
    """Used when no audio device opens: the board must keep working without sound (and says
    so on screen)."""

    def play(self, sound: Any) -> None:
        pass

    def get_busy(self) -> bool:
        return False

    def set_volume(self, value: float) -> None:
        pass
