"""A province on one server: 150 centers issuing and calling at once, 2,000 websocket clients (issue 20).

    .venv/bin/python bench/province.py [--duration 60] [--clients 2000] [--rate 25] [--skip-postgres] [--skip-sqlite]

A province's peak is about 150 centers x 60 tickets an hour (2.5 a second); this plays ten
times that on PostgreSQL with `motcua serve --workers 4`: the demo center beside 149 others
(bench/other_centers.py: six counters each, 60 waiting, ten past days of 400 tickets), each
with a desk clerk, an officer working each counter and a wall display's token.

- Issuing: `--rate` tickets a second in all (the centers in turn, each center's categories in
  turn), open loop through bench/staff_load.py's desks: latency from when each was due.
- Calling: `--rate` call-nexts a second in all, spread evenly over the 900 counters; at its
  turn a counter first completes the ticket it called last, then calls the next (latency from
  its sending; "behind" is how late a counter's turn began against its schedule).
- Websockets: `--clients` on /ws/events, spread over the centers: each counter's console
  (`counter_id`, its officer's token: only its counter's events, so its sequences rise with
  gaps) and the rest wall displays (every event of the center: each sequence one more than
  the last). Each client counts what breaks that: gaps, sequences again or backwards, a
  snapshot in mid-stream (a resync), and the server closing it.
- Call to client: from a call-next's sending to each client of its center that must hear
  it (its displays and the counter's own console) receiving its "ticket.called".

Then the same on SQLite (one process, its defaults) for one center: once with one center's
share (rate / 150, clients / 150), once with the whole province's rate on that one center
and still one center's clients (a center's displays and consoles do not multiply with its
load: this asks only whether one process on SQLite keeps up with the writes).

Each part prints throughput, p50/p99 per request, call to client, errors, the server's
resident memory per process, the duplicate and missing ticket numbers per center, category
and day (read from the database at the end), and the CPU used by the server, this load
generator and the whole machine. The load generator is one asyncio process; the lag of its
event loop (a 50 ms sleep's overshoot) says whether it kept up: over LAG_LIMIT at p99, its
figures are partly its own.

PostgreSQL: MOTCUA_TEST_DATABASE_URL's server, else deploy/postgres.sh's own cluster
(started if need be); the database `motcua_province` on it is made anew each run.

Seen on the 2-core test machine, shared with other work (December 2026), runs after the fix
of group commits waiting for a second center (before it: 10 deadlocks a minute, p99 6.1-6.5 s):
- PostgreSQL, 4 processes (3 runs): 25.00 issues/s, 24.87 calls/s; issue p50 21-22 ms, p99
  40-50 ms; call-next p50 16-17 ms, p99 31-35 ms; call to client p50 20 ms, p99 35-40 ms; no error, no
  gap, no deadlock (8 call-nexts a minute found nobody waiting at a counter of another center:
  its tickets are drawn at random); 83 MB for the master, 145-175 MB per worker; server
  1.0 s/s of CPU, PostgreSQL 0.27, this 0.11; loop lag p99 4 ms (one stall of 350-440 ms).
- SQLite, one center's share (13 clients): p50/p99 of 10 requests each, issue 11-14/20-23 ms,
  call-next 4-6/11-19 ms; at the whole rate: issue p50 6 ms, p99 10-12 ms, call-next 3/6-7 ms,
  call to client 2/5-6 ms, 0.16 s/s of CPU, 140-145 MB.
"""

import argparse
import asyncio
import gc
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import psycopg
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, WebSocketException

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from database_urls import query  # noqa: E402
from server_process import ServerProcess, many_clients  # noqa: E402

from issue_tickets import cpu_seconds, family  # noqa: E402
from other_centers import COUNTERS, Staffed, add_centers, staff_centers  # noqa: E402
from server import demo, queue  # noqa: E402
from server.db import Database, make_engine, migrate  # noqa: E402
from server.errors import Conflict  # noqa: E402
from server.limits import raise_open_files  # noqa: E402
from server.models import Category  # noqa: E402
from server.queue import system_clock  # noqa: E402
from staff_load import TIMEOUT, Figures, Link, cut, desks, machine_busy, ms, resident_mb  # noqa: E402

CENTERS = 150
WORKERS = 4
WAITING = 60  # tickets waiting per center at the start, as bench/other_centers.py leaves them
OPENING = 100  # websockets opening at once
SETTLE = 3.0  # seconds after the last request for its events to reach the clients
LAG_LIMIT = 0.020  # the load generator's loop lag at p99 beyond which it did not keep up
DATABASE = "motcua_province"


