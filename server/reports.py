"""The leader's figures for a day, a week, a month or a range, per center, category, counter or
officer: what the center reports upward.

What each figure counts (a ticket is a citizen's number; a *leg* is one row of it: a transfer
makes a new leg that keeps the number):
- issued: numbers given out (first legs), by the category they were taken for. Counters and
  officers issue nothing: blank for them.
- called: legs called (by that counter or officer, for those rows).
- served, no_show, cancelled, transferred: legs that ended so (for officers: the officer who
  ended them).
- wait: from a leg's issue (for a transferred leg, the transfer) to its call, in minutes, over
  the legs called; mean, median (the middle value, or the mean of the two middle ones) and the
  90th percentile by nearest rank (the value at rank ceil(0.9 n) of n sorted).
- service: from the start of service (the call, when staff skipped "start") to done, over the
  legs served; mean and 90th percentile as above.
- ratings: per level, and the satisfaction rate = (rất hài lòng + hài lòng) / all ratings.
- dossiers: received in the period; returned in the period on time (by their due date) or
  late; still open past their due date (as of today; a dossier waiting for the citizen's
  documents is not late: its clock stands still) among those due in the period; on-time rate =
  on time / (on time + late + open past due).
- arrivals by hour: numbers issued per hour of the center's day (0-23).

Durations are computed by the database (julianday on SQLite, EXTRACT(EPOCH) on PostgreSQL), so a
year of a busy center is read as numbers, not parsed as 500,000 timestamps in Python.
"""

import math
import statistics
from array import array
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from itertools import groupby
from operator import itemgetter
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlalchemy import Float, String, and_, case, func, or_, select, type_coerce
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement, FunctionElement
from sqlmodel import Session, col

from server import queue, report_days
from server.collation import vi_key
from server.direct import driver_cursor
from server.models import (
    CLOSED_DOSSIER_STATES,
    Category,
    Center,
    Counter,
    Dossier,
    DossierState,
    Procedure,
    Rating,
    Ticket,
    TicketState,
    User,
)

MAX_DAYS = 400  # a report covers at most this many days (a year and a bit)


class Grouping(StrEnum):
    center = "center"
    category = "category"
    counter = "counter"
    officer = "officer"


class PeriodKind(StrEnum):
    day = "day"
    week = "week"  # Monday to Sunday
    month = "month"
    range = "range"


@dataclass(frozen=True)
class Period:
    first: date
    last: date  # inclusive

    @classmethod
    def of(cls, kind: PeriodKind, day: date, last: date | None = None) -> "Period":
        """The day, its week (Monday-Sunday), its month, or `day`..`last` for a range."""
        if kind is PeriodKind.day:
            return cls(day, day)
        if kind is PeriodKind.week:
            monday = day - timedelta(days=day.weekday())
            return cls(monday, monday + timedelta(days=6))
        if kind is PeriodKind.month:
            following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
            return cls(day.replace(day=1), following - timedelta(days=1))
        if last is None or last < day:
            raise ValueError("a range needs its last day, on or after its first")
        if (last - day).days + 1 > MAX_DAYS:
            raise ValueError(f"a range covers at most {MAX_DAYS} days")
        return cls(day, last)

    def utc_bounds(self, timezone: str) -> tuple[datetime, datetime]:
        """[local midnight of the first day, local midnight after the last), in UTC."""
        zone = ZoneInfo(timezone)
        start = datetime.combine(self.first, time(), zone).astimezone(UTC)
        return start, datetime.combine(self.last + timedelta(days=1), time(), zone).astimezone(UTC)


class Figures(BaseModel):
    """One row of a report: a center, category, counter or officer (`key` its id)."""

    key: int | None
    name: str
    issued: int | None  # None for counters and officers
    called: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    transferred: int = 0
    wait_mean: float | None = None  # minutes, to 0.1
    wait_median: float | None = None
    wait_p90: float | None = None
    service_mean: float | None = None
    service_p90: float | None = None
    ratings: dict[str, int] = {}
    satisfaction_rate: float | None = None  # 0..1
    dossiers_received: int = 0
    dossiers_on_time: int = 0
    dossiers_late: int = 0  # returned late
    dossiers_overdue: int = 0  # still open past the due date
    on_time_rate: float | None = None  # 0..1


