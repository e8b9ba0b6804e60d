"""Tickets per second and latency of issuing and of call-next, at 1, 10 and 100 concurrent clients.

Starts `motcua serve` on a fresh SQLite database (the embedded default: WAL, synchronous=FULL)
unless --url points at a running server. Each client is its own HTTP connection.

    .venv/bin/python bench/issue_tickets.py [--requests 2000] [--url http://127.0.0.1:8000]
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from server_process import ServerProcess  # noqa: E402

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


async def run_level(url: str, headers: dict, clients: int, requests: int, one_request) -> tuple[float, list[float]]:
    """Run `requests` requests spread over `clients` connections; (seconds, latencies)."""
    latencies: list[float] = []

    async def client(index: int) -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60, headers=headers) as http:
            for _ in range(requests // clients):
                start = time.perf_counter()
                await one_request(http, index)
                latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(client(i) for i in range(clients)))
    return time.perf_counter() - start, latencies


def report(name: str, clients: int, seconds: float, latencies: list[float]) -> None:
    cuts = statistics.quantiles(latencies, n=100)
    print(
        f"{name:10} {clients:4} clients  {len(latencies) / seconds:8.0f} /s"
        f"  p50 {cuts[49] * 1000:6.1f} ms  p99 {cuts[98] * 1000:6.1f} ms  ({len(latencies)} requests)"
    )


async def bench(url: str, headers: dict, requests: int, counter_ids: dict[int, int]) -> None:
    async def issue(http: httpx.AsyncClient, _: int) -> None:
        r = await http.post("/api/v1/tickets", json={"category_id": 1})
        assert r.status_code == 201, r.text

    async def call_next(http: httpx.AsyncClient, index: int) -> None:
        r = await http.post(f"/api/v1/counters/{counter_ids[index]}/call-next")
        assert r.status_code == 200, r.text
        # Completing is part of the staff's cycle but not of the figure.
        done = await http.post(f"/api/v1/tickets/{r.json()['id']}/complete")
        assert done.status_code == 200, done.text

    for clients in LEVELS:
        seconds, latencies = await run_level(url, headers, clients, requests, issue)
        report("issue", clients, seconds, latencies)
    for clients in LEVELS:
        seconds, latencies = await run_level(url, headers, clients, requests, call_next)
        report("call-next", clients, seconds, latencies)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000, help="requests per level")
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
        counters = httpx.get(f"{url}/api/v1/centers/1/queue", headers=headers).json()["counters"]
        ids = [c["id"] for c in counters if c["number"] > 100]
        if len(ids) < max(LEVELS):
            sys.exit("the server needs counters 101.. (run without --url to have them made)")
        print(f"server {url}; {args.requests} requests per level; SQLite WAL, synchronous=FULL")
        try:
            asyncio.run(bench(url, headers, args.requests, dict(enumerate(ids))))
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