class Client:
    """One websocket client of a center: a wall display, or a counter's console."""

    def __init__(self, center: Staffed, counter: int | None) -> None:
        self.center, self.counter = center.center_id, counter
        self.token = center.display if counter is None else center.officers[counter]
        self.last: int | None = None  # the sequence of the last event or view
        self.heard: dict[int, float] = {}  # ticket id -> when its call arrived
        self.faults: Counter[str] = Counter()
        self.closed: str | None = None  # how the server ended it before the bench did

    def path(self) -> str:
        return "/ws/events" + ("" if self.counter is None else f"?counter_id={self.counter}")

    async def run(self, ws_url: str, opened: asyncio.Event) -> None:
        try:
            async with connect(
                ws_url + self.path(), additional_headers={"Authorization": f"Bearer {self.token}"}, open_timeout=TIMEOUT, max_queue=None
            ) as ws:
                self.take(json.loads(await ws.recv()))
                opened.set()
                async for message in ws:
                    self.take(json.loads(message))
                self.closed = f"closed {ws.close_code}"
        except ConnectionClosed as exc:
            self.closed = f"closed {exc.rcvd.code if exc.rcvd else 'without a close frame'}"
        except (OSError, TimeoutError, WebSocketException) as exc:
            self.closed = f"failed: {type(exc).__name__}"
        finally:
            opened.set()

    def take(self, message: dict) -> None:
        seq = message["seq"]
        if message["type"] != "event":  # the opening snapshot or view; later, a resync
            if self.last is not None:
                self.faults["resync"] += 1
        elif self.last is not None and seq <= self.last:
            self.faults["sequence again or backwards"] += 1
            return
        else:
            if self.last is not None and self.counter is None and seq != self.last + 1:
                self.faults["gap"] += 1
            if message["kind"] == "ticket.called":
                self.heard[message["ticket"]["id"]] = time.perf_counter()
        self.last = seq


async def counter_turns(
    url: str,
    center: Staffed,
    counter: int,
    in_hand: int | None,
    index: int,
    args: argparse.Namespace,
    begin: float,
    figures: Figures,
    calls: list,
    behind: list,
) -> None:
    """One counter's turns, due `len(all counters) / rate` seconds apart from its place in
    the round: complete the ticket in hand, call the next."""
    link = Link(url, {"Authorization": f"Bearer {center.officers[counter]}"}, figures)
    try:
        for n in range(int(args.duration * args.rate) + 1):
            due = begin + (index + n * args.counters) / args.rate
            if due >= begin + args.duration:
                return
            if (delay := due - time.perf_counter()) > 0:
                await asyncio.sleep(delay)  # pacing the load
            behind.append(time.perf_counter() - due)
            if in_hand is not None:
                done = await link.send("complete", "POST", f"/api/v1/tickets/{in_hand}/complete")
                if done is not None and done.status == 200:
                    in_hand = None
            sent = time.perf_counter()
            answer = await link.send("call-next", "POST", f"/api/v1/counters/{counter}/call-next")
            if answer is not None and answer.status == 200:
                in_hand = answer.json()["id"]  # type: ignore[index]
                calls.append((center.center_id, counter, in_hand, sent))
    finally:
        link.close()


async def loop_lag(samples: list[float], stop: asyncio.Event) -> None:
    """How late a 50 ms sleep wakes: the load generator's own backlog."""
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(0.05)  # the probe itself
        samples.append(time.perf_counter() - start - 0.05)


async def memory(pid: int, peaks: dict[int, float], stop: asyncio.Event) -> None:
    """The peak resident memory of each server process, sampled every second."""
    while not stop.is_set():
        for member in family(pid):
            if (rss := resident_mb(member)) is not None:
                peaks[member] = max(peaks.get(member, 0.0), rss[0])
        await asyncio.sleep(1)  # sampling


def spread(staffed: list[Staffed], count: int) -> list[Client]:
    """`count` clients over the centers: each counter's console first, then displays in turn."""
    consoles = [Client(c, k) for c in staffed for k in c.officers][:count]
    return consoles + [Client(staffed[n % len(staffed)], None) for n in range(count - len(consoles))]


