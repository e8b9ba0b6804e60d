"""The server's memory with many idle websockets, and after they leave.

    .venv/bin/python bench/idle_websockets.py --clients 10000 [--status-share 0.5] [--waiting 50]

Issue 19: each public /ws/status/{token} connection cost ~125 KB that was never given back
(3,000 took the server from 104 to 473 MB). This opens `--clients` websockets to a
`motcua serve --demo` on a temporary SQLite file: a share on /ws/status/{token} (the
citizen's status page, over the tokens of `--waiting` issued tickets), the rest on
/ws/events with a display or a kiosk token (alternately). They stay idle (one snapshot or
bare notice each), then all close. It prints the server's resident memory before, with all
open (and per connection), and after they leave (a few seconds, then `--settle` s later).

Measured (10,000 clients, 50 waiting, 3 runs on a shared 2-core machine): all open 568-571 MB
(median 569; 47 KB each, from 109 MB), 10 s after they left 287-315 MB (median 300); before
the fix, one run: 2,569 MB all open (252 KB each), 266 MB after.

Each websocket is a socket on both sides: the bench raises its own soft open-file limit and
the server's (which inherits it, and raises its own for its connection cap).
"""

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from server_process import ServerProcess, many_clients  # noqa: E402
from server.limits import raise_open_files  # noqa: E402

from staff_load import resident_mb  # noqa: E402

OPENING = 200  # websockets opening at once
TIMEOUT = 60.0


async def hold(url: str, opened: asyncio.Event, leave: asyncio.Event, refused: list[int]) -> None:
    """One idle client: its first message, then nothing until it leaves."""
    try:
        async with connect(url, open_timeout=TIMEOUT, max_queue=None, ping_interval=None) as ws:
            await ws.recv(decode=False)
            opened.set()
            await leave.wait()
    except ConnectionClosed as exc:
        refused.append(exc.rcvd.code if exc.rcvd else -1)
    except (OSError, TimeoutError):
        refused.append(-2)
    finally:
        opened.set()


async def run(args: argparse.Namespace, server: ServerProcess, tokens: dict[str, str], tickets: list[str]) -> None:
    pid = server.proc.pid  # type: ignore[union-attr]
    mb = lambda: (resident_mb(pid) or (0.0, 0.0))[0]  # noqa: E731
    before = mb()
    urls = []
    for i in range(args.clients):
        if i < args.clients * args.status_share:
            urls.append(f"{server.ws_url}/ws/status/{tickets[i % len(tickets)]}")
        else:
            urls.append(f"{server.ws_url}/ws/events?token={tokens['display' if i % 2 else 'kiosk']}")
    leave = asyncio.Event()
    refused: list[int] = []
    tasks = []
    opening = time.perf_counter()
    for start in range(0, len(urls), OPENING):
        batch = [asyncio.Event() for _ in urls[start : start + OPENING]]
        tasks += [asyncio.create_task(hold(u, e, leave, refused)) for u, e in zip(urls[start : start + OPENING], batch)]
        await asyncio.gather(*(e.wait() for e in batch))
    took = time.perf_counter() - opening
    await asyncio.sleep(3)  # the server settles with them all open
    during = mb()
    open_now = args.clients - len(refused)
    leave.set()
    await asyncio.gather(*tasks)
    await asyncio.sleep(3)  # the server notices they left (and gives memory back after its settle time)
    after = mb()
    await asyncio.sleep(args.settle)
    settled = mb()
    status = int(args.clients * args.status_share)
    print(f"{open_now} of {args.clients} websockets open in {took:.1f} s ({status} status, {args.clients - status} events); refused or failed: {len(refused)}")
    per = (during - before) * 1024 / max(open_now, 1)
    print(
        f"server memory: before {before:.0f} MB, all open {during:.0f} MB ({per:.0f} KB each), "
        f"3 s after they left {after:.0f} MB, {args.settle:.0f} s later {settled:.0f} MB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=10_000)
    parser.add_argument("--status-share", type=float, default=0.5, help="share of /ws/status/{token} clients")
    parser.add_argument("--waiting", type=int, default=50, help="tickets issued first (their tokens for the status clients)")
    parser.add_argument("--settle", type=float, default=10, help="seconds to wait before the last memory figure")
    args = parser.parse_args()
    raise_open_files(args.clients + 1024)
    with tempfile.TemporaryDirectory() as folder:
        server = ServerProcess(Path(folder) / "bench.db", env=many_clients(args.clients)).prepare()
        tokens = {kind: server.token(kind) for kind in ("display", "kiosk", "staff")}
        server.start()
        try:
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {tokens['staff']}"}, timeout=TIMEOUT) as http:
                tickets = [
                    http.post("/api/v1/tickets", json={"category_id": 1 + n % 3}).json()["token"] for n in range(args.waiting)
                ]
            asyncio.run(run(args, server, tokens, tickets))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
