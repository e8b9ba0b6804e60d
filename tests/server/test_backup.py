"""`motcua backup` under load and `motcua restore`, through the command, against a real server."""

import asyncio
import shutil
import sqlite3
import subprocess
from pathlib import Path

import httpx
import pytest

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from database_urls import copy_database, database_url, on_postgres, query
from server_process import MOTCUA, ServerProcess

CATEGORY_A = 1  # the demo center's civil registration


def motcua(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([MOTCUA, *args], capture_output=True, text=True, timeout=120)


def ticket_ids(database: Path) -> set[int]:
    with sqlite3.connect(database) as raw:
        return {ticket_id for (ticket_id,) in raw.execute("select id from ticket")}


def backup_under_load(live: ServerProcess, backup_file: Path) -> tuple[subprocess.CompletedProcess[str], list[dict], list[dict]]:
    """`motcua backup backup_file` while 20 clients issue tickets as fast as they can; returns
    its result, every ticket acknowledged (201) and those acknowledged before it began."""
    headers = {"Authorization": f"Bearer {live.token('staff')}"}
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

    result = asyncio.run(load_and_backup())
    assert result.returncode == 0, result.stderr
    assert f"backup: {backup_file}" in result.stdout
    # The server went on answering while the copy was taken.
    assert during_backup, "no ticket was issued during the backup: not under load"
    assert backup_file.stat().st_mode & 0o077 == 0  # names and password hashes: the owner's only
    return result, acknowledged, before_backup


def assert_restored(restored: ServerProcess, before_backup: list[dict], after: dict) -> None:
    """Every ticket acknowledged before the backup began is on the restored server, as it was;
    `after`, acknowledged once it had, is not (this is the backup, not the live database)."""
    with httpx.Client(base_url=restored.url, headers={"Authorization": f"Bearer {restored.token('staff')}"}) as http:
        for ticket in before_backup:
            found = http.get(f"/api/v1/tickets/{ticket['id']}")
            assert found.status_code == 200, ticket
            assert (found.json()["number"], found.json()["label"]) == (ticket["number"], ticket["label"])
        assert after not in before_backup
        assert http.get(f"/api/v1/tickets/{after['id']}").status_code == 404


@pytest.mark.sqlite_only("motcua backup is SQLite's backup API here; PostgreSQL's test is below")
def test_a_backup_taken_under_load_restores_every_acknowledged_ticket(tmp_path):
    live = ServerProcess(tmp_path / "live.db").start()
    backup_file = tmp_path / "backups" / "mid-load.db"
    try:
        _, acknowledged, before_backup = backup_under_load(live, backup_file)
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
    after = acknowledged[-1]
    try:
        assert_restored(restored, before_backup, after)
    finally:
        restored.stop()

    # The server stopped, restoring over its database is allowed; the one it replaces is kept.
    over_live = motcua("restore", str(backup_file), "--database-url", live.database_url)
    assert over_live.returncode == 0, over_live.stderr
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("live.db.before-restore-") and not p.name.endswith(("-wal", "-shm"))]
    assert len(aside) == 1, list(tmp_path.iterdir())
    assert ticket_ids(aside[0]) >= {t["id"] for t in acknowledged}
    assert after["id"] not in ticket_ids(tmp_path / "live.db")


@pytest.mark.sqlite_only("SQLite files; PostgreSQL's test is below")
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


def test_another_database_or_an_unreachable_postgresql_is_refused_with_a_clear_message(tmp_path):
    other = motcua("backup", "--database-url", "mysql://motcua@127.0.0.1/motcua")
    assert other.returncode == 1
    assert "SQLite and PostgreSQL only" in other.stderr
    # Port 1 of loopback: nothing listens there.
    gone = motcua("backup", str(tmp_path / "x.dump"), "--database-url", "postgresql+psycopg://motcua:secret@127.0.0.1:1/motcua")
    assert gone.returncode == 1
    assert "pg_dump failed on motcua" in gone.stderr and "Nothing was changed" in gone.stderr, gone.stderr
    assert "Traceback" not in gone.stderr
    assert not (tmp_path / "x.dump").exists() and not (tmp_path / "x.dump.partial").exists()


def ticket_ids_of(url: str) -> set[int]:
    return {ticket_id for (ticket_id,) in query(url, "select id from ticket")}


