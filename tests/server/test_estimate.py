"""The wait estimate (server.estimate) on constructed queues, against hand computations."""

from datetime import UTC, datetime

from queue_world import ALL_DAY
from server import estimate, queue
from server.estimate import Counters, Queue
from server.models import CounterState, PriorityRule

LUNCH = [["07:30", "11:30"], ["13:30", "17:00"]]
# 11:00 in Hà Nội.
ELEVEN = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)


def q(ahead: int, service: float = 10, share: float = 1, busy: bool = False, paused: int = 0, **kw) -> Queue:
    fields = dict(
        ahead=ahead,
        priority=False,
        ordinary_waiting=0,
        rule=PriorityRule.ratio,
        ratio=2,
        service_minutes=service,
        counters=Counters(share=share, busy=busy, paused=paused),
        sessions=ALL_DAY,
        timezone="Asia/Ho_Chi_Minh",
        now=ELEVEN,
    )
    return Queue(**{**fields, **kw})  # type: ignore[arg-type]


def test_people_ahead_times_service_shared_by_the_counters():
    assert estimate.expected_minutes(q(4, share=2)) == 20  # 4 x 10 / 2
    assert estimate.expected_minutes(q(3, service=7, share=2)) == 11  # 3 x 7 / 2 = 10.5, rounded up


def test_nobody_ahead_and_a_free_counter_is_no_wait():
    assert estimate.expected_minutes(q(0, share=1)) == 0


def test_busy_counters_add_half_a_service():
    assert estimate.expected_minutes(q(3, share=1, busy=True)) == 35  # (3 + 0.5) x 10
    assert estimate.expected_minutes(q(0, share=2, busy=True)) == 3  # 0.5 x 10 / 2 = 2.5


def test_a_priority_ticket_waits_for_the_ordinary_calls_of_the_ratio_rule():
    # 2 priority ahead; with ratio 2 each of them lets 2 ordinary ones go first: 2 + 4 = 6.
    ticket = q(2, share=2, priority=True, ordinary_waiting=10)
    assert estimate.expected_minutes(ticket) == 30  # 6 x 10 / 2
    # Fewer ordinary ones waiting than the rule would call: only those.
    assert estimate.expected_minutes(q(2, share=2, priority=True, ordinary_waiting=1)) == 15  # 3 x 10 / 2
    # Strict: priority ones only.
    assert estimate.expected_minutes(q(2, share=2, priority=True, ordinary_waiting=10, rule=PriorityRule.strict)) == 10


def test_with_every_counter_paused_the_paused_ones_count():
    assert estimate.expected_minutes(q(3, share=0, paused=2)) == 18  # (3 + 0.5) x 10 / 2 = 17.5
    assert estimate.expected_minutes(q(3, share=0, paused=0)) == 35  # as one counter


def test_a_wait_past_the_morning_session_waits_out_lunch():
    # 11:00, 40 minutes of work: 30 before 11:30, 10 after 13:30, so 40 + 120.
    assert estimate.expected_minutes(q(4, sessions=LUNCH)) == 160
    # 20 minutes of work ends 11:20: no gap.
    assert estimate.expected_minutes(q(2, sessions=LUNCH)) == 20


def test_session_gap():
    assert estimate.session_gap(LUNCH, "Asia/Ho_Chi_Minh", ELEVEN, 30) == 0  # ends at 11:30 exactly
    assert estimate.session_gap(LUNCH, "Asia/Ho_Chi_Minh", ELEVEN, 31) == 120
    assert estimate.session_gap(LUNCH, "Asia/Ho_Chi_Minh", ELEVEN, 400) == 120  # past 17:00: no later session
    assert estimate.session_gap(ALL_DAY, "Asia/Ho_Chi_Minh", ELEVEN, 600) == 0


def test_recent_services_move_the_mean_from_the_configured_minutes():
    assert estimate.ewma(10, []) == 10
    assert abs(estimate.ewma(10, [4, 4]) - 6.94) < 1e-9  # 10 -> 10 + 0.3 x (4 - 10) = 8.2 -> 8.2 + 0.3 x (4 - 8.2)


