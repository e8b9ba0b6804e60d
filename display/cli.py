"""`motcua display`: open the window, the sound and the event stream, and run the loop.

The typer command in server/cli.py only forwards its options here, so the display PC needs the
display extra alone.

The device token comes from the environment (`MOTCUA_DISPLAY_TOKEN`) or a file only its user can
read (`MOTCUA_DISPLAY_TOKEN_FILE`): anything on a command line is visible to every user in `ps`.
`--token` still works, with a warning. Whether ticket numbers are read digit by digit ("a không
một năm") or as numbers ("a mười lăm") is the center's setting (admin page);
`MOTCUA_DISPLAY_TICKET_DIGITS=1` or `=0` makes it this display's own, whatever the center chooses.
"""

import logging
import os
import queue
import shutil
from collections.abc import Mapping
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


TOKEN_ENV = "MOTCUA_DISPLAY_TOKEN"
TOKEN_FILE_ENV = "MOTCUA_DISPLAY_TOKEN_FILE"
TICKET_DIGITS_ENV = "MOTCUA_DISPLAY_TICKET_DIGITS"


class TokenError(Exception):
    pass


def resolve_token(cli_token: str | None, environ: Mapping[str, str] = os.environ) -> str | None:
    """The display's device token: --token (warned about), else the environment, else the file
    the environment names."""
    if cli_token:
        log.warning(
            "--token on the command line is visible to every user in ps; put it in %s or in a file "
            "named by %s instead",
            TOKEN_ENV,
            TOKEN_FILE_ENV,
        )
        return cli_token
    if environ.get(TOKEN_ENV, "").strip():
        return environ[TOKEN_ENV].strip()
    path = environ.get(TOKEN_FILE_ENV, "").strip()
    if not path:
        return None
    try:
        token = Path(path).expanduser().read_text("utf-8").strip()
    except OSError as exc:
        raise TokenError(f"cannot read the display token from {path} ({TOKEN_FILE_ENV}): {exc}") from exc
    if not token:
        raise TokenError(f"the display token file {path} ({TOKEN_FILE_ENV}) is empty")
    return token


def env_choice(name: str, environ: Mapping[str, str] = os.environ) -> bool | None:
    """A yes/no setting from the environment; None when it is unset or empty (or unreadable)."""
    value = environ.get(name, "").strip().lower()
    return True if value in ("1", "true", "yes", "on") else False if value in ("0", "false", "no", "off") else None


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
    ticket_digits: bool | None = None,
) -> None:
    import pygame

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        token = resolve_token(token)
    except TokenError as exc:
        raise SystemExit(f"motcua display: {exc}") from None
    config = DisplayConfig(
        server=server,
        token=token,
        center_id=center_id,
        windowed=windowed,
        window_size=window_size,
        language=language,
        volume=volume,
        repeat=repeat,
        ticket_digits=env_choice(TICKET_DIGITS_ENV) if ticket_digits is None else ticket_digits,
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
    client = EventClient(server, inbox, center_id=center_id, token=token, sound=True)
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
        return open_mixer_announcer(
            config.voice_dir, config.language, repeat=config.repeat, volume=config.volume,
            ticket_digits=bool(config.ticket_digits),
        )  # fmt: skip
    log.warning("no audio device: the board runs without announcements (and says so on screen)")
    library = VoiceLibrary(config.voice_dir, config.language, lambda p: None)
    return Announcer(library, SilentChannel(), ticket_digits=bool(config.ticket_digits))
