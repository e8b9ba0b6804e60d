"""Staffing advice (server.staffing): Erlang C against known values, its monotonicity, and the
API on a constructed history with the counters per hour computed by hand."""

import math
import secrets
from datetime import UTC, date, datetime, timedelta

import pytest

from queue_world import sign_in
from server import staffing
from sqlalchemy import select

from server.models import AuditEntry, Ticket, TicketState


def test_erlang_c_of_small_queues_by_hand():
    # M/M/1: the probability of waiting is the load.
    assert staffing.erlang_c(1, 0.5) == pytest.approx(0.5)
    # M/M/2, a = 1: (a^2/2! x 2/(2-1)) / (1 + a + a^2/2! x 2/(2-1)) = 1 / (2 + 1) = 1/3,
    # the textbook 2 rho^2 / (1 + rho) with rho = 1/2.
    assert staffing.erlang_c(2, 1) == pytest.approx(1 / 3)
    assert staffing.erlang_c(3, 3) == 1.0  # at capacity: everyone waits
    assert staffing.erlang_c(3, 0) == 0.0


def test_the_classic_call_centre_example():
    """100 calls in 30 minutes, 3 minutes each: a = 100 x 3 / 30 = 10 Erlangs; target: answer
    80% within 20 seconds. The published tables (and every Erlang C calculator) give:
    agents 11: P(wait) 68.21%, service level 39.0%; 12: 44.94%, 64.0%; 13: 28.53%, 79.6%;
    14: 17.41%, 88.8%, so 14 agents. By hand for 11: sum_{k<11} 10^k/k! = 12842.3,
    10^11/11! x 11/1 = 27557.3, C = 27557.3 / (12842.3 + 27557.3) = 0.6821; SL = 1 - 0.6821 x
    exp(-(11/3 - 10/3) x 1/3) = 1 - 0.6821 x 0.8948 = 0.3897."""
    rate, service, target = 100 / 30, 3.0, 20 / 60
    expected = {11: (0.6821, 0.3896), 12: (0.4494, 0.6402), 13: (0.2853, 0.7956), 14: (0.1741, 0.8884)}
    for agents, (waits, level) in expected.items():
        assert staffing.erlang_c(agents, 10) == pytest.approx(waits, abs=5e-5)
        assert staffing.within_target(agents, rate, service, target) == pytest.approx(level, abs=5e-5)
    assert staffing.counters_needed(rate, service, target, goal=0.8) == 14


def test_erlang_c_agrees_with_its_closed_form():
    for c in range(1, 30):
        for a in (a for a in (0.3, 1.7, c * 0.5, c * 0.95) if a < c):  # a >= c: C is 1 (above)
            top = a**c / math.factorial(c) * c / (c - a)
            closed = top / (sum(a**k / math.factorial(k) for k in range(c)) + top)
            assert staffing.erlang_c(c, a) == pytest.approx(closed, rel=1e-9)


def test_more_counters_less_waiting_more_arrivals_more_counters():
    for c in range(1, 20):
        assert staffing.erlang_c(c + 1, 8.5) <= staffing.erlang_c(c, 8.5)
        assert staffing.within_target(c + 1, 0.8, 10, 15) >= staffing.within_target(c, 0.8, 10, 15)
    needed = [staffing.counters_needed(rate / 10, 10, 15) for rate in range(0, 40)]
    assert needed == sorted(needed) and needed[0] == 0 and needed[-1] > 1  # type: ignore[type-var]
    targets = [staffing.counters_needed(1.2, 10, t) for t in (1, 5, 15, 30, 60)]
    assert targets == sorted(targets, reverse=True)  # type: ignore[type-var]
    assert staffing.counters_needed(100, 10, 15) is None  # 1,000 Erlangs: past MAX_COUNTERS


