"""Staff consoles under load: latency of what a counter's console does, at 50, 200 and 400 counters.

    .venv/bin/python bench/staff_load.py [--sessions 50,200,400] [--cycle 25] [--duration 75]

Each level runs against a fresh `motcua serve` on a fresh SQLite database (WAL,
synchronous=FULL): the demo center with N more counters (101..), each serving two of the
demo's ten categories (every category served by about N/5 counters), about two tickets
waiting per counter, and N console sessions of one staff account, each working its own
counter. A session does what the staff console (server/web/static/console.js) does, with the
same cookie and CSRF token a browser sends:

- opens: `GET /api/v1/counters/{id}/view?limit=200`, then `/ws/events?counter_id={id}&since={seq}`,
  read for the whole level (only its counter's events come);
- keeps its queues from the events as the console does (which tickets of each queue it
  knows, how many wait in each), and reads its view again only when it no longer knows the
  next ticket of a queue that still has some, or fewer than the 20 it shows, at most once a
  second (one read in flight, one more after it if needed meanwhile);
- works in cycles of about --cycle seconds (each think time within ±30%, the sessions' first
  calls spread evenly over the first cycle): call-next, think (the citizen walks up), start,
  think (the service), complete, think. A 409 `queue_empty` on call-next is normal (counted
  apart, tried again a little later).

Desks issue tickets at the rate the counters call (N / cycle per second, the categories in
turn) over keep-alive connections that each send one every DESK_SECONDS (at least four), as a
signed-in clerk (source `desk`: no per-device kiosk rate limit). Issuing is open loop: a
ticket's latency counts from when it was due, so a stalled server is not hidden. Every other
request is timed from its sending to its answer (with a new connection's setup when the
server had closed an idle one, as a browser's would be).

Timing starts once every session has read its view and opened its stream, and lasts
--duration seconds. Per level it prints median, p95, p99 and the slowest latency per kind of
request (view, call-next, start, complete, issue) and over all, the 5xx and other errors, the
websocket messages and how long an event took from its request to a console, the server's CPU
(process CPU seconds per wall second, from /proc/<pid>/stat; the machine may have 2 cores)
and its resident memory at the end of the level (/proc/<pid>/status), the load generator's
own CPU and the whole machine's (/proc/stat), so a reader can tell a slow server from a busy
machine.

Target (issue 13): 400 sessions at p95 under 100 ms with no 5xx. A government peer published
median 3.4 s and p95 12 s at 200 sessions, p95 22.6 s at 400.

HTTP goes through bench/http_load.py's light keep-alive connections (no httpx in the loop),
websockets through the `websockets` library, all in one asyncio process talking to
127.0.0.1 only. Every loop is bounded in time: a level stops by itself after its duration and
at most TIMEOUT more seconds for the requests still in flight.
"""

import argparse
import collections
import asyncio
import json
import os
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from server_process import ServerProcess, many_clients  # noqa: E402
from server.limits import raise_open_files  # noqa: E402

from http_load import Answer, Connection  # noqa: E402
from issue_tickets import cpu_seconds  # noqa: E402
from other_centers import seat_officer  # noqa: E402
from server import auth, demo, directory, queue  # noqa: E402
from server.api.security import COOKIE, CSRF_HEADER  # noqa: E402
from server.db import Database, make_engine, migrate  # noqa: E402
from server.models import Category, Role  # noqa: E402
from server.queue import system_clock  # noqa: E402

KINDS = ("view", "call-next", "start", "complete", "issue")
VIEW_LIMIT = 200  # waiting tickets a console's view brings (it lists 20): console.js's WAITING_KNOWN
SHOWN = 20
RECENT = 2000  # ticket events kept to apply again over a view read meanwhile
VIEW_EVERY = 1.0  # seconds: a console re-reads its view at most this often
PREFILL = 2  # tickets waiting per counter when timing starts
DESK_SECONDS = 2.0  # each issuing connection (a kiosk or a desk) sends a ticket this often
OPENING = 50  # sessions opening at once (a center's staff do not all sign in in one instant)
TIMEOUT = 30.0  # seconds a request or a websocket handshake may take before it counts as failed
# Shares of a cycle: the citizen walking up after the call, the service, the pause after it.
THINK = {"walk": 0.15, "serve": 0.75, "pause": 0.10}
JITTER = 0.3  # each think time within ±30%
RETRY = 0.1  # share of a cycle to wait after queue_empty before calling again
TARGET_SESSIONS, TARGET_P95 = 400, 0.100


