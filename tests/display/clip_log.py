"""Reads what the room heard back from a channel's clip log: (start, end, clip name) per clip.

An announcement starts at its chime, or at "prefix" when it has none; "prefix" right after the
same single call without a chime is that call's repeat. Each call is the clips of its label,
"to_counter" or the short "counter", and the clips of the counter's number.
"""

from dataclasses import dataclass, field
from typing import Any

from display.messages import VOICE

MARKERS = ("to_counter", "counter")


@dataclass
class Heard:
    start: float
    chime: bool
    calls: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)  # (label, counter)
    repeats: int = 0


def announcements(played: list[tuple[float, float, str]]) -> list[Heard]:
    segments: list[tuple[float, bool, list[str]]] = []
    chime_at: float | None = None
    for start, _, name in played:
        if name == "chime":
            chime_at = start
        elif name == "prefix":
            segments.append((start if chime_at is None else chime_at, chime_at is not None, []))
            chime_at = None
        else:
            assert segments, f"{name} before any prefix"
            segments[-1][2].append(name)
    out: list[Heard] = []
    for start, chime, clips in segments:
        calls = _calls(clips)
        if out and not chime and len(calls) == 1 and out[-1].calls == calls:
            out[-1].repeats += 1
            continue
        out.append(Heard(start, chime, calls))
    return out


def _calls(clips: list[str]) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    calls = []
    i = 0
    while i < len(clips):
        j = i
        while j < len(clips) and clips[j] not in MARKERS:
            j += 1
        assert j < len(clips), f"a label without a counter: {clips[i:]}"
        k = j + 1
        while k < len(clips) and not clips[k].startswith("letter_"):
            k += 1
        calls.append((tuple(clips[i:j]), tuple(clips[j + 1 : k])))
        i = k
    return calls


def said(clips: list[str], language: str = "vi") -> str:
    return " ".join(VOICE[language][c] for c in clips)


DIGIT_WORDS = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}


def read_back(words: list[str]) -> int:
    """An independent reader of spoken Vietnamese numerals, strict about which word may come where."""
    if words == ["không"]:
        return 0
    n = 0
    if "trăm" in words:
        i = words.index("trăm")
        assert i == 1 and words[0] in DIGIT_WORDS, words
        n, words = 100 * DIGIT_WORDS[words[0]], words[2:]
        if words and words[0] == "linh":
            assert len(words) == 2 and words[1] in DIGIT_WORDS, words
            return n + DIGIT_WORDS[words[1]]
    if not words:
        return n
    if words[0] == "mười":
        unit = {"lăm": 5, **DIGIT_WORDS}
        assert len(words) <= 2 and (len(words) == 1 or (words[1] in unit and words[1] != "năm")), words
        return n + 10 + (unit[words[1]] if len(words) == 2 else 0)
    if len(words) >= 2 and words[1] == "mươi":
        assert words[0] in DIGIT_WORDS and words[0] != "một", words
        unit = {**DIGIT_WORDS, "mốt": 1, "tư": 4, "lăm": 5}
        assert len(words) <= 3 and (len(words) == 2 or (words[2] in unit and words[2] not in ("một", "năm"))), words
        return n + 10 * DIGIT_WORDS[words[0]] + (unit[words[2]] if len(words) == 3 else 0)
    assert len(words) == 1 and words[0] in DIGIT_WORDS and n == 0, words
    return DIGIT_WORDS[words[0]]


def heard(channel) -> list[tuple[float, str, str]]:  # type: ignore[no-untyped-def]
    """Calls read back from the clip log as (start, label, counter) text, e.g. ("A020", "4")."""
    out = []
    for a in announcements(channel.played):
        for label, counter in a.calls:
            out.append((a.start, _text(label), _text(counter)))
    return out


def _text(clips: tuple[str, ...]) -> str:
    """letter_a num_ten num_lam -> A015-style text: letters, then the number the words say."""
    letters = "".join(c.removeprefix("letter_").upper() for c in clips if c.startswith("letter_"))
    words = [c for c in clips if not c.startswith("letter_")]
    return letters + (f"{spoken_number(words):03d}" if letters else str(spoken_number(words)))


def spoken_number(clips: list[str]) -> int:
    return read_back(said(clips).split())
