"""The queue domain: plain functions over a database session and a clock.

Every change goes through here and appends its event in the same transaction. No HTTP here;
errors are `server.errors` exceptions, mapped to HTTP at the edge.
"""

import math
from collections import deque, namedtuple
from functools import cache
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from typing import TypeVar

import holidays
from sqlalchemy import Row, bindparam, case, func, insert, literal_column, or_, select, text, union_all, update
from sqlmodel import Session, col

from server import estimate as wait_estimate
from server import kept, protocol
from server.db import BATCH_CENTERS, CenterTaken, JsonText, lock_not_available
from server.direct import Direct, driver_rows
from server.errors import Conflict, NotFound
from server.messages import ACTION_WORDS, STATE_WORDS, Message
from server.models import (
    Category,
    Center,
    Counter,
    CounterCategory,
    CounterState,
    Event,
    PauseReason,
    Notice,
    PriorityGroup,
    PriorityRule,
    Ticket,
    TicketSource,
    TicketState,
    IN_HAND,
    WAITING,
)

T = TypeVar("T")
Clock = Callable[[], datetime]
TicketChange = Callable[..., Ticket]  # (session, now, ticket_id, *, officer=None, ...)


@dataclass(frozen=True)
class Officer:
    """The staff member acting at a counter (a user: staff, leader or admin)."""

    id: int
    name: str  # the username, as the counter picker and the consoles show it


def system_clock() -> datetime:
    return datetime.now(UTC)


# --- reading -------------------------------------------------------------------------------


def service_day(center: Center, now: datetime) -> date:
    """The service day starts at local midnight in the center's time zone."""
    return now.astimezone(ZoneInfo(center.timezone)).date()


def fetch(session: Session, model: type[T], row_id: int, missing: str) -> T:
    """The row with this id, or NotFound(missing): the one lookup every get_* shares."""
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(missing)
    return row


def get_center(session: Session, center_id: int) -> Center:
    return fetch(session, Center, center_id, "center_not_found")


def get_category(session: Session, category_id: int) -> Category:
    return fetch(session, Category, category_id, "category_not_found")


def get_counter(session: Session, counter_id: int) -> Counter:
    return fetch(session, Counter, counter_id, "counter_not_found")


def get_ticket(session: Session, ticket_id: int) -> Ticket:
    return fetch(session, Ticket, ticket_id, "ticket_not_found")


def _reference(session: Session, model: type[T], row_id: int) -> T | None:
    """A category or center as a read-only row (attribute names as on the model), kept
    between transactions (server.kept): every ticket needs both, and they rarely change."""
    return kept.get(
        session, (model, row_id), lambda: session.connection().execute(_ROW[model], {"id": row_id}).first()
    )


def ticket_by_token(session: Session, token: str) -> Ticket:
    """The newest leg of the ticket a citizen holds (a transfer makes a new leg)."""
    ticket = session.execute(
        select(Ticket).where(Ticket.token == token).order_by(col(Ticket.hop).desc()).limit(1)
    ).scalar_one_or_none()
    if ticket is None:
        raise NotFound("ticket_not_found")
    return ticket


def _hours(category: Category) -> str:
    return ", ".join(f"{start}-{end}" for start, end in category.sessions) or "-"


def _within(local: time, start: str, end: str) -> bool:
    """Whether a local time falls in a session "HH:MM"-"HH:MM"; "24:00" ends at midnight."""
    return time.fromisoformat(start) <= local and (end == "24:00" or local < time.fromisoformat(end))


def closed_reason(session: Session, center: Center, category: Category, now: datetime) -> str | None:
    """Why the category cannot issue a ticket now, or None if it can."""
    if not category.active:
        return "category_inactive"
    if center.observe_public_holidays and public_holiday(service_day(center, now)):
        return "public_holiday"
    local = now.astimezone(ZoneInfo(center.timezone)).time()
    if not any(_within(local, start, end) for start, end in category.sessions):
        return "outside_hours"
    if category.daily_cap is not None:
        if last_number(session, category, service_day(center, now)) >= category.daily_cap:
            return "daily_cap_reached"
    return None


@cache
def _holidays(year: int, language: str) -> dict[date, str]:
    return dict(holidays.country_holidays("VN", years=year, language=language))


def public_holiday(day: date) -> Message | None:
    """The name of the public holiday on that day in Vietnam, in both languages, or None."""
    vi = _holidays(day.year, "vi").get(day)
    return {"vi": vi, "en": _holidays(day.year, "en_US").get(day, vi)} if vi else None


def _closed_error(center: Center, category: Category, reason: str, now: datetime) -> Conflict:
    holiday = public_holiday(service_day(center, now)) or {"vi": "", "en": ""}
    return Conflict(
        reason,
        holiday_vi=holiday["vi"],
        holiday_en=holiday["en"],
        name_vi=category.name_vi,
        name_en=category.name_en,
        hours=_hours(category),
        cap=category.daily_cap,
    )


# The hot path's statements, built once; most run on the driver (server/direct.py).
_ROW = {
    model: select(model.__table__).where(model.__table__.c.id == bindparam("id"))  # type: ignore[attr-defined]
    for model in (Category, Center)
}
_T = Ticket.__table__.c  # type: ignore[attr-defined]
_LAST_NUMBER = Direct(
    select(func.coalesce(func.max(_T.number), 0))
    .where(_T.center_id == bindparam("center_id"))
    .where(_T.service_day == bindparam("day"))
    .where(_T.number_category_id == bindparam("category_id"))
)
_LAST_SEQ = Direct(
    select(func.coalesce(func.max(Event.__table__.c.seq), 0)).where(  # type: ignore[attr-defined]
        Event.__table__.c.center_id == bindparam("center_id")  # type: ignore[attr-defined]
    )
)
_BY_KEY = select(Ticket.__table__).where(_T.center_id == bindparam("center_id")).where(  # type: ignore[attr-defined]
    _T.idempotency_key == bindparam("key")
)
_WAITING = (
    select(func.count())
    .where(_T.center_id == bindparam("center_id"))
    .where(_T.service_day == bindparam("day"))
    .where(_T.state == TicketState.waiting)
    .where(_T.category_id == bindparam("category_id"))
)
# People ahead, an estimate: a priority ticket counts the priority tickets queued before it;
# an ordinary one counts every other waiting ticket but the ordinary ones queued after it
# (as a difference, so both counts are ranges of ix_ticket_queue: no table rows are read).
_AHEAD_OF_PRIORITY = (
    _WAITING.where(_T.priority_group.is_not(None))
    .where(
        or_(
            _T.queued_at < bindparam("queued_at"),
            (_T.queued_at == bindparam("queued_at")) & (_T.id < bindparam("id")),
        )
    )
    .scalar_subquery()
)
_LATER_ORDINARY = (
    _WAITING.where(_T.priority_group.is_(None))
    .where(_T.queued_at >= bindparam("queued_at"))  # a range of the index: few rows for a new ticket
    .where(or_(_T.queued_at > bindparam("queued_at"), _T.id > bindparam("id")))
    .scalar_subquery()
)
_AHEAD_OF_ORDINARY = _WAITING.scalar_subquery() - 1 - _LATER_ORDINARY
# People ahead, by priority or not.
_AHEAD = {is_priority: Direct(select(ahead)) for is_priority, ahead in ((True, _AHEAD_OF_PRIORITY), (False, _AHEAD_OF_ORDINARY))}
# (priority, ordinary) tickets waiting in a category.
_COUNT_WAITING = Direct(
    _WAITING.with_only_columns(
        func.count(case((_T.priority_group.is_not(None), 1))), func.count(case((_T.priority_group.is_(None), 1)))
    )
)
# A new ticket is written with every column given (the driver applies no defaults) and
# handed back as a TicketRow: read-only, with the Ticket's attribute names. The columns
# issuing sets are parameters; the rest (waiting, uncalled, ...) is written in the statement,
# converted for the driver once.
_NEW_TICKET = {c.name: c.default.arg if c.default is not None else None for c in _T if c.name != "id"}
_ISSUED = ("center_id", "service_day", "category_id", "number_category_id", "number", "label", "priority_group",
           "source", "token", "idempotency_key", "note", "queued_at", "issued_at")  # fmt: skip
