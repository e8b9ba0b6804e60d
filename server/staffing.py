"""Staffing advice: how many counters to open per category ("field") and hour so that 90% of
citizens wait less than the center's target, and what the counters open now would give.

The model is Erlang C (M/M/c): citizens of a category arrive at rate lambda (per minute) in an
hour, `c` counters serve them, each at rate mu = 1 / mean service time. The probability that
a citizen waits at all is C(c, a), a = lambda / mu, and

    P(wait <= t) = 1 - C(c, a) * exp(-(c * mu - lambda) * t)          (c * mu > lambda)

Why Erlang C rather than a simulation: it is exact for its model, instant (the API answers
in one pass over the history, no random runs to average, the same answer every time), and
the call-centre industry staffs by it, so its results can be checked against published
tables (tests/server/test_staffing.py). Its limits, which a leader should know:
- service times are not exponential (bench/wait_estimate.py draws lognormal and gamma ones;
  real services are less variable than exponential, so Erlang C errs on the safe side, a
  little too many counters, as the Allen-Cunneen correction would show);
- it takes each hour as a steady state (a morning peak builds a queue that the next hour
  inherits; it does not) and assumes citizens never leave (no-shows);
- counters shared between categories: each category is sized as if its counters were its own.
  A counter linked to several categories is counted for its share (its link weight over the
  weights of its categories) in "today's plan", rounded to whole counters.

Arrivals: tickets first issued (hop 0) on the same weekday as the day asked, over the past N
weeks, by hour of their issue in the center's time zone, per day that had any ticket (a
closed day does not dilute the figures). Service times: serving -> done of the tickets
completed in those weeks (any weekday); a category with none uses its `service_minutes`.
The target is the center's `wait_target_minutes` (its admin sets it, 15 by default); a leader
may ask with another one to see what it would take.
"""

import math
from collections import defaultdict
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col

from server import queue
from server.messages import render
from server.models import Category, Counter, CounterCategory, CounterState, Ticket, TicketState

GOAL = 0.9  # the share of citizens who should wait less than the target
MAX_COUNTERS = 50  # past this the advice says "not reachable" rather than search further


def erlang_c(c: int, a: float) -> float:
    """The probability that an arrival waits, C(c, a), for c servers and offered load a
    (Erlangs); 1 when the load is at or over capacity. Through the Erlang B recursion
    B(k) = a B(k-1) / (k + a B(k-1)), stable for any c, then C = c B / (c - a (1 - B))."""
    if a <= 0:
        return 0.0
    if c <= a:
        return 1.0
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return c * b / (c - a * (1 - b))


def within_target(c: int, arrivals_per_minute: float, service_minutes: float, target_minutes: float) -> float:
    """P(wait <= target) for c counters; 0 with no counter or a load they cannot carry."""
    if arrivals_per_minute <= 0:
        return 1.0
    mu = 1 / service_minutes
    if c * mu <= arrivals_per_minute:
        return 0.0
    wait = erlang_c(c, arrivals_per_minute / mu)
    return 1 - wait * math.exp(-(c * mu - arrivals_per_minute) * target_minutes)


def counters_needed(arrivals_per_minute: float, service_minutes: float, target_minutes: float, goal: float = GOAL) -> int | None:
    """The fewest counters giving `goal` of citizens a wait under the target; None if even
    MAX_COUNTERS do not."""
    if arrivals_per_minute <= 0:
        return 0
    for c in range(1, MAX_COUNTERS + 1):
        if within_target(c, arrivals_per_minute, service_minutes, target_minutes) >= goal:
            return c
    return None


def _history_days(day: date, weeks: int) -> list[date]:
    """The same weekday in each of the `weeks` weeks before `day`."""
    return [day - timedelta(weeks=w) for w in range(1, weeks + 1)]


