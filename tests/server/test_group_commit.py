"""The group commit (`Database.run`): many jobs, one transaction, one fsync, and a failing job
undoes only itself. On a real SQLite file, through the domain's own issue function."""

import asyncio

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from server import queue
from server.db import Database
from server.errors import NotFound
from server.models import Event, Ticket


def issue_job(clock, category_id: int):
    def job(session):
        ticket, _ = queue.issue_ticket(session, clock(), category_id=category_id)
        return ticket.label

    return job


def half_done_job(clock, category_id: int):
    """Issues a ticket, then fails: its ticket and event must vanish with it."""

    def job(session):
        queue.issue_ticket(session, clock(), category_id=category_id)
        raise RuntimeError("the job failed after writing")

    return job


async def run_together(db, jobs):
    """Submit all jobs before any runs, so they share one group commit."""
    return await asyncio.gather(*(db.run(job) for job in jobs), return_exceptions=True)


def committed(db) -> tuple[list[str], list[int]]:
    with db.read() as session:
        labels = list(session.execute(select(Ticket.label).order_by(Ticket.id)).scalars())
        seqs = list(session.execute(select(Event.seq).order_by(Event.seq)).scalars())
    return labels, seqs


def test_jobs_submitted_together_commit_together_in_order(db, world, clock):
    a = world.categories["A"].id
    commits: list[list] = []  # the events of each commit, as published
    grouped = Database(db.engine, on_commit=commits.append)
    results = asyncio.run(run_together(grouped, [issue_job(clock, a) for _ in range(20)]))
    assert results == [f"A{n:03d}" for n in range(1, 21)]
    assert len(commits) == 1, "twenty jobs submitted together make one commit"
    labels, seqs = committed(db)
    assert labels == results
    assert [e.seq for e in commits[0]] == seqs[-20:] == list(range(seqs[-20], seqs[-20] + 20))


@pytest.mark.parametrize("failing", ["unknown category", "fails after writing"])
def test_a_failing_job_undoes_only_itself(db, world, clock, published, failing):
    """Two failures in one batch: the first is found with all jobs together, the second
    when the rest run again, each in its own savepoint."""
    a = world.categories["A"].id

    def bad():
        return issue_job(clock, 999_999) if failing == "unknown category" else half_done_job(clock, a)

    good = [issue_job(clock, a) for _ in range(6)]
    jobs = [*good[:3], bad(), good[3], bad(), *good[4:]]
    _, seqs_before = committed(db)
    published.clear()

    results = asyncio.run(run_together(db, jobs))

    errors = [results.pop(5), results.pop(3)]
    assert all(isinstance(e, NotFound if failing == "unknown category" else RuntimeError) for e in errors)
    # The others all issued, numbered without the failed jobs leaving a gap.
    assert results == [f"A{n:03d}" for n in range(1, 7)]
    labels, seqs = committed(db)
    assert labels == results
    # Six events, one per ticket, with no gap where the failed job's event was undone.
    assert seqs == [*seqs_before, *range(len(seqs_before) + 1, len(seqs_before) + 7)]
    assert [e.ticket.label for e in published] == results


@pytest.mark.sqlite_only("the commit fails on a foreign key SQLite defers to COMMIT (PRAGMA defer_foreign_keys)")
def test_a_failing_commit_fails_its_whole_batch_and_the_next_batch_commits(db, world, clock, published):
    """The commit itself fails (here a foreign key SQLite checks only at COMMIT, as a full
    disk would fail it): every caller of the batch hears of it, nothing of it is stored or
    published, and the numbers it would have used are issued by the next commit."""
    a = world.categories["A"].id

    def fails_at_commit(session):
        connection = session.connection()
        connection.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
        connection.exec_driver_sql(
            "INSERT INTO event (center_id, seq, kind, at, data) VALUES (999999, 1, 'x', '2026-11-23 02:00:00', '{}')"
        )
        return "not committed"

    before = committed(db)
    published.clear()
    results = asyncio.run(run_together(db, [issue_job(clock, a), fails_at_commit, issue_job(clock, a)]))
    assert [type(r) for r in results] == [IntegrityError] * 3
    assert committed(db) == before and published == []

    assert asyncio.run(run_together(db, [issue_job(clock, a), issue_job(clock, a)])) == ["A001", "A002"]
    assert [e.ticket.label for e in published] == ["A001", "A002"]


