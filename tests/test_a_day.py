"""A day at the demo center in fast-forward, against a live server on a moved clock: 400
citizens, 6 counters, lunch, the kiosk's printer running out of paper, the wall display losing
the network for a minute, a server restart. The simulation keeps its own ledger of what it did
and was told; at the end the leader's report and the display's board must say the same.

- The server is `motcua serve` reading its time from a file the simulation writes before each
  step (tests/clocked_server.py); every request waits for its answer, so the server sees the
  simulated time of the step.
- A quarter of the citizens take their number at kiosk-1, whose network printer (a virtual
  ESC/POS printer) runs out of paper at 09:40 and is refilled at 10:05: tickets of the outage
  not older than print_max_age_minutes at the refill print then, older ones end "expired".
  The others are issued at the entrance desk (no printer).
- The display is the real DisplayApp fed by its EventClient (pygame headless). At 14:00 its
  socket dies and it cannot connect for a simulated minute; when it can, it catches up from its
  sequence (no snapshot) and shows what the counters have in hand.
- At 15:00 the server restarts (SIGTERM, then the same database and port).
"""

import heapq
import itertools
import json
import math
import os
import random
import statistics
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # before pygame loads: the display runs headless
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import httpx  # noqa: E402
import pygame  # noqa: E402
import pytest  # noqa: E402

from clocked_server import FileClock  # noqa: E402
from server_process import ServerProcess, poll  # noqa: E402

sys.path[:0] = [str(Path(__file__).parent / "display"), str(Path(__file__).parent / "printer")]
from test_display_client import Harness  # noqa: E402
from virtual_printer import Fault, VirtualPrinter  # noqa: E402

from display.client import Connection  # noqa: E402
from display.fonts import Fonts  # noqa: E402
from server.protocol import EventOut, Snapshot  # noqa: E402

DAY = date(2026, 11, 23)  # a Monday
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
CITIZENS = 400
SEED = 19
# Arrivals per local hour (relative weights): a morning peak, nobody over lunch.
HOURS = {7: 3, 8: 9, 9: 11, 10: 9, 11: 3, 13: 3, 14: 7, 15: 6, 16: 4}
SESSIONS = [(time(7, 30), time(11, 30)), (time(13, 30), time(17, 0))]
# The demo center's categories taken (id: share); its 6 counters serve them.
SHARES = {1: 30, 2: 25, 3: 15, 4: 10, 5: 10, 6: 10}  # A, B, C, D, E, G
COUNTERS = (1, 2, 3, 4, 5, 6)
# The counters serving each category (server/demo.py: 1 A K, 2 A B, 3 B L M, 4 C D, 5 E C, 6 G H M).
SERVING = {1: (1, 2), 2: (2, 3), 3: (4, 5), 4: (4,), 5: (5,), 6: (6,)}
NO_SHOW_SHARE = 0.08
NO_SHOW_AFTER = timedelta(minutes=3)  # the officer waits this long before "no-show"
MAX_AGE_MINUTES = 10  # print_max_age_minutes, set for the server below


def local(hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute, second), ZONE)


PAPER_OUT, REFILL = local(9, 40), local(10, 5)
UNPLUG, REPLUG = local(14, 0), local(14, 1)
RESTART = local(15, 0)
LUNCH, AFTER_LUNCH = local(11, 30), local(13, 30)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass
class Citizen:
    n: int
    arrives: datetime
    category: int
    kiosk: bool  # takes a printed number at kiosk-1 (or one from the entrance desk)
    shows: bool  # answers the call
    service: timedelta
    ticket: dict | None = None
    called: datetime | None = None
    counter: int | None = None


@dataclass
class Ledger:
    """What the simulation did and was told."""

    issued: Counter = field(default_factory=Counter)  # category id -> numbers given
    called: Counter = field(default_factory=Counter)
    served: Counter = field(default_factory=Counter)
    no_show: Counter = field(default_factory=Counter)
    waits: list[float] = field(default_factory=list)  # seconds, issue to call
    services: list[float] = field(default_factory=list)  # seconds, start to done
    calls: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))  # counter -> labels called
    printed: int = 0  # tickets that reached paper
    expired: list[str] = field(default_factory=list)  # labels not printed (too old when the paper came)
    outage: list[tuple[str, datetime]] = field(default_factory=list)  # issued while out of paper


