"""How long the leader's reports take on a year of a busy center (issue 18).

    .venv/bin/python bench/reports.py [--days 300] [--per-day 400] [--repeat 20]

Writes `--days` days of `--per-day` tickets (with waits, services, no-shows, transfers) and a
dossier for every fourth ticket into a fresh SQLite database of the demo center, starts
`motcua serve` on it, and asks for reports over a day, a month and the whole span, by center,
category, counter and officer, as JSON, CSV and XLSX. Prints, per kind of request, the first
one's time and p50/p95/max of all. Target: p95 under 500 ms.

The server keeps the figures of closed days (server/report_days.py): the first report of a
grouping after the server starts counts its days from the tickets (the "first" column, when no
kind before it read those days so grouped); the others read the kept days.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from server_process import ServerProcess  # noqa: E402

from server.db import Database, make_engine  # noqa: E402
from server.models import Category, Counter, Dossier, Procedure, Ticket, User  # noqa: E402
from server.reports import nearest_rank  # noqa: E402


def fill(url: str, days: int, per_day: int, seed: int = 7) -> date:
    """The history, ending yesterday; returns its first day."""
    rng = random.Random(seed)
    engine = make_engine(url)
    first = date.today() - timedelta(days=days)
    with Database(engine).write() as session:
        categories = list(session.execute(select(Category.id).where(Category.center_id == 1)).scalars())
        counters = list(session.execute(select(Counter.id).where(Counter.center_id == 1)).scalars())
        procedures = list(session.execute(select(Procedure.id)).scalars())
        officers = list(session.execute(select(User.id)).scalars()) or [None]
    number = 0
    with engine.begin() as connection:
        for offset in range(days):
            day = first + timedelta(days=offset)
            tickets, dossiers = [], []
            for n in range(per_day):
                number += 1
                issued = datetime(day.year, day.month, day.day, 0, 30, tzinfo=UTC) + timedelta(minutes=rng.uniform(0, 540))
                called = issued + timedelta(minutes=rng.expovariate(1 / 15))
                serving = called + timedelta(minutes=1)
                done = serving + timedelta(minutes=rng.lognormvariate(2.2, 0.5))
                state = rng.choices(["done", "no_show", "cancelled", "transferred"], [88, 6, 3, 3])[0]
                tickets.append({
                    "center_id": 1, "service_day": day, "category_id": rng.choice(categories), "number_category_id": categories[0],
                    "number": n + 1, "label": f"A{n + 1:03d}", "hop": 0, "state": state, "token": f"b{number}", "note": "",
                    "recalls": 0, "source": "kiosk", "queued_at": issued, "issued_at": issued,
                    "called_at": None if state == "cancelled" else called, "serving_at": serving if state == "done" else None,
                    "done_at": done if state == "done" else None, "no_show_at": called if state == "no_show" else None,
                    "cancelled_at": issued if state == "cancelled" else None, "transferred_at": serving if state == "transferred" else None,
                    "counter_id": None if state == "cancelled" else rng.choice(counters), "called_by": rng.choice(officers),
                    "ended_by": rng.choice(officers),
                })  # fmt: skip
            ids = connection.execute(insert(Ticket.__table__).returning(Ticket.__table__.c.id), tickets).scalars().all()  # type: ignore[attr-defined]
            for index, ticket_id in enumerate(ids[::4]):
                received = tickets[index * 4]["issued_at"] + timedelta(minutes=20)
                due = day + timedelta(days=rng.choice([0, 3, 5, 7, 10]))
                back = received + timedelta(days=rng.uniform(0, 12))
                dossiers.append({
                    "center_id": 1, "ticket_id": ticket_id, "counter_id": rng.choice(counters), "officer_id": rng.choice(officers),
                    "officer_name": "bench", "procedure_id": rng.choice(procedures), "code": f"H{ticket_id}", "token": f"d{ticket_id}",
                    "state": "returned", "missing_documents": "", "reject_reason": "", "received_at": received, "counted_from": day,
                    "processing_days": 5, "stood_still_days": 0, "due_date": due, "returned_at": back, "updated_at": back,
                })  # fmt: skip
            connection.execute(insert(Dossier.__table__), dossiers)  # type: ignore[attr-defined]
    engine.dispose()
    return first


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=300)
    parser.add_argument("--per-day", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=20, help="requests per kind")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = ServerProcess(Path(folder) / "reports.db", env={"MOTCUA_DEMO_DOSSIERS": "0"}).prepare()
        began = time.perf_counter()
        first = fill(server.database_url, args.days, args.per_day)
        print(f"{args.days} days x {args.per_day} tickets (+ a dossier per 4) written in {time.perf_counter() - began:.0f} s")
        token = server.token("leader")
        server.start()
        try:
            last = date.today() - timedelta(days=1)
            month = date.today().replace(day=1) - timedelta(days=1)  # the last whole month
            kinds = {
                "a day, by category": f"period=day&day={last}&by=category",
                "a month, by counter": f"period=month&day={month}&by=counter",
                "a month, by officer, xlsx": f"period=month&day={month}&by=officer&format=xlsx",
                f"{args.days} days, by center": f"period=range&day={first}&last={last}&by=center",
                f"{args.days} days, by category": f"period=range&day={first}&last={last}&by=category",
                f"{args.days} days, by officer, csv": f"period=range&day={first}&last={last}&by=officer&format=csv",
            }
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
                for name, query in kinds.items():
                    times = []
                    for _ in range(args.repeat):
                        start = time.perf_counter()
                        answer = http.get(f"/api/v1/reports/figures?{query}")
                        times.append(time.perf_counter() - start)
                        assert answer.status_code == 200, answer.text
                    first_time = times[0]
                    times.sort()
                    p95 = nearest_rank(times, 0.95)  # of 20: the 19th (rank ceil(0.95 n))
                    print(
                        f"{name:34} first {first_time * 1000:5.0f} ms  p50 {statistics.median(times) * 1000:5.0f} ms"
                        f"  p95 {p95 * 1000:5.0f} ms  max {times[-1] * 1000:5.0f} ms"
                    )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