TicketRow = namedtuple("TicketRow", ["id", *_NEW_TICKET])  # type: ignore[misc]
_INSERT_TICKET = Direct(
    insert(Ticket.__table__)  # type: ignore[attr-defined]
    .values({**_NEW_TICKET, **{name: bindparam(name) for name in _ISSUED}})
    .returning(_T.id)
)
_EVENT_PARTS = ("ticket", "counter", "categories", "print_job", "center", "notices", "dossier", "rating")
_INSERT_EVENT = Direct(insert(Event.__table__), column_keys=["center_id", "seq", "kind", "at", "data"])  # type: ignore[attr-defined]
# A ticket's change of state (recall, start, complete, no-show, cancel): its row read, locked
# (FOR UPDATE where the database has it), and written straight on the driver. Through the ORM
# the load and the flush were most of a completion's cost.
assert list(TicketRow._fields) == [c.name for c in _T]
_TICKET = Direct(select(Ticket.__table__).where(_T.id == bindparam("id")).with_for_update())  # type: ignore[attr-defined]
_CENTER_OF_TICKET = Direct(select(_T.center_id).where(_T.id == bindparam("id")))
_OFFICER_OF = Direct(select(Counter.__table__.c.officer_id).where(Counter.__table__.c.id == bindparam("id")))  # type: ignore[attr-defined]


_C = Counter.__table__.c  # type: ignore[attr-defined]
CounterRow = namedtuple("CounterRow", [c.name for c in _C])  # type: ignore[misc]
_COUNTER = Direct(select(Counter.__table__).where(_C.id == bindparam("id")).with_for_update())  # type: ignore[attr-defined]
_IN_HAND_LABEL = Direct(select(_T.label).where(_T.counter_id == bindparam("counter_id")).where(text(IN_HAND)).limit(1))
_CENTER_OF_COUNTER = Direct(select(_C.center_id).where(_C.id == bindparam("id")))
_HOLD_CENTER = Direct(select(Center.__table__.c.id).where(Center.__table__.c.id == bindparam("id")).with_for_update())  # type: ignore[attr-defined]
_TAKE_FREE_CENTER = Direct(select(Center.__table__.c.id).where(Center.__table__.c.id == bindparam("id")).with_for_update(nowait=True))  # type: ignore[attr-defined]
_COUNTER_CALLS = Direct(
    update(Counter.__table__).where(_C.id == bindparam("row_id")),  # type: ignore[attr-defined]
    column_keys=["ordinary_calls_before_priority"],
)


def _one_writer(session: Session) -> bool:
    """SQLite: its write lock (BEGIN IMMEDIATE, server.db) serialises every writing transaction."""
    bind = session.bind
    return bind is None or bind.dialect.name == "sqlite"


def hold_center(session: Session, center_id: int) -> None:
    """Serialise this transaction's changes of a center with every other writer's until it
    commits: its numbers, waiting counts and event sequence are read after this, so two
    server processes never give out the same number or sequence, nor both answer one
    idempotency key.

    SQLite needs nothing: its write lock is held already. Elsewhere (PostgreSQL, where
    several processes write) the center's row is locked (FOR UPDATE); other centers go on
    in parallel. What the transaction read before waiting is read again: another process
    may have changed it meanwhile (ORM rows are refreshed, the values kept for this
    transaction forgotten). Taken at the start of each change (its first lock, so two
    changes of one center never wait for each other in a circle), and by `record` for
    any change that did not.

    A job of a group commit (server.db) whose batch holds another center already does not
    wait: it takes the center if it is free, else it is put off (CenterTaken) and runs alone
    after the batch. Two processes' batches each waiting for a center the other holds are a
    deadlock, which PostgreSQL breaks only after deadlock_timeout (a second), every center of
    the circle held meanwhile (bench/province.py).
    """
    if _one_writer(session):
        return
    kept_values = kept.values(session)  # pending changes flushed first
    if ("held", center_id) in kept_values:
        return
    batch = session.info.get(BATCH_CENTERS)
    wait = batch is None or not batch - {center_id}
    try:
        held = (_HOLD_CENTER if wait else _TAKE_FREE_CENTER).execute(session, id=center_id)
    except Exception as exc:
        if wait or not lock_not_available(exc):
            raise
        raise CenterTaken(center_id) from exc
    if held is None:
        return  # no such center: the caller answers its own NotFound
    if batch is not None:
        batch.add(center_id)
    for loaded in list(session.identity_map.values()):
        # Read again now, not expired: a caller may read its rows after the session closes.
        session.refresh(loaded)
    for key in [key for key in kept_values if key[0] != "held"]:
        del kept_values[key]
    kept_values[("held", center_id)] = True


def _hold_center_of_counter(session: Session, counter_id: int) -> None:
    """`hold_center` for the counter's center, before the counter is read (not on SQLite)."""
    if not _one_writer(session) and (row := _CENTER_OF_COUNTER.execute(session, id=counter_id)) is not None:
        hold_center(session, row[0])


def _hold_center_of_ticket(session: Session, ticket_id: int) -> None:
    """`hold_center` for the ticket's center, before the ticket is read (not on SQLite)."""
    if not _one_writer(session) and (row := _CENTER_OF_TICKET.execute(session, id=ticket_id)) is not None:
        hold_center(session, row[0])


