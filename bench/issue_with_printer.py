"""Issue latency with a printer configured against without one (issue 14: within 20%).

    .venv/bin/python bench/issue_with_printer.py [--requests 200] [--interval 0.2]

Two fresh `motcua serve` processes on fresh SQLite databases: one with no printer, one whose
entrance desk prints on a virtual ESC/POS printer on 127.0.0.1 (tests/printer/virtual_printer.py,
which answers the status queries a confirmed job needs). A desk clerk issues `--requests`
tickets one at a time, one every `--interval` seconds (a busy center's pace: each job is drawn
and printed between two tickets, in the printer's worker, not in the request). The figure is
the median and 90th percentile of POST /api/v1/tickets, after 20 untimed requests.
"""

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "tests" / "printer"))
sys.path.insert(0, str(ROOT / "bench"))
from issue_tickets import prepare  # noqa: E402
from server_process import ServerProcess  # noqa: E402
from virtual_printer import VirtualPrinter  # noqa: E402

WARM_UP = 20


def run(printers: dict, requests: int, interval: float) -> tuple[list[float], int]:
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "bench.db"
        token = prepare(database, counters=1, waiting=0)
        server = ServerProcess(database, env={"MOTCUA_PRINTERS": json.dumps(printers)}).start()
        latencies, printed = [], 0
        try:
            with httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as client:
                due = time.monotonic()
                for n in range(WARM_UP + requests):
                    time.sleep(max(0.0, due - time.monotonic()))
                    started = time.perf_counter()
                    answer = client.post("/api/v1/tickets", json={"category_id": 1 + n % 10, "source": "desk"})
                    elapsed = time.perf_counter() - started
                    assert answer.status_code == 201, answer.text
                    if n >= WARM_UP:
                        latencies.append(elapsed * 1000)
                    due += interval
                jobs = client.get("/api/v1/centers/1/print-jobs").json()
                printed = sum(job["state"] == "printed" for job in jobs)
        finally:
            server.stop()
    return latencies, printed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--interval", type=float, default=0.2)
    args = parser.parse_args()
    printer = VirtualPrinter().start()
    try:
        plain, _ = run({}, args.requests, args.interval)
        with_printer, printed = run({"desk": {"url": printer.url}}, args.requests, args.interval)
    finally:
        printer.stop()
    for name, figures in (("no printer", plain), ("desk printer", with_printer)):
        p90 = statistics.quantiles(figures, n=10)[-1]
        print(f"{name:>13}: median {statistics.median(figures):6.2f} ms  p90 {p90:6.2f} ms  ({len(figures)} tickets)")
    ratio = statistics.median(with_printer) / statistics.median(plain)
    print(f"median with printer / without: {ratio:.2f} (target <= 1.20); jobs printed (confirmed): {printed}")


if __name__ == "__main__":
    main()
