"""How soon a revocation closes an officer's open event stream, and what the sign-in throttle's
memory costs when full.

Against a fresh `motcua serve --demo`: an officer signs in, opens /ws/events with the session
cookie, and is disabled, by the admin API (the same process) or by `motcua user disable` (another
process); the time from the request (or the command's end) to the stream's close, per run.
Then the memory the throttle holds with its cap of made-up names (tracemalloc, in-process).

    .venv/bin/python bench/revocation.py [--runs 5]

Target (issue 19): a revoked officer's streams closed within a second.
"""

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import httpx
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from server_process import MOTCUA, ServerProcess  # noqa: E402

PASSWORD = "một mật khẩu 2026"


async def one(server: ServerProcess, admin: dict[str, str], n: int, by_command: bool) -> float:
    name = f"bench{n}{'c' if by_command else 'a'}"
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        made = (await http.post("/api/v1/admin/centers/1/users", json={"username": name, "password": PASSWORD}, headers=admin)).json()
        await http.post("/api/v1/auth/login", json={"username": name, "password": PASSWORD})
        cookie = f"motcua_session={http.cookies['motcua_session']}"
        async with connect(f"{server.ws_url}/ws/events?center_id=1", additional_headers={"Cookie": cookie}, origin=server.url) as ws:  # type: ignore[arg-type]
            await ws.recv()
            if by_command:  # timed from the command's end: its own start-up is not the server's
                command = [MOTCUA, "user", "disable", name, "--database-url", server.database_url]
                await asyncio.to_thread(subprocess.run, command, check=True, capture_output=True)
                start = time.perf_counter()
            else:
                start = time.perf_counter()
                body = {"role": "staff", "active": False}
                await http.put(f"/api/v1/admin/users/{made['id']}", json=body, headers=admin)
            try:
                while True:
                    await asyncio.wait_for(ws.recv(), timeout=30)
            except ConnectionClosed:
                return time.perf_counter() - start
    raise AssertionError("not closed")


def throttle_memory(keys: int) -> float:
    from server.throttle import Backoff

    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    backoff = Backoff(free=5, longest=30, forget=900, capacity=keys)
    for i in range(keys * 4):  # four times its cap of distinct names
        backoff.fail(f"name:someone-made-up-{i}")
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert len(backoff) == keys
    return held / 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        server = ServerProcess(Path(folder) / "bench.db").start()
        try:
            admin = {"Authorization": f"Bearer {server.token('admin')}"}
            for by_command, label in ((False, "admin API (same process)"), (True, "motcua user disable (another process)")):
                times = [asyncio.run(one(server, admin, n, by_command)) for n in range(args.runs)]
                print(
                    f"disabled by {label}: stream closed after median {statistics.median(times) * 1000:.0f} ms "
                    f"(range {min(times) * 1000:.0f}-{max(times) * 1000:.0f} ms, {args.runs} runs)"
                )
        finally:
            server.stop()
    for keys in (10_000,):
        print(f"sign-in throttle holding {keys:,} made-up names (its cap): {throttle_memory(keys):.1f} MB")


if __name__ == "__main__":
    main()