@pytest.mark.sqlite_only("the full disk is SQLite's page limit (PRAGMA max_page_count)")
def test_a_full_database_under_a_job_of_a_batch_run_again_fails_the_whole_batch(db, world, clock, published):
    """A job fails (unknown category), so the others run again, each in its own savepoint; then
    one meets a full database and SQLite rolls the whole transaction back under it. The jobs
    before it are undone with it and the ones after must not commit one statement at a time:
    every caller hears 503 database_full, nothing is stored, and once there is room again the
    numbers go on without a gap. The full disk is SQLite's own limit on the writing connection
    (PRAGMA max_page_count: the same SQLITE_FULL a full disk gives)."""
    a = world.categories["A"].id

    def disk_full(session):
        connection = session.connection()
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar_one()
        connection.exec_driver_sql(f"PRAGMA max_page_count={pages}")

    def many_tickets(session):
        for _ in range(300):
            queue.issue_ticket(session, clock(), category_id=a)
        return "not committed"

    asyncio.run(db.run(disk_full))
    before = committed(db)
    published.clear()
    jobs = [issue_job(clock, a), issue_job(clock, 999_999), issue_job(clock, a), many_tickets, issue_job(clock, a)]
    results = asyncio.run(run_together(db, jobs))
    assert [getattr(r, "code", r) for r in results] == ["database_full"] * 5
    assert all(r.status == 503 for r in results)
    assert committed(db) == before and published == []
    # The failed writing connection was let go with its limit: the next commit has room.
    assert asyncio.run(run_together(db, [issue_job(clock, a), issue_job(clock, a)])) == ["A001", "A002"]


def test_later_submissions_form_the_next_commit(db, world, clock):
    a = world.categories["A"].id

    async def two_waves():
        first = await run_together(db, [issue_job(clock, a) for _ in range(5)])
        second = await run_together(db, [issue_job(clock, a) for _ in range(5)])
        return first + second

    assert asyncio.run(two_waves()) == [f"A{n:03d}" for n in range(1, 11)]
    with db.read() as session:
        assert session.execute(select(func.count()).select_from(Ticket)).scalar_one() == 10


def test_callers_hear_of_their_commit_before_the_next_batch_runs(db, world, clock):
    """The next batch's jobs hold the event loop: the callers whose tickets are already on
    disk must have their answers first."""
    a = world.categories["A"].id
    answered: list[str] = []
    seen_by_next_batch: list[int] = []
    next_callers: list = []
    loop = None

    async def caller(job):
        answered.append(await db.run(job))

    def next_job(session):
        seen_by_next_batch.append(len(answered))
        return issue_job(clock, a)(session)

    def first_job(session):
        # Submitted while this batch runs, so they make the next one. Through the loop, from
        # whichever thread runs the jobs (the loop's with SQLite, the blocking-call thread's with
        # PostgreSQL: server.db).
        next_callers.append(asyncio.run_coroutine_threadsafe(caller(next_job), loop))
        return issue_job(clock, a)(session)

    async def scenario():
        nonlocal loop
        loop = asyncio.get_running_loop()
        await asyncio.gather(*(caller(first_job) for _ in range(3)))
        await asyncio.gather(*(asyncio.wrap_future(f) for f in next_callers))

    asyncio.run(scenario())
    assert seen_by_next_batch == [3, 3, 3]
    assert sorted(answered) == [f"A{n:03d}" for n in range(1, 7)]


def test_the_driver_path_stores_what_the_orm_stores(db, world, clock):
    """Issuing writes through the driver (server/direct.py), a transfer through the ORM. Both
    rows must hold the same text for the same time, or ordering by time would break (a
    whole-second time is where a naive adapter and SQLAlchemy's format differ)."""
    a, b = world.categories["A"], world.categories["B"]
    assert clock().microsecond == 0
    with db.write() as session:
        issued, _ = queue.issue_ticket(session, clock(), category_id=a.id, note="x")
        moved = queue.transfer(session, clock(), issued.id, category_id=b.id)
    with db.read() as session:
        # Untyped SQL: SQLite gives the stored text back, PostgreSQL its own values.
        raw = session.execute(
            text("SELECT id, queued_at, issued_at, service_day, state, source FROM ticket WHERE id IN (:a, :b) ORDER BY id"),
            {"a": issued.id, "b": moved.id},
        ).all()
    (_, *first), (_, *second) = raw
    assert first[:3] == second[:3], raw  # queued_at, issued_at, service_day as the same text
    assert first[3:] == ["transferred", "kiosk"] and second[3] == "waiting"  # enums by name


@pytest.mark.filterwarnings("ignore:coroutine 'Database._flush' was never awaited")  # the stopped loop's
def test_a_job_left_by_a_stopped_event_loop_neither_runs_nor_blocks_the_next(db, world, clock):
    """A test client's loop (or a server's) can stop with a job queued: the next loop's jobs
    must still be written, and the orphan, whose caller is gone, must not issue a ticket."""
    a = world.categories["A"].id
    old = asyncio.new_event_loop()
    orphan = old.create_task(db.run(issue_job(clock, a)))
    old.call_soon(old.stop)
    old.run_forever()  # one turn: the job is queued, its flusher not yet run
    old.close()
    assert not orphan.done()

    # A bound on the wait, so a regression fails here instead of hanging the suite.
    assert asyncio.run(asyncio.wait_for(db.run(issue_job(clock, a)), timeout=30)) == "A001"
    labels, _ = committed(db)
    assert labels == ["A001"]
