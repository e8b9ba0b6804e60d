"""What `motcua backup` costs a busy server (issue 20): a year of a center's tickets in SQLite,
tickets issued without a pause, and backups taken one after another in some rounds.

    .venv/bin/python bench/backup.py [--days 300] [--per-day 400] [--clients 20] [--seconds 10] [--rounds 3]

Rounds alternate: issuing alone, then issuing while `motcua backup` runs again and again (as
the operator or the daily timer would run it). Prints the database's size, each backup's time
(median and range) and, for each kind of round, tickets per second and the p50/p99 of issuing.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from reports import fill

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from server_process import MOTCUA, ServerProcess  # noqa: E402


async def issue(
    url: str, token: str, clients: int, seconds: float, database_url: str, backups: Path | None
) -> tuple[list[float], list[float]]:
    """Issue for `seconds` with `clients` at once; with `backups`, back up the database into that
    folder meanwhile.
    Returns (issue latencies, backup durations), in seconds."""
    latencies: list[float] = []
    durations: list[float] = []
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        async with httpx.AsyncClient(base_url=url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as http:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                answer = await http.post("/api/v1/tickets", json={"category_id": 1 + len(latencies) % 10})
                latencies.append(time.perf_counter() - began)
                assert answer.status_code == 201, answer.text

    async def back_up() -> None:
        assert backups is not None
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            proc = await asyncio.create_subprocess_exec(
                MOTCUA, "backup", str(backups / f"{len(durations)}.db"), "--database-url", database_url,
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            _, err = await proc.communicate()
            assert proc.returncode == 0, err.decode()
            durations.append(time.perf_counter() - began)
            (backups / f"{len(durations) - 1}.db").unlink()

    await asyncio.gather(*(client() for _ in range(clients)), *([back_up()] if backups else []))
    return latencies, durations


def ms(values: list[float], q: float) -> str:
    ordered = sorted(values)
    return f"{ordered[min(int(q * len(ordered)), len(ordered) - 1)] * 1000:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=300)
    parser.add_argument("--per-day", type=int, default=400)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "backup.db"
        server = ServerProcess(database, env={"MOTCUA_DEMO_DOSSIERS": "0"}).prepare()
        fill(server.database_url, args.days, args.per_day)
        token = server.token("staff")
        server.start()
        try:
            results: dict[str, list[tuple[list[float], list[float]]]] = {"alone": [], "during backups": []}
            for _ in range(args.rounds):
                results["alone"].append(asyncio.run(issue(server.url, token, args.clients, args.seconds, server.database_url, None)))
                results["during backups"].append(asyncio.run(
                    issue(server.url, token, args.clients, args.seconds, server.database_url, Path(folder))
                ))
            size = database.stat().st_size
            print(f"database: {size / 1e6:.0f} MB ({args.days} days x {args.per_day} tickets, and what the rounds issued)")
            durations = [d for _, ds in results["during backups"] for d in ds]
            print(
                f"motcua backup (the whole command): median {statistics.median(durations):.2f} s, "
                f"range {min(durations):.2f}-{max(durations):.2f} s, {len(durations)} backups"
            )
            for kind, rounds in results.items():
                rates = [len(lat) / args.seconds for lat, _ in rounds]
                p50s = [float(ms(lat, 0.5)) for lat, _ in rounds]
                p99s = [float(ms(lat, 0.99)) for lat, _ in rounds]
                print(
                    f"issuing {kind:>15}: {statistics.median(rates):.0f} tickets/s ({min(rates):.0f}-{max(rates):.0f}), "
                    f"p50 {statistics.median(p50s):.1f} ms ({min(p50s):.1f}-{max(p50s):.1f}), "
                    f"p99 {statistics.median(p99s):.1f} ms ({min(p99s):.1f}-{max(p99s):.1f}), {args.rounds} rounds"
                )
        finally:
            server.stop()


if __name__ == "__main__":
    main()
