"""Tickets per second and latency of issuing and of call-next, at 1, 10 and 100 concurrent clients.

Each level runs against a fresh `motcua serve` on a fresh SQLite database (the embedded
default: WAL, synchronous=FULL), so one level's queues do not slow the next; with
MOTCUA_TEST_DATABASE_URL (deploy/postgres.sh), on a fresh PostgreSQL database instead. Each client is
its own keep-alive HTTP connection (bench/http_load.py: a light client, so the load
generator leaves the server its core). With --url, every level runs against that server.

    .venv/bin/python bench/issue_tickets.py [--requests 2000] [--rate 1000] [--url URL --token T] [--workers N]

--workers N (PostgreSQL only) starts `motcua serve --workers N`: N processes on one port.

Closed loop: each client sends its next request when its answer comes. With 100 such clients
a request waits behind the other 99, so by Little's law the mean latency is 100 / throughput:
p99 under 20 ms at 100 closed-loop clients would need over 5,000 answers a second.
Open loop: 100 clients together send `--rate` tickets a second at fixed times, as kiosks and
desks do; latency counts from when each request was due. That is the line for the target
(>= 1,000 tickets/s with p99 < 20 ms at 100 clients).

Each level first sends one request alone and then `WARM_UP` more, untimed, as a server that
has been up since the morning would have had; the line ends with that first request's latency
(on a fresh server: the cold one).
Each line also gives the CPU time the server process used per request (call-next: per call
and its completion), read from /proc: on a shared machine it tells a slower server from a
busier machine.

Tickets go to the demo's ten categories in turn, as kiosk taps do, issued by a desk clerk
(audited, not rate-limited). Call-next calls from `--requests` waiting tickets and completes
each one called (the completion is not in the figure).
"""

import argparse
import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
import itertools
import os
import statistics
import sys
import tempfile
from pathlib import Path

import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from database_urls import database_url, drop  # noqa: E402
from server_process import ServerProcess  # noqa: E402

from http_load import Connection, closed_loop, open_loop  # noqa: E402
from other_centers import add_centers  # noqa: E402
from queue_world import sign_in  # noqa: E402
from server import demo, directory, queue  # noqa: E402
from server.queue import system_clock  # noqa: E402
from server.db import Database, make_engine, migrate  # noqa: E402
from server.models import Category  # noqa: E402

LEVELS = (1, 10, 100)
# Untimed requests before each level's timed ones. A fresh server's first requests compile
# statements and load what the issue path keeps: its first group commit took about 10 ms,
# and in the open-loop run the requests queued behind it were a good part of the slowest 1%.
# A center's server has done all that long before its morning peak.
WARM_UP = 100


def prepare(database: Path, counters: int, waiting: int, centers: int = 1) -> str:
    """The demo center, one more counter per call-next client serving every category, and
    `waiting` tickets in its queues; returns a desk clerk's token. `centers` > 1: that many
    centers in all, the others filled by bench/other_centers.py."""
    engine = make_engine(database_url(database))
    migrate(engine)
    with Database(engine).write() as session:
        center = demo.seed(session)
        categories = list(session.execute(select(Category).where(Category.center_id == center.id)).scalars())
        for number in range(101, 101 + counters):
            directory.add_counter(session, center, number, categories)
        for n in range(waiting):
            queue.issue_ticket(session, system_clock(), category_id=categories[n % len(categories)].id)  # type: ignore[arg-type]
        token = sign_in(session, system_clock(), center.id, "staff", "bench")
    if centers > 1:
        add_centers(engine, centers - 1)
    engine.dispose()
    return token


@contextmanager
def target(args: argparse.Namespace, waiting: int = 0, centers: int = 1) -> Iterator[tuple[str, dict[str, str], int | None]]:
    """(url, headers, process id) of a fresh server, or of --url (no process id)."""
    if args.url:
        yield args.url, {"Authorization": f"Bearer {args.token}"}, None
        return
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        token = prepare(database, counters=max(LEVELS), waiting=waiting, centers=centers)
        server = ServerProcess(database, workers=args.workers).start()
        try:
            assert server.proc is not None
            yield server.url, {"Authorization": f"Bearer {token}"}, server.proc.pid
        finally:
            server.stop()
            drop(database)