def _planned_counters(session: Session, center_id: int) -> dict[int, int]:
    """Counters open now per category, each counted for its link's share, in whole counters
    (at least one where any open counter serves the category)."""
    links = session.execute(
        select(CounterCategory.counter_id, CounterCategory.category_id, CounterCategory.weight)
        .join(Counter, col(Counter.id) == CounterCategory.counter_id)
        .where(Counter.center_id == center_id, Counter.state == CounterState.open, col(Counter.active).is_(True))
    ).all()
    totals: dict[int, int] = defaultdict(int)
    for counter_id, _, weight in links:
        totals[counter_id] += max(1, weight)
    shares: dict[int, float] = defaultdict(float)
    for counter_id, category_id, weight in links:
        shares[category_id] += max(1, weight) / totals[counter_id]
    return {category_id: max(1, round(share)) for category_id, share in shares.items()}


def advice(session: Session, center_id: int, day: date | None, weeks: int, target_minutes: float | None, now: datetime) -> dict:
    """The advice for a center and day (today if None), as the API's StaffingAdvice; the
    target is the center's own unless another is asked for."""
    center = queue.get_center(session, center_id)
    target_minutes = float(center.wait_target_minutes) if target_minutes is None else target_minutes
    day = day or queue.service_day(center, now)
    zone = ZoneInfo(center.timezone)
    days = _history_days(day, weeks)
    categories = list(
        session.execute(
            select(Category).where(Category.center_id == center_id, col(Category.active).is_(True)).order_by(col(Category.position))
        ).scalars()
    )
    arrivals: dict[tuple[int, int], int] = defaultdict(int)
    open_days: set[date] = set()
    for category_id, issued_at, service_day in session.execute(
        select(Ticket.number_category_id, Ticket.issued_at, Ticket.service_day).where(
            Ticket.center_id == center_id, col(Ticket.service_day).in_(days), Ticket.hop == 0
        )
    ):
        hour = queue._utc(issued_at).astimezone(zone).hour
        arrivals[(category_id, hour)] += 1
        open_days.add(service_day)
    services: dict[int, list[float]] = defaultdict(list)
    for category_id, serving_at, done_at in session.execute(
        select(Ticket.category_id, Ticket.serving_at, Ticket.done_at).where(
            Ticket.center_id == center_id,
            Ticket.service_day >= day - timedelta(weeks=weeks),
            Ticket.service_day < day,
            Ticket.state == TicketState.done,
            col(Ticket.serving_at).is_not(None),
        )
    ):
        services[category_id].append((done_at - serving_at).total_seconds() / 60)
    planned = _planned_counters(session, center_id)
    per_day = max(1, len(open_days))
    out = []
    for category in categories:
        measured = services.get(category.id, [])  # type: ignore[arg-type]
        service = sum(measured) / len(measured) if measured else float(category.service_minutes)
        service = max(service, 0.1)  # a zero-length service would make mu infinite
        hours = []
        for hour in sorted(h for (c, h) in arrivals if c == category.id):
            per_hour = arrivals[(category.id, hour)] / per_day  # type: ignore[index]
            rate = per_hour / 60
            plan = planned.get(category.id, 0)  # type: ignore[arg-type]
            hours.append(
                {
                    "hour": hour,
                    "arrivals_per_hour": round(per_hour, 2),
                    "counters_needed": counters_needed(rate, service, target_minutes),
                    "planned_counters": plan,
                    "planned_within_target": round(within_target(plan, rate, service, target_minutes), 4),
                }
            )
        out.append(
            {
                "category_id": category.id,
                "prefix": category.prefix,
                "name_vi": category.name_vi,
                "name_en": category.name_en,
                "service_minutes": round(service, 2),
                "measured_services": len(measured),
                "note": None if measured else render("staffing_no_service_history", minutes=category.service_minutes),
                "hours": hours,
            }
        )
    return {
        "center_id": center_id,
        "day": day,
        "weeks": weeks,
        "target_minutes": target_minutes,
        "center_target_minutes": center.wait_target_minutes,
        "goal": GOAL,
        "history_days": sorted(open_days),
        "note": None if open_days else render("staffing_no_history", weeks=weeks),
        "categories": out,
    }
