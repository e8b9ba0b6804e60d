"""`motcua backup` and `motcua restore`: a copy of the SQLite database taken while the server
runs, and putting one back.

The backup is SQLite's online backup API (sqlite3.Connection.backup) in one step: one read
transaction, so the copy is the database as it was at one moment, with every ticket committed
before it began. In WAL mode a reader never blocks the writer, so the server keeps issuing
meanwhile. (Copying in several steps would start over each time another process writes, which
under steady load could be forever.) The copy is written beside its final name, checked with
`PRAGMA integrity_check`, made a single self-contained file (journal_mode=DELETE), synced,
and only then renamed into place: a backup file that exists is a whole one.

A restore refuses a damaged file, a file that is not a motcua database, and one from a newer
motcua (its migration is not among ours); an older one is migrated after it is put back. It
refuses while anything has the target database open: the server holds its connections open
for as long as it runs, and in WAL mode every open connection holds a shared lock on the
database, so an exclusive lock cannot be had while a server (or any `motcua` command) is using
it. The lock dies with the process, so a crashed server is no obstacle and nothing stale is
left behind; a database in another journal mode with no one in a transaction would pass the
check. The database it replaces is kept aside, with its WAL, under
`<name>.before-restore-<time>`.

PostgreSQL's backup is pg_dump's, and its restore pg_restore's: server/backup_postgres.py.
"""

import os
from collections.abc import Callable
import re
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import make_url

from server.db import MIGRATIONS, make_engine, migrate
from server.errors import DomainError


class BackupError(DomainError):
    """A backup or restore that cannot be done, and why (server/messages.py, backup_*)."""


# The name of a backup made into the default folder: <database's name>-<UTC time>[-n].db
STAMPED = re.compile(r"\d{8}-\d{6}(-\d+)?\.db")


@dataclass(frozen=True)
class Backup:
    path: Path
    revision: str  # the migration the copied database is at
    size: int  # bytes
    deleted: tuple[Path, ...] = ()  # older backups let go (keep)


@dataclass(frozen=True)
class Restored:
    path: Path
    kept_aside: Path | None  # where the database it replaced went, if there was one
    revision: str  # the backup's migration
    head: str  # the migration it is at now


def on_postgres(url: str) -> bool:
    return make_url(url).drivername.startswith("postgresql")


