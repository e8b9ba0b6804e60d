"""A sick database, against a real server process: its lock held by another program, the file
read-only, the disk full. Writes answer 503 with their reason and Retry-After, reads keep
answering, nothing answered 503 is committed, and the server recovers by itself."""

import http.client
import json
import os
import select
import sqlite3
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from server.messages import render
from server_process import ServerProcess

CATEGORY_A = 1  # the demo center's civil registration
# PostgreSQL's faults (lock_timeout, read-only transaction, disk full, connection lost) map to
# the same answers (server.db.PG_FAULTS), but these tests make SQLite's: its file and its lock.
pytestmark = pytest.mark.sqlite_only("SQLite's file made read-only or full, and its lock held by another connection")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def issue(server: ServerProcess, headers: dict[str, str]) -> httpx.Response:
    return httpx.post(f"{server.url}/api/v1/tickets", json={"category_id": CATEGORY_A}, headers=headers, timeout=90)


def labels_in(database: Path) -> list[str]:
    with sqlite3.connect(database) as conn:
        return [row[0] for row in conn.execute("SELECT label FROM ticket ORDER BY id")]


def assert_unavailable(response: httpx.Response, code: str) -> None:
    assert response.status_code == 503, response.text
    assert response.json() == {"code": code, "message": render(code)}
    assert int(response.headers["Retry-After"]) >= 1


@contextmanager
def lock_held(database: Path) -> Iterator[sqlite3.Connection]:
    """What `sqlite3 motcua.db` with `BEGIN IMMEDIATE;` typed at its prompt does: the write lock,
    held by another process's connection until it lets go."""
    conn = sqlite3.connect(database, isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    finally:
        conn.execute("ROLLBACK")
        conn.close()


@contextmanager
def read_only(path: Path) -> Iterator[None]:
    """The file cannot be written. Root writes through permission bits, so for root the
    immutable flag does it (the file system refuses root too)."""
    if os.geteuid() == 0:
        subprocess.run(["chattr", "+i", str(path)], check=True)
        try:
            yield
        finally:
            subprocess.run(["chattr", "-i", str(path)], check=True)
    else:
        mode = path.stat().st_mode
        path.chmod(0o444)
        try:
            yield
        finally:
            path.chmod(mode)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 16 MB file system of its own, for the database to fill (mounting needs root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(disk)], check=True)
    yield disk
    subprocess.run(["umount", "-l", str(disk)], check=True)


def fill(disk: Path) -> Path:
    """Write a ballast file until the file system says it is full."""
    ballast = disk / "ballast"
    with ballast.open("wb", buffering=0) as out:
        try:
            while True:
                out.write(b"\0" * 65536)
        except OSError as exc:
            assert exc.errno == 28, exc  # ENOSPC
    try:  # the last few blocks, smaller than a chunk
        with ballast.open("ab", buffering=0) as out:
            while True:
                out.write(b"\0" * 512)
    except OSError:
        pass
    return ballast


def test_a_held_lock_answers_writes_503_while_reads_go_on_and_nothing_is_lost(tmp_path):
    database = tmp_path / "locked.db"
    # A long wait, so the test can see reads answered while an issue is still waiting.
    server = ServerProcess(database, env={"MOTCUA_DATABASE_LOCK_WAIT_SECONDS": "10"}).start()
    try:
        staff, admin = bearer(server.token("staff")), bearer(server.token("admin"))
        first = issue(server, staff)
        assert first.status_code == 201 and first.json()["label"] == "A001"
        with lock_held(database):
            # The issue is sent whole before the reads; its answer is read after them.
            waiting = http.client.HTTPConnection("127.0.0.1", server.port, timeout=90)
            body, headers = json.dumps({"category_id": CATEGORY_A}), {**staff, "Content-Type": "application/json"}
            waiting.request("POST", "/api/v1/tickets", body, headers)
            # While that issue waits for the lock, the event loop answers reads.
            for _ in range(5):
                read = httpx.get(f"{server.url}/api/v1/tickets/{first.json()['id']}", headers=staff, timeout=90)
                assert read.status_code == 200 and read.json()["label"] == "A001"
                queue = httpx.get(f"{server.url}/api/v1/centers/1/queue", headers=staff, timeout=90)
                assert queue.status_code == 200
            answered = select.select([waiting.sock], [], [], 0)[0]
            assert not answered, "a read was answered only after the waiting write gave up"
            refused = waiting.getresponse()
            assert refused.status == 503 and int(refused.headers["Retry-After"]) >= 1
            assert json.loads(refused.read()) == {"code": "database_busy", "message": render("database_busy")}
            waiting.close()
            # A write through a route of its own thread (not the group commit) says the same.
            sound = httpx.put(
                f"{server.url}/api/v1/admin/centers/1/display-sound", json={"muted": True, "volume": 10}, headers=admin, timeout=90
            )
            assert_unavailable(sound, "database_busy")
        # The lock let go: the next issue takes the next number, and the refused ones left nothing.
        after = issue(server, staff)
        assert after.status_code == 201 and after.json()["label"] == "A002"
        assert labels_in(database) == ["A001", "A002"]
    finally:
        server.stop()


def test_a_server_started_on_a_read_only_database_recovers_when_it_can_write_again(tmp_path):
    database = tmp_path / "read-only.db"
    server = ServerProcess(database)
    server.start()
    staff = bearer(server.token("staff"))
    assert issue(server, staff).json()["label"] == "A001"
    server.stop()
    try:
        with read_only(database):
            server.start()
            refused = issue(server, staff)
            assert_unavailable(refused, "database_read_only")
            read = httpx.get(f"{server.url}/api/v1/centers/1/queue", headers=staff, timeout=90)
            assert read.status_code == 200
        # Writable again: no restart, the next issues are served and numbered right after A001,
        # whichever pooled connection (opened while the file was read-only) each write gets.
        for label in ("A002", "A003", "A004"):
            after = issue(server, staff)
            assert after.status_code == 201, after.text
            assert after.json()["label"] == label
            assert httpx.get(f"{server.url}/api/v1/centers/1/queue", headers=staff, timeout=90).status_code == 200
    finally:
        server.stop()
    assert labels_in(database) == ["A001", "A002", "A003", "A004"]


def test_a_full_disk_answers_503_and_the_server_recovers_when_room_is_made(small_disk):
    database = small_disk / "full.db"
    server = ServerProcess(database).start()
    try:
        staff = bearer(server.token("staff"))
        assert issue(server, staff).status_code == 201
        ballast = fill(small_disk)

        def client(_: int) -> list[httpx.Response]:
            """Issue until the disk-full answer (a bounded number of tries)."""
            answers = []
            for _ in range(400):
                answers.append(issue(server, staff))
                if answers[-1].status_code != 201:
                    break
            return answers

        # Several clients at once, so refused jobs share group commits with others.
        with ThreadPoolExecutor(8) as pool:
            answers = [a for many in pool.map(client, range(8)) for a in many]
        refused = [a for a in answers if a.status_code != 201]
        assert len(refused) == 8
        for answer in refused:
            assert_unavailable(answer, "database_full")
        ballast.unlink()
        after = issue(server, staff)
        assert after.status_code == 201, after.text
        acknowledged = ["A001", *(a.json()["label"] for a in answers if a.status_code == 201), after.json()["label"]]
    finally:
        server.stop()
    # Every acknowledged ticket is there, nothing refused is, and the numbers have no gap.
    assert sorted(labels_in(database)) == sorted(acknowledged)
    assert sorted(acknowledged) == [f"A{n:03d}" for n in range(1, len(acknowledged) + 1)]
