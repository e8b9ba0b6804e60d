"""The wait a citizen is told: one estimator for the kiosk, the printed ticket, the status page
(and anything else that shows a wait; they all go through `queue.estimate`, which calls here).

The old estimate was people ahead x the category's fixed `service_minutes` / open counters.
bench/wait_estimate.py measured it on a simulated day; it is wrong in four ways this one fixes:

- Service times drift from the configured figure (a new officer, a busy form): the category's
  expected service time is an exponentially weighted mean of its last completed services today
  (serving -> done), seeded with `service_minutes`, so it falls back to it with no history and
  moves towards what the counters really take as services complete.
- Counters serve several categories: an open counter counts for the share of its time this
  category gets, its link weight over the weights of its categories that have citizens waiting
  (a counter serving only this category counts 1). Paused counters count only when none is
  open (a lunch pause: they come back; the gap is added below).
- The fairness rule: a priority ticket under the ratio rule does not go first at every call,
  the counters call `priority_ratio` ordinary tickets between priority ones; all counters busy
  means the first call comes after about half a service, not at once.
- Time of day: a wait that runs past the end of the category's session (lunch) waits out the
  gap to its next session too.

Everything is read from the database in the caller's transaction (no state kept in one
process that another process writing the same database would not see), in two small indexed
queries; the arithmetic is `expected_minutes`, a pure function the unit tests drive.
"""

import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, exists, func, literal_column, select, text
from sqlmodel import Session

from server.direct import Direct
from server.models import IN_HAND, Category, Counter, CounterCategory, CounterState, PriorityRule, Ticket, TicketState

# The weight of the newest completed service in the running mean, and how many are read.
ALPHA = 0.3
RECENT = 12
_T = Ticket.__table__.c  # type: ignore[attr-defined]
_C = Counter.__table__.c  # type: ignore[attr-defined]
_LINK = CounterCategory.__table__  # type: ignore[attr-defined]
_L = _LINK.c


@dataclass(frozen=True)
class Counters:
    """The capacity serving a category now."""

    share: float  # open counters, each counted for the share of its time this category gets
    busy: bool  # every open counter serving it has a ticket in hand
    paused: int  # linked counters paused (back after their pause)


@dataclass(frozen=True)
class Queue:
    """What the estimate of one waiting ticket depends on."""

    ahead: int  # people ahead as queue.estimate counts them (the call order's classes)
    priority: bool  # the ticket is a priority one
    ordinary_waiting: int  # ordinary tickets waiting in the category (the ratio rule's calls)
    rule: PriorityRule
    ratio: int  # the center's priority_ratio
    service_minutes: float  # the category's expected service time (see recent_service_minutes)
    counters: Counters
    sessions: list[list[str]]  # the category's opening sessions, local "HH:MM" pairs
    timezone: str
    now: datetime


def expected_minutes(q: Queue) -> int:
    """The expected wait in whole minutes (rounded up, as the old estimate was)."""
    if q.ahead == 0 and not q.counters.busy and q.counters.share > 0:
        return 0
    ahead = float(q.ahead)
    if q.priority and q.rule == PriorityRule.ratio:
        # The counters call `ratio` ordinary tickets after each priority one, while any wait.
        ahead += min(q.ordinary_waiting, q.ahead * q.ratio)
    capacity = q.counters.share if q.counters.share > 0 else max(1, q.counters.paused)
    # All counters busy: the first call comes after about half a service.
    residual = 0.5 if q.counters.busy or q.counters.share == 0 else 0.0
    work = (ahead + residual) * q.service_minutes / capacity
    return math.ceil(work + session_gap(q.sessions, q.timezone, q.now, work) - 1e-9)


def ewma(prior: float, services: list[float], alpha: float = ALPHA) -> float:
    """The running mean of `services` (oldest first) seeded with `prior`."""
    mean = prior
    for minutes in services:
        mean += alpha * (minutes - mean)
    return mean


_RECENT = Direct(
    select(_T.serving_at, _T.done_at)
    .where(_T.center_id == bindparam("center_id"))
    .where(_T.service_day == bindparam("day"))
    .where(_T.state == TicketState.done)
    .where(_T.category_id == bindparam("category_id"))
    .where(_T.serving_at.is_not(None))
    .order_by(_T.done_at.desc())
    .limit(RECENT)
)


