"""Announcements: which clips, in what order, one at a time; and the clips espeak-ng builds."""

import json
import logging
import wave
from dataclasses import dataclass, field
from pathlib import Path

import pygame
import pytest
from clip_log import announcements, read_back, said

from display import voice_build
from display.messages import VOICE
from display.voice import (
    Announcer,
    VoiceLibrary,
    all_clip_names,
    clip_sequence,
    label_clips,
    number_clips,
    open_mixer_announcer,
)


@pytest.mark.parametrize(
    ("label", "counter", "expected"),
    [
        ("A015", 3, ["letter_a", "num_ten", "num_lam", "to_counter", "digit_3"]),
        ("B007", 12, ["letter_b", "digit_7", "to_counter", "num_ten", "digit_2"]),
        ("M-120", 6, ["letter_m", "digit_1", "num_hundred", "digit_2", "num_tens", "to_counter", "digit_6"]),
        ("g999", 10, ["letter_g", "digit_9", "num_hundred", "digit_9", "num_tens", "digit_9", "to_counter", "num_ten"]),
        ("C000", 20, ["letter_c", "digit_0", "to_counter", "digit_2", "num_tens"]),
    ],
)
def test_clip_sequence(label: str, counter: int, expected: list[str]) -> None:
    assert clip_sequence(label, counter, "vi") == ["chime", "prefix", *expected]


def test_a_center_can_keep_ticket_numbers_digit_by_digit() -> None:
    assert label_clips("A015", "vi", ticket_digits=True) == ["letter_a", "digit_0", "digit_1", "digit_5"]
    # the counter is a number either way
    assert clip_sequence("B120", 21, "vi", ticket_digits=True)[2:] == [
        "letter_b", "digit_1", "digit_2", "digit_0", "to_counter", "digit_2", "num_tens", "num_mot",
    ]  # fmt: skip


# Written out by hand, the way a Vietnamese speaker reads them (not derived from the code).
SPOKEN_VI = {
    1: "một", 4: "bốn", 5: "năm", 9: "chín", 10: "mười", 11: "mười một", 12: "mười hai", 14: "mười bốn",
    15: "mười lăm", 19: "mười chín", 20: "hai mươi", 21: "hai mươi mốt", 22: "hai mươi hai",
    24: "hai mươi tư", 25: "hai mươi lăm", 30: "ba mươi", 31: "ba mươi mốt", 45: "bốn mươi lăm",
    54: "năm mươi tư", 55: "năm mươi lăm", 70: "bảy mươi", 99: "chín mươi chín", 100: "một trăm",
    101: "một trăm linh một", 104: "một trăm linh bốn", 105: "một trăm linh năm", 110: "một trăm mười",
    111: "một trăm mười một", 115: "một trăm mười lăm", 120: "một trăm hai mươi",
    121: "một trăm hai mươi mốt", 125: "một trăm hai mươi lăm", 200: "hai trăm", 205: "hai trăm linh năm",
    310: "ba trăm mười", 444: "bốn trăm bốn mươi tư", 515: "năm trăm mười lăm", 901: "chín trăm linh một",
    999: "chín trăm chín mươi chín",
}  # fmt: skip


@pytest.mark.parametrize("n", sorted(SPOKEN_VI))
def test_numbers_read_as_vietnamese_speaks_them(n: int) -> None:
    assert said(number_clips(n, "vi")) == SPOKEN_VI[n]


def test_every_number_from_1_to_999_follows_the_rules() -> None:
    for n in range(1, 1000):
        words = said(number_clips(n, "vi")).split()
        assert read_back(words) == n, (n, words)
        tens, unit = n % 100 // 10, n % 10
        assert ("mười" in words) == (tens == 1), n
        assert ("mươi" in words) == (tens >= 2), n
        assert ("linh" in words) == (n >= 100 and tens == 0 and unit > 0), n
        assert ("mốt" in words) == (tens >= 2 and unit == 1), n
        assert ("lăm" in words) == (tens >= 1 and unit == 5), n
        assert "không" not in words, n


def test_english_reads_numbers_as_english_speakers_do() -> None:
    assert said(number_clips(7, "en"), "en") == "seven"
    assert said(number_clips(15, "en"), "en") == "fifteen"
    assert said(number_clips(21, "en"), "en") == "twenty one"
    assert said(number_clips(105, "en"), "en") == "one hundred five"
    assert said(number_clips(110, "en"), "en") == "one hundred ten"
    assert said(clip_sequence("A015", 12, "en")[1:], "en") == "Ticket number A fifteen please go to counter twelve"


