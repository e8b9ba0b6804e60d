"""How right is the wait the kiosk tells? Replays a simulated day and prints the estimate's
mean absolute error in minutes, per category, for the old estimator and the server's.

    .venv/bin/python bench/wait_estimate.py [--seed 18] [--days 1] [--scale 1.0]

The day (07:30-11:30 and 13:30-17:00, Hà Nội): arrivals by hour with a morning peak and a
lunch dip (a Poisson process per hour, 10% of them priority: elderly), service times drawn
per category (lognormal or gamma; their means are not the configured `service_minutes`,
as in a real center: civil registration is quicker than set, certification and land slower),
and counters that open late, pause for lunch and close early. Each citizen's ticket is issued
through the API (POST /api/v1/tickets) and called, started and completed by the counters'
officers through it too, so the estimate is the one a citizen would be told at issue; the
real wait is the time from issue to call.

The server runs in this process: the real app (create_app, its migrations, its group commit)
on a real SQLite file, driven through Starlette's TestClient, because the day runs on a clock
the bench moves (create_app(clock=...)); `motcua serve` has only the wall clock, and a day in
real time would take a day. The old estimator (people ahead x the category's service_minutes
/ its open counters, the server's formula before issue 18) is computed here from the same
answer's people_ahead and the counters the bench has open, so both are measured on the same
day, same seed, same tickets.
"""

import argparse
import heapq
import itertools
import math
import random
import statistics
import sys
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from queue_world import FakeClock, sign_in  # noqa: E402
from server import directory  # noqa: E402
from server.app import create_app  # noqa: E402
from server.settings import Settings  # noqa: E402

SESSIONS = [["07:30", "11:30"], ["13:30", "17:00"]]
# Arrivals per hour by local hour: a morning peak, a lunch dip (the kiosk is closed 11:30-13:30).
ARRIVALS = {7: 10, 8: 38, 9: 44, 10: 34, 11: 12, 13: 16, 14: 26, 15: 22, 16: 12}
# Category: (prefix, name, configured service_minutes, share of arrivals, draw of a service in minutes)
CATEGORIES = {
    "A": ("Hộ tịch", 10, 0.45, lambda r: r.lognormvariate(math.log(6.5) - 0.5 * 0.5**2, 0.5)),  # mean 6.5
    "B": ("Chứng thực", 6, 0.35, lambda r: r.gammavariate(4.0, 9.0 / 4.0)),  # mean 9
    "C": ("Đất đai", 15, 0.20, lambda r: r.lognormvariate(math.log(24.0) - 0.5 * 0.6**2, 0.6)),  # mean 24
}
# Counter: (categories, local "HH:MM" it opens, local time it closes for the day or None).
# Every counter pauses for lunch at 11:30 (its ticket in hand finished) and resumes at 13:30.
COUNTERS = {
    1: ("AB", "07:30", None),
    2: ("BA", "07:30", "15:30"),
    3: ("C", "07:30", None),
    4: ("A", "09:00", None),
    5: ("CB", "08:00", None),
}
PRIORITY_SHARE = 0.1
DAY = datetime(2026, 11, 23, tzinfo=UTC)  # a Monday
OFFSET = timedelta(hours=7)  # Hà Nội