async def run(server: ServerProcess, staffed: list[Staffed], in_hand: dict[int, int], args: argparse.Namespace, postmaster: int | None) -> None:
    pid = server.proc.pid  # type: ignore[union-attr]
    figures = Figures()
    clients = spread(staffed, args.clients)
    tasks = []
    start = time.perf_counter()
    for first in range(0, len(clients), OPENING):
        batch = [(c, asyncio.Event()) for c in clients[first : first + OPENING]]
        tasks += [asyncio.create_task(c.run(server.ws_url, e)) for c, e in batch]
        await asyncio.gather(*(e.wait() for _, e in batch))
    opening, opened = time.perf_counter() - start, sum(c.last is not None for c in clients)
    # What is alive now lives to the end: the collector need not walk it again and again (with
    # 2,000 clients' objects, a full collection held this process's loop for 200-300 ms).
    gc.collect()
    gc.freeze()

    stop, lags, peaks = asyncio.Event(), [], {}
    probes = [asyncio.create_task(loop_lag(lags, stop)), asyncio.create_task(memory(pid, peaks, stop))]
    calls: list[tuple[int, int, int, float]] = []
    behind: list[float] = []
    counters = [(c, k) for c in staffed for k in c.officers]
    args.counters = len(counters)
    before = (cpu_seconds(pid), cpu_seconds(postmaster), time.process_time(), machine_busy())
    begin = time.perf_counter() + 1
    await asyncio.gather(
        desks(server.url, [({"Authorization": f"Bearer {c.desk}"}, c.categories) for c in staffed], args.rate, args.duration, begin, figures, "p"),
        *(counter_turns(server.url, c, k, in_hand.get(k), i, args, begin, figures, calls, behind) for i, (c, k) in enumerate(counters)),
    )
    wall = max(args.duration, time.perf_counter() - begin)  # the last turn may come before the end
    after = (cpu_seconds(pid), cpu_seconds(postmaster), time.process_time(), machine_busy())
    await asyncio.sleep(SETTLE)  # the last calls' events on their way
    ended = {id(c): c.closed for c in clients}  # closed by the server, before the bench closes them
    at_end = {member: resident_mb(member) for member in family(pid)}
    stop.set()
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, *probes, return_exceptions=True)

    by_center: dict[int, list[Client]] = {}
    for client in clients:
        by_center.setdefault(client.center, []).append(client)
    deliveries, missed = [], 0
    for center, counter, ticket, sent in calls:
        for client in by_center.get(center, []):
            if client.counter in (None, counter) and ended[id(client)] is None:
                if ticket in client.heard:
                    deliveries.append(client.heard[ticket] - sent)
                else:
                    missed += 1

    def figures_of(values: list[float]) -> str:
        if not values:
            return "none"
        return f"p50 {ms(cut(values, 0.5)).strip()}, p99 {ms(cut(values, 0.99)).strip()}, max {ms(max(values)).strip()} (n={len(values)})"

    ok = Counter({kind: n for (kind, outcome), n in figures.outcomes.items() if outcome == "ok"})
    print(f"  {opened} of {len(clients)} websockets open in {opening:.1f} s;"
          f" throughput {ok['issue'] / wall:.2f} issues/s, {ok['call-next'] / wall:.2f} calls/s, {ok['complete'] / wall:.2f} completions/s")  # fmt: skip
    for kind in ("issue", "call-next", "complete"):
        print(f"  {kind:10} {figures_of(figures.latencies[kind])}")
    print(f"  call to client {figures_of(deliveries)}; not delivered: {missed}")
    print(f"  counters' turns behind schedule {figures_of([max(0.0, b) for b in behind])}")
    http = Counter({f"{kind} {outcome}": n for (kind, outcome), n in figures.outcomes.items() if outcome != "ok"})
    sockets = Counter(closed for closed in ended.values() if closed) + sum((c.faults for c in clients), Counter())
    print(f"  errors: HTTP {dict(http) or 'none'}; websockets {dict(sockets) or 'none'}")
    rss = ", ".join(
        f"{'master' if member == pid else 'worker'} {now[0]:.0f} (peak {peaks.get(member, now[0]):.0f})"
        for member, now in at_end.items()
        if now is not None
    )
    print(f"  memory, MB resident at the end: {rss}")
    server_cpu, database_cpu, own_cpu, busy = ((b - a) / wall if a is not None and b is not None else None for a, b in zip(before, after))
    database = f", PostgreSQL {database_cpu:.2f}" if database_cpu is not None else ""
    print(f"  CPU s/s: server {server_cpu:.2f}{database}, load generator {own_cpu:.2f}, the whole machine {busy:.2f} of {os.cpu_count()} cores")
    late = "" if lags and cut(lags, 0.99) < LAG_LIMIT else (
        f": over {LAG_LIMIT * 1000:.0f} ms at p99, it was late (its own work or the machine's): the figures above are partly its own"
    )  # fmt: skip
    print(f"  load generator's loop lag {figures_of(lags)}{late}")