def recent_service_minutes(session: Session, center_id: int, category_id: int, day: date, prior: float) -> float:
    """The category's expected service time in minutes from its services completed today."""
    rows = _RECENT.all(session, center_id=center_id, day=day, category_id=category_id)
    services = [(_moment(done) - _moment(serving)).total_seconds() / 60 for serving, done in reversed(rows)]
    return ewma(prior, services)


def _moment(value: datetime | str) -> datetime:
    """A datetime as the driver gives it: SQLite's as ISO text (Direct does not convert)."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


_OTHER = CounterCategory.__table__.alias("other")  # type: ignore[attr-defined]
# The center's other categories with citizens waiting: a handful of index probes, done once
# (an uncorrelated IN), not once per counter and link.
_WAITING_ELSEWHERE = (
    select(Category.__table__.c.id)  # type: ignore[attr-defined]
    .where(Category.__table__.c.center_id == bindparam("center_id"))  # type: ignore[attr-defined]
    .where(Category.__table__.c.id != bindparam("category_id"))  # type: ignore[attr-defined]
    .where(
        exists()
        .where(_T.center_id == bindparam("center_id"))
        .where(_T.service_day == bindparam("day"))
        .where(_T.state == TicketState.waiting)
        .where(_T.category_id == Category.__table__.c.id)  # type: ignore[attr-defined]
    )
)
_COUNTERS = Direct(
    select(
        _C.state,
        _L.weight,
        select(func.coalesce(func.sum(_OTHER.c.weight), 0))
        .where(_OTHER.c.counter_id == _C.id)
        .where(_OTHER.c.category_id.in_(_WAITING_ELSEWHERE))
        .scalar_subquery(),
        # The ticket in hand, by the partial index's own condition (server.models.IN_HAND).
        exists(select(literal_column("1")).select_from(Ticket.__table__).where(_T.counter_id == _C.id).where(text(IN_HAND))),  # type: ignore[attr-defined]
    )
    .select_from(_LINK.join(Counter.__table__, _C.id == _L.counter_id))  # type: ignore[attr-defined]
    .where(_L.category_id == bindparam("category_id"))
    .where(_C.active.is_(True))
    .where(_C.state != CounterState.closed)
)


def counters_now(session: Session, center_id: int, category_id: int, day: date) -> Counters:
    """The open counters serving a category, each for its share, and the paused ones."""
    rows = _COUNTERS.all(session, center_id=center_id, category_id=category_id, day=day)
    return capacity([(CounterState(state), weight, others, bool(held)) for state, weight, others, held in rows])


def capacity(rows: list[tuple[CounterState, int, int, bool]]) -> Counters:
    """Counters from (state, this category's link weight, the weights of the counter's other
    categories with citizens waiting, a ticket in hand) per linked counter."""
    share, busy, paused, open_ = 0.0, True, 0, 0
    for state, weight, others, held in rows:
        if state == CounterState.open:
            open_ += 1
            share += max(1, weight) / (max(1, weight) + others)
            busy = busy and held
        elif state == CounterState.paused:
            paused += 1
    return Counters(share=share, busy=busy and open_ > 0, paused=paused)


def session_gap(sessions: list[list[str]], timezone: str, now: datetime, minutes: float) -> float:
    """Minutes of gap between the category's sessions that a wait of `minutes` from `now`
    runs over (a morning queue carried over lunch waits out the lunch too); now in a gap
    (issued before the session opens): the time until it opens."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    spans = sorted(
        (
            datetime.combine(local.date(), time.fromisoformat(start), zone),
            datetime.combine(local.date(), time.min, zone) + timedelta(days=1)
            if end == "24:00"
            else datetime.combine(local.date(), time.fromisoformat(end), zone),
        )
        for start, end in sessions
    )
    gap = 0.0
    left = minutes  # minutes of work still ahead
    at = local
    for start, end in spans:
        if end <= at:
            continue
        if start > at:
            gap += (start - at).total_seconds() / 60
            at = start
        room = (end - at).total_seconds() / 60
        if left <= room:
            return gap
        left -= room
        at = end
    return gap