def _expire(session: Session, model: type, row_id: int) -> None:
    """A row changed on the driver: an ORM copy loaded earlier in this transaction reads it again."""
    loaded = session.identity_map.get(session.identity_key(model, row_id))
    if loaded is not None:
        session.expire(loaded)


@cache
def _ticket_update(columns: tuple[str, ...]) -> Direct:
    return Direct(update(Ticket.__table__).where(_T.id == bindparam("row_id")), column_keys=columns)  # type: ignore[attr-defined]


def last_number(session: Session, category: Category, day: date) -> int:
    """The highest number a category has given out on a day, which is also how many tickets
    it issued (numbers are gapless; a transfer keeps its number)."""
    return kept.get(
        session,
        ("number", category.id, day),
        lambda: _LAST_NUMBER.scalar(session, center_id=category.center_id, day=day, category_id=category.id),
    )


def _waiting(session: Session, center_id: int, category_id: int, day: date) -> list[int]:
    """[priority, ordinary] tickets waiting in a category; kept, and updated in place by
    `issue_ticket` for each ticket it adds."""
    return kept.get(
        session,
        ("waiting", category_id, day),
        lambda: list(_COUNT_WAITING.execute(session, center_id=center_id, day=day, category_id=category_id)),  # type: ignore[arg-type]
    )


def counter_links(session: Session, counter: Counter) -> list[CounterCategory]:
    return list(
        session.execute(
            select(CounterCategory)
            .where(CounterCategory.counter_id == counter.id)
            .order_by(col(CounterCategory.position))
        ).scalars()
    )


_LINKS = (
    select(CounterCategory.__table__)  # type: ignore[attr-defined]
    .where(CounterCategory.__table__.c.counter_id == bindparam("counter_id"))  # type: ignore[attr-defined]
    .order_by(CounterCategory.__table__.c.position)  # type: ignore[attr-defined]
)


def _kept_links(session: Session, counter_id: int) -> list[Row]:
    """A counter's categories as read-only rows, kept between transactions (server.kept): every
    call needs them, and they rarely change."""
    return kept.get(session, ("links", counter_id), lambda: session.execute(_LINKS, {"counter_id": counter_id}).all())


_IN_HAND = select(Ticket).where(Ticket.counter_id == bindparam("counter_id")).where(text(IN_HAND)).limit(1)


def in_hand(session: Session, counter: Counter) -> Ticket | None:
    """The ticket a counter has called or is serving (one lookup in a partial index)."""
    return session.execute(_IN_HAND, {"counter_id": counter.id}).scalar_one_or_none()


def estimate(session: Session, ticket: Ticket | Row | TicketRow, now: datetime | None = None) -> tuple[int, int]:
    """(people ahead, estimated wait in minutes) for a ticket; (0, 0) once it is called.

    People ahead: waiting tickets of the same category expected to be called first. The
    wait: server.estimate (recent service times, open counters and their shares, the
    priority rule, the sessions), at `now` (default: the ticket's issue time).
    """
    if ticket.state != TicketState.waiting:
        return 0, 0
    priority = ticket.priority_group is not None
    waiting = _waiting(session, ticket.center_id, ticket.category_id, ticket.service_day)
    if kept.values(session).get(("newest", ticket.category_id, ticket.service_day, priority)) == ticket.id:
        # Just issued: the last of its class, so the kept counts give it without a scan.
        ahead = waiting[0] - 1 if priority else sum(waiting) - 1
    else:
        ahead = _AHEAD[priority].scalar(  # type: ignore[assignment]
            session,
            center_id=ticket.center_id,
            day=ticket.service_day,
            category_id=ticket.category_id,
            id=ticket.id,
            queued_at=ticket.queued_at,
        )
    when = now or ticket.issued_at
    return ahead, _expected(session, ticket.center_id, ticket.category_id, ticket.service_day, ahead, priority, waiting[1], when)


def expected_wait(session: Session, center_id: int, category_id: int, now: datetime) -> tuple[int, int]:
    """(people waiting, expected wait in minutes) for someone taking an ordinary ticket of the
    category now: the leader's floor. The same estimator as a ticket's (server.estimate)."""
    center = _reference(session, Center, center_id)
    assert center is not None
    day = service_day(center, now)
    waiting = _waiting(session, center_id, category_id, day)
    return sum(waiting), _expected(session, center_id, category_id, day, sum(waiting), False, waiting[1], now)


def _expected(
    session: Session, center_id: int, category_id: int, day: date, ahead: int, priority: bool, ordinary: int, now: datetime
) -> int:
    category = _reference(session, Category, category_id)
    center = _reference(session, Center, center_id)
    assert category is not None and center is not None
    return wait_estimate.expected_minutes(
        wait_estimate.Queue(
            ahead=ahead,
            priority=priority,
            ordinary_waiting=ordinary,
            rule=PriorityRule(center.priority_rule),
            ratio=center.priority_ratio,
            service_minutes=wait_estimate.recent_service_minutes(session, center_id, category_id, day, category.service_minutes),
            counters=wait_estimate.counters_now(session, center_id, category_id, day),
            sessions=category.sessions,
            timezone=center.timezone,
            now=_utc(now),
        )
    )


# --- wire models -----------------------------------------------------------------------------


def ticket_out(ticket: Ticket) -> protocol.TicketOut:
    return protocol.TicketOut.model_validate(ticket, from_attributes=True)


def issued_out(session: Session, ticket: Row | TicketRow) -> protocol.IssuedTicket:
    """What the kiosk shows and prints: the ticket, its token, people ahead, estimated wait."""
    ahead, minutes = estimate(session, ticket)
    return protocol.IssuedTicket.model_validate(
        {**ticket._asdict(), "people_ahead": ahead, "estimated_wait_minutes": minutes}
    )


def counter_out(session: Session, counter: Counter, links: list[CounterCategory] | None = None) -> protocol.CounterOut:
    """A counter as clients see it; `links`: its categories, if the caller has read them."""
    if links is None:
        links = counter_links(session, counter)
    return protocol.CounterOut(
        id=counter.id,  # type: ignore[arg-type]
        number=counter.number,
        name_vi=counter.name_vi,
        name_en=counter.name_en,
        state=counter.state,
        ordinary_calls_before_priority=counter.ordinary_calls_before_priority,
        pause_reason=counter.pause_reason,
        officer_id=counter.officer_id,
        officer_name=counter.officer_name,
        officer_since=counter.officer_since,
        paused_at=counter.paused_at,
        active=counter.active,
        categories=[
            protocol.CounterCategoryOut(category_id=l.category_id, position=l.position, weight=l.weight)
            for l in links
        ],
    )


