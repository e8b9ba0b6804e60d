"""Revocation is immediate: an officer who signs out, is disabled, demoted or given a new
password loses their open event streams at once (close 1008 with the reason), and their
session acts no more, against a real server."""

import asyncio
import itertools
import subprocess
from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from server.protocol import EventOut, Snapshot, parse_message
from server_process import MOTCUA, ServerProcess

PASSWORD = "một mật khẩu 2026"
POLICY_VIOLATION = 1008
names = itertools.count(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("revocation") / "r.db").start()
    proc.admin_token = proc.token("admin")  # type: ignore[attr-defined]
    yield proc
    proc.stop()


def admin(server: ServerProcess, method: str, path: str, body: dict | None = None) -> dict:
    headers = {"Authorization": f"Bearer {server.admin_token}"}  # type: ignore[attr-defined]
    answer = httpx.request(method, f"{server.url}/api/v1/admin{path}", json=body, headers=headers, timeout=30)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def new_officer(server: ServerProcess, role: str = "staff") -> dict:
    return admin(server, "POST", "/centers/1/users", {"username": f"officer{next(names)}", "password": PASSWORD, "role": role})


async def sign_in(server: ServerProcess, username: str) -> tuple[httpx.AsyncClient, str]:
    """A browser signed in as `username`, and its CSRF token."""
    browser = httpx.AsyncClient(base_url=server.url, timeout=30)
    answer = await browser.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert answer.status_code == 200, answer.text
    return browser, answer.json()["csrf_token"]


async def open_stream(server: ServerProcess, browser: httpx.AsyncClient) -> ClientConnection:
    """The page's event stream, as a browser opens it: the session cookie, our own Origin."""
    cookie = f"motcua_session={browser.cookies['motcua_session']}"
    ws = await connect(f"{server.ws_url}/ws/events?center_id=1", additional_headers={"Cookie": cookie}, origin=server.url)  # type: ignore[arg-type]
    assert isinstance(parse_message(await asyncio.wait_for(ws.recv(), timeout=10)), Snapshot)
    return ws


async def closed(ws: ClientConnection) -> tuple[int, str]:
    """How the server closed the stream (events before the close are read past)."""
    with pytest.raises(ConnectionClosed) as close:
        while True:  # the bound below fails a stream that is never closed
            await asyncio.wait_for(ws.recv(), timeout=10)
    assert close.value.rcvd is not None
    return close.value.rcvd.code, close.value.rcvd.reason


def test_signing_out_closes_the_streams_of_that_session_only(server):
    officer = new_officer(server)

    async def scenario() -> None:
        (here, csrf), (elsewhere, _) = await sign_in(server, officer["username"]), await sign_in(server, officer["username"])
        mine, other = await open_stream(server, here), await open_stream(server, elsewhere)
        assert (await here.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})).status_code == 200
        assert await closed(mine) == (POLICY_VIOLATION, "Signed out.")
        # The same officer's other browser goes on: it hears the next ticket.
        desk = {"Authorization": f"Bearer {server.admin_token}"}
        issued = (await elsewhere.post("/api/v1/tickets", json={"category_id": 1, "source": "desk"}, headers=desk)).json()
        event = parse_message(await asyncio.wait_for(other.recv(), timeout=10))
        assert isinstance(event, EventOut) and event.ticket is not None and event.ticket.label == issued["label"]
        await other.close()
        await here.aclose()
        await elsewhere.aclose()

    asyncio.run(scenario())


@pytest.mark.parametrize(
    ("role", "change", "still_signed_in"),
    [
        ("staff", lambda user: ("PUT", f"/users/{user['id']}", {"role": "staff", "active": False}), False),
        ("leader", lambda user: ("PUT", f"/users/{user['id']}", {"role": "staff", "active": True}), True),
        ("staff", lambda user: ("POST", f"/users/{user['id']}/password", {"password": "một mật khẩu mới 2026"}), False),
    ],
    ids=["disabled", "demoted", "new-password"],
)
def test_an_admins_change_to_an_officer_closes_their_streams(server, role, change, still_signed_in):
    officer = new_officer(server, role)

    async def scenario() -> None:
        browser, _ = await sign_in(server, officer["username"])
        ws = await open_stream(server, browser)
        admin(server, *change(officer))
        code, reason = await closed(ws)
        assert code == POLICY_VIOLATION and reason.startswith("The session ended")
        # Not a few seconds later: at once, the session is gone or has its new role.
        me = await browser.get("/api/v1/auth/me")
        if still_signed_in:
            assert me.json()["role"] == "staff"
            again = await open_stream(server, browser)  # a demoted officer may still watch the queue
            await again.close()
        else:
            assert me.status_code == 401
        await browser.aclose()

    asyncio.run(scenario())


def test_revocations_from_the_command_line_close_streams_and_stop_tokens_too(server):
    """Another process changes the database only; the server notices within its look interval."""
    officer = new_officer(server)
    kiosk = server.token("kiosk")
    kiosk_id = max(d["id"] for d in admin(server, "GET", "/centers/1")["devices"] if d["kind"] == "kiosk")

    def motcua(*args: str) -> None:
        subprocess.run([MOTCUA, *args, "--database-url", server.database_url], check=True, capture_output=True)

    async def scenario() -> None:
        browser, _ = await sign_in(server, officer["username"])
        officers = await open_stream(server, browser)
        kiosks = await connect(f"{server.ws_url}/ws/events?center_id=1&token={kiosk}")
        assert isinstance(parse_message(await asyncio.wait_for(kiosks.recv(), timeout=10)), Snapshot)
        bearer = {"Authorization": f"Bearer {kiosk}"}
        assert (await browser.get("/api/v1/centers", headers=bearer)).status_code == 200  # remembered now
        motcua("user", "disable", officer["username"])
        assert await closed(officers) == (POLICY_VIOLATION, "The session ended (account disabled, role or password changed).")
        assert (await browser.get("/api/v1/auth/me")).status_code == 401
        motcua("device", "revoke", str(kiosk_id))
        assert await closed(kiosks) == (POLICY_VIOLATION, "This device was revoked.")
        assert (await browser.get("/api/v1/centers", headers=bearer)).status_code == 401  # not remembered
        await browser.aclose()

    asyncio.run(scenario())
