"""The queue domain through its functions: numbering, hours, caps, calling rules, transitions."""

from datetime import UTC, datetime

import pytest

from queue_world import FakeClock, World
from server import directory, queue
from server.db import Database
from server.errors import Conflict, NotFound
from server.models import CounterState, PriorityGroup, PriorityRule, TicketState


def issue(db: Database, clock: FakeClock, category, **kw):
    with db.write() as session:
        ticket, created = queue.issue_ticket(session, clock(), category_id=category.id, **kw)
        assert created
        return ticket


def call(db: Database, clock: FakeClock, counter):
    with db.write() as session:
        return queue.call_next(session, clock(), counter.id)


def act(db: Database, clock: FakeClock, change, ticket, **kw):
    with db.write() as session:
        return change(session, clock(), ticket.id, **kw)


def set_rule(db: Database, world: World, rule: PriorityRule, **fields) -> None:
    with db.write() as session:
        center = queue.get_center(session, world.center.id)
        center.priority_rule = rule
        for name, value in fields.items():
            setattr(center, name, value)


def test_numbers_per_category_start_at_001(db, world, clock):
    a, b = world.categories["A"], world.categories["B"]
    labels = [issue(db, clock, a).label for _ in range(3)] + [issue(db, clock, b).label]
    assert labels == ["A001", "A002", "A003", "B001"]


def test_service_day_starts_at_local_midnight(db, world, clock):
    a = world.categories["A"]
    clock.now = datetime(2026, 11, 23, 16, 59, tzinfo=UTC)  # 23:59 in Hà Nội
    late = issue(db, clock, a)
    clock.advance(minutes=2)  # 00:01 on the 24th in Hà Nội, still the 23rd in UTC
    early = issue(db, clock, a)
    assert (late.service_day.isoformat(), late.label) == ("2026-11-23", "A001")
    assert (early.service_day.isoformat(), early.label) == ("2026-11-24", "A001")


def test_outside_hours_is_refused_in_both_languages(db, world, clock):
    with db.write() as session:
        category = directory.add_category(
            session, world.center, "D", "Xây dựng", "Construction", sessions=[["07:30", "11:30"], ["13:30", "17:00"]]
        )
    clock.now = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # 12:00 in Hà Nội: lunch
    with pytest.raises(Conflict) as err, db.write() as session:
        queue.issue_ticket(session, clock(), category_id=category.id)
    assert err.value.code == "outside_hours"
    assert "Xây dựng" in err.value.message["vi"] and "07:30-11:30" in err.value.message["vi"]
    assert "Construction" in err.value.message["en"]
    clock.now = datetime(2026, 11, 23, 6, 30, tzinfo=UTC)  # 13:30
    assert issue(db, clock, category).label == "D001"


def test_daily_cap_closes_the_category_and_says_so(db, world, clock, published):
    with db.write() as session:
        category = directory.add_category(session, world.center, "E", "Kinh doanh", "Business", sessions=[["00:00", "24:00"]], daily_cap=2)
    issue(db, clock, category)
    issue(db, clock, category)
    last_event = published[-1]
    assert last_event.kind == "ticket.issued"
    assert last_event.categories is not None and last_event.categories[0].open is False
    assert last_event.categories[0].closed_reason == "daily_cap_reached"
    with pytest.raises(Conflict) as err, db.write() as session:
        queue.issue_ticket(session, clock(), category_id=category.id)
    assert err.value.code == "daily_cap_reached"
    assert "2" in err.value.message["vi"]


def test_a_change_in_the_same_transaction_is_seen_by_the_next_issue(db, world, clock):
    """Issuing reads a category once per transaction; an ORM change to it must not be missed."""
    a = world.categories["A"]
    with pytest.raises(Conflict) as err, db.write() as session:
        queue.issue_ticket(session, clock(), category_id=a.id)
        queue.get_category(session, a.id).daily_cap = 1
        queue.issue_ticket(session, clock(), category_id=a.id)
    assert err.value.code == "daily_cap_reached"


def test_a_changed_category_or_center_is_seen_by_the_next_transaction(db, world, clock):
    """Issuing keeps categories and centers between transactions; a change must clear them."""
    a = world.categories["A"]
    issue(db, clock, a)
    with db.write() as session:
        queue.get_category(session, a.id).active = False
    with pytest.raises(Conflict) as err, db.write() as session:
        queue.issue_ticket(session, clock(), category_id=a.id)
    assert err.value.code == "category_inactive"
    clock.now = datetime(2026, 9, 2, 2, 0, tzinfo=UTC)  # National Day, 09:00 in Hà Nội
    with db.write() as session:
        queue.get_category(session, a.id).active = True
    issue(db, clock, a)  # the test center opens on public holidays
    with db.write() as session:
        queue.get_center(session, world.center.id).observe_public_holidays = True
    with pytest.raises(Conflict) as err, db.write() as session:
        queue.issue_ticket(session, clock(), category_id=a.id)
    assert err.value.code == "public_holiday"