def test_every_clip_has_a_phrase_in_every_language() -> None:
    for language, phrases in VOICE.items():
        names = set(all_clip_names(language))
        assert names <= set(phrases), language
        used = {c for n in range(0, 1000) for c in number_clips(n, language)}
        assert used <= names, language
    assert VOICE["vi"]["prefix"] == "Mời công dân có số"
    assert VOICE["vi"]["to_counter"] == "đến quầy số"
    # letters by their Vietnamese names
    assert [VOICE["vi"][f"letter_{c}"] for c in "abdgk"] == ["a", "bê", "dê", "giê", "ca"]


@dataclass
class FakeSound:
    name: str
    length: float

    def get_length(self) -> float:
        return self.length


@dataclass
class FakeClock:
    now: float = 0.0

    def __call__(self) -> float:
        return self.now


@dataclass
class FakeChannel:
    """Plays for the sound's length on the fake clock; records what played when."""

    clock: FakeClock
    played: list[tuple[float, float, str]] = field(default_factory=list)
    volume: float | None = None

    def play(self, sound: FakeSound) -> None:
        assert not self.get_busy(), "a clip started while another was playing"
        self.played.append((self.clock.now, self.clock.now + sound.length, sound.name))

    def get_busy(self) -> bool:
        return bool(self.played) and self.clock.now < self.played[-1][1]

    def set_volume(self, value: float) -> None:
        self.volume = value


def fake_library(tmp_path: Path, missing: tuple[str, ...] = ()) -> VoiceLibrary:
    (tmp_path / "vi").mkdir(exist_ok=True)
    (tmp_path / "chime.wav").write_bytes(b"x")
    for name in all_clip_names("vi"):
        if name not in missing:
            (tmp_path / "vi" / f"{name}.wav").write_bytes(b"x")
    lengths = {"chime": 1.2, "prefix": 1.0, "to_counter": 0.7}
    return VoiceLibrary(tmp_path, "vi", lambda p: FakeSound(p.stem, lengths.get(p.stem, 0.35)))


def espeak_library(folder: Path) -> VoiceLibrary:
    """The default clips as the installer builds them, each as long as its real recording."""
    voice_build.build(folder, ["vi"])

    def load(path: Path) -> FakeSound:
        with wave.open(str(path)) as clip:
            return FakeSound(path.stem, clip.getnframes() / clip.getframerate())

    return VoiceLibrary(folder, "vi", load)


def run_until_quiet(announcer: Announcer, clock: FakeClock, step: float = 0.033, limit: float = 300) -> None:
    """Drive the announcer as the frame loop does, on a fake clock."""
    announcer.update()
    while announcer.busy and clock.now < limit:
        clock.now += step
        announcer.update()


def test_announcements_queue_and_never_overlap(tmp_path: Path) -> None:
    clock = FakeClock()
    channel = FakeChannel(clock)
    announcer = Announcer(fake_library(tmp_path), channel, repeat=2, volume=0.7, gap=0.5, clock=clock)
    announcer.announce("A015", 3)
    announcer.announce("B007", 2)  # arrives while the first is still to be played: two calls keep up
    run_until_quiet(announcer, clock)

    names = [name for _, _, name in channel.played]
    one = ["prefix", "letter_a", "num_ten", "num_lam", "to_counter", "digit_3"]
    two = ["prefix", "letter_b", "digit_7", "to_counter", "digit_2"]
    assert names == ["chime", *one, *one, "chime", *two, *two]
    for (_, end, _), (start, _, _) in zip(channel.played, channel.played[1:]):
        assert start >= end  # never two clips at once
    assert channel.volume == 0.7
    # a pause of `gap` between the repeats and between announcements
    second_chime = [start for start, _, name in channel.played].__getitem__(1 + 2 * len(one))
    assert second_chime - channel.played[2 * len(one)][1] >= 0.5