def _history(session, world, day: date, hour: int, count: int, service_minutes: float) -> None:
    """`count` tickets of category C issued in a local hour of `day`, each served for
    exactly `service_minutes`."""
    category = world.categories["C"]
    start = datetime(day.year, day.month, day.day, hour - 7, tzinfo=UTC)  # Hà Nội is UTC+7
    for n in range(count):
        issued = start + timedelta(minutes=n * 60 / count)
        served = issued + timedelta(minutes=30)
        number = hour * 100 + n + 1  # unique in the day: one call per hour
        session.add(
            Ticket(
                center_id=world.center.id,
                service_day=day,
                category_id=category.id,
                number_category_id=category.id,
                number=number,
                label=f"C{number:03d}",
                token=secrets.token_urlsafe(16),
                state=TicketState.done,
                queued_at=issued,
                issued_at=issued,
                called_at=served,
                serving_at=served,
                done_at=served + timedelta(minutes=service_minutes),
                counter_id=world.counters[3].id,
            )
        )
    session.flush()


def test_the_advice_on_a_constructed_history(client, clock):
    """Category C, on the four Mondays before Monday 23 November 2026: 30 citizens between 9
    and 10, 6 between 14 and 15, every service 10 minutes (mu = 0.1 per minute); a Tuesday's
    crowd does not count for a Monday. Target 15 minutes for 90%:
    9-10: lambda = 0.5 a minute, a = 5. C(6, 5) = 130.21 / (91.42 + 130.21) = 0.5875, P(wait
    <= 15) = 1 - 0.5875 e^(-(0.6 - 0.5) 15) = 1 - 0.5875 x 0.2231 = 0.869 < 0.9; C(7, 5) =
    54.25 / (113.12 + 54.25) = 0.3241, 1 - 0.3241 e^-3 = 0.984: 7 counters.
    14-15: lambda = 0.1, a = 1: one counter carries no margin (c mu = lambda: 0); C(2, 1) =
    1/3, 1 - e^-1.5 / 3 = 0.926: 2 counters.
    Today's plan: counter 3 alone serves C, so 1 counter: 0% under target in both hours."""
    world = client.world
    monday = date(2026, 11, 23)
    with client.app.state.db.write() as session:
        for weeks in range(1, 5):
            _history(session, world, monday - timedelta(weeks=weeks), 9, 30, 10)
            _history(session, world, monday - timedelta(weeks=weeks), 14, 6, 10)
        _history(session, world, monday - timedelta(days=6), 10, 50, 10)  # a Tuesday
        _history(session, world, monday - timedelta(weeks=5), 11, 50, 10)  # five weeks back
        leader = sign_in(session, clock(), world.center.id, "leader")
    url = f"/api/v1/staffing?center_id={world.center.id}&weeks=4&day=2026-11-23"
    assert client.get(url).status_code == 403  # staff: not a leader
    answer = client.get(url, headers={"Authorization": f"Bearer {leader}"})
    assert answer.status_code == 200, answer.text
    advice = answer.json()
    assert advice["target_minutes"] == 15 and advice["goal"] == 0.9
    assert advice["history_days"] == ["2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16"]
    by_prefix = {c["prefix"]: c for c in advice["categories"]}
    land = by_prefix["C"]
    assert land["service_minutes"] == 10 and land["note"] is None
    assert land["hours"] == [
        {"hour": 9, "arrivals_per_hour": 30, "counters_needed": 7, "planned_counters": 1, "planned_within_target": 0},
        {"hour": 14, "arrivals_per_hour": 6, "counters_needed": 2, "planned_counters": 1, "planned_within_target": 0},
    ]
    assert by_prefix["A"]["hours"] == []
    assert by_prefix["A"]["note"]["vi"].startswith("Chưa có thời gian phục vụ đo được")
    # A longer target needs fewer counters at the peak: 30 minutes, 6 counters (0.869 at 15
    # minutes; at 30: 1 - 0.5875 e^-3 = 0.971).
    longer = client.get(url + "&target_minutes=30", headers={"Authorization": f"Bearer {leader}"}).json()
    assert [h["counters_needed"] for h in longer["categories"][2]["hours"]] == [6, 2]
    for bad in ("weeks=0", "weeks=27", "target_minutes=0", "target_minutes=241", "day=2026-13-01"):
        assert client.get(url + "&" + bad, headers={"Authorization": f"Bearer {leader}"}).status_code == 422, bad
    assert client.get("/api/v1/staffing?weeks=4", headers={"Authorization": f"Bearer {leader}"}).status_code == 422


