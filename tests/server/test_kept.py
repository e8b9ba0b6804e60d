"""What the issue path keeps between transactions (server.kept): the last number, the waiting
counts, the open counters, the category and center rows. After each kind of change, a new
ticket's number and estimate must be exactly what a fresh count of the database gives."""

import asyncio
from collections.abc import Callable

import pytest
from sqlalchemy import select

from server import directory, queue
from server.db import Database
from server.models import CounterState, Event, PriorityGroup, Ticket
from server.protocol import IssuedTicket

ELDERLY = PriorityGroup.elderly


def counted(db: Database, ticket_id: int) -> tuple[int, int]:
    """The estimate from a session of its own: nothing kept, everything counted."""
    with db.read() as session:
        return queue.estimate(session, queue.get_ticket(session, ticket_id))


def issue(db: Database, clock, category_id: int, priority: PriorityGroup | None = None) -> IssuedTicket:
    clock.advance(seconds=30)
    with db.write() as session:
        ticket, _ = queue.issue_ticket(session, clock(), category_id=category_id, priority_group=priority)
        issued = queue.issued_out(session, ticket)
    assert (issued.people_ahead, issued.estimated_wait_minutes) == counted(db, issued.id), issued.label
    return issued


def waiting_ids(db: Database, category_id: int) -> list[int]:
    with db.read() as session:
        return list(
            session.execute(
                select(Ticket.id).where(Ticket.category_id == category_id, Ticket.state == "waiting").order_by(Ticket.id)
            ).scalars()
        )


def failed_issue(db, world, clock) -> None:
    """A group-committed job that issues, then fails: its ticket is undone."""

    def job(session):
        queue.issue_ticket(session, clock(), category_id=world.categories["A"].id)
        raise RuntimeError("failed after issuing")

    with pytest.raises(RuntimeError):
        asyncio.run(db.run(job))


CHANGES: dict[str, Callable] = {
    "nothing": lambda db, world, clock: None,
    "call next": lambda db, world, clock: _write(db, queue.call_next, clock, world.counters[1].id),
    "cancel": lambda db, world, clock: _write(db, queue.cancel, clock, waiting_ids(db, world.categories["A"].id)[0]),
    "transfer in": lambda db, world, clock: _write(
        db, queue.transfer, clock, waiting_ids(db, world.categories["B"].id)[0], category_id=world.categories["A"].id
    ),
    "pause a counter": lambda db, world, clock: _write(
        db, queue.set_counter_state, clock, world.counters[2].id, CounterState.paused
    ),
    "edit the category": lambda db, world, clock: _write(
        db, directory.update_category, clock, world.categories["A"].id, service_minutes=25
    ),
    "failed issue": failed_issue,
    "next day": lambda db, world, clock: clock.advance(days=1),
}


def _write(db: Database, change: Callable, clock, *args, **kw) -> None:
    with db.write() as session:
        change(session, clock(), *args, **kw)


@pytest.mark.parametrize("change", CHANGES)
def test_after_a_change_a_new_ticket_gets_the_next_number_and_a_counted_estimate(db, world, clock, change):
    a, b = world.categories["A"].id, world.categories["B"].id
    issue(db, clock, b)
    before = [issue(db, clock, a, priority) for priority in (None, ELDERLY, None, None, ELDERLY, None)]
    assert before[-1].people_ahead == 5  # the kept counts are in use, and right so far

    CHANGES[change](db, world, clock)
    after = [issue(db, clock, a, priority) for priority in (None, ELDERLY, None)]

    numbers = [t.number for t in (*before, *after)]
    if change == "next day":
        assert numbers == [1, 2, 3, 4, 5, 6, 1, 2, 3]
    else:
        assert numbers == list(range(1, 10)), "gapless, whatever happened in between"
    with db.read() as session:
        seqs = list(session.execute(select(Event.seq).order_by(Event.seq)).scalars())
    assert seqs == list(range(1, len(seqs) + 1)), "the event sequence too"


@pytest.mark.sqlite_only("the statements are seen through SQLite's trace callback")
def test_the_next_ticket_of_a_category_is_issued_without_counting_the_queue(db, world, clock):
    """Once a category's values are kept, issuing counts nothing: its cost does not grow with
    the queue, and a transaction needs no query to find the next event's sequence. It reads
    only what the wait estimate needs from the database (server.estimate: the category's last
    completed services and its counters), so that another process's changes count."""
    a = world.categories["A"].id
    for _ in range(3):
        issue(db, clock, a)
    with db.write() as session:
        driver = session.connection().connection.driver_connection
        statements: list[str] = []
        driver.set_trace_callback(statements.append)
        ticket, _ = queue.issue_ticket(session, clock(), category_id=a)
        issued = queue.issued_out(session, ticket)
        driver.set_trace_callback(None)
    assert issued.people_ahead == 3
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2 and not [s for s in selects if "count(" in s.lower()], selects
    assert "LIMIT" in selects[0] and "counter_category" in selects[1]
    assert [s.split()[2] for s in statements if s.startswith("INSERT")] == ["ticket", "event"]
