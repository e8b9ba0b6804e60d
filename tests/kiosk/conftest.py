"""Kiosk fixtures: a real `motcua serve --demo` process per test and Debian Chromium per module."""

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

import browser as real_browser
from kiosk_server import KioskServer


@pytest.fixture(scope="module")
def voice_dir(tmp_path_factory) -> Path:
    """One voice folder for a module's servers, so clips are spoken by espeak-ng once."""
    return tmp_path_factory.mktemp("kiosk-voice")


@pytest.fixture
def server(tmp_path, voice_dir, request) -> Iterator[KioskServer]:
    """The kiosk's server; a test may give it settings (MOTCUA_* environment) by indirect parameter."""
    proc = KioskServer(tmp_path / "kiosk.db", voice_dir, env=getattr(request, "param", None))
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with real_browser.chromium() as browser:
        yield browser


@pytest.fixture
def open_page(chromium) -> Iterator:
    """open_page(url, width, height) -> a page in a fresh context, closed after the test."""
    with ExitStack() as stack:

        def open_(url: str, width: int = 1366, height: int = 768, **options: object) -> Page:
            ctx = stack.enter_context(real_browser.context(chromium, width, height, **options))
            page = ctx.new_page()
            page.goto(url)
            return page

        yield open_


@pytest.fixture
def open_kiosk(server, open_page) -> Iterator:
    """open_kiosk(width, height, **url params) -> the kiosk's page, home screen shown."""

    def open_(width: int = 1366, height: int = 768, **params: object) -> Page:
        page = open_page(server.kiosk_url(**params), width, height)
        expect(page.locator(".tile")).to_have_count(10)
        return page

    yield open_
