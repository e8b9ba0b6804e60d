"""The limits of server/limits.py against a real `motcua serve` on 127.0.0.1, over raw TCP:
a slow-header client is closed, connections and websockets over their caps are refused in
both languages, and oversized bodies are answered 413 before they are read."""

import asyncio
import json
import socket
import threading
from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from server_process import ServerProcess, poll

WAIT = 30  # seconds: the most any answer may take before the test fails (not a measurement)


def start(tmp_path, **env: object) -> ServerProcess:
    return ServerProcess(tmp_path / "limits.db", env={f"MOTCUA_{k.upper()}": str(v) for k, v in env.items()}).start()


def dial(server: ServerProcess) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=WAIT)
    return sock


def answer(sock: socket.socket) -> tuple[int, dict]:
    """The status and JSON body of an answer that closes the connection."""
    data = b""
    while chunk := sock.recv(65536):
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def bilingual(body: dict, code: str) -> None:
    assert body["code"] == code
    assert body["message"]["vi"] and body["message"]["en"] and body["message"]["vi"] != body["message"]["en"]


def issue(server: ServerProcess, token: str) -> int:
    response = httpx.post(f"{server.url}/api/v1/tickets", json={"category_id": 1}, headers={"Authorization": f"Bearer {token}"}, timeout=WAIT)
    return response.status_code


@pytest.fixture
def slow_server(tmp_path) -> Iterator[ServerProcess]:
    server = start(tmp_path, header_timeout_seconds=1)
    yield server
    server.stop()


def test_a_slow_header_client_is_closed_while_others_still_issue(slow_server):
    server = slow_server
    kiosk = server.token("kiosk")
    slow = dial(server)
    stop = threading.Event()

    def trickle() -> None:
        # One header byte at a time: a keep-alive timeout never fires, data keeps coming.
        for byte in b"POST /api/v1/tickets HTTP/1.1\r\nHost: motcua\r\nX-Slow: " + b"a" * 10_000:
            if stop.wait(0.1):  # the pace of a slow client, not a synchronisation
                return
            try:
                slow.send(bytes([byte]))
            except OSError:
                return

    trickler = threading.Thread(target=trickle, daemon=True)
    trickler.start()
    try:
        assert issue(server, kiosk) == 201  # a normal client meanwhile
        # The server closes the slow one (recv sees the end), though bytes are still coming.
        assert slow.recv(1024) == b""
        assert trickler.is_alive()
    finally:
        stop.set()
        slow.close()
    assert issue(server, kiosk) == 201