def test_recall_announces_again_and_missing_clips_are_skipped(tmp_path: Path) -> None:
    clock = FakeClock()
    channel = FakeChannel(clock)
    announcer = Announcer(fake_library(tmp_path, missing=("num_lam",)), channel, repeat=1, clock=clock)
    announcer.announce("A015", 3)
    run_until_quiet(announcer, clock)
    announcer.announce("A015", 3)  # the counter recalled the same ticket
    run_until_quiet(announcer, clock)
    names = [name for _, _, name in channel.played]
    once = ["chime", "prefix", "letter_a", "num_ten", "to_counter", "digit_3"]
    assert names == once + once
    assert not announcer.busy


def test_a_call_no_longer_wanted_when_its_turn_comes_is_passed_over(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """`wanted` is asked when the call's turn comes, not when it is queued: B007's citizen is
    served while A015 is said, so B007 is not said; C003 (no check) always is."""
    clock = FakeClock()
    channel = FakeChannel(clock)
    announcer = Announcer(fake_library(tmp_path), channel, repeat=1, clock=clock)
    awaited = {"B007": True}
    announcer.announce("A015", 3, wanted=lambda: True)
    announcer.announce("B007", 2, wanted=lambda: awaited["B007"])
    announcer.announce("C003", 4)
    announcer.update()
    assert announcer.speaking == ("A015", 3)
    awaited["B007"] = False  # started while A015 is said
    with caplog.at_level(logging.INFO, "display.voice"):
        run_until_quiet(announcer, clock)
    heard = [[c[0] for c in a.calls] for a in announcements(channel.played)]
    assert heard == [[("letter_a", "num_ten", "num_lam")], [("letter_c", "digit_3")]]
    assert [r.getMessage() for r in caplog.records if "not announcing" in r.getMessage()] == [
        "not announcing B007@2: no longer wanted when its turn came"
    ]


def drive(announcer: Announcer, clock: FakeClock, calls: list[tuple[float, str, int]], step: float = 1 / 30) -> None:
    """Queue each call at its time while the announcer plays, as the frame loop would."""
    pending = list(calls)
    while pending or announcer.busy:
        while pending and pending[0][0] <= clock.now:
            _, label, counter = pending.pop(0)
            announcer.announce(label, counter)
        announcer.update()
        clock.now += step
        assert clock.now < 600, "never went quiet"


def heard_calls(channel: FakeChannel) -> list[tuple[float, tuple[str, ...], tuple[str, ...]]]:
    return [(a.start, label, counter) for a in announcements(channel.played) for label, counter in a.calls]


@pytest.mark.parametrize("spacing", [10 / 13, 0.3, 0.0], ids=["14-in-10s", "14-in-4s", "14-at-once"])
def test_a_burst_is_said_shorter_and_nothing_is_lost(tmp_path: Path, spacing: float) -> None:
    """14 calls at counters 7-20, with the clips the installer builds: every one said once, in
    order, none starting more than 20 s after its call."""
    clock = FakeClock()
    channel = FakeChannel(clock)
    announcer = Announcer(espeak_library(tmp_path), channel, repeat=2, clock=clock)
    calls = [(i * spacing, f"A{i + 1:03d}", 7 + i) for i in range(14)]
    drive(announcer, clock, calls)

    heard = heard_calls(channel)
    expected = [(tuple(label_clips(label)), tuple(number_clips(counter))) for _, label, counter in calls]
    assert [(label, counter) for _, label, counter in heard] == expected  # all, once, in order
    late = [start - at for (start, _, _), (at, _, _) in zip(heard, calls)]
    assert max(late) <= 20, late
    said = announcements(channel.played)
    assert said[0].chime or spacing == 0  # the first call, alone so far, with its chime
    assert any(len(a.calls) > 1 for a in said)  # then several calls in one sentence
    assert "counter" in [name for _, _, name in channel.played]  # "A015 quầy 3, B007 quầy 5"
    for (_, end, _), (start, _, _) in zip(channel.played, channel.played[1:]):
        assert start >= end


def test_shortening_goes_step_by_step(tmp_path: Path) -> None:
    """Two calls: both whole. Four: the repeats go. Seven at once: the chime goes too, then
    they merge. Back to one: whole again."""
    clock = FakeClock()
    channel = FakeChannel(clock)
    announcer = Announcer(espeak_library(tmp_path), channel, repeat=2, clock=clock)
    drive(announcer, clock, [(0, "A001", 1), (0, "A002", 2)])
    assert [(a.chime, a.repeats) for a in announcements(channel.played)] == [(True, 1), (True, 1)]

    channel.played.clear()
    start = clock.now
    drive(announcer, clock, [(start, f"B00{i}", i) for i in range(1, 5)])
    said = announcements(channel.played)
    # each alone with its chime, without the repeat while others wait; the last has the room to itself
    assert len(said) == 4 and all(a.chime for a in said), said
    assert [a.repeats for a in said] == [0, 0, 0, 1], said

    channel.played.clear()
    start = clock.now
    drive(announcer, clock, [(start, f"C00{i}", i) for i in range(1, 8)] + [(start + 60, "D001", 1)])
    said = announcements(channel.played)
    assert not all(a.chime for a in said[:-1]) and any(len(a.calls) > 1 for a in said)
    assert said[-1].chime and said[-1].repeats == 1 and said[-1].calls == [(("letter_d", "digit_1"), ("digit_1",))]


def test_volume_and_mute_change_while_running(tmp_path: Path) -> None:
    clock = FakeClock()
    channel = FakeChannel(clock)
    announcer = Announcer(fake_library(tmp_path), channel, volume=0.5, clock=clock)
    assert channel.volume == 0.5
    announcer.set_muted(True)
    assert channel.volume == 0.0 and announcer.volume == 0.5
    announcer.set_volume(0.8)
    assert channel.volume == 0.0  # still muted
    announcer.set_muted(False)
    assert channel.volume == 0.8
    announcer.set_volume(7)
    assert channel.volume == 1.0


def test_espeak_builds_a_voice_folder_a_center_can_replace(tmp_path: Path) -> None:
    out = tmp_path / "voice"
    recording = out / "vi" / "prefix.ogg"
    recording.parent.mkdir(parents=True)
    recording.write_bytes(b"a real voice")  # the center recorded this one already

    written = voice_build.build(out, ["vi", "en"])

    assert recording.read_bytes() == b"a real voice"  # kept
    assert not (out / "vi" / "prefix.wav").exists()
    assert len(written) == 1 + (len(all_clip_names("vi")) - 1) + len(all_clip_names("en"))
    manifest = json.loads((out / "vi" / "manifest.json").read_text("utf-8"))
    assert manifest["clips"]["prefix"] == "Mời công dân có số"
    assert manifest["clips"]["letter_b"] == "bê"
    for path in [out / "chime.wav", out / "vi" / "digit_5.wav", out / "vi" / "to_counter.wav", out / "en" / "letter_a.wav"]:
        with wave.open(str(path)) as clip:
            assert clip.getnframes() / clip.getframerate() > 0.1, path
    assert voice_build.build(out, ["vi", "en"]) == []  # second run: nothing to do
    library = VoiceLibrary(out, "vi", lambda p: p)
    assert library.path("prefix") == recording and library.path("chime") == out / "chime.wav"
    assert library.missing(all_clip_names("vi")) == []
    # espeak-ng's half second of silence around each clip is cut: a call is a dozen clips
    with wave.open(str(out / "vi" / "digit_3.wav")) as clip:
        assert clip.getnframes() / clip.getframerate() < 0.7


def test_announcer_plays_on_the_real_mixer_one_clip_at_a_time(tmp_path: Path, headless: None) -> None:
    voice_build.build(tmp_path, ["vi"])
    assert pygame.mixer.get_init() is not None
    announcer = open_mixer_announcer(tmp_path, "vi", repeat=1, volume=0.5)
    announcer.announce("A015", 3)
    announcer.update()
    channel = pygame.mixer.Channel(0)
    chime = announcer.library.sound("chime")
    assert channel.get_busy() and channel.get_sound() == chime
    assert announcer.busy
    announcer.update()  # the chime is still playing: nothing else starts
    assert channel.get_sound() == chime
    assert abs(chime.get_length() - 1.45) < 0.05
    channel.stop()


def test_display_builds_missing_clips_at_start_and_keeps_recordings(tmp_path: Path) -> None:
    from display.cli import ensure_voice

    (tmp_path / "vi").mkdir()
    (tmp_path / "vi" / "to_counter.wav").write_bytes(b"recorded")
    ensure_voice(tmp_path, "vi")
    assert (tmp_path / "vi" / "to_counter.wav").read_bytes() == b"recorded"
    assert VoiceLibrary(tmp_path, "vi", lambda p: p).missing(["chime", *all_clip_names("vi")]) == []