@dataclass
class Staff:
    """One console session: its counter, and the cookie and CSRF token its browser holds."""

    counter_id: int
    cookie: str
    csrf: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": f"{COOKIE}={self.cookie}", CSRF_HEADER: self.csrf}


def prepare(database: Path, sessions: int, prefill: int = PREFILL) -> tuple[list[Staff], Staff, list[int]]:
    """The demo center with `sessions` more counters, PREFILL tickets waiting per counter, and
    a staff account signed in once per counter and once at the desk; returns (the consoles'
    sessions, the desk's session, the category ids)."""
    engine = make_engine(f"sqlite:///{database}")
    migrate(engine)
    now = system_clock()
    with Database(engine).write() as session:
        center = demo.seed(session)
        categories = list(
            session.execute(select(Category).where(Category.center_id == center.id).order_by(Category.position)).scalars()
        )
        count = len(categories)
        desk_user = auth.create_user(session, now, "bench-staff", "correct horse battery", Role.staff, center.id)
        staff = []
        for i in range(sessions):
            # Two different categories, every category first for a tenth of the counters and
            # second for another tenth, in varied pairs.
            first, second = i % count, (i + 1 + (i // count) % (count - 1)) % count
            counter = directory.add_counter(session, center, 101 + i, [categories[first], categories[second]])
            token, web = seat_officer(session, now, counter, f"bench-staff-{i}", desk_user.password_hash)
            staff.append(Staff(counter.id, token, web.csrf_token))  # type: ignore[arg-type]
        for n in range(prefill * sessions):
            queue.issue_ticket(session, now, category_id=categories[n % count].id)  # type: ignore[arg-type]
        token, web = auth.start_session(session, now, desk_user)
        desk = Staff(0, token, web.csrf_token)
    engine.dispose()
    return staff, desk, [c.id for c in categories]  # type: ignore[misc]


def machine_busy() -> float | None:
    """CPU seconds all processes of the machine have used so far (not idle, not waiting for
    the disk): on a shared machine it shows the other work beside the server and this."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def resident_mb(pid: int) -> tuple[float, float] | None:
    """(resident, peak resident) memory of a process in MB, where Linux tells it."""
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    kb = {k: int(v.split()[0]) for k, _, v in (line.partition(":") for line in lines) if k in ("VmRSS", "VmHWM")}
    return kb["VmRSS"] / 1024, kb["VmHWM"] / 1024


@dataclass
class Figures:
    """What one level measured: latencies per kind of request, and every outcome."""

    latencies: defaultdict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    outcomes: Counter[tuple[str, str]] = field(default_factory=Counter)
    opening_view: list[float] = field(default_factory=list)
    opening_ws: list[float] = field(default_factory=list)
    messages: int = 0
    ticket_events: int = 0
    event_delays: list[float] = field(default_factory=list)
    ws_closes: Counter[str] = field(default_factory=Counter)
    cycles: int = 0

    def answered(self, kind: str, seconds: float, answer: Answer) -> str:
        """Count an answer; its outcome: ok, queue_empty, 5xx, or the status and code."""
        self.latencies[kind].append(seconds)
        if answer.status < 300:
            outcome = "ok"
        elif answer.status >= 500:
            outcome = "5xx"
        else:
            try:
                code = answer.json().get("code")  # type: ignore[union-attr]
            except (ValueError, AttributeError):
                code = None
            outcome = "queue_empty" if (answer.status, code) == (409, "queue_empty") else f"{answer.status} {code}"
        self.outcomes[kind, outcome] += 1
        return outcome

    def failed(self, kind: str, why: str) -> None:
        self.outcomes[kind, f"failed: {why}"] += 1


class Link:
    """One keep-alive HTTP connection of a console or a desk, opened again after a failure
    (a timed-out request leaves its connection mid-answer)."""

    def __init__(self, url: str, headers: dict[str, str], figures: Figures) -> None:
        self.url, self.headers, self.figures = url, headers, figures
        self.conn: Connection | None = None

    async def open(self) -> None:
        if self.conn is None:
            self.conn = await asyncio.wait_for(Connection(self.url, self.headers).__aenter__(), TIMEOUT)

    def close(self) -> None:
        if self.conn is not None and self.conn.writer is not None:
            self.conn.writer.close()
        self.conn = None

    async def send(self, kind: str, method: str, path: str, body: object | None = None, since: float | None = None) -> Answer | None:
        """The answer, counted under `kind` with its latency (from `since` if given, else from
        now); None if the request failed (counted too).

        The server closes a connection idle for 5 s (uvicorn's keep-alive), as a console's is
        during a service: like a browser, this then opens a new one (its time counted in the
        request's), and sends once more if a reused connection closed before any answer."""
        start = time.perf_counter() if since is None else since
        for attempt in range(2):
            reused = self.conn is not None
            try:
                if self.conn is not None and self.conn.reader is not None and self.conn.reader.at_eof():
                    self.close()
                await self.open()
                assert self.conn is not None
                answer = await asyncio.wait_for(self.conn.send(self.conn.request_bytes(method, path, body)), TIMEOUT)
            except asyncio.IncompleteReadError as exc:
                self.close()
                if reused and not exc.partial and attempt == 0:
                    continue  # closed by the server before it read the request
                self.figures.failed(kind, type(exc).__name__)
                return None
            except (OSError, EOFError, asyncio.LimitOverrunError, TimeoutError, ValueError) as exc:
                self.close()
                if reused and isinstance(exc, ConnectionResetError) and attempt == 0:
                    continue
                self.figures.failed(kind, type(exc).__name__)
                return None
            self.figures.answered(kind, time.perf_counter() - start, answer)
            return answer
        return None  # not reached: the second attempt returns


class Console:
    """One staff member's console on their counter."""

    def __init__(self, server: ServerProcess, staff: Staff, figures: Figures, rng: random.Random) -> None:
        self.server, self.staff, self.figures, self.rng = server, staff, figures, rng
        self.reads = Link(server.url, staff.headers, figures)  # a browser has several connections
        self.acts = Link(server.url, staff.headers, figures)
        self.view_path = f"/api/v1/counters/{staff.counter_id}/view?limit={VIEW_LIMIT}"
        self.seq = 0
        self.ws: ClientConnection | None = None
        self.stale = asyncio.Event()  # the console no longer knows enough: read the view again
        self.known: dict[int, str] = {}  # waiting tickets of its queues it knows -> their queue
        self.counts: collections.Counter[str] = collections.Counter()  # queue -> how many wait
        # The ticket events since the last view was asked for: a view answers as of its own
        # sequence, and these are applied again on top of it (console.js's view.recent).
        self.recent: collections.deque[tuple[int, dict, str]] = collections.deque(maxlen=RECENT)
        self.timing = False  # the level's timed part has begun

    async def open(self) -> bool:
        """Read the view, then open the event stream after its sequence (not timed with the
        level: reported as the opening); False if either failed."""
        await self.acts.open()
        start = time.perf_counter()
        answer = await self.reads.send("opening", "GET", self.view_path)
        if answer is None or answer.status != 200:
            return False
        self.figures.opening_view.append(time.perf_counter() - start)
        self._take_view(answer.json())  # type: ignore[arg-type]
        start = time.perf_counter()
        if not await self._connect():
            return False
        self.figures.opening_ws.append(time.perf_counter() - start)
        return True

    async def _connect(self) -> bool:
        url = f"{self.server.ws_url}/ws/events?counter_id={self.staff.counter_id}&since={self.seq}"
        try:
            # Origin as the console's page sends it: the server takes the cookie only then.
            self.ws = await connect(
                url, additional_headers={"Cookie": self.staff.headers["Cookie"]}, origin=self.server.url,  # type: ignore[arg-type]
                open_timeout=TIMEOUT, max_size=2**24,
            )
        except (OSError, TimeoutError, WebSocketException) as exc:
            self.figures.ws_closes[f"connect failed: {type(exc).__name__}"] += 1
            return False
        return True

    async def follow(self, deadline: float) -> None:
        """Read the event stream until the deadline; reconnect after its sequence if the
        server closes it (1013: too slow)."""
        for _ in range(100):  # reconnections, bounded
            assert self.ws is not None
            try:
                async for message in self.ws:
                    self._received(message)  # type: ignore[arg-type]
                    if time.monotonic() >= deadline:
                        return
            except ConnectionClosed:
                pass
            code = self.ws.close_code
            self.figures.ws_closes[f"closed {code}"] += 1
            if time.monotonic() >= deadline or not await self._connect():
                return

    def _received(self, message: str) -> None:
        data = json.loads(message)
        self.seq = data.get("seq", self.seq)
        if not self.timing:
            return
        self.figures.messages += 1
        if data.get("type") != "event":  # a fresh view after a gap: nothing to re-read
            return
        if data.get("ticket") is not None:
            self.figures.ticket_events += 1
            self.figures.event_delays.append(time.time() - datetime.fromisoformat(data["at"]).timestamp())
            self.recent.append((data["seq"], data["ticket"], data["kind"]))
            self._take_ticket(data["ticket"], data["kind"])
        if self._short():
            self.stale.set()

    # The console's bookkeeping (server/web/static/console.js): it keeps the call order from
    # the events and reads the view again only when it no longer knows the next ticket of a
    # queue that still has some, or knows fewer than it shows.

    def _queue_of(self, ticket: dict, waiting: bool = False) -> str | None:
        if ticket["state"] != "waiting" and not waiting:
            return None
        cls = "p" if ticket["priority_group"] else "o"
        if ticket["target_counter_id"] == self.staff.counter_id:
            return f"sent:{cls}"
        if ticket["target_counter_id"] is None and ticket["category_id"] in self.categories:
            return f"{ticket['category_id']}:{cls}"
        return None

    def _take_view(self, view: dict) -> None:
        self.seq = max(self.seq, view["seq"])  # the stream's own place, never moved back
        self.categories = {link["category_id"] for link in view["counter"]["categories"]}
        self.known = {t["id"]: self._queue_of(t) for t in view["waiting"] + view["next_in_queues"]}  # type: ignore[misc]
        self.counts = collections.Counter(
            {f"{'sent' if q['category_id'] is None else q['category_id']}:{'p' if q['priority'] else 'o'}": q["waiting"] for q in view["queues"]}
        )
        # What happened while it was read, as the console does.
        while self.recent and self.recent[0][0] <= view["seq"]:
            self.recent.popleft()
        for _, ticket, kind in self.recent:
            self._take_ticket(ticket, kind)

    def _take_ticket(self, ticket: dict, kind: str) -> None:
        key = self._queue_of(ticket)
        if ticket["id"] in self.known and key is None:
            self.counts[self.known.pop(ticket["id"])] -= 1
        elif key is None and (kind in ("ticket.called", "ticket.cancelled") or (kind == "ticket.transferred" and not ticket["called_at"])):
            was = self._queue_of(ticket, waiting=True)
            if was is not None:
                self.counts[was] = max(0, self.counts[was] - 1)
        elif key is not None and ticket["id"] not in self.known:
            if sum(1 for k in self.known.values() if k == key) >= self.counts[key]:
                self.known[ticket["id"]] = key  # the queue is known whole (a new ticket comes last)
            self.counts[key] += 1

    def _short(self) -> bool:
        mine = collections.Counter(self.known.values())
        if any(n > 0 and mine[key] == 0 for key, n in self.counts.items()):
            return True
        return len(self.known) < min(SHOWN, sum(self.counts.values()))

    async def refresh(self, deadline: float) -> None:
        """Read the view again when an event says it changed, at most once every VIEW_EVERY
        seconds: one read in flight, and one more after it if events came meanwhile."""
        last = -VIEW_EVERY
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                await asyncio.wait_for(self.stale.wait(), remaining)
            except TimeoutError:
                return
            wait = last + VIEW_EVERY - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)  # pacing, as the console does
            if time.monotonic() >= deadline:
                return
            self.stale.clear()
            last = time.monotonic()
            answer = await self.reads.send("view", "GET", self.view_path)
            if answer is not None and answer.status == 200:
                self._take_view(answer.json())  # type: ignore[arg-type]
                if self._short():  # still short once what came meanwhile is applied (render())
                    self.stale.set()

    async def think(self, share: float, cycle: float, deadline: float) -> bool:
        """Wait a share of a cycle, give or take JITTER; False if the level ends first."""
        seconds = share * cycle * self.rng.uniform(1 - JITTER, 1 + JITTER)
        await asyncio.sleep(max(0.0, min(seconds, deadline - time.monotonic())))
        return time.monotonic() < deadline

    async def work(self, phase: float, cycle: float, deadline: float) -> None:
        """Call, start and complete, cycle after cycle, until the deadline."""
        await asyncio.sleep(phase)
        counter = self.staff.counter_id
        for _ in range(int((deadline - time.monotonic()) / (RETRY * cycle * (1 - JITTER))) + 1):  # bounded
            if time.monotonic() >= deadline:
                return
            answer = await self.acts.send("call-next", "POST", f"/api/v1/counters/{counter}/call-next")
            if answer is None or answer.status != 200:
                if not await self.think(RETRY, cycle, deadline):
                    return
                continue
            ticket = answer.json()["id"]  # type: ignore[index]
            if not await self.think(THINK["walk"], cycle, deadline):
                return
            await self.acts.send("start", "POST", f"/api/v1/tickets/{ticket}/start")
            if not await self.think(THINK["serve"], cycle, deadline):
                return
            await self.acts.send("complete", "POST", f"/api/v1/tickets/{ticket}/complete")
            self.figures.cycles += 1
            if not await self.think(THINK["pause"], cycle, deadline):
                return

    async def close(self) -> None:
        self.reads.close()
        self.acts.close()
        if self.ws is not None:
            try:
                await asyncio.wait_for(self.ws.close(), 5)
            except (TimeoutError, WebSocketException, OSError):
                pass


async def desks(
    url: str, centers: list[tuple[dict[str, str], list[int]]], rate: float, seconds: float, begin: float, figures: Figures, tag: str
) -> None:
    """Tickets due at `rate` per second for `seconds`, the centers in turn and each center's
    categories in turn (`centers`: each one's desk headers and category ids), over one
    connection per DESK_SECONDS of tickets, at least one per center (open loop: latency from
    when each was due; with so many, a connection's own backlog builds up only once the
    server takes over DESK_SECONDS to answer)."""
    total = int(rate * seconds)
    desks = -(-max(4, round(rate * DESK_SECONDS)) // len(centers)) * len(centers)  # a multiple of the centers

    async def one_desk(index: int) -> None:
        headers, categories = centers[index % len(centers)]
        link = Link(url, headers, figures)
        try:
            for n in range(index, total, desks):
                due = begin + n / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)  # pacing the load
                category = categories[n // len(centers) % len(categories)]
                body = {"category_id": category, "source": "desk", "idempotency_key": f"bench-{tag}-{n:06d}"}
                await link.send("issue", "POST", "/api/v1/tickets", body, since=due)
        finally:
            link.close()

    await asyncio.gather(*(one_desk(i) for i in range(desks)))


def cut(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f}" if seconds < 10 else f"{seconds:7.1f}s"


async def level(sessions: int, args: argparse.Namespace) -> None:
    rng = random.Random(sessions)
    figures = Figures()
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        staff, desk, categories = prepare(database, sessions, args.waiting)
        # Each console holds a stream and a connection or two, all from 127.0.0.1.
        server = ServerProcess(database, env=many_clients(4 * sessions)).start()
        consoles: list[Console] = []
        try:
            assert server.proc is not None
            pid = server.proc.pid
            consoles = [Console(server, s, figures, rng) for s in staff]
            gate = asyncio.Semaphore(OPENING)

            async def opened(console: Console) -> bool:
                async with gate:
                    try:
                        return await console.open()
                    except (OSError, TimeoutError) as exc:
                        figures.failed("opening", type(exc).__name__)
                        return False

            start = time.perf_counter()
            ok = await asyncio.gather(*(opened(c) for c in consoles))
            opening = time.perf_counter() - start
            live = [c for c, o in zip(consoles, ok) if o]

            rate = sessions / args.cycle
            begin_wall, begin = time.perf_counter(), time.monotonic()
            deadline = begin + args.duration
            for console in live:
                console.timing = True
            cpu_before, own_before, busy_before = cpu_seconds(pid), time.process_time(), machine_busy()
            tasks = [asyncio.create_task(c.follow(deadline + TIMEOUT)) for c in live]
            work = [asyncio.create_task(c.refresh(deadline)) for c in live]
            work += [asyncio.create_task(c.work(args.cycle * (i + rng.random()) / len(live), args.cycle, deadline)) for i, c in enumerate(live)]
            work.append(asyncio.create_task(desks(server.url, [(desk.headers, categories)], rate, args.duration, begin_wall, figures, f"l{sessions}")))
            await asyncio.sleep(max(0.0, deadline - time.monotonic()))
            cpu_after, own_after, busy_after, memory = cpu_seconds(pid), time.process_time(), machine_busy(), resident_mb(pid)
            wall = time.monotonic() - begin
            # The requests sent before the deadline may finish; nothing new is sent.
            _, late = await asyncio.wait(work, timeout=TIMEOUT + 5)
            for task in [*late, *tasks]:
                task.cancel()
            await asyncio.gather(*work, *tasks, return_exceptions=True)
        finally:
            await asyncio.gather(*(c.close() for c in consoles), return_exceptions=True)
            server.stop()

    busy = None if busy_before is None or busy_after is None else busy_after - busy_before
    report(sessions, args, figures, opening, len(live), rate, wall, cpu_before, cpu_after, own_after - own_before, busy, memory)


def report(
    sessions: int,
    args: argparse.Namespace,
    figures: Figures,
    opening: float,
    live: int,
    rate: float,
    wall: float,
    cpu_before: float | None,
    cpu_after: float | None,
    own_cpu: float,
    busy: float | None,
    memory: tuple[float, float] | None,
) -> None:
    print(
        f"\n{sessions} sessions on {sessions} counters, {args.waiting * sessions} waiting at the start,"
        f" cycle {args.cycle:g} s, {rate:.1f} tickets/s issued, {args.duration:g} s timed"
    )
    views, sockets = figures.opening_view, figures.opening_ws
    if views and sockets:
        print(
            f"  opened {live}/{sessions} consoles in {opening:.1f} s ({OPENING} at a time):"
            f" view p50 {ms(cut(views, 0.5)).strip()} ms, max {ms(max(views)).strip()} ms;"
            f" websocket p50 {ms(cut(sockets, 0.5)).strip()} ms, max {ms(max(sockets)).strip()} ms"
        )
    else:
        print(f"  opened {live}/{sessions} consoles")
    print(f"  {'ms':10} {'count':>7} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8} {'5xx':>5} {'other':>5}  (call-next: queue_empty)")
    everything: list[float] = []
    errors: Counter[str] = Counter()
    for kind in [*KINDS, "all"]:
        values = everything if kind == "all" else figures.latencies[kind]
        mine = {o: n for (k, o), n in figures.outcomes.items() if k == kind or (kind == "all" and k != "opening")}
        fives = sum(n for o, n in mine.items() if o == "5xx")
        other = sum(n for o, n in mine.items() if o not in ("ok", "5xx", "queue_empty"))
        empty = f"  ({sum(n for o, n in mine.items() if o == 'queue_empty')})" if kind in ("call-next", "all") else ""
        if kind != "all":
            everything += values
            errors.update({f"{kind}: {o}": n for o, n in mine.items() if o not in ("ok", "queue_empty")})
        if values:
            figures_ = f"{ms(cut(values, 0.5))} {ms(cut(values, 0.95))} {ms(cut(values, 0.99))} {ms(max(values))}"
        else:
            figures_ = f"{'-':>8} {'-':>8} {'-':>8} {'-':>8}"
        print(f"  {kind:10} {len(values):7} {figures_} {fives:5} {other:5}{empty}")
    for what, n in sorted(errors.items()):
        print(f"    {n} x {what}")
    opening_errors = {o: n for (k, o), n in figures.outcomes.items() if k == "opening" and o != "ok"}
    for what, n in sorted(opening_errors.items()):
        print(f"    {n} x opening view: {what}")
    delays = figures.event_delays
    delay = f", request to console p50 {ms(cut(delays, 0.5)).strip()} ms, p95 {ms(cut(delays, 0.95)).strip()} ms" if delays else ""
    closes = ", ".join(f"{n} {what}" for what, n in sorted(figures.ws_closes.items())) or "none closed"
    print(
        f"  websocket: {figures.messages} messages ({figures.messages / wall:.0f}/s), {figures.ticket_events} about tickets"
        f"{delay}; {closes}; {figures.cycles} cycles completed"
    )
    requests = sum(n for (k, _), n in figures.outcomes.items() if k != "opening")
    if cpu_before is not None and cpu_after is not None:
        used = cpu_after - cpu_before
        server_cpu = f"{used / wall:.2f} s/s ({used / max(1, requests) * 1000:.1f} ms a request)"
    else:
        server_cpu = "?"
    rss = f"RSS {memory[0]:.0f} MB at the end (peak {memory[1]:.0f} MB)" if memory else "RSS ?"
    others = f"; the whole machine {busy / wall:.2f} s/s of {os.cpu_count()} cores" if busy is not None else ""
    print(f"  server: CPU {server_cpu}, {rss}")
    print(f"  load generator: CPU {own_cpu / wall:.2f} s/s{others}")
    fives = sum(n for (k, o), n in figures.outcomes.items() if o == "5xx")
    p95 = cut(everything, 0.95) if everything else float("inf")
    verdict = "met" if p95 < TARGET_P95 and fives == 0 else "NOT met"
    print(f"  target p95 < {TARGET_P95 * 1000:.0f} ms, no 5xx: {verdict} (p95 {p95 * 1000:.1f} ms, {fives} 5xx)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", default="50,200,400", help="console sessions per level, comma-separated")
    parser.add_argument("--cycle", type=float, default=25, help="seconds of a call-start-complete cycle")
    parser.add_argument("--duration", type=float, default=75, help="seconds timed per level")
    parser.add_argument("--waiting", type=int, default=PREFILL, help="tickets waiting per counter at the start")
    args = parser.parse_args()
    levels = [int(n) for n in args.sessions.split(",")]
    if not levels or min(levels) < 1 or args.cycle <= 0 or args.duration <= 0:
        parser.error("sessions, cycle and duration must be positive")
    # A websocket and two HTTP connections per console, on both sides; the server inherits it.
    raise_open_files(4 * max(levels) + 256)
    print("SQLite WAL, synchronous=FULL; a fresh server per level; latency in ms (issue: from when it was due)")
    print(
        f"target: {TARGET_SESSIONS} sessions at p95 under {TARGET_P95 * 1000:.0f} ms with no 5xx"
        " (a government peer published median 3.4 s, p95 12 s at 200 sessions; p95 22.6 s at 400)"
    )
    for sessions in levels:
        asyncio.run(level(sessions, args))


if __name__ == "__main__":
    main()
