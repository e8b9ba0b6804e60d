"""The figures of closed days, kept in memory: a year's report reads some 300 days that no longer
change, and counting them again from their 120,000 tickets was most of its time (issue 18).

A day is kept once it is over (by an hour: the clocks of several servers may differ a little)
and none of its legs can change any more: every leg ended. Done, cancelled and transferred are
final, and a no-show can be called back only on its own day (`queue.call_ticket`); a transfer
makes its new leg from an open one. A day with a leg still waiting, called or being served is
counted from its tickets at every report (its few hundred rows, not a year's).

What a day keeps never changes, so each server process keeps its own copy: nothing to tell the
others, nothing to invalidate. Ratings and dossiers are not kept: they arrive after the day (a
rating, a returned dossier) and the database counts them quickly.

Memory: a day of a busy center (400 legs) is about 7 KB per grouping; the store keeps the most
recently read days within `BUDGET` bytes per database (a center's year in all four groupings is
about 9 MB; a province's 150 centers for a year do not all fit, and the oldest read are counted
again from their tickets).
"""

import threading
from array import array
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date
from typing import Hashable
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlmodel import Session

BUDGET = 64 * 1024 * 1024


@dataclass(frozen=True)
class Row:
    """One row's figures of one day (a category, a counter, an officer, or the center)."""

    key: int | None
    issued: int
    ended: dict[str, int]
    waits: array  # seconds, sorted
    services: array


@dataclass(frozen=True)
class Day:
    rows: tuple[Row, ...]
    hours: tuple[int, ...]  # numbers issued per local hour

    @property
    def size(self) -> int:
        return 300 + sum(200 + 8 * (len(r.waits) + len(r.services)) for r in self.rows)


class DayStore:
    """Days by key, the least recently read dropped past the budget. Shared by the reading threads."""

    def __init__(self, budget: int = BUDGET) -> None:
        self.budget = budget
        self.size = 0
        self._days: OrderedDict[Hashable, Day] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Day | None:
        with self._lock:
            day = self._days.get(key)
            if day is not None:
                self._days.move_to_end(key)
            return day

    def put(self, key: Hashable, day: Day) -> None:
        with self._lock:
            old = self._days.pop(key, None)
            self.size += day.size - (old.size if old else 0)
            self._days[key] = day
            while self.size > self.budget and self._days:
                _, dropped = self._days.popitem(last=False)
                self.size -= dropped.size

    def __len__(self) -> int:
        return len(self._days)


_stores: "WeakKeyDictionary[Engine, DayStore]" = WeakKeyDictionary()
_stores_lock = threading.Lock()


def store_of(session: Session) -> DayStore:
    """The store of the session's database (one per engine: a test's database has its own)."""
    engine = session.get_bind()
    engine = getattr(engine, "engine", engine)  # a connection's engine
    with _stores_lock:
        store = _stores.get(engine)  # type: ignore[call-overload]
        if store is None:
            store = _stores[engine] = DayStore()  # type: ignore[index]
        return store


def kept_date(value: date | str) -> date:
    """A day as the driver gives it (SQLite: the stored text)."""
    return value if isinstance(value, date) else date.fromisoformat(value)