def test_unknown_category_and_counter(db, world, clock):
    with pytest.raises(NotFound) as err, db.write() as session:
        queue.issue_ticket(session, clock(), category_id=999)
    assert err.value.code == "category_not_found"
    with pytest.raises(NotFound) as err, db.write() as session:
        queue.call_next(session, clock(), 999)
    assert err.value.code == "counter_not_found"


def test_idempotency_key_returns_the_first_ticket(db, world, clock):
    a, b = world.categories["A"], world.categories["B"]
    first = issue(db, clock, a, idempotency_key="tap-0001")
    with db.write() as session:
        again, created = queue.issue_ticket(session, clock(), category_id=a.id, idempotency_key="tap-0001")
    assert (again.id, again.label, created) == (first.id, "A001", False)
    with pytest.raises(Conflict) as err, db.write() as session:
        queue.issue_ticket(session, clock(), category_id=b.id, idempotency_key="tap-0001")
    assert err.value.code == "idempotency_conflict"


def test_strict_rule_calls_priority_first_then_earliest(db, world, clock):
    set_rule(db, world, PriorityRule.strict)
    a = world.categories["A"]
    ordinary = [issue(db, clock, a) for _ in range(2)]
    clock.advance(minutes=1)
    elderly = issue(db, clock, a, priority_group=PriorityGroup.elderly)
    order = [call_and_complete(db, clock, world.counters[1]) for _ in range(3)]
    assert order == [elderly.label, ordinary[0].label, ordinary[1].label]


def call_and_complete(db, clock, counter) -> str:
    ticket = call(db, clock, counter)
    act(db, clock, queue.complete, ticket)
    clock.advance(seconds=1)
    return ticket.label


def test_ratio_rule_alternates_one_priority_then_n_ordinary(db, world, clock):
    set_rule(db, world, PriorityRule.ratio, priority_ratio=2)
    a = world.categories["A"]
    o = [issue(db, clock, a) for _ in range(4)]
    p = [issue(db, clock, a, priority_group=PriorityGroup.pregnant) for _ in range(2)]
    order = [call_and_complete(db, clock, world.counters[1]) for _ in range(6)]
    assert order == [p[0].label, o[0].label, o[1].label, p[1].label, o[2].label, o[3].label]


def test_ageing_rule_lets_a_long_wait_go_before_later_priority(db, world, clock):
    set_rule(db, world, PriorityRule.ageing, ageing_minutes=30)
    a = world.categories["A"]
    old = issue(db, clock, a)
    clock.advance(minutes=10)
    young = issue(db, clock, a)
    clock.advance(minutes=21)  # old has waited 31 minutes, young 21
    disabled = issue(db, clock, a, priority_group=PriorityGroup.disabled)
    order = [call_and_complete(db, clock, world.counters[1]) for _ in range(3)]
    assert order == [old.label, disabled.label, young.label]


def test_weight_makes_a_categorys_wait_count_more(db, world, clock):
    a, b = world.categories["A"], world.categories["B"]
    with db.write() as session:
        weighted = directory.add_counter(session, world.center, 7, [a, (b, 3)])
    a_old = issue(db, clock, a)
    clock.advance(minutes=10)
    b_new = issue(db, clock, b)
    clock.advance(minutes=5, seconds=30)  # A waited 15.5 min (x1); B waited 5.5 min (x3 = 16.5)
    assert call(db, clock, weighted).label == b_new.label
    assert call(db, clock, world.counters[2]).label == a_old.label  # unweighted: the longest wait


def test_ties_go_to_the_counters_first_category(db, world, clock):
    a, b = world.categories["A"], world.categories["B"]
    ta = issue(db, clock, a)
    tb = issue(db, clock, b)  # same instant: the clock did not move
    assert call(db, clock, world.counters[2]).label == tb.label
    assert call(db, clock, world.counters[1]).label == ta.label


def test_counter_states_refuse_calls(db, world, clock):
    counter = world.counters[1]
    with pytest.raises(Conflict) as err:
        call(db, clock, counter)
    assert err.value.code == "queue_empty"
    issue(db, clock, world.categories["A"])
    issue(db, clock, world.categories["A"])
    with db.write() as session:
        queue.set_counter_state(session, clock(), counter.id, CounterState.paused)
    with pytest.raises(Conflict) as err:
        call(db, clock, counter)
    assert err.value.code == "counter_paused" and "1" in err.value.message["vi"]
    with db.write() as session:
        queue.set_counter_state(session, clock(), counter.id, CounterState.open)
    first = call(db, clock, counter)
    with pytest.raises(Conflict) as err:
        call(db, clock, counter)
    assert err.value.code == "counter_busy" and first.label in err.value.message["en"]


