"""The kiosk web app and the citizen's status page, served by the server.

    /kiosk                       the touchscreen kiosk (kiosk/static/index.html)
    /kiosk/static/{file}         its HTML, CSS, JS, pictograms and message catalog
    /kiosk/fonts/{file}.ttf      Be Vietnam Pro from the fontpkg wheel (DejaVu Sans if missing)
    /kiosk/voice/{lang}/{clip}.wav  voice prompts, made offline with espeak-ng on first use
    /rate?counter_id=N           a counter's rating screen (kiosk/static/rate.html; a `rating`
                                 device's ?token=, or the officer's session on a second screen)
    /t/{token}                   what the ticket's QR code opens on a citizen's phone
    /t/{token}/qr.svg            that QR code
    /d/{token}                   what a dossier's QR code (the appointment slip) opens

Voice clips are cached in the voice folder (`MOTCUA_KIOSK_VOICE_DIR`, default `var/kiosk-voice`),
one sub-folder per language. A center replaces a clip with a recording by dropping a file of the
same name there; `<clip>.txt` beside a generated clip holds the phrase it says, so a renamed
category is spoken anew.
"""

import hashlib
import json
import mimetypes
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path

import qrcode
import qrcode.image.svg
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from server.printing import public_url_for
from server import dossiers, queue
from server.api.deps import TicketToken
from server.errors import NotFound
from server.fonts import font_response

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).resolve().parent.parent / "kiosk" / "static"
CLIP_NAME = re.compile(r"^[a-z0-9_]{1,48}$")
ESPEAK_VOICES = {"vi": "vi", "en": "en"}
# Pages and code change with a deploy; pictograms and fonts rarely.
NO_CACHE = {"Cache-Control": "no-cache"}
_voice_lock = threading.Lock()

mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("image/svg+xml", ".svg")


def _static_file(relative: str) -> FileResponse:
    path = (STATIC / relative).resolve()
    if not path.is_file() or STATIC not in path.parents:
        raise NotFound("not_found")
    return FileResponse(path, headers=NO_CACHE)


@router.get("/kiosk")
def kiosk_page() -> FileResponse:
    return _static_file("index.html")


@router.get("/rate")
def rate_page() -> FileResponse:
    """The page follows its counter over /ws/events?counter_id= and posts to /api/v1/ratings."""
    return _static_file("rate.html")


@router.get("/kiosk/static/{relative:path}")
def kiosk_static(relative: str) -> FileResponse:
    return _static_file(relative)


@router.get("/t/{token}")
def status_page(token: str) -> FileResponse:
    """The page reads its ticket by the token in its own address (GET /api/v1/status/{token})."""
    del token
    return _static_file("status.html")


@router.get("/d/{token}")
async def dossier_page(token: TicketToken, request: Request) -> FileResponse:
    """The page reads its dossier by the token in its own address (GET
    /api/v1/public/dossiers/{token}); an unknown token gets the same page with status 404,
    which then says so in the reader's language."""
    found = await request.app.state.db.reading(lambda session: _dossier_exists(session, token))
    response = _static_file("dossier.html")
    response.status_code = 200 if found else 404
    return response


def _dossier_exists(session, token: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        dossiers.by_token(session, token)
    except NotFound:
        return False
    return True


@router.get("/t/{token}/qr.svg")
async def status_qr(token: TicketToken, request: Request) -> Response:
    # 404 for a token that is no ticket
    await request.app.state.db.reading(lambda session: queue.ticket_by_token(session, token).id)
    # Where phones reach the server: the same address the kiosk's printed ticket shows.
    url = f"{public_url_for(request.app.state.settings, str(request.base_url))}/t/{token}"
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    return Response(image.to_string(), media_type="image/svg+xml", headers={"X-Status-Url": url})


@router.get("/kiosk/fonts/{name}.ttf")
def kiosk_font(name: str) -> FileResponse:
    """BeVietnamPro-<weight>.ttf, or Debian's DejaVu Sans where the wheel is not installed."""
    return font_response(name)


def _voice_dir(request: Request) -> Path:
    configured = getattr(request.app.state.settings, "kiosk_voice_dir", None)
    return Path(configured or os.environ.get("MOTCUA_KIOSK_VOICE_DIR") or "var/kiosk-voice")


def _catalog_phrases() -> dict[str, dict[str, str]]:
    return json.loads((STATIC / "messages.json").read_text("utf-8"))["voice"]


def _phrase(request: Request, language: str, clip: str) -> str | None:
    """What a clip says: a phrase of the catalog, or `category_<id>`: that category's name."""
    if clip.startswith("category_") and clip[9:].isdigit():
        with request.app.state.db.read() as session:  # closed before the clip is made
            category = queue.get_category(session, int(clip[9:]))
            return category.name_vi if language == "vi" else category.name_en
    return _catalog_phrases().get(language, {}).get(clip)


def _existing(folder: Path, clip: str) -> Path | None:
    for suffix in (".wav", ".ogg", ".mp3"):
        if (folder / f"{clip}{suffix}").is_file():
            return folder / f"{clip}{suffix}"
    return None


def _make_clip(folder: Path, clip: str, phrase: str, voice: str) -> Path | None:
    """Speak `phrase` into `<clip>.wav` with espeak-ng unless a clip saying it is there."""
    with _voice_lock:
        found = _existing(folder, clip)
        said = folder / f"{clip}.txt"
        if found is not None and (not said.is_file() or said.read_text("utf-8") == phrase):
            return found  # a recording (no .txt) or a generated clip of this very phrase
        exe = shutil.which("espeak-ng")
        if exe is None:
            return found
        folder.mkdir(parents=True, exist_ok=True)
        partial = folder / f".{clip}.{hashlib.sha1(phrase.encode()).hexdigest()[:8]}.wav"
        result = subprocess.run(
            [exe, "-v", voice, "-s", "140", "-w", str(partial), phrase], capture_output=True, timeout=30
        )
        if result.returncode != 0 or not partial.is_file():
            partial.unlink(missing_ok=True)
            return found
        target = folder / f"{clip}.wav"
        partial.replace(target)
        said.write_text(phrase, "utf-8")
        return target


@router.get("/kiosk/voice/{language}/{clip}.wav")
def kiosk_voice(language: str, clip: str, request: Request) -> FileResponse:
    if language not in ESPEAK_VOICES or not CLIP_NAME.match(clip):
        raise NotFound("not_found")
    phrase = _phrase(request, language, clip)
    folder = _voice_dir(request) / language
    path = _make_clip(folder, clip, phrase, ESPEAK_VOICES[language]) if phrase else _existing(folder, clip)
    if path is None:
        raise NotFound("not_found")
    return FileResponse(path, media_type=mimetypes.guess_type(path.name)[0] or "audio/wav", headers=NO_CACHE)
