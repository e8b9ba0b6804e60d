"""Many wall-display clients on one display token, with kiosks issuing and a counter calling.

    .venv/bin/python bench/display_clients.py --displays 2000 --issuers 100 --duration 60

Issue 16: every display connect and disconnect used to be stored as an event and sent to every
client, so traffic grew with the square of the clients; at 2,000 display clients 629 were closed
with 1013, calls arrived 73-601 s late and the server's memory went to 2 GB and stayed there.
Now presence is state (server/presence.py), and this prints what holds:

- the displays: how many opened, how many the server closed with 1013 or otherwise;
- issue and call-next latency (p50/p99, from when each was due: open loop);
- call to client: from when a call-next was sent to when each display client received its
  "ticket.called" event, over every (call, client) pair; calls some client never received;
- the server's resident memory before the displays open, at its peak while they are open,
  and after they have left (a few seconds, then again after `--settle` more seconds).

Starts `motcua serve --demo` on a temporary SQLite file; everything talks to 127.0.0.1.
"""

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from pathlib import Path

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from server_process import ServerProcess, many_clients  # noqa: E402
from server.limits import raise_open_files  # noqa: E402

from http_load import Connection  # noqa: E402
from issue_tickets import cpu_seconds  # noqa: E402
from staff_load import cut, ms, resident_mb  # noqa: E402

OPENING = 100  # displays opening at once
TIMEOUT = 30.0
CALLED = b'"ticket.called"'