class Report(BaseModel):
    center_id: int | None  # None: several centers side by side, a row each (`across`)
    center_name: str  # or the province's name, for several
    first: date
    last: date
    by: Grouping
    rows: list[Figures]
    total: Figures
    arrivals_by_hour: list[int]  # 24 counts, the center's local hours


class _Seconds(FunctionElement):  # type: ignore[type-arg]
    """Seconds from the first timestamp to the second, computed by the database."""

    type = Float()
    inherit_cache = True


@compiles(_Seconds, "sqlite")
def _seconds_sqlite(element, compiler, **kw) -> str:  # type: ignore[no-untyped-def]
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    return f"((julianday({end}) - julianday({start})) * 86400.0)"


@compiles(_Seconds)
def _seconds_default(element, compiler, **kw) -> str:  # type: ignore[no-untyped-def]
    start, end = (compiler.process(arg, **kw) for arg in element.clauses)
    # As a float (EXTRACT gives numeric): the report reads these as the driver gives them.
    return f"CAST(EXTRACT(EPOCH FROM ({end} - {start})) AS DOUBLE PRECISION)"


def seconds_between(start: ColumnElement, end: ColumnElement) -> ColumnElement:  # type: ignore[type-arg]
    return _Seconds(start, end)  # type: ignore[return-value]


@dataclass
class _Tally:
    issued: int = 0
    ended: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    waits: list[float] = field(default_factory=list)  # seconds
    services: list[float] = field(default_factory=list)
    ratings: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    received: int = 0
    on_time: int = 0
    late: int = 0
    overdue: int = 0


def nearest_rank(sorted_values: list[float], share: float) -> float:
    """The value at rank ceil(share * n) of n sorted values (the nearest-rank percentile)."""
    return sorted_values[max(1, math.ceil(share * len(sorted_values))) - 1]


def _minutes(seconds: float) -> float:
    return round(seconds / 60, 1)


def _figures(key: int | None, name: str, tally: _Tally, issues: bool) -> Figures:
    tally.waits.sort()  # in place: a year's lists are 100,000 long
    tally.services.sort()
    waits, services = tally.waits, tally.services
    rated = sum(tally.ratings.values())
    settled = tally.on_time + tally.late + tally.overdue
    return Figures(
        key=key,
        name=name,
        issued=tally.issued if issues else None,
        called=len(tally.waits),
        served=tally.ended[TicketState.done],
        no_show=tally.ended[TicketState.no_show],
        cancelled=tally.ended[TicketState.cancelled],
        transferred=tally.ended[TicketState.transferred],
        wait_mean=_minutes(statistics.fmean(waits)) if waits else None,
        wait_median=_minutes(statistics.median(waits)) if waits else None,
        wait_p90=_minutes(nearest_rank(waits, 0.9)) if waits else None,
        service_mean=_minutes(statistics.fmean(services)) if services else None,
        service_p90=_minutes(nearest_rank(services, 0.9)) if services else None,
        ratings=dict(tally.ratings),
        satisfaction_rate=round((tally.ratings["very_satisfied"] + tally.ratings["satisfied"]) / rated, 4) if rated else None,
        dossiers_received=tally.received,
        dossiers_on_time=tally.on_time,
        dossiers_late=tally.late,
        dossiers_overdue=tally.overdue,
        on_time_rate=round(tally.on_time / settled, 4) if settled else None,
    )