def category_out(
    session: Session, center: Center, category: Category, now: datetime
) -> protocol.CategoryOut:
    reason = closed_reason(session, center, category, now)
    out = protocol.CategoryOut.model_validate(category, from_attributes=True)
    return out.model_copy(update={"open": reason is None, "closed_reason": reason})


def categories_of(session: Session, center_id: int, now: datetime) -> list[protocol.CategoryOut]:
    """A center's categories in order, each open or why closed; retired ones are not offered."""
    center = get_center(session, center_id)
    rows = session.execute(
        select(Category)
        .where(Category.center_id == center_id)
        .where(Category.active == True)  # noqa: E712
        .order_by(col(Category.position))
    )
    return [category_out(session, center, c, now) for c in rows.scalars()]


def counters_of(session: Session, center_id: int) -> list[protocol.CounterOut]:
    """A center's counters by number, with their categories; retired ones are left out."""
    get_center(session, center_id)  # NotFound for an unknown center
    counters = session.execute(
        select(Counter)
        .where(Counter.center_id == center_id)
        .where(Counter.active == True)  # noqa: E712
        .order_by(col(Counter.number))
    )
    return [counter_out(session, c) for c in counters.scalars()]


def snapshot(session: Session, center_id: int, now: datetime) -> protocol.Snapshot:
    """The whole queue of a center now, with the sequence of the last event it reflects.

    Read in one transaction, so the sequence and the rows agree.
    """
    center = get_center(session, center_id)
    day = service_day(center, now)
    seq = last_seq(session, center_id)
    tickets = session.execute(
        select(Ticket)
        .where(Ticket.center_id == center_id)
        .where(Ticket.service_day == day)
        .where(col(Ticket.state).in_(protocol.ACTIVE))
        .order_by(col(Ticket.queued_at), col(Ticket.id))
    ).scalars()
    return protocol.Snapshot(
        seq=seq,
        center=protocol.CenterOut.model_validate(center, from_attributes=True),
        service_day=day,
        categories=categories_of(session, center_id, now),
        counters=counters_of(session, center_id),
        tickets=[ticket_out(t) for t in tickets],
        notices=active_notices(session, center_id),
    )


_TICKETS = select(Ticket.__table__).where(_T.id.in_(bindparam("ids", expanding=True)))  # type: ignore[attr-defined]
_QUEUE_OF = case((_T.target_counter_id.is_(None), _T.category_id), else_=None)
_CLASS_OF = case((_T.priority_group.is_(None), False), else_=True)
_WAITING_HERE = (
    select(_QUEUE_OF, _CLASS_OF, func.count())
    .where(_T.center_id == bindparam("center_id"))
    .where(_T.service_day == bindparam("day"))
    .where(text(WAITING))
    .group_by(_QUEUE_OF, _CLASS_OF)
)


def _tickets_out(session: Session, ids: list[int]) -> dict[int, protocol.TicketOut]:
    """The tickets of `ids` as the wire has them, by id. Read as the driver gives them and
    parsed by pydantic (timestamps from SQLite's text included): through SQLAlchemy's result
    processors and from ORM attributes, a console's 100 were a third of its view."""
    names, rows = driver_rows(session, _TICKETS, {"ids": ids})
    tickets = (protocol.TicketOut.model_validate(dict(zip(names, row))) for row in rows)
    return {ticket.id: ticket for ticket in tickets}


def counter_view(session: Session, counter_id: int, now: datetime, limit: int) -> protocol.CounterView:
    """A counter's console: its ticket in hand and the first `limit` waiting tickets in call
    order. Read in one transaction, so the sequence and the rows agree."""
    counter = get_counter(session, counter_id)
    center = get_center(session, counter.center_id)
    seq = last_seq(session, center.id)
    links = counter_links(session, counter)
    day = service_day(center, now)
    by_id = {c.id: c for c in session.execute(select(Category).where(col(Category.id).in_([l.category_id for l in links]))).scalars()}
    categories = [category_out(session, center, by_id[l.category_id], now) for l in links]
    current = in_hand(session, counter)
    streams = _streams(session, counter, links, day, limit)
    order = [row.id for row in _merge(center, counter, streams, now, limit)]
    after = [rows[0].id for _, _, rows in streams if rows]
    rows = _tickets_out(session, order + after)
    queues = [
        protocol.QueueCount(category_id=category, priority=bool(priority), waiting=n)
        for category, priority, n in session.execute(
            _WAITING_HERE.where(
                or_(
                    _T.target_counter_id == counter.id,
                    _T.target_counter_id.is_(None) & _T.category_id.in_([l.category_id for l in links]),
                )
            ),
            {"center_id": center.id, "day": day},
        )
    ]
    return protocol.CounterView(
        seq=seq,
        center=protocol.CenterOut.model_validate(center, from_attributes=True),
        service_day=day,
        counter=counter_out(session, counter, links),
        categories=categories,
        in_hand=ticket_out(current) if current else None,
        waiting=[rows[i] for i in order],
        next_in_queues=[rows[i] for i in after],
        waiting_total=sum(q.waiting for q in queues),
        queues=queues,
    )


def active_notices(session: Session, center_id: int) -> list[protocol.NoticeOut]:
    """The notices a center's display shows now, in order."""
    rows = session.execute(
        select(Notice)
        .where(Notice.center_id == center_id)
        .where(Notice.active == True)  # noqa: E712
        .order_by(col(Notice.position), col(Notice.id))
    ).scalars()
    return [protocol.NoticeOut.model_validate(n, from_attributes=True) for n in rows]


def last_seq(session: Session, center_id: int) -> int:
    """The sequence of a center's newest event (0 before the first). Kept (server.kept):
    `record` is the only writer of events, and keeps the sequence it wrote."""
    return kept.get(session, ("seq", center_id), lambda: _LAST_SEQ.scalar(session, center_id=center_id))


def events_since(session: Session, center_id: int, since: int, limit: int) -> list[protocol.EventOut] | None:
    """The events after `since`, or None if they cannot all be replayed (too many, or unknown)."""
    last = last_seq(session, center_id)
    if since > last or last - since > limit:
        return None
    rows = session.execute(
        select(Event)
        .where(Event.center_id == center_id)
        .where(Event.seq > since)
        .order_by(col(Event.seq))
    ).scalars()
    events = [event_out(e) for e in rows]
    if len(events) != last - since:
        return None  # pruned history
    return events


def event_out(row: Event) -> protocol.EventOut:
    return protocol.EventOut.model_validate(
        {**row.data, "seq": row.seq, "center_id": row.center_id, "kind": row.kind, "at": row.at}
    )