def citizens(rng: random.Random) -> list[Citizen]:
    hours = rng.choices(list(HOURS), list(HOURS.values()), k=CITIZENS)
    people = []
    for n, hour in enumerate(hours):
        while True:
            at = local(hour, rng.randrange(60), rng.randrange(60))
            if any(local(a.hour, a.minute) <= at < local(b.hour, b.minute) for a, b in SESSIONS):
                break
        service = timedelta(seconds=round(rng.lognormvariate(math.log(240), 0.5)))
        category = rng.choices(list(SHARES), list(SHARES.values()))[0]
        people.append(Citizen(n, at, category, rng.random() < 0.25, rng.random() >= NO_SHOW_SHARE, service))
    # Someone comes while the display is cut off: there is something for it to catch up on.
    next(c for c in people if c.arrives.hour == 14).arrives = UNPLUG + timedelta(seconds=30)
    return sorted(people, key=lambda c: c.arrives)


@pytest.fixture(scope="module")
def fonts() -> Fonts:
    # Left initialised: the display tests' session fixture (tests/display/conftest.py) may have
    # done it, and quits at the end of the session.
    pygame.init()
    return Fonts()


def test_a_day_in_fast_forward_matches_its_ledger(tmp_path, fonts):
    rng = random.Random(SEED)
    people = citizens(rng)
    clock = FileClock(tmp_path / "clock.txt")
    clock.set(local(7, 0))
    printer = VirtualPrinter(Fault.PAPER_OUT, faulty_connections=0).start()  # paper until run_out()
    env = {
        "MOTCUA_PRINTERS": json.dumps({"kiosk-1": {"url": printer.url}}),
        "MOTCUA_PRINT_RETRY_MAX_SECONDS": "0.05",  # real seconds: the day runs fast
        "MOTCUA_PRINT_MAX_AGE_MINUTES": str(MAX_AGE_MINUTES),
        "MOTCUA_ISSUE_RATE_PER_MINUTE": "100000",  # real minutes: the kiosk takes a day's taps in seconds
    }
    server = ServerProcess(tmp_path / "day.db", env=env, clock_file=clock.path).prepare()
    kiosk = server.token("kiosk", local(7, 0))  # "kiosk-1": it exists before the server starts
    desk, leader = server.token("staff", local(7, 0)), server.token("leader", local(7, 0))
    officers = {n: server.token("staff", local(7, 0)) for n in COUNTERS}
    server.display_token = server.token("display", local(7, 0))  # type: ignore[attr-defined]
    server.start()
    http = httpx.Client(base_url=server.url, timeout=30)
    harness = None
    try:
        harness = Harness(server, fonts, tmp_path)
        cable = harness.gate  # the display's network, which the test cuts
        harness.catch_up(lambda: harness.app.connected and harness.app.view.synced)
        ledger = run_day(server, http, clock, printer, harness, cable, people, kiosk, desk, officers)

        # The display's final board is the ledger's floor.
        harness.catch_up(lambda: harness.app.follower.state.seq == last_seq(http, officers[1]))
        board = harness.app.follower.view(notice="", connected=True)
        assert {row.number: row.label for row in board.counters} == {n: None for n in COUNTERS}
        for row in board.counters:
            assert row.previous == tuple(reversed(ledger.calls[row.number][-2:])), row
        assert {row.prefix: row.waiting for row in board.categories} == {row.prefix: 0 for row in board.categories}
        last_call = max((c for c in people if c.called), key=lambda c: c.called)
        assert board.latest.label == last_call.ticket["label"]

        # The leader's report for the day is the ledger's.
        def figures(by: str) -> dict:
            answer = http.get("/api/v1/reports/figures", params={"day": DAY.isoformat(), "by": by}, headers=bearer(leader))
            assert answer.status_code == 200, answer.text
            return answer.json()

        rows = {row["key"]: row for row in figures("category")["rows"]}
        for category in SHARES:
            row = rows[category]
            mine = (ledger.issued[category], ledger.called[category], ledger.served[category], ledger.no_show[category])
            assert (row["issued"], row["called"], row["served"], row["no_show"]) == mine, row
        total = figures("center")["total"]
        assert (total["issued"], total["called"], total["served"], total["no_show"]) == (
            CITIZENS, CITIZENS, sum(c.shows for c in people), sum(not c.shows for c in people)
        )  # fmt: skip
        # Durations: the report rounds to 0.1 minute what the database computed in
        # floating-point days, so it is within 0.05 minute (and a float's error) of the ledger's.
        waits = sorted(ledger.waits)
        expected = {
            "wait_mean": statistics.fmean(waits) / 60,
            "wait_median": statistics.median(waits) / 60,
            "wait_p90": waits[math.ceil(0.9 * len(waits)) - 1] / 60,
            "service_mean": statistics.fmean(ledger.services) / 60,
            "service_p90": sorted(ledger.services)[math.ceil(0.9 * len(ledger.services)) - 1] / 60,
        }
        assert {k: total[k] for k in expected} == pytest.approx(expected, abs=0.0501)
        hours = Counter(c.arrives.hour for c in people)  # local hours, as the report counts them
        assert figures("center")["arrivals_by_hour"] == [hours[h] for h in range(24)]

        # Print outcomes: what reached paper, and what staff see as not printed.
        assert len(printer.printed()) == ledger.printed == sum(c.kiosk for c in people) - len(ledger.expired)
        unprinted = http.get("/api/v1/centers/1/print-jobs", params={"unprinted": "true"}, headers=bearer(desk)).json()
        assert sorted(job["label"] for job in unprinted) == sorted(ledger.expired)
        assert {job["state"] for job in unprinted} <= {"expired"}
        assert ledger.expired and len(ledger.outage) > len(ledger.expired)  # both outcomes happened
    finally:
        http.close()
        if harness is not None:
            harness.gate.open.set()
            harness.client.stop()
        server.stop()
        printer.stop()


