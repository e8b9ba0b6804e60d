"""`motcua display`: open the window, the sound and the event stream, and run the loop.

The typer command in server/cli.py only forwards its options here, so the display PC needs the
display extra alone.
"""

import logging
import queue
import shutil
from pathlib import Path

from display.app import DEFAULT_VOICE_DIR, DisplayApp, DisplayConfig, sdl_defaults
from display.client import EventClient, Message
from display.fonts import Fonts
from display.voice import Announcer, SilentChannel, VoiceLibrary, all_clip_names, open_mixer_announcer

log = logging.getLogger("motcua.display")


def ensure_voice(voice_dir: Path, language: str) -> None:
    """Build missing default clips now if the install step did not (espeak-ng takes ~20 ms a
    clip); recordings already there are kept."""
    library = VoiceLibrary(voice_dir, language, lambda p: p)
    if not library.missing(["chime", *all_clip_names(language)]):
        return
    if shutil.which("espeak-ng") is None:
        log.warning("voice clips missing in %s and espeak-ng not installed: announcements will be partial", voice_dir)
        return
    from display import voice_build

    try:
        voice_build.build(voice_dir, [language])
    except (voice_build.VoiceBuildError, OSError) as exc:
        log.warning("cannot build voice clips: %s", exc)


def run(
    server: str,
    token: str | None = None,
    windowed: bool = False,
    *,
    center_id: int | None = None,
    language: str = "vi",
    volume: float = 1.0,
    repeat: int = 2,
    voice_dir: Path | None = None,
    notice: str | None = None,
    window_size: tuple[int, int] = (1280, 720),
) -> None:
    import pygame

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    config = DisplayConfig(
        server=server,
        token=token,
        center_id=center_id,
        windowed=windowed,
        window_size=window_size,
        language=language,
        volume=volume,
        repeat=repeat,
        voice_dir=voice_dir or DEFAULT_VOICE_DIR,
        notice=notice,
    )
    ensure_voice(config.voice_dir, config.language)
    sdl_defaults()
    # Mixer settings are ignored unless given before pygame.init().
    pygame.mixer.pre_init(frequency=22050, size=-16, channels=1, buffer=1024)
    pygame.init()
    pygame.display.set_caption("motcua")
    if windowed:
        pygame.display.set_mode(window_size, pygame.RESIZABLE)
    else:
        pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
        pygame.mouse.set_visible(False)
    announcer = make_announcer(config)
    inbox: queue.Queue[Message] = queue.Queue()
    client = EventClient(server, inbox, center_id=center_id, token=token)
    app = DisplayApp(pygame.display.get_surface, inbox, Fonts(), announcer, config, on_resync=client.resync)
    client.start()
    try:
        app.run()
    except KeyboardInterrupt:  # Ctrl+C in a terminal: leave quietly
        pass
    finally:
        client.stop()
        pygame.quit()


def make_announcer(config: DisplayConfig) -> Announcer:
    import pygame

    if pygame.mixer.get_init():
        return open_mixer_announcer(config.voice_dir, config.language, repeat=config.repeat, volume=config.volume)
    log.warning("no audio device: the board runs without announcements")
    return Announcer(VoiceLibrary(config.voice_dir, config.language, lambda p: None), SilentChannel())
