"""The demo center's server for the console and admin tests, with staff accounts that sign in
through the page. (Not in conftest.py: pytest keeps one module named conftest.)"""

import httpx
from playwright.sync_api import Page, expect

from server_process import ServerProcess

PASSWORD = "correct horse battery"


class ConsoleServer(ServerProcess):
    """`motcua serve --demo`; accounts and devices are made in its own database, the way the
    command line makes them."""

    def add_user(self, username: str, role: str = "staff", province_code: int | None = None) -> str:
        """An account of center 1 (or of a province, with its code) that signs in with
        PASSWORD; its username."""
        from server import auth
        from server.db import Database, make_engine
        from server.models import Role
        from server.queue import system_clock

        engine = make_engine(self.database_url)
        try:
            with Database(engine).write() as session:
                center_id = None if province_code is not None else 1
                auth.create_user(session, system_clock(), username, PASSWORD, Role(role), center_id, province_code=province_code)
        finally:
            engine.dispose()
        return username

    def client(self, kind: str = "staff") -> httpx.Client:
        """An HTTP client holding a token of `kind` (a role or a device kind) for center 1."""
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.token(kind)}"}, timeout=30)


def sign_in(page: Page, url: str, username: str, password: str = PASSWORD) -> None:
    """Open a page and sign in through its form."""
    page.goto(url)
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("#signin")).to_be_hidden()
