"""A small HTTP/1.1 load generator for the benchmarks, light enough to share a 2-core machine
with the server it measures.

httpx costs the client more CPU per request than the server spends issuing a ticket, so on
this machine it measured itself. This sends prepared requests over keep-alive connections
with asyncio streams and reads just enough of each answer: status, headers, body.

Two ways to load a server:
- closed loop: each client sends its next request when the answer to the last one comes;
- open loop: requests are due at fixed times (`rate` per second over all clients), and a
  request's latency counts from when it was due, so a stalled server is not hidden by
  clients that politely wait for it (no "coordinated omission").
"""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class Answer:
    status: int
    body: bytes

    def json(self) -> object:
        return json.loads(self.body)


class Connection:
    """One keep-alive HTTP/1.1 connection to the server."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        parts = urlsplit(url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.headers = "".join(f"{k}: {v}\r\n" for k, v in {"Host": f"{self.host}:{self.port}", **headers}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def __aenter__(self) -> "Connection":
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def __aexit__(self, *_: object) -> None:
        assert self.writer is not None
        self.writer.close()

    def request_bytes(self, method: str, path: str, body: object | None = None) -> bytes:
        """A request prepared once and sent many times."""
        payload = b"" if body is None else json.dumps(body).encode()
        head = f"{method} {path} HTTP/1.1\r\n{self.headers}Content-Length: {len(payload)}\r\n"
        if body is not None:
            head += "Content-Type: application/json\r\n"
        return head.encode() + b"\r\n" + payload

    async def send(self, request: bytes) -> Answer:
        assert self.reader is not None and self.writer is not None
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return Answer(int(lines[0].split()[1]), await self.reader.readexactly(length))


Step = Callable[[Connection, int], Awaitable[None]]  # one request of client number i


async def closed_loop(url: str, headers: dict[str, str], clients: int, requests: int, step: Step) -> tuple[float, list[float]]:
    """`requests` requests over `clients` connections, each waiting for its answer; returns
    (seconds, latencies in seconds)."""
    latencies: list[float] = []

    async def client(index: int) -> None:
        async with Connection(url, headers) as conn:
            for _ in range(requests // clients):
                start = time.perf_counter()
                await step(conn, index)
                latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return time.perf_counter() - start, latencies


async def open_loop(
    url: str, headers: dict[str, str], clients: int, rate: float, seconds: float, step: Step
) -> tuple[float, list[float]]:
    """Requests due at `rate` per second in all, spread evenly over `clients` connections,
    for `seconds`; returns (seconds it took, latencies counted from when each was due)."""
    latencies: list[float] = []
    interval = clients / rate  # between two requests of one client
    per_client = int(seconds * rate / clients)
    begin = time.perf_counter() + 0.1

    async def client(index: int) -> None:
        async with Connection(url, headers) as conn:
            for n in range(per_client):
                due = begin + index * interval / clients + n * interval
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)  # pacing the load, not waiting for a result
                await step(conn, index)
                latencies.append(time.perf_counter() - due)

    await asyncio.gather(*(client(i) for i in range(clients)))
    return time.perf_counter() - begin, latencies
