"""The database: engine factory, SQLite durability settings, migrations, units of work."""

import asyncio
import logging
import queue
import sqlite3
import threading
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pydantic_core
from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Connection, Engine, event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from sqlmodel import Session, create_engine
from server import kept
from server.errors import DatabaseUnavailable, ServiceBusy

MIGRATIONS = Path(__file__).parent / "migrations"
# PostgreSQL's notification channel: a commit's payload is a center with new events (server.listener).
CHANNEL = "motcua_events"
DEADLOCK = "40P01"
LOCK_NOT_AVAILABLE = "55P03"
# A writing session's `info`: the centers a batch of several jobs holds (queue.hold_center);
# absent when the transaction runs one job alone.
BATCH_CENTERS = "batch_centers"
T = TypeVar("T")
Job = Callable[[Session], T]
log = logging.getLogger("motcua")

# SQLite's primary result codes (sqlite3.h) that are faults of the database, not of the request:
# the reason a client is told (503) and the seconds after which it may try again. BUSY is the
# lock held past the short wait; the others need the disk or the file mended, but the server
# tries again at the next write and recovers by itself once they are.
SQLITE_BUSY, SQLITE_READONLY, SQLITE_IOERR, SQLITE_FULL, SQLITE_CANTOPEN = 5, 8, 10, 13, 14
FAULTS = {
    SQLITE_BUSY: ("database_busy", 1),
    SQLITE_READONLY: ("database_read_only", 10),
    SQLITE_IOERR: ("database_io_error", 10),
    SQLITE_FULL: ("database_full", 10),
    SQLITE_CANTOPEN: ("database_io_error", 10),
}
# A connection opened while the file was read-only stays read-only after it is mended, and
# one that met an I/O error may be broken: the pool drops them all (server.db.make_engine).
STALE_CONNECTION = {SQLITE_READONLY, SQLITE_IOERR, SQLITE_CANTOPEN}


# PostgreSQL's equivalents, by SQLSTATE (its manual's appendix A). A lock wait past
# lock_timeout (the writing connection's, `lock_wait`), a deadlock, a cancelled statement or
# no connection left are "busy"; a read-only transaction is a standby or a database set
# read-only; class 08 and a server shutting down or starting are a database out of reach.
PG_FAULTS = {
    "55P03": ("database_busy", 1),  # lock_not_available
    "40P01": ("database_busy", 1),  # deadlock_detected
    "40001": ("database_busy", 1),  # serialization_failure
    "57014": ("database_busy", 1),  # query_canceled
    "53300": ("database_busy", 1),  # too_many_connections
    "25006": ("database_read_only", 10),  # read_only_sql_transaction
    "53100": ("database_full", 10),  # disk_full
    "58030": ("database_io_error", 10),  # io_error
    "57P01": ("database_unreachable", 5),  # admin_shutdown
    "57P02": ("database_unreachable", 5),  # crash_shutdown
    "57P03": ("database_unreachable", 5),  # cannot_connect_now
}
# The driver's own errors, raised where a statement runs on the driver (server.direct) rather
# than through SQLAlchemy, which wraps them in DBAPIError.
DRIVER_ERRORS: tuple[type[Exception], ...] = (DBAPIError, sqlite3.Error)
try:
    import psycopg
except ImportError:  # the postgres extra is not installed: SQLite only
    psycopg = None  # type: ignore[assignment]
else:
    DRIVER_ERRORS += (psycopg.Error,)


class CenterTaken(Exception):
    """A job of a batch would wait for a center another transaction holds while the batch
    holds another (queue.hold_center): it runs again alone, once the batch has committed."""


def lock_not_available(exc: BaseException) -> bool:
    """PostgreSQL refused a lock it was told not to wait for (NOWAIT), or waited past lock_timeout."""
    return _sqlstate(exc) == LOCK_NOT_AVAILABLE


def _sqlstate(exc: BaseException) -> str | None:
    """PostgreSQL's SQLSTATE of a driver error, or of the one SQLAlchemy wraps."""
    return getattr(getattr(exc, "orig", exc), "sqlstate", None)