def report(session: Session, center_id: int, period: Period, by: Grouping, now: datetime) -> Report:
    center = queue.get_center(session, center_id)
    tallies: dict[int | None, _Tally] = defaultdict(_Tally)
    total = _Tally()
    hours = [0] * 24
    _tickets(session, center, period, by, tallies, total, hours, now)
    _dossiers(session, center, period, by, tallies, total, now)
    _ratings(session, center, period, by, tallies, total)
    names = _names(session, center, by)
    whole = _figures(center.id, center.name_vi, total, True)
    if by is Grouping.center:
        rows = [whole]
    else:
        # Named rows in their order, then any other (an officer of the province, say) by id,
        # then what no counter or officer touched (a ticket cancelled while waiting, ...).
        keys = [k for k in names if k in tallies] + sorted(k for k in tallies if k is not None and k not in names)
        rows = [_figures(k, names.get(k, f"#{k}"), tallies[k], by is Grouping.category) for k in keys]
        stray = tallies.get(None)
        if stray is not None and (stray.waits or sum(stray.ended.values()) or stray.received or stray.ratings):
            rows.append(_figures(None, "—", stray, by is Grouping.category))
    return Report(
        center_id=center.id,  # type: ignore[arg-type]
        center_name=center.name_vi,
        first=period.first,
        last=period.last,
        by=by,
        rows=rows,
        total=whole,
        arrivals_by_hour=hours,
    )


def across(session: Session, center_ids: list[int], period: Period, name: str, now: datetime) -> Report:
    """The centers side by side, one row each (what each counts: as for one center), and the
    total across them: a province's figures. Each center is read on its own, by the indexes
    that start with its id, so a center's row costs what its own report costs."""
    centers = list(session.execute(select(Center).where(col(Center.id).in_(center_ids))).scalars())
    centers.sort(key=lambda c: vi_key(c.name_vi))
    total = _Tally()
    hours = [0] * 24
    rows = []
    for center in centers:
        tally = _Tally()
        scratch: dict[int | None, _Tally] = defaultdict(_Tally)  # by center: the tally is the row
        _tickets(session, center, period, Grouping.center, scratch, tally, hours, now)
        _dossiers(session, center, period, Grouping.center, scratch, tally, now)
        _ratings(session, center, period, Grouping.center, scratch, tally)
        rows.append(_figures(center.id, center.name_vi, tally, True))
        _add(total, tally)
    return Report(
        center_id=None,
        center_name=name,
        first=period.first,
        last=period.last,
        by=Grouping.center,
        rows=rows,
        total=_figures(None, name, total, True),
        arrivals_by_hour=hours,
    )


def _add(into: _Tally, tally: _Tally) -> None:
    into.issued += tally.issued
    for state, count in tally.ended.items():
        into.ended[state] += count
    into.waits += tally.waits
    into.services += tally.services
    for level, count in tally.ratings.items():
        into.ratings[level] += count
    into.received += tally.received
    into.on_time += tally.on_time
    into.late += tally.late
    into.overdue += tally.overdue


def _key_columns(by: Grouping):  # type: ignore[no-untyped-def]
    """Which leg column a row's figures follow: (called, ended) ones."""
    if by is Grouping.category:
        return Ticket.category_id, Ticket.category_id
    if by is Grouping.counter:
        return Ticket.counter_id, Ticket.counter_id
    if by is Grouping.officer:
        return Ticket.called_by, Ticket.ended_by
    return Ticket.center_id, Ticket.center_id


def _tickets(session, center, period, by, tallies, total, hours, now) -> None:  # type: ignore[no-untyped-def]
    """The legs' figures, day by day: a closed day's as the store keeps them (server/report_days.py),
    the others counted from their tickets."""
    store = report_days.store_of(session)
    settled = queue.service_day(center, now - SETTLING)  # days before it are over for every server
    missing = []
    for day in _days(period.first, period.last):
        kept = store.get((center.id, by, day))
        if kept is None:
            missing.append(day)
        else:
            _merge(kept, tallies, hours)

    def count(day: date, legs: list[tuple]) -> None:
        counted = _count(legs)
        if day < settled and sum(sum(row.ended.values()) for row in counted.rows) == len(legs):
            store.put((center.id, by, day), counted)  # every leg ended (or none came): the day is final
        _merge(counted, tallies, hours)

    for first, last in _runs(missing):
        seen = set()
        for day, legs in _legs(session, center, by, first, last):
            seen.add(day)
            count(day, legs)
        for day in _days(first, last):
            if day not in seen:
                count(day, [])
    for tally in tallies.values():
        # Each day's lists are sorted: a row's list is made of sorted runs, which sort in one pass.
        tally.waits.sort()
        tally.services.sort()
        _add(total, tally)