# --- recording -------------------------------------------------------------------------------


def record(
    session: Session,
    center_id: int,
    kind: str,
    now: datetime,
    *,
    ticket: Ticket | None = None,
    counter: Counter | None = None,
    links: list[CounterCategory] | None = None,
    categories: list[protocol.CategoryOut] | None = None,
    print_job: protocol.PrintJobOut | None = None,
    center: Center | None = None,
    notices: list[protocol.NoticeOut] | None = None,
    dossier: protocol.DossierEventOut | None = None,
    rating: protocol.RatingEventOut | None = None,
) -> protocol.EventOut:
    """Append the next event of a center; the unit of work publishes it after commit."""
    if ticket is not None and ticket.id is None:
        session.flush()  # a new leg needs its id before it can be described
    hold_center(session, center_id)  # if the change did not at its start (not on SQLite)
    seq = last_seq(session, center_id) + 1
    out = protocol.EventOut(
        seq=seq,
        center_id=center_id,
        kind=kind,
        at=now,
        ticket=ticket_out(ticket) if ticket else None,
        counter=counter_out(session, counter, links) if counter else None,
        categories=categories,
        print_job=print_job,
        center=protocol.CenterOut.model_validate(center, from_attributes=True) if center else None,
        notices=notices,
        dossier=dossier,
        rating=rating,
    )
    # The event's parts, without those it lacks, as JSON straight from pydantic.
    data = JsonText(out.model_dump_json(include={part for part in _EVENT_PARTS if getattr(out, part) is not None}))
    _INSERT_EVENT.execute(session, center_id=center_id, seq=seq, kind=kind, at=now, data=data)
    kept.put(session, ("seq", center_id), seq)
    session.info.setdefault("events", []).append(out)
    return out


# --- changing --------------------------------------------------------------------------------


def issue_ticket(
    session: Session,
    now: datetime,
    *,
    category_id: int,
    priority_group: PriorityGroup | None = None,
    source: TicketSource = TicketSource.kiosk,
    idempotency_key: str | None = None,
    note: str = "",
    visible: Callable[[int], bool] | None = None,
) -> tuple[Row | TicketRow, bool]:
    """Issue the next number of a category. Returns (ticket, created): the ticket as a
    read-only row with the Ticket's columns.

    A repeated idempotency key returns the ticket it issued before, with created False.
    The number is allocated in this transaction; a unique constraint stands behind it.
    A category whose center fails `visible(center_id)` is treated as unknown.
    """
    # The hot path (a peak morning is hundreds of taps): one insert, no ORM unit of work.
    # The write lock is held, so the number read here is still the last at insert.
    category = _reference(session, Category, category_id)
    if category is None or (visible is not None and not visible(category.center_id)):
        raise NotFound("category_not_found")
    center = _reference(session, Center, category.center_id)
    assert center is not None
    hold_center(session, center.id)  # before the key and the number are read (not on SQLite)
    if idempotency_key is not None:
        earlier = session.connection().execute(_BY_KEY, {"center_id": center.id, "key": idempotency_key}).first()
        if earlier is not None:
            if earlier.number_category_id != category_id or earlier.priority_group != priority_group:
                raise Conflict("idempotency_conflict")
            return earlier, False
    reason = closed_reason(session, center, category, now)
    if reason is not None:
        raise _closed_error(center, category, reason, now)
    day = service_day(center, now)
    number = last_number(session, category, day) + 1
    waiting = _waiting(session, center.id, category.id, day)  # before the insert: it counts on
    values = {
        **_NEW_TICKET,
        "center_id": center.id,
        "service_day": day,
        "category_id": category.id,
        "number_category_id": category.id,
        "number": number,
        "label": f"{category.prefix}{number:03d}",
        "priority_group": priority_group,
        "source": source,
        "token": secrets.token_urlsafe(16),
        "idempotency_key": idempotency_key,
        "note": note,
        "queued_at": now,
        "issued_at": now,
    }
    ticket = TicketRow(id=_INSERT_TICKET.scalar(session, **values), **values)
    # What this ticket changed, kept for the next one (server.kept).
    kept.put(session, ("number", category.id, day), number)
    waiting[0 if priority_group is not None else 1] += 1
    kept.put(session, ("newest", category.id, day, priority_group is not None), ticket.id)
    closing = None
    if category.daily_cap is not None and number >= category.daily_cap:
        # This ticket was the last one: tell kiosks the category has just closed.
        closing = [category_out(session, center, category, now)]
    record(session, center.id, "ticket.issued", now, ticket=ticket, categories=closing)  # type: ignore[arg-type]
    return ticket, True


def _require(ticket: Ticket | TicketRow, action: str, *states: TicketState) -> None:
    if ticket.state not in states:
        raise Conflict("invalid_transition", label=ticket.label, state=STATE_WORDS[ticket.state], action=ACTION_WORDS[action])


# --- the counter's officer -------------------------------------------------------------------


def _local_time(session: Session, center_id: int, at: datetime) -> str:
    center = _reference(session, Center, center_id)
    assert center is not None
    return _utc(at).astimezone(ZoneInfo(center.timezone)).strftime("%H:%M")


def _held_error(session: Session, counter: Counter) -> Conflict:
    since = _local_time(session, counter.center_id, counter.officer_since) if counter.officer_since else "?"
    return Conflict("counter_held", number=counter.number, name=counter.officer_name, since=since)


def _hold(session: Session, now: datetime, counter: Counter, officer: Officer | None) -> None:
    """Whether `officer` may act at `counter`: it holds it, or the counter is free (acting at
    a free counter claims it, as signing in to it would). 409 `counter_held` if another
    officer holds it. None (the domain's own callers, the command line): no check."""
    if officer is None or counter.officer_id == officer.id:
        return
    if counter.officer_id is not None:
        raise _held_error(session, counter)
    _take(session, now, counter, officer)


def _take(session: Session, now: datetime, counter: Counter, officer: Officer) -> None:
    """`officer` works `counter` from now, and no other counter: one they held before is
    released (a person sits at one counter; the picker then says so even if the old
    console never released it)."""
    for other in session.execute(
        select(Counter).where(Counter.officer_id == officer.id).where(Counter.id != counter.id)
    ).scalars():
        _set_officer(other, None, now)
        record(session, other.center_id, "counter.released", now, counter=other)
    _set_officer(counter, officer, now)
    record(session, counter.center_id, "counter.claimed", now, counter=counter)


def _set_officer(counter: Counter, officer: Officer | None, now: datetime) -> None:
    counter.officer_id = officer.id if officer else None
    counter.officer_name = officer.name if officer else None
    counter.officer_since = now if officer else None