@pytest.mark.skipif(not on_postgres(), reason="pg_dump and pg_restore: the suite's PostgreSQL run")
def test_a_postgresql_backup_taken_under_load_restores_every_acknowledged_ticket(tmp_path):
    live = ServerProcess(tmp_path / "live.db").start()
    backups = tmp_path / "backups"
    backup_file = backups / "mid-load.dump"
    try:
        _, acknowledged, before_backup = backup_under_load(live, backup_file)
        refused = motcua("restore", str(backup_file), "--database-url", live.database_url)
        assert refused.returncode == 1
        assert "is the server running?" in refused.stderr
        assert ticket_ids_of(live.database_url) >= {t["id"] for t in acknowledged}  # untouched
    finally:
        live.stop()
    after = acknowledged[-1]

    restored = ServerProcess(tmp_path / "restored.db")
    put_back = motcua("restore", str(backup_file), "--database-url", restored.database_url)
    assert put_back.returncode == 0, put_back.stderr
    restored.start()
    try:
        assert_restored(restored, before_backup, after)
    finally:
        restored.stop()

    # The server stopped, restoring over its database is allowed; the one it replaces is
    # dumped beside the backup first, and holds every ticket it had.
    over_live = motcua("restore", str(backup_file), "--database-url", live.database_url)
    assert over_live.returncode == 0, over_live.stderr
    assert after["id"] not in ticket_ids_of(live.database_url)
    live_name = make_url(live.database_url).database
    aside = list(backups.glob(f"{live_name}.before-restore-*.dump"))
    assert len(aside) == 1, list(backups.iterdir())
    third = ServerProcess(tmp_path / "third.db")
    assert motcua("restore", str(aside[0]), "--database-url", third.database_url).returncode == 0
    assert ticket_ids_of(third.database_url) >= {t["id"] for t in acknowledged}


@pytest.mark.skipif(not on_postgres(), reason="pg_dump and pg_restore: the suite's PostgreSQL run")
def test_a_postgresql_restore_refuses_a_damaged_a_foreign_and_a_newer_backup(tmp_path):
    good = ServerProcess(tmp_path / "good.db").prepare()  # migrated, the demo center seeded
    good_dump = tmp_path / "good.dump"
    assert motcua("backup", str(good_dump), "--database-url", good.database_url).returncode == 0
    target = ServerProcess(tmp_path / "target.db", demo=False).prepare()
    before = query(target.database_url, "select code from center")

    damaged = tmp_path / "damaged.dump"
    data = good_dump.read_bytes()
    damaged.write_bytes(data[: len(data) // 2])  # cut off halfway, as by a full disk
    foreign_url = database_url(tmp_path / "foreign.db", migrated=False)
    engine = create_engine(foreign_url)
    with engine.begin() as conn:
        conn.execute(text("create table notes (body text)"))
    engine.dispose()
    foreign = tmp_path / "foreign.dump"
    assert motcua("backup", str(foreign), "--database-url", foreign_url).returncode == 1  # not motcua: not kept
    assert not foreign.exists()
    subprocess.run(["pg_dump", "--format=custom", "--file", str(foreign), "--dbname",
                    make_url(foreign_url).set(drivername="postgresql").render_as_string(hide_password=False)], check=True)  # fmt: skip
    newer_url = copy_database(tmp_path / "good.db", tmp_path / "newer.db")
    engine = create_engine(newer_url)
    with engine.begin() as conn:
        conn.execute(text("update alembic_version set version_num = '9999_from_the_future'"))
    engine.dispose()
    newer = tmp_path / "newer.dump"
    subprocess.run(["pg_dump", "--format=custom", "--file", str(newer), "--dbname",
                    make_url(newer_url).set(drivername="postgresql").render_as_string(hide_password=False)], check=True)  # fmt: skip

    for backup, says in ((damaged, "damaged"), (foreign, "not a motcua backup"), (newer, "upgrade motcua first")):
        refused = motcua("restore", str(backup), "--database-url", target.database_url)
        assert refused.returncode == 1, (backup, refused.stdout)
        assert says in refused.stderr, refused.stderr
        assert query(target.database_url, "select code from center") == before

    ok = motcua("restore", str(good_dump), "--database-url", target.database_url)
    assert ok.returncode == 0, ok.stderr
    assert query(target.database_url, "select code from center") == [("DEMO",)]
