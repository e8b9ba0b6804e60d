"""One message catalog for the console and the admin: every word in Vietnamese and English,
and every key the pages use is in it. Served with the pages, fonts from motcua itself."""

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

from database_urls import database_url
from server.app import create_app
from server.settings import Settings

STATIC = Path(__file__).resolve().parents[2] / "server" / "web" / "static"
USED = [
    re.compile(r'data-i18n(?:-[a-z-]+)?="([a-z_.]+)"'),  # HTML
    re.compile(r'\bt\(\s*"([a-z_]+\.[a-z_.]+)"'),  # JS: t("console.call_next")
    re.compile(r'"((?:console|desk|common|admin)\.[a-z_]+)"'),  # JS: keys passed around
]


def catalog() -> dict[str, dict[str, str]]:
    return json.loads((STATIC / "messages.json").read_text("utf-8"))


def test_every_message_is_in_vietnamese_then_english():
    for key, entry in catalog().items():
        assert list(entry) == ["vi", "en"], key
        assert entry["vi"].strip() and entry["en"].strip(), key
        assert set(re.findall(r"\{(\w+)\}", entry["vi"])) == set(re.findall(r"\{(\w+)\}", entry["en"])), key


def test_every_key_the_pages_use_is_in_the_catalog():
    keys = set(catalog())
    used = set()
    for path in STATIC.iterdir():
        if path.suffix in (".html", ".js"):
            for pattern in USED:
                used |= set(pattern.findall(path.read_text("utf-8")))
    assert used, "the pattern found nothing: it is broken"
    assert used - keys == set()


def test_pages_and_fonts_are_served_without_signing_in(tmp_path):
    app = create_app(Settings(database_url=database_url(tmp_path / "w.db")))
    with TestClient(app) as client:
        for path in ("/console", "/admin"):
            page = client.get(path)
            assert page.status_code == 200 and "<html" in page.text
            assert "http" not in re.sub(r"https?://www\.w3\.org", "", page.text)  # nothing from another site
        font = client.get("/web/fonts/BeVietnamPro-Bold.ttf")
        assert font.status_code == 200 and font.content[:4] in (b"\x00\x01\x00\x00", b"true")
        assert client.get("/web/static/../../auth.py").status_code == 404
        assert client.get("/web/fonts/Comic.ttf").status_code == 404