def database_file(url: str) -> Path:
    """The file of an SQLite URL; a BackupError for any other but PostgreSQL's."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        raise BackupError("backup_unsupported", driver=parsed.drivername)
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("backup_no_database", path=url)
    return Path(parsed.database).expanduser().absolute()


def backup(url: str, destination: Path | None = None, keep: int | None = None) -> Backup:
    """Copy the database to `destination` (default: backups/<name>-<UTC time>.db beside it);
    with `keep`, only the newest `keep` backups of that default folder stay. PostgreSQL:
    pg_dump, to backups/<database>-<UTC time>.dump in the working folder by default."""
    if on_postgres(url):
        from server import backup_postgres  # its tools are needed only there

        path, revision, deleted = backup_postgres.backup(url, destination, keep, _stamp())
        return Backup(path, revision, path.stat().st_size, tuple(deleted))
    source = database_file(url)
    if not source.is_file():
        raise BackupError("backup_no_database", path=source)
    if destination is None:
        destination = _default_destination(source)
    destination = destination.expanduser().absolute()

    def copy_into(partial: Path) -> None:
        # A plain connection to the live database: timeout as the server's own, for the
        # moment the WAL index is being rebuilt.
        with closing(sqlite3.connect(source, timeout=30)) as live, closing(sqlite3.connect(partial)) as copy:
            live.backup(copy)  # pages=-1: all in one step, one consistent snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one file, no -wal beside it

    revision = write_whole(destination, copy_into, check)
    deleted = prune(destination.parent, source.stem, keep, STAMPED, ".db") if keep is not None else []
    return Backup(destination, revision, destination.stat().st_size, tuple(deleted))


def prune(folder: Path, stem: str, keep: int, stamped: re.Pattern[str], suffix: str) -> list[Path]:
    """Delete all but the newest `keep` backups named as the default ones (<stem>-<time><suffix>,
    the rest matching `stamped`); any other file there (a backup made before an upgrade, one
    named by hand) stays."""
    made = [path for path in folder.glob(f"{stem}-*{suffix}") if stamped.fullmatch(path.name.removeprefix(f"{stem}-"))]
    made.sort(key=lambda path: path.stat().st_mtime_ns)
    old = made[: max(len(made) - keep, 0)]
    for path in old:
        path.unlink()
    return old


def check(path: Path) -> str:
    """The migration a backup is at, once it is found whole and known to this motcua."""
    try:
        with closing(sqlite3.connect(path.absolute().as_uri() + "?mode=ro", uri=True)) as db:
            problems = [row[0] for row in db.execute("PRAGMA integrity_check")]
            if problems != ["ok"]:
                raise BackupError("backup_corrupt", path=path, detail="; ".join(problems[:3]))
            try:
                row = db.execute("SELECT version_num FROM alembic_version").fetchone()
            except sqlite3.OperationalError:
                row = None
    except sqlite3.DatabaseError as exc:
        raise BackupError("backup_corrupt", path=path, detail=str(exc)) from None
    if row is None:
        raise BackupError("backup_not_motcua", path=path)
    try:
        ScriptDirectory(str(MIGRATIONS)).get_revision(row[0])
    except CommandError:
        raise BackupError("backup_newer", path=path, revision=row[0]) from None
    return row[0]


def in_use(path: Path) -> bool:
    """Whether any process has the database open (see the module's docstring)."""
    if not path.exists():
        return False
    with closing(sqlite3.connect(path, timeout=0, isolation_level=None)) as db:
        db.execute("PRAGMA locking_mode=EXCLUSIVE")
        try:
            db.execute("BEGIN EXCLUSIVE")
        except sqlite3.OperationalError:  # "database is locked"
            return True
        db.execute("ROLLBACK")
    return False


def restore(source: Path, url: str, force: bool = False) -> Restored:
    """Put the backup `source` in place of the database of `url` and migrate it."""
    if on_postgres(url):
        from server import backup_postgres

        name, aside, revision, head = backup_postgres.restore(source, url, force, _stamp())
        return Restored(Path(name), aside, revision, head)
    target = database_file(url)
    source = source.expanduser().absolute()
    if not source.is_file():
        raise BackupError("backup_no_database", path=source)
    revision = check(source)
    if not force and in_use(target):
        raise BackupError("backup_in_use", path=target)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".restoring")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        with closing(sqlite3.connect(source.as_uri() + "?mode=ro", uri=True)) as backup_db:
            with closing(sqlite3.connect(partial)) as copy:
                backup_db.backup(copy)
        sync(partial)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    aside = None
    if target.exists():
        aside = target.with_name(f"{target.name}.before-restore-{_stamp()}")
        _own_like(partial, target)  # the service's user keeps writing it after a restore by root
        # The database with its WAL (committed writes not yet checkpointed) and index, renamed
        # together: opened under its new name it is whole.
        for suffix in ("", "-wal", "-shm"):
            if Path(f"{target}{suffix}").exists():
                os.replace(f"{target}{suffix}", f"{aside}{suffix}")
    os.replace(partial, target)
    sync(target.parent)
    engine = make_engine(f"sqlite:///{target}")
    try:
        migrate(engine)
        with engine.connect() as conn:
            head = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    finally:
        engine.dispose()
    return Restored(target, aside, revision, head)


def _default_destination(source: Path) -> Path:
    return free_name(source.parent / "backups" / f"{source.stem}-{_stamp()}.db")


def free_name(path: Path) -> Path:
    """`path`, or the same name with -1, -2... before its suffix if taken (two in the same second)."""
    taken, candidate = 0, path
    while candidate.exists():
        taken += 1
        candidate = path.with_name(f"{path.stem}-{taken}{path.suffix}")
    return candidate


def write_whole(destination: Path, write: Callable[[Path], None], check: Callable[[Path], str]) -> str:
    """`write` the backup into a file beside `destination`, `check` it (its schema version), and
    only then name it: a backup file that exists is a whole one. The file is created first,
    for its owner's eyes only whatever the umask: it holds password hashes and citizens' names."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    os.close(os.open(partial, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    try:
        write(partial)
        revision = check(partial)
        sync(partial)
        os.replace(partial, destination)
        sync(destination.parent)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return revision


def _stamp() -> str:
    return datetime.now(UTC).strftime("%Y%m%d-%H%M%S")


def _own_like(path: Path, model: Path) -> None:
    if os.geteuid() == 0:
        stat = model.stat()
        os.chown(path, stat.st_uid, stat.st_gid)


def sync(path: Path) -> None:
    """fsync a file or a directory (the rename in it), so a power cut keeps what was said done."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