def test_a_shared_counter_counts_for_its_share():
    rows = [
        (CounterState.open, 1, 1, True),  # its other category has citizens waiting: 1 / (1 + 1)
        (CounterState.open, 2, 0, False),  # nobody else waits: all of it
        (CounterState.paused, 1, 0, False),
        (CounterState.closed, 1, 0, False),
    ]
    assert estimate.capacity(rows) == Counters(share=1.5, busy=False, paused=1)
    assert estimate.capacity([(CounterState.open, 3, 1, True)]) == Counters(share=0.75, busy=True, paused=0)
    assert estimate.capacity([]) == Counters(share=0, busy=False, paused=0)


def _served(db, clock, counter_id: int, category_id: int, minutes: float) -> None:
    with db.write() as session:
        ticket, _ = queue.issue_ticket(session, clock(), category_id=category_id)
        called = queue.call_next(session, clock(), counter_id)
        assert called.id == ticket.id
        queue.start_serving(session, clock(), called.id)
    clock.advance(minutes=minutes)
    with db.write() as session:
        queue.complete(session, clock(), called.id)


def _issue(db, clock, category_id: int) -> tuple[int, int, int]:
    clock.advance(seconds=10)
    with db.write() as session:
        ticket, _ = queue.issue_ticket(session, clock(), category_id=category_id)
        issued = queue.issued_out(session, ticket)
    return ticket.id, issued.people_ahead, issued.estimated_wait_minutes


def test_the_server_estimate_uses_todays_services_and_the_counters(db, world, clock):
    """Category C (10 minutes configured) at counter 3 alone: two services of 4 minutes make
    its expected service 6.94 minutes (test above)."""
    c, counter = world.categories["C"].id, world.counters[3].id
    _served(db, clock, counter, c, 4)
    _served(db, clock, counter, c, 4)
    first, *_ = _issue(db, clock, c)
    assert _issue(db, clock, c)[1:] == (1, 7)  # 1 x 6.94, the counter free
    third, ahead, minutes = _issue(db, clock, c)
    assert (ahead, minutes) == (2, 14)  # 2 x 6.94 = 13.88
    with db.write() as session:
        assert queue.call_next(session, clock(), counter).id == first
    with db.read() as session:  # the status page's reading: the counter is busy now
        assert queue.estimate(session, queue.get_ticket(session, third), clock()) == (1, 11)  # 1.5 x 6.94 = 10.41


def test_counters_shared_with_a_busy_category_count_for_half(db, world, clock):
    """A is served by counters 1 (A, B) and 2 (B, A); with B empty both give A their time."""
    a, b = world.categories["A"].id, world.categories["B"].id
    _issue(db, clock, a)
    assert _issue(db, clock, a)[1:] == (1, 5)  # 1 x 10 / 2
    _issue(db, clock, b)  # now each counter shares its time with B: A gets 1/2 + 1/2
    assert _issue(db, clock, a)[1:] == (2, 20)  # 2 x 10 / 1


def test_the_floors_expected_wait_is_what_the_next_ticket_is_told(client):
    """GET /centers/{id}/waits and an issued ticket use the one estimator: the wait the floor
    shows for a category is the wait the next citizen of that category is told."""
    center, category = client.world.center.id, client.world.categories["A"].id
    for _ in range(4):
        client.post("/api/v1/tickets", json={"category_id": category})
    client.post(f"/api/v1/counters/{client.world.counters[1].id}/call-next")
    floor = {w["category_id"]: w for w in client.get(f"/api/v1/centers/{center}/waits").json()}
    issued = client.post("/api/v1/tickets", json={"category_id": category}).json()
    assert (floor[category]["waiting"], floor[category]["expected_minutes"]) == (issued["people_ahead"], issued["estimated_wait_minutes"])
    assert issued["estimated_wait_minutes"] > 0 and floor[category]["waiting"] == 3
    assert set(floor) == {c.id for c in client.world.categories.values()}