def family(pid: int) -> list[int]:
    """A process and its children (--workers), where Linux tells them."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid, *(member for child in children for member in family(int(child)))]


def cpu_seconds(pid: int | None) -> float | None:
    """The CPU time (user + system) a process and its children (--workers) have used so far,
    where Linux tells it."""
    if pid is None:
        return None
    total = 0.0
    for member in family(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            if member == pid:
                return None
            continue  # a child that ended meanwhile
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def report(
    name: str, clients: int, seconds: float, latencies: list[float], cpu: float | None, first: float
) -> None:
    cuts = statistics.quantiles(latencies, n=100)
    per_request = f"  server CPU {cpu / len(latencies) * 1e6:5.0f} µs/request" if cpu is not None else ""
    print(
        f"{name:10} {clients:4} clients  {len(latencies) / seconds:8.0f} /s"
        f"  p50 {cuts[49] * 1000:6.1f} ms  p99 {cuts[98] * 1000:6.1f} ms  ({len(latencies)} requests){per_request}"
        f"  first request {first * 1000:.1f} ms"
    )


class Steps:
    """The requests a client sends, prepared once per server."""

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        center = httpx.get(f"{url}/api/v1/centers/1/queue", headers=headers).json()
        self.categories = [c["id"] for c in center["categories"] if c["open"]]
        self.counters = [c["id"] for c in center["counters"] if c["number"] > 100]
        if len(self.counters) < max(LEVELS):
            sys.exit("the server needs counters 101.. (run without --url to have them made)")
        self.turn = itertools.count()
        self.prepared: dict[tuple, bytes] = {}

    def _request(self, conn: Connection, method: str, path: str, body: dict | None = None) -> bytes:
        key = (method, path, str(body))
        if key not in self.prepared:
            self.prepared[key] = conn.request_bytes(method, path, body)
        return self.prepared[key]

    async def issue(self, conn: Connection, _: int) -> None:
        category = self.categories[next(self.turn) % len(self.categories)]
        answer = await conn.send(self._request(conn, "POST", "/api/v1/tickets", {"category_id": category}))
        assert answer.status == 201, answer.body

    async def call_next(self, conn: Connection, index: int) -> None:
        answer = await conn.send(self._request(conn, "POST", f"/api/v1/counters/{self.counters[index]}/call-next"))
        assert answer.status == 200, answer.body
        done = await conn.send(conn.request_bytes("POST", f"/api/v1/tickets/{answer.json()['id']}/complete"))  # type: ignore[index]
        assert done.status == 200, done.body


async def level(
    url: str, headers: dict[str, str], name: str, clients: int, args: argparse.Namespace, pid: int | None = None
) -> None:
    steps = Steps(url, headers)
    step = steps.call_next if name == "call-next" else steps.issue
    _, [first] = await closed_loop(url, headers, 1, 1, step)
    await closed_loop(url, headers, clients, WARM_UP, step)
    before = cpu_seconds(pid)
    if name == "open loop":
        seconds, latencies = await open_loop(url, headers, clients, args.rate, args.requests / args.rate, step)
    else:
        seconds, latencies = await closed_loop(url, headers, clients, args.requests, step)
    after = cpu_seconds(pid)
    report(name, clients, seconds, latencies, None if before is None or after is None else after - before, first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per level")
    parser.add_argument("--rate", type=float, default=1000, help="tickets per second due in the open-loop run")
    parser.add_argument("--url", help="a running server (its center 1 must be the demo center)")
    parser.add_argument("--token", help="a staff token for --url")
    parser.add_argument("--workers", type=int, default=1, help="server processes (PostgreSQL only)")
    args = parser.parse_args()
    database = "PostgreSQL" if os.environ.get("MOTCUA_TEST_DATABASE_URL", "").startswith("postgresql") else "SQLite WAL, synchronous=FULL"
    print(f"{args.requests} requests per level; {database}; {args.workers} server process(es)")
    print(f"closed loop: issue and call-next; open loop: issue, {args.rate:.0f} tickets/s due")
    runs = [("issue", n) for n in LEVELS] + [("open loop", max(LEVELS))] + [("call-next", n) for n in LEVELS]
    for name, clients in runs:
        waiting = 1 + WARM_UP + args.requests if name == "call-next" else 0
        with target(args, waiting=waiting) as (url, headers, pid):
            asyncio.run(level(url, headers, name, clients, args, pid))


if __name__ == "__main__":
    main()