def claim(session: Session, now: datetime, counter_id: int, officer: Officer, *, take_over: bool = False) -> tuple[Counter, str | None]:
    """`officer` signs in to a counter: (the counter, the officer it was taken from, if any).

    A counter held by another officer is only taken with `take_over`; its event
    ("counter.claimed", with the new officer) tells the first officer's console at once.
    Claiming a counter one holds already changes nothing (its `officer_since` stays)."""
    _hold_center_of_counter(session, counter_id)
    counter = get_counter(session, counter_id)
    if counter.officer_id == officer.id:
        return counter, None
    previous = counter.officer_name
    if counter.officer_id is not None and not take_over:
        raise _held_error(session, counter)
    _take(session, now, counter, officer)
    return counter, previous


def release(session: Session, now: datetime, counter_id: int, officer: Officer) -> Counter:
    """`officer` leaves the counter (signing out, changing counter). Releasing a free
    counter changes nothing; one held by another officer is theirs: 409 `counter_held`."""
    _hold_center_of_counter(session, counter_id)
    counter = get_counter(session, counter_id)
    if counter.officer_id is None:
        return counter
    if counter.officer_id != officer.id:
        raise _held_error(session, counter)
    _set_officer(counter, None, now)
    record(session, counter.center_id, "counter.released", now, counter=counter)
    return counter


def _hold_ticket(session: Session, now: datetime, ticket: Ticket, officer: Officer | None) -> None:
    """A ticket in a counter's hand is that counter's officer's to act on."""
    if officer is not None and ticket.counter_id is not None and ticket.state in (TicketState.called, TicketState.serving):
        _hold(session, now, get_counter(session, ticket.counter_id), officer)


def _by(officer: Officer | None) -> int | None:
    return officer.id if officer else None


def _require_open(counter: Counter) -> None:
    if not counter.active:
        raise Conflict("counter_inactive", number=counter.number)
    if counter.state == CounterState.paused:
        raise Conflict("counter_paused", number=counter.number)
    if counter.state == CounterState.closed:
        raise Conflict("counter_closed", number=counter.number)


@dataclass(frozen=True)
class _Candidate:
    ticket: Row  # a waiting ticket's columns
    weight: int
    position: int
    stream: int = 0  # which of the counter's queues it heads


@cache
def _streams_statement(categories: int):  # type: ignore[no-untyped-def]
    """The first `limit` waiting tickets (stream, id, priority_group, queued_at) of each queue
    a counter with that many categories calls from, in order of issue: per priority class,
    those sent to it by name (stream 0, and `categories` + 1), then each category's in the
    counter's order. One statement, built once for each number of categories.

    Each part's WHERE repeats a partial index's condition word for word
    (models.TICKET_WAITING_INDEXES), so its rows come straight from that index in order:
    the cost does not grow with the number waiting."""
    parts = []
    for priority in (True, False):
        where = text(f"{WAITING} AND priority_group IS {'NOT ' if priority else ''}NULL")
        for queue in range(categories + 1):
            part = (
                select(literal_column(str(len(parts))).label("stream"), _T.id, _T.priority_group, _T.queued_at)
                .where(_T.center_id == bindparam("center_id"))
                .where(_T.service_day == bindparam("day"))
                .where(where)
            )
            if queue == 0:
                part = part.where(_T.target_counter_id == bindparam("counter_id"))
            else:
                part = part.where(_T.target_counter_id.is_(None)).where(_T.category_id == bindparam(f"category_{queue}"))
            parts.append(part.order_by(_T.queued_at, _T.id).limit(bindparam("limit")).subquery().select())
    return union_all(*parts)


_Head = namedtuple("_Head", ["stream", "id", "priority_group", "queued_at"])


@cache
def _streams_direct(categories: int) -> Direct:
    return Direct(_streams_statement(categories))


def _streams(
    session: Session, counter: Counter, links: list[CounterCategory], day: date, limit: int
) -> list[tuple[int, int, deque[Row]]]:
    """(weight, position, first `limit` tickets) of each queue this counter may call from:
    tickets sent to it by name (weight 1, first in a tie), and each of its categories, each
    split by priority class. A ticket here is (stream, id, priority_group, queued_at)."""
    meta = ([(1, -1)] + [(link.weight, link.position) for link in links]) * 2
    found: list[list[Row]] = [[] for _ in meta]
    params = {"center_id": counter.center_id, "day": day, "limit": limit, "counter_id": counter.id}
    params.update({f"category_{i}": link.category_id for i, link in enumerate(links, 1)})
    for row in _streams_direct(len(links)).all(session, **params):
        found[row[0]].append(_Head(*row))
    # A union promises no order, so each queue's few rows are put in order here.
    return [(weight, position, deque(sorted(rows, key=lambda r: (r.queued_at, r.id))))
            for (weight, position), rows in zip(meta, found)]


def choose(center: Center, calls_before_priority: int, heads: list[_Candidate], now: datetime) -> _Candidate | None:
    """Which waiting ticket a counter calls next, by the center's priority rule.

    `calls_before_priority` is the counter's ordinary calls left before a waiting priority
    ticket is due (ratio rule). Within the chosen class, the longest wait wins, each
    category's wait counted `weight` times, ties broken by the counter's order; within one
    category that is always the earliest issued.
    """
    priority = [c for c in heads if c.ticket.priority_group is not None]
    ordinary = [c for c in heads if c.ticket.priority_group is None]
    if center.priority_rule == PriorityRule.ageing:
        # An ordinary ticket that has waited long enough joins the priority class, which is
        # then served strictly by time, so it goes ahead of priority tickets that came later.
        limit = timedelta(minutes=center.ageing_minutes)
        urgent = priority + [c for c in ordinary if now - _utc(c.ticket.queued_at) >= limit]
        if urgent:
            return min(urgent, key=lambda c: (_utc(c.ticket.queued_at), c.position, c.ticket.id))
        pool = ordinary
    elif center.priority_rule == PriorityRule.ratio:
        due = calls_before_priority == 0
        pool = priority if priority and (due or not ordinary) else ordinary
    else:
        pool = priority or ordinary
    if not pool:
        return None

    def score(c: _Candidate) -> tuple[float, int, datetime, int]:
        queued = _utc(c.ticket.queued_at)
        return (-(now - queued).total_seconds() * c.weight, c.position, queued, c.ticket.id)

    return min(pool, key=score)


def _utc(value: datetime) -> datetime:
    # SQLite gives datetimes back without their zone; they are stored in UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _after_call(center: Center, calls_before_priority: int, ticket: Row | Ticket) -> int:
    """The counter's ordinary calls left before priority is due, after calling `ticket`."""
    if ticket.priority_group is not None:
        return center.priority_ratio
    return max(0, calls_before_priority - 1)