def test_ticket_lifecycle_and_refused_transitions(db, world, clock):
    ticket = issue(db, clock, world.categories["A"])
    with pytest.raises(Conflict):
        act(db, clock, queue.start_serving, ticket)  # not called yet
    called = call(db, clock, world.counters[1])
    assert called.id == ticket.id and called.state == TicketState.called
    assert act(db, clock, queue.recall, ticket).recalls == 1
    with pytest.raises(Conflict):
        act(db, clock, queue.cancel, ticket)  # only a waiting ticket can be cancelled
    clock.advance(minutes=1)
    serving = act(db, clock, queue.start_serving, ticket)
    clock.advance(minutes=7)
    done = act(db, clock, queue.complete, ticket)
    assert done.state == TicketState.done
    assert (done.done_at - serving.serving_at).total_seconds() == 7 * 60
    with pytest.raises(Conflict) as err:
        act(db, clock, queue.no_show, ticket)
    assert err.value.code == "invalid_transition"


def test_no_show_and_cancel(db, world, clock):
    a = world.categories["A"]
    absent, leaving = issue(db, clock, a), issue(db, clock, a)
    call(db, clock, world.counters[1])
    assert act(db, clock, queue.no_show, absent).state == TicketState.no_show
    assert act(db, clock, queue.cancel, leaving).state == TicketState.cancelled
    with pytest.raises(Conflict):
        call(db, clock, world.counters[1])


def test_transfer_keeps_number_token_and_place_in_time(db, world, clock):
    a, c = world.categories["A"], world.categories["C"]
    ticket = issue(db, clock, a)
    clock.advance(minutes=3)
    land_first = issue(db, clock, c)
    call(db, clock, world.counters[1])
    clock.advance(minutes=2)
    leg = act(db, clock, queue.transfer, ticket, category_id=c.id, note="hồ sơ đất")
    assert (leg.label, leg.token, leg.queued_at, leg.hop) == (ticket.label, ticket.token, ticket.queued_at, 1)
    assert leg.category_id == c.id and leg.state == TicketState.waiting
    with db.read() as session:
        assert queue.get_ticket(session, ticket.id).state == TicketState.transferred
        assert queue.ticket_by_token(session, ticket.token).id == leg.id
    # It keeps its place: issued before the land ticket, it is called first at the land counter.
    assert call(db, clock, world.counters[3]).id == leg.id
    assert land_first.state == TicketState.waiting


def test_transfer_to_a_named_counter_only_that_counter_calls_it(db, world, clock):
    a = world.categories["A"]
    ticket = issue(db, clock, a)
    call(db, clock, world.counters[1])
    leg = act(db, clock, queue.transfer, ticket, counter_id=world.counters[2].id)
    with pytest.raises(Conflict) as err:
        call(db, clock, world.counters[3])
    assert err.value.code == "queue_empty"
    assert call(db, clock, world.counters[2]).id == leg.id


def test_events_are_gapless_and_replayable(db, world, clock, published):
    a = world.categories["A"]
    ticket = issue(db, clock, a)
    call(db, clock, world.counters[1])
    act(db, clock, queue.complete, ticket)
    assert [e.seq for e in published] == [1, 2, 3]
    assert [e.kind for e in published] == ["ticket.issued", "ticket.called", "ticket.done"]
    with db.read() as session:
        assert queue.events_since(session, world.center.id, 1, 100) == published[1:]
        assert queue.events_since(session, world.center.id, 3, 100) == []
        assert queue.events_since(session, world.center.id, 0, 2) is None  # too many to replay
        assert queue.events_since(session, world.center.id, 9, 100) is None  # from the future
        snap = queue.snapshot(session, world.center.id, clock())
    assert snap.seq == 3 and snap.tickets == []


def test_snapshot_with_events_applied_equals_a_later_snapshot(db, world, clock, published):
    from server.protocol import QueueState

    with db.read() as session:
        state = QueueState.from_snapshot(queue.snapshot(session, world.center.id, clock()))
    a, b = world.categories["A"], world.categories["B"]
    tickets = [issue(db, clock, a), issue(db, clock, b), issue(db, clock, a)]
    call(db, clock, world.counters[2])
    act(db, clock, queue.cancel, tickets[2])
    assert all(state.apply(e) for e in published)
    with db.read() as session:
        later = QueueState.from_snapshot(queue.snapshot(session, world.center.id, clock()))
    assert state.seq == later.seq
    assert state.tickets == later.tickets
    assert state.waiting(a.id) == 1 and state.in_hand(world.counters[2].id).label == "B001"


def test_a_center_closes_on_public_holidays_if_it_observes_them(db, world, clock):
    a = world.categories["A"]
    clock.now = datetime(2026, 9, 2, 2, 0, tzinfo=UTC)  # 09:00 on Quốc khánh, 2 September
    assert issue(db, clock, a).label == "A001"  # this center opens on holidays
    with db.write() as session:
        queue.get_center(session, world.center.id).observe_public_holidays = True
    with pytest.raises(Conflict) as err, db.write() as session:
        queue.issue_ticket(session, clock(), category_id=a.id)
    assert err.value.code == "public_holiday"
    assert "Quốc khánh" in err.value.message["vi"] and "National Day" in err.value.message["en"]
    clock.now = datetime(2026, 9, 3, 2, 0, tzinfo=UTC)  # the next day is a working day
    assert issue(db, clock, a).service_day.isoformat() == "2026-09-03"
