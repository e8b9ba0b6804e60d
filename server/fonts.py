"""The pages' font files, served by the server itself (nothing from a CDN): Be Vietnam Pro from
its PyPI package, or Debian's DejaVu Sans where that is not installed."""

from functools import cache
from pathlib import Path

from fastapi.responses import FileResponse

from server.errors import NotFound

WEIGHTS = ("Regular", "Medium", "SemiBold", "Bold", "ExtraBold")
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@cache
def _folder() -> Path | None:
    try:
        import fontpkg_be_vietnam_pro  # the wheel exposes its folder as ROOT; the files are in files/
    except ImportError:
        return None
    return Path(fontpkg_be_vietnam_pro.ROOT) / "files"


def font_response(name: str) -> FileResponse:
    """`BeVietnamPro-<weight>` as a TTF file response; 404 for anything else."""
    weight = name.removeprefix("BeVietnamPro-")
    if weight not in WEIGHTS:
        raise NotFound("not_found")
    folder = _folder()
    path = folder / f"BeVietnamPro-{weight}.ttf" if folder else None
    if path is None or not path.is_file():
        bold = weight in ("SemiBold", "Bold", "ExtraBold")
        path = DEJAVU / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if not path.is_file():
        raise NotFound("not_found")
    return FileResponse(path, media_type="font/ttf", headers={"Cache-Control": "max-age=86400"})