def call_order(
    session: Session, center: Center, counter: Counter, links: list[CounterCategory], now: datetime, limit: int
) -> list[Row]:
    """The first `limit` waiting tickets this counter would call, in the order repeated
    call-nexts would call them now (nobody else calling, nobody new arriving)."""
    return _merge(center, counter, _streams(session, counter, links, service_day(center, now), limit), now, limit)


def _merge(center: Center, counter: Counter, streams: list[tuple[int, int, deque[Row]]], now: datetime, limit: int) -> list[Row]:
    """Take `limit` tickets from the streams in call order (what is taken leaves them)."""
    due, order = counter.ordinary_calls_before_priority, []
    while len(order) < limit:
        heads = [_Candidate(rows[0], weight, position, i) for i, (weight, position, rows) in enumerate(streams) if rows]
        chosen = choose(center, due, heads, now)
        if chosen is None:
            break
        order.append(streams[chosen.stream][2].popleft())
        due = _after_call(center, due, chosen.ticket)
    return order


def center_of_counter(session: Session, counter_id: int) -> int:
    """The center a counter belongs to (NotFound if none): a route's check before a change,
    which holds the center (`hold_center`) where other processes write."""
    if not _one_writer(session):
        found = _CENTER_OF_COUNTER.execute(session, id=counter_id)
        if found is None:
            raise NotFound("counter_not_found")
        hold_center(session, found[0])
        return found[0]
    row = _COUNTER.execute(session, id=counter_id)
    if row is None:
        raise NotFound("counter_not_found")
    return row[1]


def call_next(session: Session, now: datetime, counter_id: int, officer: Officer | None = None) -> TicketRow:
    """The counter calls the next waiting ticket among its categories.

    Its rows are read, locked (FOR UPDATE where the database has it) and written straight on
    the driver: through the ORM, loading and flushing the counter and the ticket were half
    of a call's cost (bench/call_next.py)."""
    _hold_center_of_counter(session, counter_id)  # before the counter's row lock
    row = _COUNTER.execute(session, id=counter_id)
    if row is None:
        raise NotFound("counter_not_found")
    counter = CounterRow(*row)
    if officer is not None and counter.officer_id != officer.id:
        _hold(session, now, get_counter(session, counter_id), officer)  # 409, or it claims the counter
        counter = CounterRow(*_COUNTER.execute(session, id=counter_id))  # type: ignore[misc]
    _require_open(counter)  # type: ignore[arg-type]
    current = _IN_HAND_LABEL.execute(session, counter_id=counter_id)
    if current is not None:
        raise Conflict("counter_busy", number=counter.number, label=current[0])
    center = _reference(session, Center, counter.center_id)  # kept: read once, not per call
    assert center is not None
    links = _kept_links(session, counter_id)
    first = call_order(session, center, counter, links, now, limit=1)  # type: ignore[arg-type]
    if not first:
        raise Conflict("queue_empty", number=counter.number)
    calls = _after_call(center, counter.ordinary_calls_before_priority, first[0])
    _COUNTER_CALLS.execute(session, row_id=counter_id, ordinary_calls_before_priority=calls)
    _expire(session, Counter, counter_id)
    counter = counter._replace(ordinary_calls_before_priority=calls)
    ticket = TicketRow(*_TICKET.execute(session, id=first[0].id))  # type: ignore[misc]
    # Another process's counter may have called it between the choice and the lock (not on
    # SQLite, whose write lock serialises the whole call): refused, never called twice.
    _require(ticket, "call", TicketState.waiting)
    values = {"state": TicketState.called, "counter_id": counter_id, "called_at": now, "called_by": _by(officer)}
    _ticket_update(tuple(values)).execute(session, row_id=ticket.id, **values)
    _expire(session, Ticket, ticket.id)
    kept.forget(session, ("waiting", ticket.category_id, ticket.service_day))  # it left the queue (server.kept)
    ticket = ticket._replace(**values)
    record(session, center.id, "ticket.called", now, ticket=ticket, counter=counter, links=links)  # type: ignore[arg-type]
    return ticket


def call_ticket(session: Session, now: datetime, ticket_id: int, *, counter_id: int, officer: Officer | None = None) -> Ticket:
    """The counter calls one ticket by its number, out of the call order: a waiting ticket
    of today, or one of today marked no-show whose citizen came back (it keeps its
    `no_show_at`: the record that it was once missed). Another day's ticket is not called."""
    _hold_center_of_ticket(session, ticket_id)
    ticket = get_ticket(session, ticket_id)
    counter = get_counter(session, counter_id)
    if counter.center_id != ticket.center_id:
        raise NotFound("ticket_not_found")
    _hold(session, now, counter, officer)
    _require_open(counter)
    current = in_hand(session, counter)
    if current is not None:
        raise Conflict("counter_busy", number=counter.number, label=current.label)
    _require(ticket, "call", TicketState.waiting, TicketState.no_show)
    center = _reference(session, Center, counter.center_id)
    assert center is not None
    if ticket.service_day != service_day(center, now):
        raise Conflict("ticket_not_today", label=ticket.label)
    counter.ordinary_calls_before_priority = _after_call(center, counter.ordinary_calls_before_priority, ticket)
    ticket.state = TicketState.called
    ticket.counter_id = counter.id
    ticket.called_at = now
    ticket.called_by = _by(officer)
    record(session, center.id, "ticket.called", now, ticket=ticket, counter=counter)
    return ticket


def find_today(session: Session, center_id: int, label: str, now: datetime) -> Ticket:
    """Today's ticket with this label as the citizen holds it (its newest leg)."""
    day = service_day(get_center(session, center_id), now)
    ticket = session.execute(
        select(Ticket)
        .where(Ticket.center_id == center_id, Ticket.service_day == day, Ticket.label == label)
        .order_by(col(Ticket.hop).desc())
        .limit(1)
    ).scalar_one_or_none()
    if ticket is None:
        raise NotFound("ticket_label_not_found", label=label)
    return ticket


def center_of_ticket(session: Session, ticket_id: int) -> int:
    """The center a ticket belongs to (NotFound if none): a route's check before a change,
    which holds the center (`hold_center`) where other processes write."""
    row = _CENTER_OF_TICKET.execute(session, id=ticket_id)
    if row is None:
        raise NotFound("ticket_not_found")
    hold_center(session, row[0])
    return row[0]


