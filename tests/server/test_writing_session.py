"""The one writing session: every write, one transaction after another, on one connection.
Each transaction must start as if the session were new, and a failure must leave nothing behind."""

import pytest
from sqlalchemy import inspect, select

from server import queue
from server.models import Category, Ticket


def test_a_transaction_publishes_only_its_own_events_and_starts_with_nothing_loaded(db, world, clock, published):
    a = world.categories["A"].id
    published.clear()
    with db.write() as session:
        queue.issue_ticket(session, clock(), category_id=a)
        category = session.get(Category, a)
    assert [e.ticket.label for e in published] == ["A001"]
    assert category is not None and inspect(category).detached, "what a transaction loaded is let go with it"

    with db.write() as session:
        assert len(session.identity_map) == 0
        queue.issue_ticket(session, clock(), category_id=a)
    # The second commit published its one event, not the first transaction's again.
    assert [e.ticket.label for e in published] == ["A001", "A002"]


def test_writes_share_one_connection_until_the_database_closes(db, world, clock):
    drivers = []
    for _ in range(3):
        with db.write() as session:
            queue.issue_ticket(session, clock(), category_id=world.categories["B"].id)
            drivers.append(session.connection().connection.driver_connection)
    assert len({id(driver) for driver in drivers}) == 1
    if db.engine.dialect.name == "sqlite":  # PostgreSQL's writer opens its own (server.db)
        assert db.engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    db.close()
    assert db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]
    with db.write() as session:  # and a closed Database opens it again when asked to write
        queue.issue_ticket(session, clock(), category_id=world.categories["B"].id)
    with db.read() as session:
        assert session.execute(select(Ticket.label).order_by(Ticket.id)).scalars().all() == ["B001", "B002", "B003", "B004"]


def test_a_failed_write_gives_back_its_connection_and_leaves_nothing(db, world, clock, published):
    a = world.categories["A"].id
    with db.write() as session:
        queue.issue_ticket(session, clock(), category_id=a)
    published.clear()
    with pytest.raises(RuntimeError), db.write() as session:
        queue.issue_ticket(session, clock(), category_id=a)
        raise RuntimeError("the request failed half way")
    assert db.engine.pool.checkedout() == 0, "the failed transaction's connection is not used again"
    assert published == []

    with db.write() as session:
        ticket, _ = queue.issue_ticket(session, clock(), category_id=a)
    assert ticket.label == "A002"
    with db.read() as session:
        assert session.execute(select(Ticket.label).order_by(Ticket.id)).scalars().all() == ["A001", "A002"]
