"""Build the default voice folder at install time: a synthesised chime and one espeak-ng clip
per phrase, letter, digit and number word, with a manifest saying what each clip must say.

    python -m display.voice_build --out var/voice --language vi --language en

Existing clips are kept (a center's recordings survive a reinstall); `--force` rebuilds them.
The manifest (`<language>/manifest.json`, clip name -> phrase) is the script for whoever records
a real voice: record each phrase, save it under the clip's name (.wav or .ogg), done.
"""

import argparse
import json
import math
import shutil
import subprocess
import sys
import wave
from array import array
from collections.abc import Sequence
from pathlib import Path

from display.messages import VOICE
from display.voice import CHIME, all_clip_names

# espeak-ng voice per language; Vietnamese also has vi-vn-x-central and vi-vn-x-south.
ESPEAK_VOICES = {"vi": "vi", "en": "en"}
SAMPLE_RATE = 22050


class VoiceBuildError(Exception):
    pass


def manifest(language: str) -> dict[str, str]:
    phrases = VOICE.get(language)
    if phrases is None:
        raise VoiceBuildError(f"no phrases for language {language!r}; known: {', '.join(VOICE)}")
    return {name: phrases[name] for name in all_clip_names(language)}


def write_chime(path: Path, rate: int = SAMPLE_RATE) -> None:
    """A two-note "ding-dong" (E5 then C5) with a soft attack and exponential decay, so it is
    heard over a waiting room without startling it."""
    samples = array("h")
    for freq, seconds in ((659.25, 0.55), (523.25, 0.9)):
        n = int(rate * seconds)
        for i in range(n):
            t = i / rate
            envelope = min(1.0, t / 0.01) * math.exp(-3.5 * t)
            # a little of the octave above makes it bell-like
            value = math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t)
            samples.append(int(0.45 * 32767 * envelope * value / 1.3))
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())


def trim_silence(path: Path, keep: float = 0.06, threshold: int = 400) -> None:
    """Cut espeak-ng's leading and trailing silence (about 0.45 s a clip), keeping `keep`
    seconds each side: an announcement is a dozen clips in a row, and the silences made
    "A015 đến quầy số 3" sound like a dictation and the queue fall behind."""
    with wave.open(str(path), "rb") as clip:
        params = clip.getparams()
        frames = clip.readframes(clip.getnframes())
    if params.sampwidth != 2 or params.nchannels != 1:
        return
    samples = array("h", frames)
    loud = [i for i, v in enumerate(samples) if abs(v) > threshold]
    if not loud:
        return
    pad = int(params.framerate * keep)
    kept = samples[max(0, loud[0] - pad) : loud[-1] + pad]
    with wave.open(str(path), "wb") as out:
        out.setparams(params)
        out.writeframes(kept.tobytes())


def _has_clip(folder: Path, name: str) -> bool:
    return any(folder.glob(f"{name}.*"))


def build(
    out: Path,
    languages: Sequence[str] = ("vi",),
    *,
    espeak: str = "espeak-ng",
    espeak_voice: str | None = None,
    speed: int = 135,
    force: bool = False,
) -> list[Path]:
    """Write whatever clips are missing (all with `force`); return the files written."""
    written: list[Path] = []
    chime = out / f"{CHIME}.wav"
    if force or not _has_clip(out, CHIME):
        write_chime(chime)
        written.append(chime)
    exe = shutil.which(espeak)
    for language in languages:
        phrases = manifest(language)
        folder = out / language
        folder.mkdir(parents=True, exist_ok=True)
        manifest_path = folder / "manifest.json"
        # Keep phrases a center edited in its manifest; add any clip names new in this version.
        known = json.loads(manifest_path.read_text("utf-8")) if manifest_path.is_file() else {}
        clips = {**phrases, **known.get("clips", {})}
        manifest_path.write_text(
            json.dumps(
                {
                    "language": language,
                    "about": "clip name -> what it says; replace any file with a recording of the "
                    "same phrase (same name, .wav or .ogg)",
                    "clips": clips,
                },
                ensure_ascii=False,
                indent=2,
            )
            + "\n",
            "utf-8",
        )
        todo = [name for name in clips if force or not _has_clip(folder, name)]
        if todo and exe is None:
            raise VoiceBuildError(f"{espeak} not found: install Debian's espeak-ng (deploy/packages.txt)")
        voice = espeak_voice if espeak_voice and language == languages[0] else ESPEAK_VOICES.get(language, language)
        for name in todo:
            target = folder / f"{name}.wav"
            result = subprocess.run(
                [exe, "-v", voice, "-s", str(speed), "-w", str(target), clips[name]],  # type: ignore[list-item]
                capture_output=True,
                text=True,
            )
            if result.returncode != 0 or not target.is_file():
                raise VoiceBuildError(f"espeak-ng failed for {name!r}: {result.stderr.strip()}")
            trim_silence(target)
            written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="voice folder")
    parser.add_argument("--language", action="append", help="vi (default), en; repeatable")
    parser.add_argument("--espeak-voice", help="espeak-ng voice for the first language, e.g. vi-vn-x-south")
    parser.add_argument("--speed", type=int, default=135, help="espeak-ng words per minute")
    parser.add_argument("--force", action="store_true", help="rebuild clips that exist")
    args = parser.parse_args(argv)
    try:
        written = build(
            args.out,
            args.language or ["vi"],
            espeak_voice=args.espeak_voice,
            speed=args.speed,
            force=args.force,
        )
    except VoiceBuildError as exc:
        print(f"motcua voice: {exc}", file=sys.stderr)
        return 1
    print(f"motcua voice: {len(written)} clip(s) written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