SETTLING = timedelta(hours=1)  # how long after its end a day may still get a leg (clocks differ)


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) spans."""
    spans: list[tuple[date, date]] = []
    for day in days:
        if spans and spans[-1][1] == day - timedelta(days=1):
            spans[-1] = (spans[-1][0], day)
        else:
            spans.append((day, day))
    return spans


def _legs(session, center, by, first, last):  # type: ignore[no-untyped-def]
    """(day, its legs) from `first` to `last`, for the days that have any. The database gives what needs no Python: the
    local hour of a number's issue (first legs only), the wait, and the service of a served leg.
    The rows are read as the driver gives them, a day at a time (a year is 120,000)."""
    called_key, ended_key = _key_columns(by)
    offset = ZoneInfo(center.timezone).utcoffset(datetime.combine(first, time()))
    offset_hours = round(offset.total_seconds() / 3600) if offset else 0  # Vietnam: one offset all year
    statement = (
        select(
            Ticket.service_day,
            called_key,
            ended_key,
            case((Ticket.hop == 0, (_HourOfDay(col(Ticket.issued_at)) + (offset_hours + 24)) % 24)),
            type_coerce(Ticket.state, String),  # the stored text: no enum made per row
            seconds_between(col(Ticket.issued_at), col(Ticket.called_at)),
            case((Ticket.state == TicketState.done, seconds_between(col(Ticket.serving_at), col(Ticket.done_at)))),
        )
        .where(Ticket.center_id == center.id, col(Ticket.service_day) >= first, col(Ticket.service_day) <= last)
        .order_by(Ticket.service_day)  # SQLite reads them so by its index: no sort
    )
    with driver_cursor(session, statement) as rows:
        for day, legs in groupby(rows, key=itemgetter(0)):
            yield report_days.kept_date(day), list(legs)


def _count(legs: list[tuple]) -> report_days.Day:
    """One day's legs counted, per row."""
    tallies: dict[int | None, _Tally] = defaultdict(_Tally)
    hours = [0] * 24
    for _, called_by, ended_by, hour, state, wait, service in legs:
        if hour is not None:
            hours[hour] += 1
            tallies[called_by].issued += 1
        if wait is not None:
            tallies[called_by].waits.append(wait)
        if state in _ENDINGS:
            tally = tallies[ended_by]
            tally.ended[state] += 1
            if service is not None:
                tally.services.append(service)
    rows = tuple(
        report_days.Row(key, t.issued, dict(t.ended), array("d", sorted(t.waits)), array("d", sorted(t.services)))
        for key, t in tallies.items()
    )
    return report_days.Day(rows, tuple(hours))


def _merge(day: report_days.Day, tallies: dict[int | None, _Tally], hours: list[int]) -> None:
    for row in day.rows:
        tally = tallies[row.key]
        tally.issued += row.issued
        for state, count in row.ended.items():
            tally.ended[state] += count
        tally.waits.extend(row.waits)
        tally.services.extend(row.services)
    for hour, count in enumerate(day.hours):
        hours[hour] += count


_ENDINGS = frozenset(s.value for s in (TicketState.done, TicketState.no_show, TicketState.cancelled, TicketState.transferred))


class _HourOfDay(FunctionElement):  # type: ignore[type-arg]
    """The UTC hour (0-23) of a stored timestamp, computed by the database."""

    inherit_cache = True


@compiles(_HourOfDay, "sqlite")
def _hour_sqlite(element, compiler, **kw) -> str:  # type: ignore[no-untyped-def]
    # Stored as "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC): the hour is characters 12-13, read
    # without parsing the timestamp (julianday for every ticket was most of a year's report).
    return f"CAST(substr({compiler.process(element.clauses.clauses[0], **kw)}, 12, 2) AS INTEGER)"


@compiles(_HourOfDay)
def _hour_default(element, compiler, **kw) -> str:  # type: ignore[no-untyped-def]
    return f"CAST(EXTRACT(HOUR FROM {compiler.process(element.clauses.clauses[0], **kw)}) AS INTEGER)"