def last_seq(http: httpx.Client, token: str) -> int:
    return http.get("/api/v1/counters/1/view", headers=bearer(token)).json()["seq"]


def run_day(server, http, clock, printer, harness, cable, people, kiosk, desk, officers) -> Ledger:  # type: ignore[no-untyped-def]
    """Run the day's events in time order, each at its simulated time; the ledger of it."""
    ledger = Ledger()
    events: list[tuple[datetime, int, str, object]] = []
    order = itertools.count()

    def at(when: datetime, kind: str, data: object = None) -> None:
        heapq.heappush(events, (when, next(order), kind, data))

    for citizen in people:
        at(citizen.arrives, "arrive", citizen)
    for n in COUNTERS:
        at(local(7, 30), "resume", n)
        at(LUNCH, "pause", n)
        at(AFTER_LUNCH, "resume", n)
    for when, kind in [(PAPER_OUT, "paper_out"), (REFILL, "refill"), (UNPLUG, "unplug"), (REPLUG, "replug"), (RESTART, "restart")]:
        at(when, kind)

    state = {n: "paused" for n in COUNTERS}  # every counter starts paused: officers come in at 07:30
    hand: dict[int, Citizen | None] = {n: None for n in COUNTERS}
    lunch_due: set[int] = set()
    by_ticket: dict[int, Citizen] = {}
    paper = True

    def post(token: str, path: str, body: dict | None = None) -> httpx.Response:
        return http.post(path, json=body, headers=bearer(token))

    for n in COUNTERS:
        assert post(officers[n], f"/api/v1/counters/{n}/claim").status_code == 200
        assert post(officers[n], f"/api/v1/counters/{n}/pause", {"reason": "other"}).status_code == 200

    def try_call(n: int, now: datetime) -> None:
        if state[n] != "open" or hand[n] is not None:
            return
        answer = post(officers[n], f"/api/v1/counters/{n}/call-next")
        if answer.status_code == 409:
            return  # nobody waits for this counter
        assert answer.status_code == 200, answer.text
        citizen = by_ticket[answer.json()["id"]]
        citizen.called, citizen.counter, hand[n] = now, n, citizen
        ledger.called[citizen.category] += 1
        ledger.waits.append((now - citizen.arrives).total_seconds())
        ledger.calls[n].append(citizen.ticket["label"])
        if citizen.shows:
            assert post(officers[n], f"/api/v1/tickets/{citizen.ticket['id']}/start").status_code == 200
            at(now + citizen.service, "done", n)
        else:
            at(now + NO_SHOW_AFTER, "no_show", n)

    def free(n: int, now: datetime) -> None:
        hand[n] = None
        if n in lunch_due:
            lunch_due.discard(n)
            assert post(officers[n], f"/api/v1/counters/{n}/pause", {"reason": "lunch"}).status_code == 200
            state[n] = "paused"
        else:
            try_call(n, now)

    printing: list[datetime] = []  # issue times of kiosk tickets not yet seen on paper

    def printed_all() -> None:
        printer.wait_for(lambda p: len(p.printed()) == ledger.printed)
        printing.clear()

    while events:
        now, _, kind, data = heapq.heappop(events)
        # Tickets print while the day goes on, but well before they could be too old to print
        # (and before the paper runs out or the server stops): the outcome is the ledger's, not a race.
        if printing and (now - printing[0] >= timedelta(minutes=MAX_AGE_MINUTES / 2) or kind in ("paper_out", "restart")):
            printed_all()
        clock.set(now)
        if kind == "arrive":
            citizen: Citizen = data  # type: ignore[assignment]
            token = kiosk if citizen.kiosk else desk
            answer = post(token, "/api/v1/tickets", {"category_id": citizen.category, "idempotency_key": f"citizen-{citizen.n:04d}"})
            assert answer.status_code == 201, answer.text
            citizen.ticket = answer.json()
            by_ticket[citizen.ticket["id"]] = citizen
            ledger.issued[citizen.category] += 1
            if citizen.kiosk:
                assert citizen.ticket["print_job"] is not None
                if paper:
                    ledger.printed += 1
                    printing.append(now)
                else:
                    ledger.outage.append((citizen.ticket["label"], now))
            for n in SERVING[citizen.category]:  # only these can have been idle for want of it
                try_call(n, now)
        elif kind in ("done", "no_show"):
            n = data  # type: ignore[assignment]
            citizen = hand[n]
            action = "complete" if kind == "done" else "no-show"
            assert post(officers[n], f"/api/v1/tickets/{citizen.ticket['id']}/{action}").status_code == 200
            if kind == "done":
                ledger.served[citizen.category] += 1
                ledger.services.append(citizen.service.total_seconds())
            else:
                ledger.no_show[citizen.category] += 1
            free(n, now)
        elif kind == "pause":
            if hand[data] is None:
                assert post(officers[data], f"/api/v1/counters/{data}/pause", {"reason": "lunch"}).status_code == 200
                state[data] = "paused"
            else:
                lunch_due.add(data)  # after the citizen in hand
        elif kind == "resume":
            assert post(officers[data], f"/api/v1/counters/{data}/resume").status_code == 200
            state[data] = "open"
            try_call(data, now)
        elif kind == "paper_out":
            printer.run_out()
            paper = False
        elif kind == "refill":
            printer.recover()
            paper = True
            # Jobs of the outage still young enough print now; the others have expired.
            young = [label for label, issued in ledger.outage if issued >= now - timedelta(minutes=MAX_AGE_MINUTES)]
            ledger.expired = [label for label, issued in ledger.outage if issued < now - timedelta(minutes=MAX_AGE_MINUTES)]
            ledger.printed += len(young)
            printed_all()
            poll(lambda: not unsettled_jobs(http, desk), "the outage's print jobs settled")
        elif kind == "unplug":
            cable.cut()
            harness.catch_up(lambda: not harness.app.connected)
            away_from = harness.client.last_seq
        elif kind == "replug":
            cable.open.set()
            seq = last_seq(http, officers[1])
            assert seq > away_from  # the floor moved while the display was away
            harness.catch_up(lambda: harness.app.connected and harness.app.follower.state.seq == seq)
            # It caught up from its sequence: the missed events replayed, no snapshot.
            assert parse_qs(urlsplit(cable.urls[-1]).query)["since"] == [str(away_from)]
            back = harness.seen[len(harness.seen) - 1 - harness.seen[::-1].index(Connection(True)) :]
            assert not any(isinstance(m, Snapshot) for m in back)
            assert sum(isinstance(m, EventOut) for m in back) == seq - away_from
            board = harness.app.follower.view(notice="", connected=True)
            floor = {n: (hand[n].ticket["label"] if hand[n] else None) for n in COUNTERS}
            assert {row.number: row.label for row in board.counters} == floor
        elif kind == "restart":
            server.stop()
            server.start()
    printed_all()
    return ledger


def unsettled_jobs(http: httpx.Client, token: str) -> list[dict]:
    jobs = http.get("/api/v1/centers/1/print-jobs", headers=bearer(token)).json()
    return [job for job in jobs if job["state"] in ("queued", "retrying", "printing")]