def _sqlite_code(exc: BaseException) -> int | None:
    """SQLite's primary result code of a driver error, or of the one SQLAlchemy wraps."""
    code = getattr(getattr(exc, "orig", exc), "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _fault_of(exc: BaseException) -> tuple[str, int] | None:
    """The reason and Retry-After of a database error that is the database's fault, or None."""
    if not isinstance(exc, DRIVER_ERRORS):
        return None
    driver_error = getattr(exc, "orig", exc)
    if psycopg is not None and isinstance(driver_error, psycopg.Error):
        state = driver_error.sqlstate
        if state is None:  # the driver's own: no connection, or it was lost
            return ("database_unreachable", 5) if isinstance(driver_error, psycopg.OperationalError) else None
        return ("database_unreachable", 5) if state.startswith("08") else PG_FAULTS.get(state)
    return FAULTS.get(_sqlite_code(exc))  # type: ignore[arg-type]


def _first_fault(exc: BaseException) -> BaseException:
    """The database fault behind an error (a savepoint that SQLite's rollback took away under
    it, say, after a full disk), or the error itself."""
    cause: BaseException | None = exc
    while cause is not None:
        if database_fault(cause) is not None:
            return cause
        cause = cause.__context__
    return exc


def database_fault(exc: BaseException) -> DatabaseUnavailable | None:
    """The 503 to answer for a database error that is the database's fault (busy, full,
    read-only, I/O, out of reach), raised `from` it; None for any other error."""
    if isinstance(exc, DatabaseUnavailable):
        return exc
    if (found := _fault_of(exc)) is None:
        return None
    reason, retry_after = found
    fault = DatabaseUnavailable(reason, retry_after=retry_after)
    fault.__cause__ = exc
    return fault


_NOTIFY = text("SELECT pg_notify(:channel, :center)")


class JsonText(str):
    """A value for a JSON column that is already JSON text (say, from pydantic): written as is."""


def _to_json(value: object) -> str:
    # JSON columns are written by pydantic's serializer: compact UTF-8, several times faster
    # than the json module, which was a measurable share of issuing a ticket.
    return value if isinstance(value, JsonText) else pydantic_core.to_json(value).decode()


def make_engine(url: str, readers: int = 1) -> Engine:
    """An engine; for SQLite: WAL, synchronous=FULL (a 201 means the ticket is on disk); for
    PostgreSQL (postgresql+psycopg://user:password@host:port/database): sessions in UTC.

    Its pool has a connection for each of `readers` threads (the reading threads of
    `Database.reading`, the printers' workers), the lookup thread, the writing session and a
    few for start-up and the command line, so a read never waits for one; if one ever does,
    it gives up after 10 s (answered 503, see server.app).
    """
    pool = {"pool_size": readers + 3, "max_overflow": 4, "pool_timeout": 10}
    if url.startswith("postgresql"):
        return _postgres_engine(url, **pool)
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, json_serializer=_to_json, **pool)
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        Path(url.removeprefix("sqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        connect_args={"check_same_thread": False, "timeout": 30},
        json_serializer=_to_json,
        **pool,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # type: ignore[no-untyped-def]
        # Let SQLAlchemy, not the driver, open transactions, so writes can BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")  # the writing connection waits less (Database)
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # type: ignore[no-untyped-def]
        driver = conn.connection.driver_connection
        if driver.in_transaction:
            return  # the writer began it already (Database._begin), off the loop if it had to wait
        # A write takes the database lock up front: no deadlock upgrading a read to a write.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        driver.execute(f"BEGIN {mode}")  # straight to the driver: every write begins here

    @event.listens_for(engine, "handle_error")
    def _on_error(context) -> None:  # type: ignore[no-untyped-def]
        # Treated as a lost connection: SQLAlchemy drops this one and every pooled one opened
        # before it, so the next write opens a connection that can write once the file can.
        if _sqlite_code(context.original_exception) in STALE_CONNECTION:
            context.is_disconnect = True

    return engine


def _postgres_engine(url: str | URL, lock_timeout_ms: int = 0, **pool: object) -> Engine:
    # Every connection speaks UTC, as SQLite's stored timestamps do: the reports' hours
    # (EXTRACT) and the datetimes read back are UTC whatever the server's own zone.
    # A pooled connection the server lost (a restart) is found out before it is used.
    options = f"-c TimeZone=UTC -c lock_timeout={lock_timeout_ms}"
    return create_engine(url, pool_pre_ping=True, json_serializer=_to_json, connect_args={"options": options}, **pool)


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    with migrating(engine) as (config, _):
        command.upgrade(config, "head")


@contextmanager
def migrating(engine: Engine) -> Iterator[tuple[Config, Connection]]:
    """Alembic's configuration on one connection, in one transaction, to run migrations with
    (`command.upgrade(config, ...)`, `command.downgrade`), committed when the block ends."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        if sqlite:
            # Changing a column's type on SQLite copies its table and drops the old one; with
            # foreign keys on, that drop fails on any row that refers to the table (a user
            # table with sessions and audit rows). SQLite's own procedure for such changes:
            # keys off (outside a transaction), change, check, keys on.
            driver.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                starting_alone(conn)
                config.attributes["connection"] = conn
                yield config, conn
                if sqlite and (broken := conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()):
                    raise RuntimeError(f"the migration left rows that refer to nothing: {broken[:5]}")
        finally:
            if sqlite:
                driver.execute("PRAGMA foreign_keys=ON")


# Server processes starting together on one PostgreSQL database migrate and seed it one at a
# time (an advisory lock, held until the transaction ends): the first does it, the others find it done.
_STARTING = 0x6D6F7463  # "motc"


def starting_alone(connection: "Connection | Session") -> None:
    """Wait for any other server process starting on this database (not on SQLite, whose
    write lock does it already) until this transaction ends."""
    dialect = connection.bind.dialect if isinstance(connection, Session) else connection.dialect  # type: ignore[union-attr]
    if dialect.name != "sqlite":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _STARTING})


class Database:
    """Sessions for reading, and one writer at a time for changes.

    Writes are serialised in the process (SQLite has one writer anyway) so that the event
    sequence commits in order and is published in the same order. Two ways to write:

    - `with db.write() as session`: a unit of work in the caller's thread;
    - `await db.run(job)`: for the hot path (issuing). Every job waiting at that moment runs in
      one transaction and one commit makes them all durable: one fsync for many tickets at a
      peak. A job's result is given only after that commit, so no client hears of a ticket
      that is not on disk, and a failing job undoes only itself.

    The jobs run on the event loop's own thread: they are short, CPU-only work, and a
    separate writer thread would wait for the interpreter lock at every SQLite call while
    the loop is busy. The commit, where the disk is waited for, runs in a thread of its own.
    Every write, of either kind, goes through one session on one connection (`_transaction`).

    The loop never waits for the database lock. With SQLite, the writing connection's busy
    timeout is zero and its transaction begins (BEGIN IMMEDIATE, the lock) before the jobs
    run: at once on the loop when the lock is free, as it nearly always is; when another
    program holds it (a backup, `sqlite3` at a prompt), in the blocking-call thread, waiting
    up to `lock_wait` seconds. Past that, every job waiting answers 503 database_busy and
    none of them has run; reads go on meanwhile in their own threads (WAL). A database fault
    (disk full, read-only, I/O error) answers 503 with its reason, and the next write tries
    again on a fresh connection (make_engine's handle_error), so the server recovers by
    itself once the disk or the file is mended.

    With PostgreSQL the same code runs; what differs is here and in make_engine alone. There
    is no database lock to take up front: a transaction begins with its first statement, and
    a write waits only for rows or tables another program locks, at most `lock_wait` (the
    writing connection's lock_timeout), then 503 database_busy. That wait is in the
    blocking-call thread, where the jobs run with PostgreSQL (`_jobs`): the loop goes on. Its faults (PG_FAULTS) answer the same 503s, and a lost connection answers
    database_unreachable. Several server processes may write one PostgreSQL database
    (`motcua serve --workers N`): each change holds its center's row first (queue.hold_center),
    which serialises a center's numbers and event sequence across processes; values are kept
    for one transaction only (server.kept); the jobs run in the blocking-call thread, so the
    loop never waits for another process's lock; a batch PostgreSQL finds deadlocked (two
    processes holding centers in opposite orders) runs again one job per transaction; and
    each commit notifies every process of its centers' new events (NOTIFY on `CHANNEL`,
    heard by server.listener, which publishes them: the only path to the websockets there).
    """

    def __init__(
        self,
        engine: Engine,
        on_commit: Callable[[list], None] | None = None,
        readers: int = 1,
        read_queue: int = 2000,
        lock_wait: float = 30,
    ) -> None:
        self.engine = engine
        self.on_commit = on_commit
        self._sqlite = engine.dialect.name == "sqlite"
        self._lock_wait_ms = int(lock_wait * 1000)
        self._postgres = engine.dialect.name == "postgresql"
        self._writer = engine.execution_options(sqlite_begin="IMMEDIATE")
        if self._postgres:
            # PostgreSQL: the writing connection is opened for the writer, not taken from the
            # pool, so one made after a failure sees the database as it is now (a connection
            # opened while the database was read-only stays read-only). PostgreSQL locks rows,
            # not the database, and a write waits for one another process holds (another
            # server process's center, queue.hold_center, for one commit's time; or another
            # program's lock): its lock_timeout is lock_wait, past which it answers 503
            # database_busy. The jobs wait in the blocking-call thread, not on the loop.
            self._writer = _postgres_engine(engine.url, poolclass=NullPool, lock_timeout_ms=self._lock_wait_ms)
        # A plain lock, not an RLock: the group commit takes it on the loop and may have
        # waited for it in a worker thread.
        self.write_lock = threading.Lock()
        self._pending: list[tuple[Job, asyncio.Future]] = []
        self._flusher: asyncio.Task | None = None
        # What the issue path keeps between writing transactions (server.kept).
        self._kept: dict = {}
        self._writing: Session | None = None  # made by the first write (see _session)
        self._driver: sqlite3.Connection | None = None  # the writing session's SQLite connection
        self._readers = ThreadPoolExecutor(readers, thread_name_prefix="motcua-read")
        # Who a token belongs to is looked up in a thread of its own: a request's sign-in
        # check must not queue behind a burst of heavy reads (a kiosk's tap waited seconds).
        self._lookups = ThreadPoolExecutor(1, thread_name_prefix="motcua-lookup")
        self._read_queue = read_queue
        self._reads = 0  # reads running or waiting for a reading thread

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading in the caller's thread (the command line, tests); the server
        reads through `reading`."""
        with Session(self.engine, expire_on_commit=False) as session:
            yield session

    async def reading(self, job: "Job[T]", lookup: bool = False) -> T:
        """`job(session)` in one of the reading threads, for the event loop to await.

        The session, and its pooled connection, live only while the job runs in that thread:
        nothing holds a connection while it waits for a thread, the loop or a client, and the
        pool has a connection for every reading thread, so reads cannot stall each other (a
        route that kept its session while FastAPI validated its answer in another thread-pool
        hop once did, for 30 s). The job returns plain data (pydantic models), not ORM rows.
        Past `read_queue` reads waiting, the next one is refused at once: 503, Retry-After.
        `lookup`: a one-row lookup (a token's principal) that goes ahead of the reads.
        """
        if self._reads >= self._read_queue:
            raise ServiceBusy(retry_after=1)
        self._reads += 1
        try:
            threads = self._lookups if lookup else self._readers
            return await asyncio.get_running_loop().run_in_executor(threads, self._read, job)
        except DRIVER_ERRORS as exc:
            raise database_fault(exc) or exc
        finally:
            self._reads -= 1

    def _read(self, job: "Job[T]") -> T:
        with self.read() as session:
            return job(session)

    @contextmanager
    def _transaction(self) -> Iterator[Session]:
        """The writing session, for one transaction (BEGIN IMMEDIATE); hold the write lock.

        Writes are one at a time anyway, so one session on one connection serves them all,
        one transaction after another. A new session on a connection from the pool cost 220
        to 270 µs of CPU more per transaction: a fifth of a ticket issued in group commits of
        one (in-process), and at 1,000 tickets/s a group commit holds one to three. Closing
        the session after each transaction detaches what it loaded, as before. If anything
        fails, the session and its connection are let go: the next write starts afresh,
        whatever state the failure left them in.
        """
        session = self._session()
        session.info.pop("events", None)
        try:
            with session:  # closed afterwards: every transaction starts with an empty session
                if self._driver is not None:
                    # SQLAlchemy's transaction over the one begun (_begin), so it ends with
                    # it, even if no statement runs.
                    session.connection()
                yield session
        except BaseException:
            self._let_go()
            raise

    def _session(self) -> Session:
        """The writing session, made on its own connection if there is none."""
        session = self._writing
        if session is None:
            connection = self._writer.connect()
            # Values kept between transactions only where this process is the only writer.
            info = kept.shared(self._kept) if self._sqlite else {}
            session = Session(connection, expire_on_commit=False, info=info)
            if self._sqlite:
                self._driver = connection.connection.driver_connection  # type: ignore[assignment]
                self._driver.execute("PRAGMA busy_timeout=0")  # type: ignore[union-attr]  # waits only in _begin_waiting
            self._writing = session
            # The connection goes back to the pool with the Database (tests make many).
            weakref.finalize(self, connection.close)
        return session

    async def _begin(self) -> None:
        """Begin the writing transaction, holding the database lock, without the loop waiting
        for it: at once when the lock is free, else in the blocking-call thread (_begin_waiting)."""
        if not self._sqlite:
            return  # the server's databases other than SQLite begin with the first statement
        driver = self._driver
        if driver is not None:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if _sqlite_code(exc) != SQLITE_BUSY:
                    self._let_go()
                    raise database_fault(exc) or exc
        await _off_loop(self._begin_waiting)

    def _begin_waiting(self) -> None:
        """Begin the writing transaction, waiting up to `lock_wait` for the database lock;
        503 database_busy past it (nothing begun). Holds the write lock; in a thread."""
        if not self._sqlite:
            return  # the server's databases other than SQLite begin with the first statement
        try:
            self._session()
            driver = self._driver
            assert driver is not None
            driver.execute(f"PRAGMA busy_timeout={self._lock_wait_ms}")
            try:
                driver.execute("BEGIN IMMEDIATE")
            finally:
                driver.execute("PRAGMA busy_timeout=0")
        except DRIVER_ERRORS as exc:
            if _sqlite_code(exc) != SQLITE_BUSY:
                self._let_go()
            raise database_fault(exc) or exc

    def _let_go(self) -> None:
        """Close the writing session and drop its connection; the next write makes new ones.

        Dropped, not pooled: it has the writer's busy timeout, and whatever state the failure
        left it in (a connection opened while the file was read-only stays so). The kept
        values go too: they may tell of a transaction that never committed (server.kept)."""
        self._kept.clear()
        session, self._writing, self._driver = self._writing, None, None
        if session is not None:
            session.close()
            session.bind.invalidate()  # type: ignore[union-attr]
            session.bind.close()  # type: ignore[union-attr]

    def close(self) -> None:
        """Give the writing connection back to the pool (before the engine is disposed)."""
        self._readers.shutdown(wait=True)
        self._lookups.shutdown(wait=True)
        with self.write_lock:
            self._let_go()

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A transaction committed on success, rolled back on any error, under the write lock.

        After the commit, the events the domain recorded (session.info["events"]) go to
        `on_commit`, still under the lock, so they are published in sequence order. It waits
        up to `lock_wait` for the database lock, in the caller's thread (never the loop's).
        """
        with self.write_lock:
            self._begin_waiting()
            with self._transaction() as session:
                try:
                    yield session
                    self._notify(session)
                    session.commit()
                except BaseException as exc:
                    session.rollback()
                    fault = database_fault(exc)
                    if fault is not None and fault is not exc:
                        raise fault from exc
                    raise
                self._publish(session)

    async def run(self, job: "Job[T]") -> T:
        """Run `job(session)` in the next group commit; its result once that is durable."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._pending.append((job, future))
        flusher = self._flusher
        # A new flusher if none runs, or if the last one belonged to another event loop (a
        # test client's loop may have stopped with it unfinished).
        if flusher is None or flusher.done() or flusher.get_loop() is not loop:
            self._flusher = loop.create_task(self._flush())
        try:
            return await future
        except DRIVER_ERRORS as exc:
            raise database_fault(exc) or exc

    async def _flush(self) -> None:
        while self._pending:
            if not self.write_lock.acquire(blocking=False):
                await asyncio.to_thread(self.write_lock.acquire)
            try:
                await self._begin()
            except BaseException as exc:  # the lock stayed busy, or the database is at fault
                batch, self._pending = self._pending, []
                log.warning("motcua: %d writes refused: %s", len(batch), exc.__cause__ or exc)
                outcomes = [(future, None, exc) for _, future in batch]
                self.write_lock.release()
            else:
                # Taken after the lock: whatever arrived while waiting joins this commit.
                batch, self._pending = self._pending, []
                try:
                    outcomes = await self._write(batch)
                except BaseException as exc:  # the commit failed: no job of the batch happened
                    if database_fault(exc) is None:
                        log.exception("motcua: a group commit of %d jobs failed", len(batch))
                    else:
                        log.warning("motcua: a group commit of %d jobs failed: %s", len(batch), exc)
                    outcomes = [(future, None, exc) for _, future in batch]
                finally:
                    self.write_lock.release()
            for outcome in outcomes:
                _settle(*outcome)
            # Let the callers just answered send their responses before the next batch's jobs
            # hold the loop: a quarter to a third off p99 at 1,000 tickets/s (bench/).
            await asyncio.sleep(0)

    async def _write(self, batch: list[tuple[Job, asyncio.Future]]) -> list[tuple]:
        """Run the batch's jobs in one transaction and commit it; (future, result, error) each.

        First all together, with no savepoints: they cost more than a ticket's own statements,
        and jobs rarely fail. If one does, everything is undone and the others run again,
        each in its own savepoint this time, so a failure undoes only its own job. If it
        failed for the database's fault (full, read-only, I/O), the others would too: the
        error is raised for the whole batch, as for a failed commit. The transaction is begun
        (`_begin`) before this is called.
        """
        with self._transaction() as session:
            outcomes = await self._jobs(session, batch, isolated=False)
            failed = outcomes[-1] if outcomes and outcomes[-1][2] is not None else None
            if failed is None:
                await _off_loop(self._commit, session)
                return outcomes
            alone = len(batch) > 1 and (_sqlstate(failed[2]) == DEADLOCK or isinstance(failed[2], CenterTaken))
            if database_fault(failed[2]) is not None and not alone:
                raise failed[2]
            session.rollback()
        if alone:
            return await self._one_by_one(batch)
        others = [(job, future) for job, future in batch if future is not failed[0]]
        await self._begin()
        with self._transaction() as session:
            outcomes = await self._jobs(session, others, isolated=True)
            await _off_loop(self._commit, session)
        jobs = dict((future, job) for job, future in others)
        later = [(jobs[future], future) for future, _, exc in outcomes if isinstance(exc, CenterTaken)]
        done = [outcome for outcome in outcomes if not isinstance(outcome[2], CenterTaken)]
        return [*done, *await self._one_by_one(later), failed]

    async def _one_by_one(self, batch: list[tuple[Job, asyncio.Future]]) -> list[tuple]:
        """Each job in a transaction of its own, which waits for its one center: that cannot
        deadlock, nor be put off (queue.hold_center)."""
        outcomes = []
        for job, future in batch:
            try:  # each job's own outcome: those before it have committed
                await self._begin()
                outcomes += await self._write([(job, future)])
            except Exception as exc:
                outcomes.append((future, None, exc))
        return outcomes

    async def _jobs(self, session: Session, batch: list[tuple[Job, asyncio.Future]], isolated: bool) -> list[tuple]:
        """`_run_jobs`: on the loop with SQLite (short, CPU-only work); in the blocking-call
        thread with PostgreSQL, where a job may wait for a center another process holds."""
        if self._sqlite:
            return self._run_jobs(session, batch, isolated)
        return await _off_loop(self._run_jobs, session, batch, isolated)

    def _run_jobs(self, session: Session, batch: list[tuple[Job, asyncio.Future]], isolated: bool) -> list[tuple]:
        """Run jobs in order. Not isolated: stop at the first error (its outcome comes last).

        Isolated: should SQLite have rolled the whole transaction back under a job (it does on
        a full disk or an I/O error), the jobs before it are undone too and later statements
        would commit one by one: the error is raised for the whole batch, nothing commits."""
        events = session.info.setdefault("events", [])
        if len(batch) > 1:
            session.info[BATCH_CENTERS] = set()
        else:
            session.info.pop(BATCH_CENTERS, None)
        outcomes = []
        for job, future in batch:
            if _abandoned(future):
                continue  # its caller went away before it ran: nothing happens
            if not isolated:
                try:
                    outcomes.append((future, job(session), None))
                except Exception as exc:
                    outcomes.append((future, None, exc))
                    break
                continue
            recorded = len(events)
            try:
                with session.begin_nested():
                    outcomes.append((future, job(session), None))
            except Exception as exc:
                if self._driver is not None and not self._driver.in_transaction:
                    raise _first_fault(exc) from None
                del events[recorded:]  # undone with its savepoint
                outcomes.append((future, None, exc))
        return outcomes

    def _commit(self, session: Session) -> None:
        try:
            self._notify(session)
            session.commit()
        except BaseException:
            session.rollback()
            raise
        self._publish(session)

    def _notify(self, session: Session) -> None:
        """PostgreSQL: tell every server process, at commit, which centers have new events."""
        events = session.info.get("events")
        if events and not self._sqlite:
            for center_id in sorted({event.center_id for event in events}):
                session.execute(_NOTIFY, {"channel": CHANNEL, "center": str(center_id)})

    def _publish(self, session: Session) -> None:
        events = session.info.get("events")
        if events and self.on_commit is not None:
            self.on_commit(events)


_blocking_calls: "queue.SimpleQueue[tuple]" = queue.SimpleQueue()
_blocking_thread: threading.Thread | None = None
_blocking_start = threading.Lock()


async def _off_loop(call: Callable[..., T], *args: object) -> T:
    """`call(*args)` in the process's blocking-call thread, for the loop to await.

    The group commit waits for the disk here. asyncio.to_thread goes through a thread pool,
    a concurrent future and a context copy: 80 to 120 µs of CPU per hand-off on the 2-core
    test machine against 26 to 54 µs here (no-op calls), and at 1,000 tickets/s there is a
    hand-off for every one to three tickets.
    """
    global _blocking_thread
    with _blocking_start:
        if _blocking_thread is None:
            _blocking_thread = threading.Thread(target=_run_blocking_calls, name="motcua-commit", daemon=True)
            _blocking_thread.start()
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()
    _blocking_calls.put((loop, future, call, args))
    return await future


def _run_blocking_calls() -> None:
    while True:
        loop, future, call, args = _blocking_calls.get()
        try:
            outcome = (call(*args), None)
        except BaseException as exc:
            outcome = (None, exc)
        try:
            loop.call_soon_threadsafe(_settle, future, *outcome)
        except RuntimeError:  # its loop has closed: nobody is left to tell
            pass


def _settle(future: asyncio.Future, value: object, error: BaseException | None) -> None:
    """Give a waiting caller its result or error, unless it has gone away."""
    if _abandoned(future):
        return
    if error is None:
        future.set_result(value)
    else:
        future.set_exception(error)


def _abandoned(future: asyncio.Future) -> bool:
    """Nobody waits for this result any more: cancelled, or its event loop is gone."""
    return future.done() or future.get_loop().is_closed()
