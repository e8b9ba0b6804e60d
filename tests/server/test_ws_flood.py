"""A flood of websocket clients that connect and drop at once, while tickets are issued and the
database's read queue overflows: the server logs no traceback and no line per connection, and
keeps serving streams."""

import asyncio
import base64
import os
import socket
import struct

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError

from server.protocol import Snapshot, parse_message
from server_process import ServerProcess

CLIENTS = 60  # per kind of client and wave
WAVES = 3


@pytest.fixture
def server(tmp_path):
    # A short read queue: some of the flood finds the database busy (503 on HTTP, a close
    # code on a websocket, never an HTTP answer on a websocket).
    proc = ServerProcess(tmp_path / "flood.db", env={"MOTCUA_READ_QUEUE_LIMIT": "4"}).start()
    yield proc
    proc.stop()


async def _connect_and_drop(port: int, path: str, wait_for_answer: bool) -> None:
    """Open a websocket handshake, maybe wait for the first byte of the answer, and reset the
    connection (no close frame): what a crashing or unplugged client does."""
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    try:
        await writer.drain()
        if wait_for_answer:
            await asyncio.wait_for(reader.read(1), 10)
    except (OSError, asyncio.TimeoutError):
        pass
    sock = writer.get_extra_info("socket")
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST, not FIN
    writer.transport.abort()


def test_a_flood_of_clients_that_drop_leaves_no_traceback_and_no_line_each(server):
    staff, display = server.token("staff"), server.token("display")
    paths = (f"/ws/events?token={staff}", f"/ws/events?token={display}", "/ws/events", "/ws/status/no-such-ticket")

    async def flood() -> list[int]:
        statuses: list[int] = []
        async with httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {staff}"}, timeout=60) as http:
            issuing = True

            async def issue() -> None:
                while issuing:
                    statuses.append((await http.post("/api/v1/tickets", json={"category_id": 1})).status_code)

            issuers = [asyncio.create_task(issue()) for _ in range(3)]
            for _ in range(WAVES):
                await asyncio.gather(
                    *(_connect_and_drop(server.port, path, i % 2 == 0) for i in range(CLIENTS) for path in paths)
                )
            issuing = False
            await asyncio.gather(*issuers)
        # After the flood, a display still gets its snapshot. Reads queued for the dropped
        # clients may still fill the short read queue: the server says 1013 (try again later)
        # and the display tries again, as the real one does, until it is served.
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            try:
                async with connect(f"{server.ws_url}/ws/events?token={display}") as ws:
                    assert isinstance(parse_message(await ws.recv()), Snapshot)
                return statuses
            except ConnectionClosedError as exc:
                assert exc.rcvd is not None and exc.rcvd.code == 1013, exc
                assert asyncio.get_running_loop().time() < deadline, "never served after the flood"
                await asyncio.sleep(0.2)  # the client's back-off, not a synchronisation

    statuses = asyncio.run(flood())
    assert 201 in statuses
    log = "".join(server.log)
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log[-3000:]
    assert "Unexpected ASGI message" not in log
    # No line per connection at INFO (they carried the ?token= too).
    assert '"WebSocket /ws/' not in log and "connection open" not in log and staff not in log
