"""A counter's waiting list is the order call-next calls in, and call-next reads the heads of
its queues from the partial indexes of waiting tickets (no scan of the day's tickets)."""

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.dialects import sqlite

from queue_world import FakeClock, World
from server import queue
from server.db import Database
from server.errors import Conflict
from server.models import CounterCategory, PriorityGroup, PriorityRule, Ticket, TicketSource


def issue_mix(db: Database, world: World, clock: FakeClock) -> None:
    """Ordinary and priority tickets in A and B, a transfer to counter 1 by name, minutes apart."""
    a, b = world.categories["A"].id, world.categories["B"].id
    plan = [(a, None), (b, None), (a, PriorityGroup.elderly), (b, None), (a, None), (b, PriorityGroup.pregnant),
            (a, None), (a, PriorityGroup.disabled), (b, None), (b, None), (a, None), (b, PriorityGroup.elderly)]  # fmt: skip
    with db.write() as session:
        for category, group in plan:
            queue.issue_ticket(session, clock(), category_id=category, priority_group=group, source=TicketSource.desk)
            clock.advance(minutes=3)
    with db.write() as session:  # a citizen sent to counter 1 by name, from C
        sent = queue.issue_ticket(session, clock(), category_id=world.categories["C"].id)[0]
        queue.transfer(session, clock(), sent.id, counter_id=world.counters[1].id)
    clock.advance(minutes=5)


@pytest.mark.parametrize("rule", list(PriorityRule))
def test_the_waiting_list_is_the_order_call_next_calls_in(db, world, clock, rule):
    with db.write() as session:
        center = queue.get_center(session, world.center.id)
        center.priority_rule, center.priority_ratio, center.ageing_minutes = rule, 2, 20
        # Counter 1 counts a wait in B twice: the weights take part in the order too.
        session.execute(update(CounterCategory).where(CounterCategory.counter_id == world.counters[1].id)
                        .where(CounterCategory.category_id == world.categories["B"].id).values(weight=2))  # fmt: skip
    issue_mix(db, world, clock)
    counter_id = world.counters[1].id
    with db.read() as session:
        view = queue.counter_view(session, counter_id, clock(), limit=50)
    listed = [t.label for t in view.waiting]
    assert view.waiting_total == len(listed) == 13
    assert len(set(listed)) == 13
    by_issue = [t.label for t in sorted(view.waiting, key=lambda t: (t.queued_at, t.id))]
    assert listed != by_issue  # priority and weights put some ahead of earlier tickets

    called = []
    while True:
        with db.write() as session:
            try:
                ticket = queue.call_next(session, clock(), counter_id)
            except Conflict:
                break
            called.append(ticket.label)
            queue.complete(session, clock(), ticket.id)
    assert called == listed


def test_a_short_list_is_the_start_of_the_long_one(db, world, clock):
    issue_mix(db, world, clock)
    with db.read() as session:
        five = queue.counter_view(session, world.counters[2].id, clock(), limit=5)
        all_of_them = queue.counter_view(session, world.counters[2].id, clock(), limit=200)
    assert [t.id for t in five.waiting] == [t.id for t in all_of_them.waiting][:5]
    assert five.waiting_total == all_of_them.waiting_total == 12  # counter 2 serves A and B; C's transfer is not its
    assert five.in_hand is None and five.counter.number == 2


def plan_of(db: Database, statement, **params: object) -> str:
    compiled = statement.compile(dialect=sqlite.dialect())
    values = tuple(params.get(name, 1) for name in compiled.positiontup)
    with db.engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        cursor.execute("EXPLAIN QUERY PLAN " + compiled.string, values)
        return "\n".join(row[-1] for row in cursor.fetchall())


@pytest.mark.sqlite_only("reads SQLite's query plans (EXPLAIN QUERY PLAN); PostgreSQL's planner scans tables this small")
def test_call_next_reads_the_heads_from_indexes_not_the_days_tickets(db, world):
    plan = plan_of(db, queue._streams_statement(2))
    assert "SCAN ticket" not in plan  # every part searches an index
    assert plan.count("SEARCH ticket USING INDEX") == 6  # per class: sent by name, and 2 categories
    assert "ix_ticket_waiting_" in plan
    assert "SEARCH ticket USING INDEX ix_ticket_in_hand" in plan_of(db, queue._IN_HAND)


def test_call_next_runs_the_same_statements_with_20_or_2000_waiting(db, world, clock):
    """The cost does not grow with the queue: same statements, each an index search."""
    from sqlalchemy import event

    def statements_of_one_call(waiting: int) -> list[str]:
        with db.write() as session:
            for n in range(waiting):
                queue.issue_ticket(session, clock(), category_id=world.categories["A" if n % 2 else "B"].id)
        with db.write() as session:  # a call before: what a call keeps (its counter's links) is kept
            queue.complete(session, clock(), queue.call_next(session, clock(), world.counters[1].id).id)
        seen: list[str] = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731  (conn, cursor, statement, ...)
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            with db.write() as session:
                ticket = queue.call_next(session, clock(), world.counters[1].id)
                queue.complete(session, clock(), ticket.id)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return seen

    few = statements_of_one_call(20)
    many = statements_of_one_call(1980)
    assert few == many
    with db.read() as session:
        waiting = session.execute(select(func.count()).where(Ticket.state == "waiting")).scalar_one()
    assert waiting == 2000 - 4
