"""Random sequences of queue operations keep the queue's invariants (hypothesis stateful testing).

- each ticket is in exactly the state its history says, and numbers stay unique and gapless;
- a counter has at most one ticket in hand;
- a call never skips a waiting ticket for a later one of the same category and priority class;
- under the ratio and ageing rules a waiting ordinary ticket is called even while priority
  tickets keep arriving (no starvation).
"""

import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import func, select
from sqlmodel import col

from database_urls import copy_database, database_url, drop
from queue_world import FakeClock, World, build_world
from server import queue
from server.db import Database, make_engine, migrate
from server.errors import Conflict
from server.models import CounterState, PriorityGroup, PriorityRule, Ticket, TicketState

_template: Path | None = None


def template_database() -> Path:
    """One migrated database with the test world, copied for each example (fast)."""
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="motcua-prop-"))
        engine = make_engine(database_url(folder / "template.db"))
        migrate(engine)
        with Database(engine).write() as session:
            build_world(session)
        engine.dispose()
        _template = folder / "template.db"
    return _template


COUNTERS = [1, 2, 3]
PREFIXES = ["A", "B", "C"]


class QueueMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.folder = Path(tempfile.mkdtemp(prefix="motcua-example-"))
        self.engine = make_engine(copy_database(template_database(), self.folder / "q.db"))
        self.db = Database(self.engine)
        # Five past midnight in Hà Nội: a whole service day ahead, so no run crosses midnight
        # (at midnight yesterday's queue ends, by design).
        self.clock = FakeClock(datetime(2026, 11, 22, 17, 5, tzinfo=UTC))
        with self.db.read() as session:
            self.world = World(queue.get_center(session, 1))
            for category in session.execute(select(queue.Category)).scalars():
                self.world.categories[category.prefix] = category
            for counter in session.execute(select(queue.Counter)).scalars():
                self.world.counters[counter.number] = counter
        self.expected: dict[int, TicketState] = {}

    def teardown(self) -> None:
        self.engine.dispose()
        drop(self.folder / "q.db")
        shutil.rmtree(self.folder, ignore_errors=True)

    @initialize(
        rule=st.sampled_from(list(PriorityRule)), ratio=st.integers(1, 3), ageing=st.integers(1, 10)
    )
    def choose_rule(self, rule: PriorityRule, ratio: int, ageing: int) -> None:
        with self.db.write() as session:
            center = queue.get_center(session, self.world.center.id)
            center.priority_rule, center.priority_ratio, center.ageing_minutes = rule, ratio, ageing
        self.rule, self.ratio, self.ageing = rule, ratio, ageing

    # --- helpers -----------------------------------------------------------------------------

    def counter_id(self, number: int) -> int:
        return self.world.counters[number].id  # type: ignore[return-value]

    def in_hand(self, number: int) -> Ticket | None:
        with self.db.read() as session:
            return queue.in_hand(session, queue.get_counter(session, self.counter_id(number)))

    def waiting(self) -> list[Ticket]:
        with self.db.read() as session:
            return list(
                session.execute(select(Ticket).where(Ticket.state == TicketState.waiting)).scalars()
            )

    def callable_by(self, number: int, tickets: list[Ticket]) -> list[Ticket]:
        with self.db.read() as session:
            links = {l.category_id for l in queue.counter_links(session, queue.get_counter(session, self.counter_id(number)))}
        cid = self.counter_id(number)
        return [
            t
            for t in tickets
            if t.target_counter_id == cid or (t.target_counter_id is None and t.category_id in links)
        ]

    def do(self, change, ticket_id: int, **kw) -> Ticket:
        with self.db.write() as session:
            return change(session, self.clock(), ticket_id, **kw)

    def call(self, number: int) -> Ticket | None:
        before = self.waiting()
        try:
            with self.db.write() as session:
                ticket = queue.call_next(session, self.clock(), self.counter_id(number))
        except Conflict as err:
            assert err.code in ("queue_empty", "counter_paused", "counter_busy")
            if err.code == "queue_empty":
                assert self.callable_by(number, before) == []
            return None
        self.expected[ticket.id] = TicketState.called  # type: ignore[index]
        # No waiting ticket of the same category, class and target was queued before it.
        same = [
            w
            for w in before
            if w.category_id == ticket.category_id
            and w.target_counter_id == ticket.target_counter_id
            and (w.priority_group is None) == (ticket.priority_group is None)
        ]
        first = min(same, key=lambda w: (w.queued_at, w.id))
        assert first.id == ticket.id, f"{ticket.label} called before {first.label}"
        return ticket

    # --- rules -------------------------------------------------------------------------------

    @rule(prefix=st.sampled_from(PREFIXES), priority=st.sampled_from([None, *PriorityGroup]))
    def issue(self, prefix: str, priority: PriorityGroup | None) -> None:
        with self.db.write() as session:
            ticket, _ = queue.issue_ticket(
                session, self.clock(), category_id=self.world.categories[prefix].id, priority_group=priority
            )
        self.expected[ticket.id] = TicketState.waiting  # type: ignore[index]

    @rule(number=st.sampled_from(COUNTERS))
    def call_next(self, number: int) -> None:
        self.call(number)

    @rule(number=st.sampled_from(COUNTERS), action=st.sampled_from(["recall", "start", "complete", "no_show"]))
    def act_on_ticket_in_hand(self, number: int, action: str) -> None:
        ticket = self.in_hand(number)
        if ticket is None:
            return
        change = {"recall": queue.recall, "start": queue.start_serving, "complete": queue.complete, "no_show": queue.no_show}[action]
        allowed = {
            "recall": [TicketState.called],
            "start": [TicketState.called],
            "complete": [TicketState.called, TicketState.serving],
            "no_show": [TicketState.called],
        }[action]
        try:
            result = self.do(change, ticket.id)  # type: ignore[arg-type]
        except Conflict as err:
            assert ticket.state not in allowed and err.code == "invalid_transition"
            return
        assert ticket.state in allowed
        self.expected[result.id] = result.state  # type: ignore[index]

    @rule(data=st.data())
    def cancel_a_waiting_ticket(self, data: st.DataObject) -> None:
        waiting = self.waiting()
        if waiting:
            ticket = data.draw(st.sampled_from(waiting))
            self.do(queue.cancel, ticket.id)  # type: ignore[arg-type]
            self.expected[ticket.id] = TicketState.cancelled  # type: ignore[index]

    @rule(number=st.sampled_from(COUNTERS), prefix=st.sampled_from(PREFIXES), to_counter=st.sampled_from([None, *COUNTERS]))
    def transfer_ticket_in_hand(self, number: int, prefix: str, to_counter: int | None) -> None:
        ticket = self.in_hand(number)
        if ticket is None:
            return
        leg = self.do(
            queue.transfer,
            ticket.id,  # type: ignore[arg-type]
            category_id=self.world.categories[prefix].id,
            counter_id=self.counter_id(to_counter) if to_counter else None,
        )
        assert (leg.label, leg.queued_at) == (ticket.label, ticket.queued_at)
        self.expected[ticket.id] = TicketState.transferred  # type: ignore[index]
        self.expected[leg.id] = TicketState.waiting  # type: ignore[index]

    @rule(number=st.sampled_from(COUNTERS), paused=st.booleans())
    def pause_or_resume(self, number: int, paused: bool) -> None:
        with self.db.write() as session:
            queue.set_counter_state(
                session, self.clock(), self.counter_id(number), CounterState.paused if paused else CounterState.open
            )

    @rule(minutes=st.integers(0, 20))
    def time_passes(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)

    @precondition(lambda self: self.rule in (PriorityRule.ratio, PriorityRule.ageing))
    @rule(number=st.sampled_from(COUNTERS), newcomers=st.integers(1, 3))
    def priority_flood_does_not_starve_ordinary_tickets(self, number: int, newcomers: int) -> None:
        """Ordinary tickets wait at a counter, then priority tickets keep arriving there:
        the ordinary ones still get called."""
        with self.db.write() as session:
            queue.set_counter_state(session, self.clock(), self.counter_id(number), CounterState.open)
            first_category = queue.counter_links(session, queue.get_counter(session, self.counter_id(number)))[0].category_id
        held = self.in_hand(number)
        if held is not None:
            self.expected[held.id] = self.do(queue.complete, held.id).state  # type: ignore[arg-type, index]
        for _ in range(newcomers):
            with self.db.write() as session:
                ticket, _ = queue.issue_ticket(session, self.clock(), category_id=first_category)
            self.expected[ticket.id] = TicketState.waiting  # type: ignore[index]
        callable_now = self.callable_by(number, self.waiting())
        ordinary = [t for t in callable_now if t.priority_group is None]
        # ratio: an ordinary call at least every ratio + 1 calls; ageing: once aged, a ticket
        # waits only for those queued before it (every ticket waiting now, at most).
        bound = (len(ordinary) + 1) * (self.ratio + 1) + self.ageing * 6 + len(callable_now)
        for _ in range(bound):
            with self.db.write() as session:
                ticket, _ = queue.issue_ticket(
                    session, self.clock(), category_id=first_category, priority_group=PriorityGroup.elderly
                )
            self.expected[ticket.id] = TicketState.waiting  # type: ignore[index]
            self.clock.advance(seconds=10)  # ageing: a ticket ages after ageing_minutes * 6 calls
            called = self.call(number)
            assert called is not None
            self.expected[called.id] = self.do(queue.complete, called.id).state  # type: ignore[arg-type, index]
        still = {t.id for t in self.waiting()} & {t.id for t in ordinary}
        assert not still, f"starved under {self.rule}: {sorted(still)}"

    # --- invariants --------------------------------------------------------------------------

    @invariant()
    def states_match_history_and_numbers_are_unique(self) -> None:
        with self.db.read() as session:
            tickets = list(session.execute(select(Ticket)).scalars())
        assert {t.id: t.state for t in tickets} == self.expected
        by_category: dict[int, list[int]] = {}
        for t in tickets:
            if t.hop == 0:
                by_category.setdefault(t.number_category_id, []).append(t.number)
        for numbers in by_category.values():
            assert sorted(numbers) == list(range(1, len(numbers) + 1))
        # One citizen, one live leg: a transferred ticket's number is active at most once.
        active = [(t.number_category_id, t.number) for t in tickets if t.state in (TicketState.waiting, TicketState.called, TicketState.serving)]
        assert len(active) == len(set(active))

    @invariant()
    def a_counter_holds_at_most_one_ticket(self) -> None:
        with self.db.read() as session:
            held = session.execute(
                select(Ticket.counter_id, func.count())
                .where(col(Ticket.state).in_([TicketState.called, TicketState.serving]))
                .group_by(Ticket.counter_id)
            ).all()
        assert all(count == 1 for _, count in held), held


QueueMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
test_queue_invariants = QueueMachine.TestCase