def test_the_centers_own_target_is_the_default_an_admin_sets_it_audited(client, clock):
    """The history of the test above; the admin moves the center's target from 15 to 30
    minutes: the advice asked without a target follows it (6 counters at the peak instead of
    7), one asked with a target still uses that one, and the change is audited."""
    world = client.world
    monday = date(2026, 11, 23)
    with client.app.state.db.write() as session:
        for weeks in range(1, 5):
            _history(session, world, monday - timedelta(weeks=weeks), 9, 30, 10)
            _history(session, world, monday - timedelta(weeks=weeks), 14, 6, 10)
        leader = {"Authorization": f"Bearer {sign_in(session, clock(), world.center.id, 'leader')}"}
        admin = {"Authorization": f"Bearer {sign_in(session, clock(), world.center.id, 'admin', 'boss')}"}
    url = f"/api/v1/staffing?center_id={world.center.id}&weeks=4&day=2026-11-23"

    def peak(advice: dict) -> list[int]:
        return [h["counters_needed"] for c in advice["categories"] if c["prefix"] == "C" for h in c["hours"]]

    before = client.get(url, headers=leader).json()
    assert (before["target_minutes"], before["center_target_minutes"], peak(before)) == (15, 15, [7, 2])
    setup = f"/api/v1/admin/centers/{world.center.id}"
    profile = client.get(setup, headers=admin).json()["center"]
    assert profile["wait_target_minutes"] == 15
    body = {k: profile[k] for k in ("name_vi", "name_en", "address", "hotline", "priority_rule", "priority_ratio", "ageing_minutes")}
    for bad in (0, 241, 7.5, "mười"):
        refused = client.put(setup, json={**body, "wait_target_minutes": bad}, headers=admin)
        assert refused.status_code == 422, bad
        assert "Mục tiêu chờ (phút)" in refused.text, refused.text
    changed = client.put(setup, json={**body, "wait_target_minutes": 30}, headers=admin)
    assert changed.status_code == 200, changed.text
    assert changed.json()["wait_target_minutes"] == 30
    assert client.put(setup, json=body, headers=admin).json()["wait_target_minutes"] == 30  # left out: unchanged
    after = client.get(url, headers=leader).json()
    assert (after["target_minutes"], after["center_target_minutes"], peak(after)) == (30, 30, [6, 2])
    asked = client.get(url + "&target_minutes=15", headers=leader).json()
    assert (asked["target_minutes"], asked["center_target_minutes"], peak(asked)) == (15, 30, [7, 2])
    assert client.put(setup, json={**body, "wait_target_minutes": 30}, headers=leader).status_code == 403
    with client.app.state.db.read() as session:
        entries = list(session.execute(select(AuditEntry).where(AuditEntry.action == "admin.center.update")).scalars())
    assert [e.detail.get("wait_target_minutes") for e in entries] == [30, None]


def test_no_history_says_so_in_both_languages(client, clock):
    with client.app.state.db.write() as session:
        leader = sign_in(session, clock(), client.world.center.id, "leader")
    advice = client.get(
        f"/api/v1/staffing?center_id={client.world.center.id}", headers={"Authorization": f"Bearer {leader}"}
    ).json()
    assert advice["history_days"] == [] and advice["day"] == "2026-11-23"
    assert advice["note"] == {
        "vi": "Chưa có số liệu tiếp nhận trong 4 tuần qua vào thứ này; chưa thể đề xuất số quầy.",
        "en": "No tickets on this weekday in the past 4 weeks: no advice yet.",
    }