def test_a_keep_alive_connections_next_request_head_has_a_deadline_too(slow_server):
    sock = dial(slow_server)
    sock.sendall(b"GET /api/v1/centers HTTP/1.1\r\nHost: motcua\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = int(next(line for line in head.lower().split(b"\r\n") if line.startswith(b"content-length:")).split(b":")[1])
    while len(body) < length:  # the whole first answer; the connection stays open
        body += sock.recv(65536)
    assert head.startswith(b"HTTP/1.1 401")
    sock.sendall(b"GET /api/v1/centers HTTP/1.1\r\nHo")  # the next request's head never ends
    data = b""
    while chunk := sock.recv(65536):  # ends when the server closes it
        data += chunk
    assert not data
    sock.close()


@pytest.fixture
def capped_server(tmp_path) -> Iterator[ServerProcess]:
    server = start(tmp_path, connections_per_address=4, websockets_per_address=2, header_timeout_seconds=120)
    yield server
    server.stop()


def test_connections_over_the_cap_per_address_answer_429_in_both_languages(capped_server):
    server = capped_server
    kiosk = server.token("kiosk")
    held = [dial(server) for _ in range(4)]
    try:
        extra = dial(server)
        extra.sendall(b"GET /api/v1/centers HTTP/1.1\r\nHost: motcua\r\n\r\n")
        status, body = answer(extra)
        extra.close()
        assert status == 429
        bilingual(body, "too_many_connections")
    finally:
        held.pop().close()
    # One left: there is room again (once the server has counted it out).
    poll(lambda: issue(server, kiosk) == 201, "a ticket issued once a connection left")
    for sock in held:
        sock.close()


def test_a_flood_of_connections_from_one_address_is_closed_without_a_word(capped_server):
    server = capped_server
    held = [dial(server) for _ in range(8)]  # 4 within the cap, 4 over it awaiting their 429
    try:
        flood = dial(server)
        assert flood.recv(1024) == b""  # closed at once, though it has not even spoken
        flood.close()
        held[-1].sendall(b"GET /api/v1/centers HTTP/1.1\r\nHost: motcua\r\n\r\n")
        assert answer(held[-1])[0] == 429  # one over the cap still hears why
    finally:
        for sock in held:
            sock.close()


def test_websockets_over_the_cap_per_address_are_closed_with_1013_and_a_bilingual_reason(capped_server):
    server = capped_server
    url = f"{server.ws_url}/ws/events?token={server.token('display')}"

    async def scenario() -> tuple[int, str]:
        async with connect(url) as first, connect(url) as second:
            await first.recv()
            await second.recv()
            async with connect(url) as third:
                with pytest.raises(ConnectionClosed) as closed:
                    await third.recv()
        # Both left: a new one streams again.
        async def streams() -> bool:
            async with connect(url) as again:
                await again.recv()
                return True

        assert await streams()
        return closed.value.rcvd.code, closed.value.rcvd.reason

    code, reason = asyncio.run(scenario())
    assert code == 1013
    assert "Quá nhiều kết nối" in reason and "Too many connections" in reason


@pytest.fixture
def server(tmp_path) -> Iterator[ServerProcess]:
    server = start(tmp_path)
    yield server
    server.stop()


def test_a_huge_sign_in_body_is_answered_413_before_it_is_read(server):
    sock = dial(server)
    # A 1 GB promise; not a byte of it is sent: the answer cannot have waited for it.
    sock.sendall(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: motcua\r\nContent-Type: application/json\r\n"
        b"Content-Length: 1000000000\r\n\r\n{"
    )
    status, body = answer(sock)
    sock.close()
    assert status == 413
    bilingual(body, "body_too_large")
    assert "65536" in body["message"]["en"]


@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/api/v1/tickets"])
def test_a_streamed_body_without_length_is_cut_off_with_413(server, path):
    token = server.token("kiosk")  # issuing checks the caller before it reads the body
    sock = dial(server)
    sock.sendall(
        f"POST {path} HTTP/1.1\r\nHost: motcua\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".encode()
    )
    chunk = b"x" * 16384
    for _ in range(5):  # 80 KiB, past the 64 KiB cap; the body never ends
        sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    status, body = answer(sock)
    sock.close()
    assert status == 413
    bilingual(body, "body_too_large")


def test_an_answer_given_before_the_body_is_read_closes_the_connection(server):
    sock = dial(server)  # no credential: 401 at once, and the rest of the body is not read
    sock.sendall(b"POST /api/v1/tickets HTTP/1.1\r\nHost: motcua\r\nTransfer-Encoding: chunked\r\n\r\n")
    stop = threading.Event()

    def keep_sending() -> None:
        # The body keeps coming (slowly, so nothing runs out): a server that read on would
        # never end this connection.
        while not stop.wait(0.05):  # the pace of the client, not a synchronisation
            try:
                sock.send(b"400\r\n" + b" " * 1024 + b"\r\n")
            except OSError:
                return

    threading.Thread(target=keep_sending, daemon=True).start()
    try:
        status, _ = answer(sock)  # returns only once the server closes
    finally:
        stop.set()
        sock.close()
    assert status == 401


def test_the_plain_issuing_route_refuses_a_long_body_and_normal_requests_pass(server):
    kiosk = {"Authorization": f"Bearer {server.token('kiosk')}"}
    big = json.dumps({"category_id": 1, "note": "x" * 70_000})
    refused = httpx.post(f"{server.url}/api/v1/tickets", content=big, headers={**kiosk, "Content-Type": "application/json"}, timeout=WAIT)
    assert refused.status_code == 413
    bilingual(refused.json(), "body_too_large")
    assert httpx.post(f"{server.url}/api/v1/tickets", json={"category_id": 1}, headers=kiosk, timeout=WAIT).status_code == 201
    wrong = httpx.post(f"{server.url}/api/v1/auth/login", json={"username": "admin", "password": "wrong"}, timeout=WAIT)
    assert wrong.status_code == 401
