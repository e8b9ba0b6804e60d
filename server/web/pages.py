"""The console and admin pages: public static shells; the data behind them is protected.

    /console                  the counter console and the entrance desk (static/console.html)
    /admin                    the center's set-up (static/admin.html)
    /leader                   the leader's floor and reports (static/leader.html)
    /web/static/{file}        their HTML, CSS, JS and message catalog
    /web/fonts/{file}.ttf     Be Vietnam Pro from the fontpkg wheel (DejaVu Sans if missing)
"""

import mimetypes
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from server.errors import NotFound
from server.fonts import font_response

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).resolve().parent / "static"
NO_CACHE = {"Cache-Control": "no-cache"}  # pages and code change with a deploy

mimetypes.add_type("text/javascript", ".js")


def _static(relative: str) -> FileResponse:
    path = (STATIC / relative).resolve()
    if not path.is_file() or STATIC not in path.parents:
        raise NotFound("not_found")
    # Pages frame nothing and are framed by nobody (no clickjacking of the big buttons).
    return FileResponse(path, headers={**NO_CACHE, "X-Frame-Options": "DENY"})


@router.get("/console")
def console_page() -> FileResponse:
    return _static("console.html")


@router.get("/admin")
def admin_page() -> FileResponse:
    return _static("admin.html")


@router.get("/leader")
def leader_page() -> FileResponse:
    return _static("leader.html")


@router.get("/web/static/{relative:path}")
def web_static(relative: str) -> FileResponse:
    return _static(relative)


@router.get("/web/fonts/{name}.ttf")
def web_font(name: str) -> FileResponse:
    """BeVietnamPro-<weight>.ttf, or Debian's DejaVu Sans where the wheel is not installed."""
    return font_response(name)
