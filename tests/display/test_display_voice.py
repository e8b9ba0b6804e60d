"""Announcements: which clips, in what order, one at a time; and the clips espeak-ng builds."""

import json
import wave
from dataclasses import dataclass, field
from pathlib import Path

import pygame
import pytest

from display import voice_build
from display.messages import VOICE
from display.voice import Announcer, VoiceLibrary, all_clip_names, clip_sequence, open_mixer_announcer


@pytest.mark.parametrize(
    ("label", "counter", "expected"),
    [
        ("A015", 3, ["letter_a", "digit_0", "digit_1", "digit_5", "to_counter", "digit_3"]),
        ("B007", 12, ["letter_b", "digit_0", "digit_0", "digit_7", "to_counter", "digit_1", "digit_2"]),
        ("M-120", 6, ["letter_m", "digit_1", "digit_2", "digit_0", "to_counter", "digit_6"]),
        ("g999", 10, ["letter_g", "digit_9", "digit_9", "digit_9", "to_counter", "digit_1", "digit_0"]),
    ],
)
def test_clip_sequence(label: str, counter: int, expected: list[str]) -> None:
    assert clip_sequence(label, counter, "vi") == ["chime", "prefix", *expected]
    assert clip_sequence(label, counter, "en") == ["chime", "prefix", *expected]


def test_every_clip_has_a_phrase_in_every_language() -> None:
    for language, phrases in VOICE.items():
        assert set(all_clip_names()) <= set(phrases), language
    assert VOICE["vi"]["prefix"] == "Mời công dân có số"
    assert VOICE["vi"]["to_counter"] == "đến quầy số"


@dataclass
class FakeSound:
    name: str
    length: float


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
    for name in all_clip_names():
        if name not in missing:
            (tmp_path / "vi" / f"{name}.wav").write_bytes(b"x")
    lengths = {"chime": 1.2, "prefix": 1.0, "to_counter": 0.7}
    return VoiceLibrary(tmp_path, "vi", lambda p: FakeSound(p.stem, lengths.get(p.stem, 0.35)))


def run_until_quiet(announcer: Announcer, clock: FakeClock, step: float = 0.033, limit: float = 120) -> None:
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
    announcer.announce("B007", 2)  # arrives while the first is still to be played
    run_until_quiet(announcer, clock)

    names = [name for _, _, name in channel.played]
    one = ["prefix", "letter_a", "digit_0", "digit_1", "digit_5", "to_counter", "digit_3"]
    two = ["prefix", "letter_b", "digit_0", "digit_0", "digit_7", "to_counter", "digit_2"]
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
    announcer = Announcer(fake_library(tmp_path, missing=("digit_5",)), channel, repeat=1, clock=clock)
    announcer.announce("A015", 3)
    run_until_quiet(announcer, clock)
    announcer.announce("A015", 3)  # the counter recalled the same ticket
    run_until_quiet(announcer, clock)
    names = [name for _, _, name in channel.played]
    once = ["chime", "prefix", "letter_a", "digit_0", "digit_1", "to_counter", "digit_3"]
    assert names == once + once
    assert not announcer.busy


def test_a_burst_of_calls_keeps_only_the_latest_few(tmp_path: Path) -> None:
    clock = FakeClock()
    channel = FakeChannel(clock)
    announcer = Announcer(fake_library(tmp_path), channel, repeat=1, max_pending=2, clock=clock)
    for n in range(1, 6):
        announcer.announce(f"A00{n}", 1)
    run_until_quiet(announcer, clock)
    spoken = [name for _, _, name in channel.played if name.startswith("digit_") and name != "digit_0"]
    assert spoken == ["digit_4", "digit_1", "digit_5", "digit_1"]  # A004 and A005 at counter 1


def test_espeak_builds_a_voice_folder_a_center_can_replace(tmp_path: Path) -> None:
    out = tmp_path / "voice"
    recording = out / "vi" / "prefix.ogg"
    recording.parent.mkdir(parents=True)
    recording.write_bytes(b"a real voice")  # the center recorded this one already

    written = voice_build.build(out, ["vi", "en"])

    assert recording.read_bytes() == b"a real voice"  # kept
    assert not (out / "vi" / "prefix.wav").exists()
    assert len(written) == 1 + (len(all_clip_names()) - 1) + len(all_clip_names())
    manifest = json.loads((out / "vi" / "manifest.json").read_text("utf-8"))
    assert manifest["clips"]["prefix"] == "Mời công dân có số"
    assert manifest["clips"]["letter_b"] == "bê"
    for path in [out / "chime.wav", out / "vi" / "digit_5.wav", out / "vi" / "to_counter.wav", out / "en" / "letter_a.wav"]:
        with wave.open(str(path)) as clip:
            assert clip.getnframes() / clip.getframerate() > 0.1, path
    assert voice_build.build(out, ["vi", "en"]) == []  # second run: nothing to do
    library = VoiceLibrary(out, "vi", lambda p: p)
    assert library.path("prefix") == recording and library.path("chime") == out / "chime.wav"
    assert library.missing(all_clip_names()) == []


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
    assert VoiceLibrary(tmp_path, "vi", lambda p: p).missing(["chime", *all_clip_names()]) == []
