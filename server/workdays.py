"""Working days of a center, and the date a dossier's result is due.

Pure: dates in, dates out, no database and no clock. A working day is Monday to Friday,
except Vietnam's official holidays (Tết included; the `holidays` package, which also has the
government's swapped days off, like 31/8/2026 for Saturday 22/8) and the center's own days
off; a Saturday the government declares a working day (làm bù) counts, unless the center is
off that day. Sundays never count.

The due date of a dossier received at `received` (local time) with `days` of processing:
the first day counted is the day of receipt when it is a working day and the dossier came
before the afternoon cut-off, else the next working day; the result is due `days` working
days after it (0 days: that first day itself). Working days the clock stood still (the
dossier waiting for the citizen's missing documents) push it by as many working days.

Wrong when: the government moves holidays after the `holidays` package's release (the admin
enters such a day as a day off, or a Saturday as làm bù), or a procedure counts calendar days.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache

import holidays

SATURDAY, SUNDAY = 5, 6
# Far enough for any legal processing time (at most 365 working days) plus stood-still days.
_MAX_STEPS = 4000


@cache
def _official(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year))


def official_holiday(day: date) -> bool:
    """Whether `day` is an official day off in Vietnam (a holiday or a day given in lieu)."""
    return day in _official(day.year)


@dataclass(frozen=True)
class Calendar:
    """A center's working days: the official calendar, its own days off, and làm bù Saturdays."""

    days_off: frozenset[date] = field(default_factory=frozenset)
    working_saturdays: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def of(cls, days_off: Iterable[str | date] = (), working_saturdays: Iterable[str | date] = ()) -> "Calendar":
        """From the ISO dates the center keeps (Center.days_off, Center.working_saturdays)."""
        return cls(frozenset(map(_day, days_off)), frozenset(map(_day, working_saturdays)))

    def is_working_day(self, day: date) -> bool:
        if day in self.days_off:
            return False
        weekday = day.weekday()
        if weekday == SUNDAY:
            return False
        if weekday == SATURDAY:
            return day in self.working_saturdays
        return not official_holiday(day)

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        for _ in range(_MAX_STEPS):
            day += timedelta(days=1)
            if self.is_working_day(day):
                return day
        raise ValueError(f"no working day within {_MAX_STEPS} days after {day}")

    def add(self, start: date, days: int) -> date:
        """The `days`-th working day after `start` (`start` itself for 0)."""
        for _ in range(days):
            start = self.next_working_day(start)
        return start

    def between(self, first: date, last: date) -> int:
        """How many working days fall after `first`, up to and including `last` (0 if
        `last` is not after `first`): the days a clock stopped on `first` stood still when
        it restarts on `last`."""
        count, day = 0, first
        while day < last:
            day += timedelta(days=1)
            count += self.is_working_day(day)
        return count

    def first_counted(self, received: datetime, cutoff: time | None = None) -> date:
        """The first working day a dossier received at `received` (local time) counts from."""
        day = received.date()
        late = cutoff is not None and received.time() >= cutoff
        return day if self.is_working_day(day) and not late else self.next_working_day(day)

    def due(self, received: datetime, days: int, cutoff: time | None = None, stood_still: int = 0) -> date:
        """The date the result is due (see the module's docstring)."""
        return self.add(self.first_counted(received, cutoff), days + stood_still)


def _day(value: str | date) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def cutoff_time(value: str | None) -> time | None:
    """A center's cut-off as kept ("16:30"), as a time; None for none."""
    return time.fromisoformat(value) if value else None