def _dossier_key(by: Grouping):  # type: ignore[no-untyped-def]
    return {
        Grouping.category: Procedure.category_id,
        Grouping.counter: Dossier.counter_id,
        Grouping.officer: Dossier.officer_id,
        Grouping.center: Dossier.center_id,
    }[by]


def _dossiers(session, center, period, by, tallies, total, now) -> None:  # type: ignore[no-untyped-def]
    """The database counts, per row, the dossiers received or returned in the period (on time or
    late) and those still open past a due day in the period: a year's dossiers come back as a few
    counts, not as rows to read and dates to make in Python."""
    start, end = period.utc_bounds(center.timezone)
    today = queue.service_day(center, now)
    offset = ZoneInfo(center.timezone).utcoffset(datetime.combine(period.first, time()))
    # Returned on time: before the local midnight that ends the due day, i.e. less than
    # a day (less the zone's offset) after the due date's UTC midnight.
    on_time_within = 86400 - (offset.total_seconds() if offset else 0)
    received = col(Dossier.received_at)
    returned = col(Dossier.returned_at)
    due = col(Dossier.due_date)
    received_in = and_(received >= start, received < end)
    returned_in = and_(returned >= start, returned < end)
    due_in = and_(due >= period.first, due <= period.last)
    after_due = seconds_between(due, returned)
    running = [s for s in DossierState if s not in CLOSED_DOSSIER_STATES and s is not DossierState.needs_more]
    overdue = and_(  # not returned in the period, still running, due in the period and before today
        or_(returned.is_(None), returned < start, returned >= end), col(Dossier.state).in_(running), due_in, due < today
    )
    key = _dossier_key(by)
    rows = session.connection().execute(
        select(
            key,
            func.count(case((received_in, 1))),
            func.count(case((and_(returned_in, after_due < on_time_within), 1))),
            func.count(case((and_(returned_in, after_due >= on_time_within), 1))),
            func.count(case((overdue, 1))),
        )
        .join(Procedure, col(Procedure.id) == Dossier.procedure_id)
        .where(Dossier.center_id == center.id, or_(received_in, returned_in, due_in))
        .group_by(key)
    )
    for group, was_received, on_time, late, past_due in rows:
        for counted in (tallies[group], total):
            counted.received += was_received
            counted.on_time += on_time
            counted.late += late
            counted.overdue += past_due


def _ratings(session, center, period, by, tallies, total) -> None:  # type: ignore[no-untyped-def]
    """Ratings by level, on the tickets of the period: a category's through its ticket, a
    counter's and an officer's as the rating keeps them (the one who ended the ticket)."""
    key = {
        Grouping.category: Ticket.category_id,
        Grouping.counter: Rating.counter_id,
        Grouping.officer: Rating.officer_id,
        Grouping.center: Rating.center_id,
    }[by]
    rows = session.connection().execute(
        select(key, type_coerce(Rating.level, String), func.count())
        .join(Ticket, col(Ticket.id) == Rating.ticket_id)
        .where(Rating.center_id == center.id, col(Rating.service_day) >= period.first, col(Rating.service_day) <= period.last)
        .group_by(key, Rating.level)
    )
    for group, level, count in rows:
        tallies[group].ratings[level] += count
        total.ratings[level] += count


def _names(session: Session, center, by: Grouping) -> dict[int | None, str]:  # type: ignore[no-untyped-def]
    """The rows' names, in the order a report lists them."""
    if by is Grouping.category:
        categories = session.execute(
            select(Category).where(Category.center_id == center.id).order_by(col(Category.position), col(Category.id))
        ).scalars()
        return {c.id: f"{c.prefix} · {c.name_vi}" for c in categories}
    if by is Grouping.counter:
        counters = session.execute(select(Counter).where(Counter.center_id == center.id).order_by(col(Counter.number))).scalars()
        return {c.id: c.name_vi for c in counters}
    if by is Grouping.officer:
        users = list(session.execute(select(User).where(User.center_id == center.id)).scalars())
        users.sort(key=lambda u: vi_key(u.full_name or u.username))
        return {u.id: u.full_name or u.username for u in users}
    return {center.id: center.name_vi}
