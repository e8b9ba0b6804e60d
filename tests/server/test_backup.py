"""`motcua backup` under load and `motcua restore`, through the command, against a real server."""

import asyncio
import shutil
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest

from server_process import MOTCUA, ServerProcess

CATEGORY_A = 1  # the demo center's civil registration


def motcua(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MOTCUA, *args], capture_output=True, text=True, timeout=120)


def ticket_ids(database: Path) -> set[int]:
    with sqlite3.connect(database) as raw:
        return {ticket_id for (ticket_id,) in raw.execute("select id from ticket")}


@pytest.mark.sqlite_only("motcua backup is SQLite's backup API; PostgreSQL's is pg_dump")
def test_a_backup_taken_under_load_restores_every_acknowledged_ticket(tmp_path):
    live = ServerProcess(tmp_path / "live.db").start()
    headers = {"Authorization": f"Bearer {live.token('staff')}"}
    backup_file = tmp_path / "backups" / "mid-load.db"
    acknowledged: list[dict] = []
    before_backup: list[dict] = []
    during_backup: list[dict] = []

    async def load_and_backup() -> subprocess.CompletedProcess[str]:
        done = asyncio.Event()

        async def client() -> None:
            async with httpx.AsyncClient(base_url=live.url, timeout=30, headers=headers) as http:
                while not done.is_set():
                    r = await http.post("/api/v1/tickets", json={"category_id": CATEGORY_A})
                    assert r.status_code == 201, r.text
                    acknowledged.append(r.json())

        async def backup_mid_load() -> subprocess.CompletedProcess[str]:
            while len(acknowledged) < 200:  # the load is well under way
                await asyncio.sleep(0.01)  # the pace of looking, not a synchronisation
            before_backup.extend(acknowledged)
            proc = await asyncio.create_subprocess_exec(
                MOTCUA, "backup", str(backup_file), "--database-url", live.database_url,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
            )  # fmt: skip
            out, err = await proc.communicate()
            during_backup.extend(acknowledged[len(before_backup) :])
            done.set()
            return subprocess.CompletedProcess([], proc.returncode or 0, out.decode(), err.decode())

        clients = [asyncio.create_task(client()) for _ in range(20)]
        result = await backup_mid_load()
        await asyncio.gather(*clients)
        return result

    try:
        result = asyncio.run(load_and_backup())
        assert result.returncode == 0, result.stderr
        assert f"backup: {backup_file}" in result.stdout
        # The server went on answering while the copy was taken.
        assert during_backup, "no ticket was issued during the backup: not under load"
        assert backup_file.stat().st_mode & 0o077 == 0  # names and password hashes: the owner's only

        refused = motcua("restore", str(backup_file), "--database-url", live.database_url)
        assert refused.returncode == 1
        assert "is the server running?" in refused.stderr
        assert ticket_ids(tmp_path / "live.db") >= {t["id"] for t in acknowledged}  # untouched
    finally:
        live.stop()

    restored = ServerProcess(tmp_path / "fresh" / "restored.db")
    put_back = motcua("restore", str(backup_file), "--database-url", restored.database_url)
    assert put_back.returncode == 0, put_back.stderr
    restored.start()
    try:
        with httpx.Client(base_url=restored.url, headers={"Authorization": f"Bearer {restored.token('staff')}"}) as http:
            for ticket in before_backup:
                found = http.get(f"/api/v1/tickets/{ticket['id']}")
                assert found.status_code == 200, ticket
                assert (found.json()["number"], found.json()["label"]) == (ticket["number"], ticket["label"])
            # What came after the copy is not in it: this is the backup, not the live file.
            after = acknowledged[-1]
            assert after not in before_backup
            assert http.get(f"/api/v1/tickets/{after['id']}").status_code == 404
    finally:
        restored.stop()

    # The server stopped, restoring over its database is allowed; the one it replaces is kept.
    over_live = motcua("restore", str(backup_file), "--database-url", live.database_url)
    assert over_live.returncode == 0, over_live.stderr
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("live.db.before-restore-") and not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1, list(tmp_path.iterdir())
    assert ticket_ids(aside[0]) >= {t["id"] for t in acknowledged}
    assert after["id"] not in ticket_ids(tmp_path / "live.db")


@pytest.mark.sqlite_only("motcua backup is SQLite's backup API; PostgreSQL's is pg_dump")
def test_restore_refuses_a_damaged_a_foreign_and_a_newer_backup(tmp_path):
    good = tmp_path / "motcua.db"
    ServerProcess(good).prepare()  # migrated, the demo center seeded
    target = tmp_path / "target.db"

    damaged = tmp_path / "damaged.db"
    shutil.copy(good, damaged)
    with damaged.open("r+b") as f:  # a page in the middle overwritten, the header intact
        f.seek(4096 * 3)
        f.write(b"\xff" * 4096)
    foreign = tmp_path / "foreign.db"
    with sqlite3.connect(foreign) as raw:
        raw.execute("create table notes (text)")
    newer = tmp_path / "newer.db"
    shutil.copy(good, newer)
    with sqlite3.connect(newer) as raw:
        raw.execute("update alembic_version set version_num = '9999_from_the_future'")

    for backup, says in ((damaged, "damaged"), (foreign, "not a motcua backup"), (newer, "upgrade motcua first")):
        refused = motcua("restore", str(backup), "--database-url", f"sqlite:///{target}")
        assert refused.returncode == 1, (backup, refused.stdout)
        assert says in refused.stderr, refused.stderr
        assert not target.exists()

    ok = motcua("restore", str(good), "--database-url", f"sqlite:///{target}")
    assert ok.returncode == 0, ok.stderr
    with sqlite3.connect(target) as raw:
        assert raw.execute("select code from center").fetchall() == [("DEMO",)]


def test_postgresql_is_left_to_pg_dump():
    for command in ("backup", "restore"):
        args = [command, "--database-url", "postgresql://motcua@127.0.0.1/motcua"]
        result = motcua(*(args if command == "backup" else [*args[:1], "x.db", *args[1:]]))
        assert result.returncode == 1
        assert "pg_dump" in result.stderr


@pytest.mark.sqlite_only("motcua backup is SQLite's backup API; PostgreSQL's is pg_dump")
def test_keep_lets_the_oldest_default_backups_go_and_nothing_else(tmp_path):
    database = tmp_path / "motcua.db"
    ServerProcess(database).prepare()
    folder = tmp_path / "backups"
    folder.mkdir()
    by_hand = folder / "before-upgrade-20260101-000000.db"
    by_hand.write_bytes(b"kept")
    made = []
    for _ in range(3):
        done = motcua("backup", "--keep", "2", "--database-url", f"sqlite:///{database}")
        assert done.returncode == 0, done.stderr
        made.append(Path(done.stdout.split()[1]))
    assert len(set(made)) == 3  # even within one second
    assert sorted(folder.iterdir()) == sorted([by_hand, *made[1:]])
    assert f"deleted the older backup {made[0]}" in done.stdout