def _change_ticket(
    session: Session, now: datetime, ticket_id: int, officer: Officer | None, action: str, states: tuple[TicketState, ...],
    kind: str, change: Callable[[TicketRow], dict],
) -> TicketRow:
    """Move a ticket on by one step the officer may take: `change(ticket)` gives the columns
    written; the event `kind` recorded. The ticket comes back as a read-only row."""
    _hold_center_of_ticket(session, ticket_id)  # before the ticket's row lock
    row = _TICKET.execute(session, id=ticket_id)
    if row is None:
        raise NotFound("ticket_not_found")
    ticket = TicketRow(*row)
    if officer is not None and ticket.counter_id is not None and ticket.state in (TicketState.called, TicketState.serving):
        held = _OFFICER_OF.execute(session, id=ticket.counter_id)
        if held is None or held[0] != officer.id:  # not this officer's counter: the full check
            _hold(session, now, get_counter(session, ticket.counter_id), officer)
    _require(ticket, action, *states)  # type: ignore[arg-type]
    values = change(ticket)
    _ticket_update(tuple(values)).execute(session, row_id=ticket.id, **values)
    _expire(session, Ticket, ticket.id)
    if ticket.state == TicketState.waiting:  # it leaves the queue: the kept count (server.kept)
        kept.forget(session, ("waiting", ticket.category_id, ticket.service_day))
    ticket = ticket._replace(**values)
    record(session, ticket.center_id, kind, now, ticket=ticket)  # type: ignore[arg-type]
    return ticket


def recall(session: Session, now: datetime, ticket_id: int, officer: Officer | None = None) -> TicketRow:
    """Call the same ticket again (the citizen did not come yet)."""
    return _change_ticket(
        session, now, ticket_id, officer, "recall", (TicketState.called,), "ticket.recalled",
        lambda t: {"recalls": t.recalls + 1, "called_by": _by(officer) or t.called_by},
    )  # fmt: skip


def start_serving(session: Session, now: datetime, ticket_id: int, officer: Officer | None = None) -> TicketRow:
    return _change_ticket(
        session, now, ticket_id, officer, "start", (TicketState.called,), "ticket.serving",
        lambda t: {"state": TicketState.serving, "serving_at": now},
    )  # fmt: skip


def complete(session: Session, now: datetime, ticket_id: int, officer: Officer | None = None) -> TicketRow:
    return _change_ticket(
        session, now, ticket_id, officer, "complete", (TicketState.called, TicketState.serving), "ticket.done",
        # staff skipped "start": service began at the call
        lambda t: {"state": TicketState.done, "done_at": now, "serving_at": t.serving_at or t.called_at, "ended_by": _by(officer)},
    )  # fmt: skip


def no_show(session: Session, now: datetime, ticket_id: int, officer: Officer | None = None) -> TicketRow:
    return _change_ticket(
        session, now, ticket_id, officer, "no_show", (TicketState.called,), "ticket.no_show",
        lambda t: {"state": TicketState.no_show, "no_show_at": now, "ended_by": _by(officer)},
    )  # fmt: skip


def cancel(session: Session, now: datetime, ticket_id: int, officer: Officer | None = None) -> TicketRow:
    """Cancel a waiting ticket (the citizen left, or it was issued by mistake). A waiting
    ticket is in no counter's hand: any officer of the center may."""
    return _change_ticket(
        session, now, ticket_id, officer, "cancel", (TicketState.waiting,), "ticket.cancelled",
        lambda t: {"state": TicketState.cancelled, "cancelled_at": now, "ended_by": _by(officer)},
    )  # fmt: skip


def transfer(
    session: Session,
    now: datetime,
    ticket_id: int,
    *,
    category_id: int | None = None,
    counter_id: int | None = None,
    note: str = "",
    officer: Officer | None = None,
) -> Ticket:
    """Send an active ticket to another category or a named counter.

    The ticket ends as `transferred`; a new waiting leg keeps its number, token and place in
    time (queued_at), so the citizen keeps the paper they hold and does not lose their turn.
    """
    _hold_center_of_ticket(session, ticket_id)
    ticket = get_ticket(session, ticket_id)
    _hold_ticket(session, now, ticket, officer)
    _require(ticket, "transfer", TicketState.waiting, TicketState.called, TicketState.serving)
    target_category = get_category(session, category_id) if category_id is not None else None
    target_counter = get_counter(session, counter_id) if counter_id is not None else None
    for target in (target_category, target_counter):
        if target is not None and target.center_id != ticket.center_id:
            raise NotFound("category_not_found" if target is target_category else "counter_not_found")
    if target_category is not None and not target_category.active:  # retired: nobody would call it
        raise _closed_error(get_center(session, ticket.center_id), target_category, "category_inactive", now)
    if target_counter is not None and not target_counter.active:
        raise Conflict("counter_inactive", number=target_counter.number)
    new_category = target_category.id if target_category else ticket.category_id
    new_counter = target_counter.id if target_counter else None
    if new_category == ticket.category_id and new_counter == ticket.target_counter_id and ticket.state == TicketState.waiting:
        raise Conflict("transfer_same_place", label=ticket.label)
    ticket.state = TicketState.transferred
    ticket.transferred_at = now
    ticket.ended_by = _by(officer)
    leg = Ticket(
        center_id=ticket.center_id,
        service_day=ticket.service_day,
        category_id=new_category,  # type: ignore[arg-type]
        number_category_id=ticket.number_category_id,
        number=ticket.number,
        label=ticket.label,
        hop=ticket.hop + 1,
        origin_id=ticket.origin_id or ticket.id,
        target_counter_id=new_counter,
        priority_group=ticket.priority_group,
        source=ticket.source,
        token=ticket.token,
        note=note or ticket.note,
        queued_at=ticket.queued_at,
        issued_at=now,
    )
    session.add(leg)
    record(session, ticket.center_id, "ticket.transferred", now, ticket=ticket)
    record(session, ticket.center_id, "ticket.requeued", now, ticket=leg)
    return leg


def set_counter_state(
    session: Session,
    now: datetime,
    counter_id: int,
    state: CounterState,
    *,
    officer: Officer | None = None,
    reason: PauseReason | None = None,
) -> Counter:
    """Pause (with its reason, if given) or resume a counter. A paused counter keeps the
    ticket in hand but calls no one. Pausing a paused counter with another reason changes
    the reason."""
    _hold_center_of_counter(session, counter_id)
    counter = get_counter(session, counter_id)
    _hold(session, now, counter, officer)
    reason = reason if state == CounterState.paused else None
    if counter.state != state or counter.pause_reason != reason:
        if counter.state != state:  # since when, for the "paused too long" alert
            counter.paused_at = now if state == CounterState.paused else None
        counter.state = state
        counter.pause_reason = reason
        kind = {CounterState.paused: "counter.paused", CounterState.open: "counter.resumed"}.get(
            state, "counter.closed"
        )
        record(session, counter.center_id, kind, now, counter=counter)
    return counter
