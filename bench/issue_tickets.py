"""Tickets per second and latency of issuing and of call-next, at 1, 10 and 100 concurrent clients.

Starts `motcua serve` on a fresh SQLite database (the embedded default: WAL, synchronous=FULL)
unless --url points at a running server. Each client is its own keep-alive HTTP connection
(bench/http_load.py: a light client, so the load generator leaves the server its core).

    .venv/bin/python bench/issue_tickets.py [--requests 2000] [--rate 1000] [--url http://127.0.0.1:8000]

Closed loop: each client sends its next request when its answer comes. With 100 such clients
a request waits behind the other 99, so by Little's law the mean latency is 100 / throughput:
p99 under 20 ms at 100 closed-loop clients would need over 5,000 answers a second.
Open loop: 100 clients together send `--rate` tickets a second at fixed times, as kiosks and
desks do; latency counts from when each request was due. That is the line for the target
(>= 1,000 tickets/s with p99 < 20 ms at 100 clients).

Tickets go to the demo's ten categories in turn, as kiosk taps do; nobody is called, so the
queues only grow (to thousands waiting, more than any real day).
"""

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
from pathlib import Path

import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from server_process import ServerProcess  # noqa: E402

from http_load import Connection, closed_loop, open_loop  # noqa: E402
from queue_world import sign_in  # noqa: E402
from server import demo, directory  # noqa: E402
from server.queue import system_clock  # noqa: E402
from server.db import Database, make_engine, migrate  # noqa: E402
from server.models import Category  # noqa: E402

LEVELS = (1, 10, 100)


def prepare(database: Path, counters: int) -> str:
    """The demo center plus one counter per call-next client, serving every category; returns
    a staff member's token (kiosks are rate-limited per device, the entrance desk is not)."""
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    with Database(engine).write() as session:
        center = demo.seed(session)
        categories = list(session.execute(select(Category).where(Category.center_id == center.id)).scalars())
        for number in range(101, 101 + counters):
            directory.add_counter(session, center, number, categories)
        token = sign_in(session, system_clock(), center.id, "staff", "bench")
    engine.dispose()
    return token


def report(name: str, clients: int, seconds: float, latencies: list[float]) -> None:
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{name:10} {clients:4} clients  {len(latencies) / seconds:8.0f} /s"
        f"  p50 {cuts[49] * 1000:6.1f} ms  p99 {cuts[98] * 1000:6.1f} ms  ({len(latencies)} requests)"
    )


async def bench(url: str, headers: dict, requests: int, rate: float, counter_ids: dict[int, int], categories: list[int]) -> None:
    prepared: dict[tuple, bytes] = {}

    def request(conn: Connection, method: str, path: str, body: dict | None = None) -> bytes:
        key = (method, path, str(body))
        if key not in prepared:
            prepared[key] = conn.request_bytes(method, path, body)
        return prepared[key]

    turn = itertools.count()

    async def issue(conn: Connection, _: int) -> None:
        category = categories[next(turn) % len(categories)]
        answer = await conn.send(request(conn, "POST", "/api/v1/tickets", {"category_id": category}))
        assert answer.status == 201, answer.body

    async def call_next(conn: Connection, index: int) -> None:
        answer = await conn.send(request(conn, "POST", f"/api/v1/counters/{counter_ids[index]}/call-next"))
        assert answer.status == 200, answer.body
        # Completing is part of the staff's cycle but not of the figure.
        done = await conn.send(conn.request_bytes("POST", f"/api/v1/tickets/{answer.json()['id']}/complete"))  # type: ignore[index]
        assert done.status == 200, done.body

    print("closed loop")
    for clients in LEVELS:
        seconds, latencies = await closed_loop(url, headers, clients, requests, issue)
        report("issue", clients, seconds, latencies)
    clients = max(LEVELS)
    seconds, latencies = await open_loop(url, headers, clients, rate, requests / rate, issue)
    print(f"open loop, {rate:.0f} tickets/s due")
    report("issue", clients, seconds, latencies)
    print("closed loop")
    for clients in LEVELS:
        seconds, latencies = await closed_loop(url, headers, clients, requests, call_next)
        report("call-next", clients, seconds, latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per level")
    parser.add_argument("--rate", type=float, default=1000, help="tickets per second due in the open-loop run")
    parser.add_argument("--url", help="a running server (its center 1 must be the demo center)")
    parser.add_argument("--token", help="a staff token for --url")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server, token = None, args.token
        if args.url is None:
            database = Path(folder) / "bench.db"
            token = prepare(database, counters=max(LEVELS))
            server = ServerProcess(database).start()
        url = args.url or server.url  # type: ignore[union-attr]
        headers = {"Authorization": f"Bearer {token}"}
        queue = httpx.get(f"{url}/api/v1/centers/1/queue", headers=headers).json()
        categories = [c["id"] for c in queue["categories"] if c["open"]]
        ids = [c["id"] for c in queue["counters"] if c["number"] > 100]
        if len(ids) < max(LEVELS):
            sys.exit("the server needs counters 101.. (run without --url to have them made)")
        print(f"server {url}; {args.requests} requests per level; SQLite WAL, synchronous=FULL")
        try:
            asyncio.run(bench(url, headers, args.requests, args.rate, dict(enumerate(ids)), categories))
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