def local(hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return DAY + timedelta(hours=h, minutes=m) - OFFSET


@dataclass
class Issued:
    category: str
    at: datetime
    new: int  # the server's estimate, minutes
    old: int  # the old formula on the same answer
    called: datetime | None = None


@dataclass
class Floor:
    """What the bench knows of its counters."""

    state: dict[int, str] = field(default_factory=dict)  # "open", "paused", "closed"
    busy: dict[int, bool] = field(default_factory=dict)


def run_day(seed: int, scale: float, folder: Path) -> list[Issued]:
    rng = random.Random(seed)
    clock = FakeClock(local("07:00"))
    app = create_app(Settings(database_url=f"sqlite:///{folder}/wait-{seed}.db"), clock=clock)
    issued: dict[int, Issued] = {}
    with TestClient(app) as client:
        with app.state.db.write() as session:
            center = directory.create_center(session, f"W{seed}", "Phường Đo chờ", "Wait Ward", observe_public_holidays=False)
            cats = {
                p: directory.add_category(session, center, p, vi, p, sessions=SESSIONS, service_minutes=minutes, position=i)
                for i, (p, (vi, minutes, _, _)) in enumerate(CATEGORIES.items())
            }
            counters = {
                n: directory.add_counter(session, center, n, [cats[p] for p in prefixes]) for n, (prefixes, _, _) in COUNTERS.items()
            }
            ids = {n: c.id for n, c in counters.items()}
            cat_ids = {p: c.id for p, c in cats.items()}
            tokens = {n: sign_in(session, clock(), center.id, "staff", f"officer{n}") for n in COUNTERS}
            desk = sign_in(session, clock(), center.id, "staff", "desk")

        def post(token: str, path: str, body: dict | None = None) -> tuple[int, dict]:
            answer = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
            return answer.status_code, answer.json()

        floor = Floor()
        for n in COUNTERS:  # every counter starts paused: the officers come in at their hour
            post(tokens[n], f"/api/v1/counters/{ids[n]}/pause", {"reason": "other"})
            floor.state[n], floor.busy[n] = "paused", False

        # The day's events: (time, order, kind, data), run in time order.
        events: list[tuple[datetime, int, str, object]] = []
        order = itertools.count()

        def at(when: datetime, kind: str, data: object) -> None:
            heapq.heappush(events, (when, next(order), kind, data))

        for hour, per_hour in ARRIVALS.items():
            start = DAY + timedelta(hours=hour) - OFFSET
            t = start
            while True:
                t += timedelta(minutes=rng.expovariate(per_hour * scale / 60))
                if t >= start + timedelta(hours=1):
                    break
                if not any(local(a) <= t < local(b) for a, b in SESSIONS):
                    continue
                prefix = rng.choices(list(CATEGORIES), [c[2] for c in CATEGORIES.values()])[0]
                at(t, "arrive", (prefix, rng.random() < PRIORITY_SHARE))
        for n, (_, opens, closes) in COUNTERS.items():
            at(local(opens), "resume", n)
            at(local("11:30"), "pause", n)
            if closes is None or local(closes) > local("13:30"):
                at(local("13:30"), "resume", n)
            if closes is not None:
                at(local(closes), "close", n)

        def try_call(n: int, now: datetime) -> None:
            if floor.state[n] != "open" or floor.busy[n]:
                return
            code, ticket = post(tokens[n], f"/api/v1/counters/{ids[n]}/call-next")
            if code != 200:
                return  # nobody waits
            issued[ticket["id"]].called = now
            post(tokens[n], f"/api/v1/tickets/{ticket['id']}/start")
            floor.busy[n] = True
            prefix = next(p for p, i in cat_ids.items() if i == ticket["category_id"])
            at(now + timedelta(minutes=CATEGORIES[prefix][3](rng)), "complete", (n, ticket["id"]))

        while events:
            now, _, kind, data = heapq.heappop(events)
            clock.now = now
            if kind == "arrive":
                prefix, priority = data  # type: ignore[misc]
                body = {"category_id": cat_ids[prefix], **({"priority_group": "elderly"} if priority else {})}
                code, ticket = post(desk, "/api/v1/tickets", body)
                assert code == 201, ticket
                serving = [n for n, (ps, _, _) in COUNTERS.items() if prefix in ps and floor.state[n] == "open"]
                old = math.ceil(ticket["people_ahead"] * CATEGORIES[prefix][1] / max(1, len(serving)))
                issued[ticket["id"]] = Issued(prefix, now, ticket["estimated_wait_minutes"], old)
                for n in COUNTERS:
                    try_call(n, now)
            elif kind == "complete":
                n, ticket_id = data  # type: ignore[misc]
                post(tokens[n], f"/api/v1/tickets/{ticket_id}/complete")
                floor.busy[n] = False
                try_call(n, now)
            elif kind in ("pause", "close"):
                n = data  # type: ignore[assignment]
                if floor.state[n] == "open":
                    post(tokens[n], f"/api/v1/counters/{ids[n]}/pause", {"reason": "lunch" if kind == "pause" else "other"})
                floor.state[n] = "paused" if kind == "pause" else "closed"
            elif kind == "resume":
                n = data  # type: ignore[assignment]
                if floor.state[n] != "closed":
                    post(tokens[n], f"/api/v1/counters/{ids[n]}/resume")
                    floor.state[n] = "open"
                    try_call(n, now)
    return [t for t in issued.values() if t.called is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--days", type=int, default=1, help="days replayed (seeds seed, seed+1, ...)")
    parser.add_argument("--scale", type=float, default=1.0, help="arrivals x this")
    args = parser.parse_args()
    tickets: list[Issued] = []
    with tempfile.TemporaryDirectory() as folder:
        for day in range(args.days):
            tickets += run_day(args.seed + day, args.scale, Path(folder))
    # Signed errors (told - real): the mean absolute error, and the bias (+: told too long).
    errors: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for t in tickets:
        assert t.called is not None
        real = (t.called - t.at).total_seconds() / 60
        for key in (t.category, "all"):
            errors[key][0].append(t.old - real)
            errors[key][1].append(t.new - real)
    print(f"seed {args.seed}, {args.days} day(s), arrivals x{args.scale}: {len(tickets)} tickets called")
    print("mean absolute error of the wait told at issue, minutes")
    print(f"{'category':10} {'tickets':>8} {'old':>7} {'new':>7}   {'bias old':>8} {'bias new':>8}")
    for key in [*CATEGORIES, "all"]:
        old, new = errors[key]
        mae_old, mae_new = (statistics.fmean(abs(e) for e in errors) for errors in (old, new))
        print(
            f"{key:10} {len(old):8} {mae_old:7.1f} {mae_new:7.1f}   {statistics.fmean(old):+8.1f} {statistics.fmean(new):+8.1f}"
        )


if __name__ == "__main__":
    main()