def prepare(url: str, centers: int, waiting: int) -> tuple[list[Staffed], dict[int, int]]:
    """The demo center with `waiting` tickets (its categories in turn) and `centers` - 1
    others (bench/other_centers.py), all staffed, each counter with a ticket called (so each
    turn completes one, from the first); returns the staff and counter id -> ticket in hand."""
    engine = make_engine(url)
    migrate(engine)
    with Database(engine).write() as session:
        center = demo.seed(session)
        categories = list(session.execute(select(Category.id).where(Category.center_id == center.id).order_by(Category.position)).scalars())
        for n in range(waiting):
            queue.issue_ticket(session, system_clock(), category_id=categories[n % len(categories)])  # type: ignore[arg-type]
    if centers > 1:
        add_centers(engine, centers - 1, waiting=WAITING)
    staffed = staff_centers(engine, system_clock())
    in_hand = {}
    with Database(engine).write() as session:
        for counter in (k for c in staffed for k in c.officers):
            try:
                in_hand[counter] = queue.call_next(session, system_clock(), counter).id
            except Conflict:
                pass  # nobody waits for it (other centers' tickets are drawn at random): it calls at its first turn
    engine.dispose()
    return staffed, in_hand


def numbering(url: str) -> str:
    """Today's ticket numbers given twice, and those missing below the highest, per center,
    category and day (a transfer's later legs keep their number: first legs only)."""
    rows = query(url, text("""
        SELECT count(*) - count(DISTINCT number), max(number) - count(DISTINCT number)
        FROM ticket WHERE hop = 0 GROUP BY center_id, number_category_id, service_day
    """))  # fmt: skip
    return f"{sum(r[0] for r in rows)} given twice, {sum(r[1] for r in rows)} missing, over {len(rows)} (center, category, day)"


def part(title: str, url: str, centers: int, rate: float, clients: int, args: argparse.Namespace, workers: int = 1) -> None:
    part_args = argparse.Namespace(**{**vars(args), "rate": rate, "clients": clients})
    print(f"\n{title}: {centers} center(s), {centers * COUNTERS} counters, {rate:.3g} issues/s and {rate:.3g} calls/s due,"
          f" {clients} websocket clients, {args.duration:g} s, {workers} server process(es)")  # fmt: skip
    staffed, in_hand = prepare(url, centers, WAITING + int(rate * args.duration / centers))
    server = ServerProcess(url, env=many_clients(clients + 4 * centers * COUNTERS), workers=workers).start()
    try:
        asyncio.run(run(server, staffed, in_hand, part_args, postmaster(url) if workers > 1 else None))
    finally:
        server.stop()
        gc.unfreeze()
    # The last line of each traceback the server logged: the exception and its message.
    failures = Counter(line.strip()[:200] for line in server.log if re.match(r"[\w.]+(Error|Exception)\b", line))
    print(f"  server log: {sum(line.startswith('ERROR') for line in server.log)} errors" + "".join(f"\n    {n} x {what}" for what, n in failures.items()))
    print(f"  ticket numbers: {numbering(url)}")
    if url.startswith("postgresql"):  # each deadlock held its transactions deadlock_timeout (1 s by default) first
        [(deadlocks,)] = query(url, "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")
        print(f"  PostgreSQL deadlocks: {deadlocks}")


def postgres() -> str:
    """A new, empty database `DATABASE` on the PostgreSQL server the tests use, or on
    deploy/postgres.sh's cluster (started if need be)."""
    server = os.environ.get("MOTCUA_TEST_DATABASE_URL", "")
    if not server.startswith("postgresql"):
        server = subprocess.run(["bash", str(ROOT / "deploy" / "postgres.sh"), "start"], capture_output=True, text=True, check=True).stdout.strip()
    libpq = make_url(server).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')  # type: ignore[arg-type]
        conn.execute(f'CREATE DATABASE "{DATABASE}"')  # type: ignore[arg-type]
    return make_url(server).set(database=DATABASE).render_as_string(hide_password=False)


def postmaster(url: str) -> int | None:
    """The process id of the PostgreSQL server (its backends are its children), where it
    runs on this machine and its data directory can be read."""
    try:
        [(directory,)] = query(url, "SELECT setting FROM pg_settings WHERE name = 'data_directory'")
        return int(Path(directory, "postmaster.pid").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60, help="seconds of load per part")
    parser.add_argument("--clients", type=int, default=2000, help="websocket clients of the province")
    parser.add_argument("--rate", type=float, default=25, help="issues a second, and as many calls (10x a province's peak)")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    # Each websocket and HTTP connection is a socket on both sides; the server inherits the limit.
    raise_open_files(2 * (args.clients + 5 * CENTERS * COUNTERS) + 256)
    share = max(1, round(args.clients / CENTERS))
    print("latency in ms unless marked s; issue from when it was due, call-next and complete from their sending")
    if not args.skip_postgres:
        part("PostgreSQL, the province", postgres(), CENTERS, args.rate, args.clients, args, workers=WORKERS)
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as folder:
            part("SQLite, one center's share", f"sqlite:///{folder}/share.db", 1, args.rate / CENTERS, share, args)
            part("SQLite, the province's rate on one center", f"sqlite:///{folder}/full.db", 1, args.rate, share, args)


if __name__ == "__main__":
    main()