class Display:
    """One display client: when each call reached it, and how it ended."""

    def __init__(self) -> None:
        self.received: dict[int, float] = {}  # ticket id -> perf_counter when its call arrived
        self.close_code: int | None = None

    async def run(self, url: str, opened: asyncio.Event, stop: asyncio.Event) -> None:
        try:
            async with connect(url, open_timeout=TIMEOUT, max_queue=None) as ws:
                await ws.recv(decode=False)  # the snapshot
                opened.set()
                await self._read(ws, stop)
        except ConnectionClosed as exc:
            self.close_code = exc.rcvd.code if exc.rcvd else -1
        except (OSError, TimeoutError):
            self.close_code = -2
        finally:
            opened.set()

    async def _read(self, ws: ClientConnection, stop: asyncio.Event) -> None:
        stopping = asyncio.create_task(stop.wait())
        while True:
            getter = asyncio.create_task(ws.recv(decode=False))
            done, _ = await asyncio.wait({getter, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                return
            raw = getter.result()
            if CALLED in raw:  # the cheap test first: most events are tickets issued
                self.received[json.loads(raw)["ticket"]["id"]] = time.perf_counter()


async def paced(seconds: float, every: float, begin: float, step, latencies: list[float], errors: list[int]) -> None:  # type: ignore[no-untyped-def]
    """`step()` due every `every` seconds from `begin` for `seconds`; latency from when it was due."""
    n = 0
    while (due := begin + n * every) < begin + seconds:
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)  # pacing the load
        status = await step()
        latencies.append(time.perf_counter() - due)
        if status >= 500:
            errors.append(status)
        n += 1


async def run(args: argparse.Namespace, server: ServerProcess, kiosk: str, staff: str, display: str) -> None:
    pid = server.proc.pid  # type: ignore[union-attr]
    before = resident_mb(pid)
    displays = [Display() for _ in range(args.displays)]
    stop = asyncio.Event()
    url = f"{server.ws_url}/ws/events?token={display}"
    tasks = []
    opening = time.perf_counter()
    for start in range(0, len(displays), OPENING):
        batch = [asyncio.Event() for _ in displays[start : start + OPENING]]
        tasks += [asyncio.create_task(d.run(url, e, stop)) for d, e in zip(displays[start : start + OPENING], batch)]
        await asyncio.gather(*(e.wait() for e in batch))
    opened = sum(d.close_code is None for d in displays)
    print(f"{opened} of {args.displays} display clients open in {time.perf_counter() - opening:.1f} s")

    issue_lat: list[float] = []
    call_lat: list[float] = []
    errors: list[int] = []
    calls: dict[int, float] = {}  # ticket id -> when its call-next was sent
    peak = [0.0]
    begin = time.perf_counter() + 1

    async def issuer(i: int) -> None:
        n = [0]

        async def one() -> int:
            # A connection per ticket: a kiosk is idle far longer than the server keeps one alive.
            n[0] += 1
            body = {"category_id": 1 + (i + n[0]) % 3, "idempotency_key": f"bench-{i}-{n[0]}"}
            async with Connection(server.url, {"Authorization": f"Bearer {kiosk}"}) as link:
                return (await link.send(link.request_bytes("POST", "/api/v1/tickets", body))).status

        await paced(args.duration, args.issue_every, begin + i * args.issue_every / args.issuers, one, issue_lat, errors)

    async def caller() -> None:
        async with Connection(server.url, {"Authorization": f"Bearer {staff}"}) as link:
            counter = [0]
            held: dict[int, int] = {}  # counter -> the ticket it called last

            async def one() -> int:
                counter[0] = counter[0] % args.counters + 1
                if counter[0] in held:  # the citizen did not come: free the counter for the next call
                    await link.send(link.request_bytes("POST", f"/api/v1/tickets/{held.pop(counter[0])}/no-show"))
                sent = time.perf_counter()
                answer = await link.send(link.request_bytes("POST", f"/api/v1/counters/{counter[0]}/call-next"))
                if answer.status == 200:
                    ticket = answer.json()["id"]  # type: ignore[index]
                    calls[ticket], held[counter[0]] = sent, ticket
                return answer.status

            await paced(args.duration, args.call_every, begin, one, call_lat, errors)

    async def watch() -> None:
        while not stop.is_set():
            now = resident_mb(pid)
            peak[0] = max(peak[0], now[0] if now else 0)
            await asyncio.sleep(1)  # sampling memory

    watcher = asyncio.create_task(watch())
    cpu = (cpu_seconds(pid), cpu_seconds(os.getpid()), time.perf_counter())
    await asyncio.gather(*(issuer(i) for i in range(args.issuers)), caller())
    wall = time.perf_counter() - cpu[2]
    server_cpu, own_cpu = (((cpu_seconds(p) or 0) - (c or 0)) / wall for p, c in ((pid, cpu[0]), (os.getpid(), cpu[1])))
    await asyncio.sleep(2)  # the last calls' events on their way to the clients
    stop.set()
    await asyncio.gather(*tasks, watcher)
    closed_1013 = sum(d.close_code == 1013 for d in displays)
    closed_other = sum(d.close_code not in (None, 1013) for d in displays)
    deliveries = [d.received[t] - sent for t, sent in calls.items() for d in displays if t in d.received]
    missed = sum(1 for t in calls for d in displays if d.close_code is None and t not in d.received)
    await asyncio.sleep(3)  # the server notices the clients left
    after = resident_mb(pid)
    await asyncio.sleep(args.settle)
    settled = resident_mb(pid)

    def pair(values: list[float]) -> str:
        return f"p50 {ms(cut(values, 0.5)).strip()}, p99 {ms(cut(values, 0.99)).strip()} (ms unless marked s)" if values else "none"

    print(f"CPU while loaded (cores): server {server_cpu:.2f}, this load generator {own_cpu:.2f}, load average {os.getloadavg()[0]:.1f}")
    print(f"closed by the server: {closed_1013} with 1013, {closed_other} otherwise; 5xx answers: {len(errors)}")
    print(f"issue ({len(issue_lat)}): {pair(issue_lat)}; call-next ({len(call_lat)}, {len(calls)} calls): {pair(call_lat)}")
    print(f"call to client over {len(deliveries)} deliveries: {pair(deliveries)}; not delivered: {missed}")
    mb = lambda v: f"{v[0]:.0f} MB" if v else "?"  # noqa: E731
    print(f"server memory: before {mb(before)}, peak during {peak[0]:.0f} MB, after {mb(after)}, {args.settle:.0f} s later {mb(settled)}")


def prepare(database: Path, clients: int) -> tuple[ServerProcess, str, str, str]:
    server = ServerProcess(database, env=many_clients(clients)).prepare()
    return server, server.token("kiosk"), server.token("staff"), server.token("display")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--displays", type=int, default=2000)
    parser.add_argument("--issuers", type=int, default=100, help="kiosk connections issuing")
    parser.add_argument("--issue-every", type=float, default=20, help="seconds between one issuer's tickets")
    parser.add_argument("--call-every", type=float, default=1, help="seconds between call-nexts")
    parser.add_argument("--counters", type=int, default=6)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--settle", type=float, default=10, help="seconds to wait before the last memory figure")
    args = parser.parse_args()
    # Each display is a socket on both sides; the server inherits the limit.
    raise_open_files(2 * (args.displays + args.issuers) + 256)
    with tempfile.TemporaryDirectory() as folder:
        server, kiosk, staff, display = prepare(Path(folder) / "bench.db", args.displays + args.issuers)
        server.start()
        try:
            print(
                f"{args.displays} displays on one token, {args.issuers} issuers (one ticket each every "
                f"{args.issue_every:g} s), a call-next every {args.call_every:g} s over {args.counters} counters, {args.duration:g} s"
            )
            asyncio.run(run(args, server, kiosk, staff, display))
        finally:
            server.stop()


if __name__ == "__main__":
    main()
