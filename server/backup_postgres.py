"""`motcua backup` and `motcua restore` on PostgreSQL: pg_dump's custom format and pg_restore.

pg_dump reads the whole database in one repeatable-read transaction, so the copy is the
database as it was at one moment, with every ticket committed before it began, and the
servers keep writing meanwhile. The copy is written beside its final name, read back (its
list of contents and its schema version, as `pg_restore` sees them) and only then renamed
into place, readable by its owner only: a backup file that exists is a whole one.

A restore refuses a damaged file, one that is not a motcua backup and one from a newer motcua,
and refuses while another session is connected to the database (a server that runs on would
keep writing into what is being replaced). The database it replaces is first backed up beside
the backup (`<database>.before-restore-<time>.dump`). The schema is then emptied and the
backup loaded in one transaction (psql --single-transaction): a failure leaves the database as
it was. Then it is migrated to this version.

The tools come from Debian's postgresql-client (the same major version as the server or newer).
"""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import text
from sqlalchemy.engine import URL, make_url

from server.backup import BackupError, free_name, prune, write_whole
from server.db import MIGRATIONS, make_engine, migrate

# A dump's data section for the version table: the line after it is the version.
_VERSION_COPY = re.compile(r"^COPY public\.alembic_version \(version_num\) FROM stdin;\n([^\n\\]+)\n", re.M)
STAMPED = re.compile(r"\d{8}-\d{6}(-\d+)?\.dump")


def tool(name: str) -> str:
    """The path of a PostgreSQL client program: on PATH, or Debian's newest major version."""
    found = shutil.which(name)
    if found:
        return found
    versions = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=lambda p: int(p.parts[-3]) if p.parts[-3].isdigit() else 0)
    if versions:
        return str(versions[-1])
    raise BackupError("backup_pg_tool_missing", tool=name)


def _connection(url: str) -> tuple[str, dict[str, str]]:
    """libpq's form of a SQLAlchemy URL, and the environment that carries its password (not
    on the command line, where every user of the machine could read it)."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def database_name(url: str) -> str:
    return make_url(url).database or "postgres"


def _run(args: list[str], env: dict[str, str] | None = None, what: str = "") -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise BackupError("backup_pg_failed", tool=Path(args[0]).name, detail=(lines[-1] if lines else f"exit {done.returncode}")[:300], path=what)
    return done


def backup(url: str, destination: Path | None, keep: int | None, stamp: str) -> tuple[Path, str, list[Path]]:
    """Dump the database to `destination` (default: backups/<database>-<UTC time>.dump in the
    working folder); returns the file, its schema version, and the older backups let go."""
    name = database_name(url)
    if destination is None:
        destination = free_name(Path("backups") / f"{name}-{stamp}.dump")
    destination = destination.expanduser().absolute()
    conninfo, env = _connection(url)

    def dump_into(partial: Path) -> None:
        _run([tool("pg_dump"), "--format=custom", "--file", str(partial), "--dbname", conninfo], env, name)

    revision = write_whole(destination, dump_into, check)
    deleted = prune(destination.parent, name, keep, STAMPED, ".dump") if keep is not None else []
    return destination, revision, deleted


def check(path: Path) -> str:
    """The schema version of a dump, once pg_restore reads it whole and it is known here."""
    listed = subprocess.run([tool("pg_restore"), "--list", str(path)], capture_output=True, text=True)
    if listed.returncode != 0:
        raise BackupError("backup_corrupt_dump", path=path, detail=(listed.stderr.strip().splitlines() or ["?"])[-1][:300])
    data = subprocess.run(
        [tool("pg_restore"), "--data-only", "--table=alembic_version", "--file=-", str(path)], capture_output=True, text=True
    )
    found = _VERSION_COPY.search(data.stdout) if data.returncode == 0 else None
    if found is None:
        raise BackupError("backup_not_motcua", path=path)
    revision = found.group(1).strip()
    try:
        ScriptDirectory(str(MIGRATIONS)).get_revision(revision)
    except CommandError:
        raise BackupError("backup_newer", path=path, revision=revision) from None
    return revision


def _others_connected(url: str) -> tuple[int, bool]:
    """How many other sessions are connected to the database, and whether it holds motcua."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            others = conn.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")
            ).scalar_one()
            motcua = conn.execute(text("SELECT to_regclass('public.alembic_version') IS NOT NULL")).scalar_one()
    finally:
        engine.dispose()
    return others, motcua


def restore(source: Path, url: str, force: bool, stamp: str) -> tuple[str, Path | None, str, str]:
    """Load the dump `source` in place of the database of `url` and migrate it; returns the
    database's name, where the one it replaced went, the dump's version and the version now."""
    name = database_name(url)
    source = source.expanduser().absolute()
    if not source.is_file():
        raise BackupError("backup_no_database", path=source)
    revision = check(source)
    others, holds_motcua = _others_connected(url)
    if others and not force:
        raise BackupError("backup_in_use", path=name)
    aside = None
    if holds_motcua:
        aside, _, _ = backup(url, free_name(source.parent / f"{name}.before-restore-{stamp}.dump"), None, stamp)
    conninfo, env = _connection(url)
    with tempfile.TemporaryDirectory(prefix="motcua-restore-") as folder:
        script = Path(folder) / "restore.sql"
        _run([tool("pg_restore"), "--no-owner", "--no-acl", "--file", str(script), str(source)], env, str(source))
        # Emptied and loaded in one transaction: if anything fails, nothing has changed.
        _run(
            [tool("psql"), "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1", "--single-transaction",
             "--command", "DROP SCHEMA IF EXISTS public CASCADE", "--command", "CREATE SCHEMA public",
             "--file", str(script), "--dbname", conninfo],
            env, name,
        )  # fmt: skip
    engine = make_engine(url)
    try:
        migrate(engine)
        with engine.connect() as conn:
            head = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    finally:
        engine.dispose()
    return name, aside, revision, head

