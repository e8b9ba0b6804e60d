"""Server CPU per call-next, completion, console view and center snapshot, by how many wait.

Against a fresh `motcua serve` on a fresh SQLite database per level, one client sends, in
turn: a desk ticket (so the number waiting stays where the level put it), call-next on one
counter, and its completion; every few cycles it also reads the counter's view (the console)
and the center's snapshot (kiosks and displays). Each request's server CPU is the difference
in the run time of all the server's threads (/proc/PID/task/*/schedstat, in nanoseconds)
before and after it: one client at a time, so nothing else runs in the server meanwhile.

    .venv/bin/python bench/call_next.py [--waiting 20,2000] [--calls 300] [--centers 1]

Target (issue 13): call-next under 3 ms of server CPU and the same with 20 or 2,000 waiting,
completion under 2 ms; a console's view does not grow with the waiting beyond its list.

`--centers 1,150` runs every level once per count of centers in the database: the demo center
alone, then beside 149 others (bench/other_centers.py: six counters each, 60 waiting today,
ten past days of 400 tickets). Target (issue 20): the same cost with 1 or 150 centers.
"""

import argparse
import statistics
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from issue_tickets import target  # noqa: E402

KINDS = ("issue", "call-next", "complete", "view", "snapshot")


def server_cpu_ns(pid: int) -> int:
    """The run time of every thread of the process so far, in nanoseconds."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, IndexError, ValueError):
            pass  # a thread that ended meanwhile
    return total


def measure(waiting: int, calls: int, centers: int = 1) -> dict[str, list[float]]:
    args = argparse.Namespace(url=None, token=None, workers=1)
    spent: dict[str, list[float]] = {kind: [] for kind in KINDS}
    with target(args, waiting=waiting, centers=centers) as (url, headers, pid):
        assert pid is not None
        with httpx.Client(base_url=url, headers=headers, timeout=30) as client:
            center = client.get("/api/v1/centers/1/queue").json()
            categories = [c["id"] for c in center["categories"] if c["open"]]
            counter = next(c["id"] for c in center["counters"] if c["number"] > 100)

            def timed(kind: str, method: str, path: str, **kw: object) -> httpx.Response:
                before = server_cpu_ns(pid)
                answer = client.request(method, path, **kw)
                spent[kind].append((server_cpu_ns(pid) - before) / 1e6)
                assert answer.status_code < 300, answer.text
                return answer

            for n in range(calls + 20):  # the first 20 cycles warm up and are not counted
                timed("issue", "POST", "/api/v1/tickets", json={"category_id": categories[n % len(categories)], "source": "desk"})
                ticket = timed("call-next", "POST", f"/api/v1/counters/{counter}/call-next").json()
                timed("complete", "POST", f"/api/v1/tickets/{ticket['id']}/complete")
                if n % 5 == 0:
                    timed("view", "GET", f"/api/v1/counters/{counter}/view?limit=20")
                    timed("snapshot", "GET", "/api/v1/centers/1/queue")
                if n == 19:
                    for figures in spent.values():
                        figures.clear()
            view = client.get(f"/api/v1/counters/{counter}/view?limit=20")
            snapshot = client.get("/api/v1/centers/1/queue")
            print(f"  sizes: view {len(view.content) / 1000:.1f} kB ({view.json()['waiting_total']} waiting here),"
                  f" snapshot {len(snapshot.content) / 1000:.1f} kB")
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--waiting", default="20,2000", help="levels: tickets waiting (comma-separated)")
    parser.add_argument("--calls", type=int, default=300, help="timed call-next cycles per level")
    parser.add_argument("--centers", default="1", help="centers in the database (comma-separated levels)")
    args = parser.parse_args()
    print("server CPU per request, ms: median (p10-p90) over the timed requests; SQLite WAL, synchronous=FULL")
    levels = [(int(c), int(w)) for c in args.centers.split(",") for w in args.waiting.split(",")]
    for centers, waiting in levels:
        print(f"{waiting} waiting, {centers} center{'s' if centers > 1 else ''} in the database:")
        spent = measure(waiting, args.calls, centers)
        for kind, figures in spent.items():
            deciles = statistics.quantiles(figures, n=10)
            print(f"  {kind:10} {statistics.median(figures):6.2f} ms  ({deciles[0]:.2f}-{deciles[-1]:.2f})  n={len(figures)}")


if __name__ == "__main__":
    main()
