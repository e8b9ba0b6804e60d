"""Console and admin fixtures: a real `motcua serve --demo` per test, Debian Chromium per module."""

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from playwright.sync_api import Browser, Page, expect

import browser as real_browser
from console_server import ConsoleServer, sign_in


@pytest.fixture
def server(tmp_path) -> Iterator[ConsoleServer]:
    proc = ConsoleServer(tmp_path / "console.db")
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture
def dossier_server(tmp_path) -> Iterator[ConsoleServer]:
    """The demo center's server with its dossiers (the suite's servers leave them out)."""
    proc = ConsoleServer(tmp_path / "console.db", env={"MOTCUA_DEMO_DOSSIERS": "1"})
    proc.start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with real_browser.chromium() as browser:
        yield browser


@pytest.fixture
def new_page(chromium) -> Iterator:
    """new_page(width, height) -> a page in its own fresh context (own cookies), closed after."""
    with ExitStack() as stack:

        def open_(width: int = 1366, height: int = 768) -> Page:
            ctx = stack.enter_context(real_browser.context(chromium, width, height))
            return ctx.new_page()

        yield open_


@pytest.fixture
def console(server, new_page) -> Iterator:
    """console(username, counter) -> a signed-in console working that counter of the demo center."""

    def open_(username: str, counter: int) -> Page:
        page = new_page()
        sign_in(page, f"{server.url}/console", server.add_user(username))
        page.locator(f'#counter-list button[data-counter-id="{counter}"]').click()
        expect(page.locator("#counter-view")).to_be_visible()
        expect(page.locator("#change-counter")).to_contain_text(f"Quầy {counter}")
        return page

    yield open_
