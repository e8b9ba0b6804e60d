"""Values the issue path keeps between writing transactions, and when they are forgotten.

Every ticket needs its category and center, the category's last number today, how many
citizens wait in it, how many counters serve it, and the center's next event sequence.
Read afresh for each ticket, that was most of a ticket's cost, and the counts grew with the
queue. So the Database hands its writing sessions one dict that outlives them (`shared`);
the issue path reads through it and updates what it changes itself: the number, the
waiting count, the event sequence (queue.record writes every event and keeps its sequence).

A kept value stays right because everything else that changes those rows goes through the
ORM, or forgets what it makes stale itself (queue._change_ticket: a ticket leaving the
waiting queue forgets its category's waiting count): a flush of a ticket forgets the numbers and waiting counts, of a counter the
open-counter counts, of a counter's categories those and the counter's links, of a category
or center everything; any rollback, a
savepoint's too, forgets everything (the issue path updates a value before its commit). The
event sequence is only ever written by `queue.record`, which keeps it. Writes are serialised in the one server process (server.db), so no other writer
comes in between. A session the Database did not make keeps values for one transaction.

That holds on SQLite, which has one server process. On PostgreSQL several processes may
write: there the Database's session keeps values for one transaction only, and each change
holds its center first (queue.hold_center), so what it reads and keeps after that no other
writer changes before its commit.
"""

from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import event
from sqlmodel import Session

from server.models import Category, Center, Counter, CounterCategory, Ticket

T = TypeVar("T")
_KEY = "kept"
_BETWEEN = "kept_between_transactions"
# The rows a kept value is read from.
_SOURCES = (Category, Center, Counter, CounterCategory, Ticket)


def shared(values: dict) -> dict[str, Any]:
    """A writing session's `info`, keeping `values` from one transaction to the next."""
    return {_KEY: values, _BETWEEN: True}


def values(session: Session) -> dict[Hashable, Any]:
    """The session's kept values (pending ORM changes are flushed first: they may clear them)."""
    session.flush()  # a no-op if nothing is pending
    return session.info.setdefault(_KEY, {})


def get(session: Session, key: Hashable, load: Callable[[], T]) -> T:
    """The value kept under `key`, or `load()` kept from now on."""
    kept = values(session)
    if key in kept:
        return kept[key]
    value = kept[key] = load()
    return value


def put(session: Session, key: Hashable, value: object) -> None:
    session.info.setdefault(_KEY, {})[key] = value


def forget(session: Session, key: Hashable) -> None:
    """Forget one kept value: a change made straight on the driver that makes it stale."""
    session.info.get(_KEY, {}).pop(key, None)


def _forget(session: Session) -> None:
    kept = session.info.get(_KEY)
    if kept:
        kept.clear()


# The kept values a change of each kind of row makes stale, by their key's first part. A
# call or a completion changes a ticket and a counter: the categories, the center and the
# event sequence stay kept (the next ticket then reads nothing it need not).
_STALE: dict[type, set[str]] = {
    Ticket: {"number", "waiting", "newest"},
    Counter: {"counters"},
    CounterCategory: {"counters", "links"},
}


@event.listens_for(Session, "after_flush")
def _forget_on_change(session: Session, _context: object) -> None:
    changed = {type(o) for o in (*session.new, *session.dirty, *session.deleted)}.intersection(_SOURCES)
    kept = session.info.get(_KEY)
    if not changed or not kept:
        return
    if changed - _STALE.keys():  # a category or a center: every value is read through them
        kept.clear()
        return
    stale = set().union(*(_STALE[kind] for kind in changed))
    for key in [key for key in kept if key[0] in stale]:
        del kept[key]


@event.listens_for(Session, "after_soft_rollback")
def _forget_on_rollback(session: Session, _transaction: object) -> None:
    _forget(session)


@event.listens_for(Session, "after_commit")
def _forget_after_transaction(session: Session) -> None:
    if not session.info.get(_BETWEEN):
        _forget(session)
