"""Core statements compiled once and run straight on the database driver.

Issuing a ticket runs a handful of index lookups and inserts. Through SQLAlchemy's execution
layer each one cost 30-100 µs on the 2-core test machine; the SQLite driver itself takes
3-10 µs. The issue path runs its statements through here instead, and is several times
faster (bench/issue_tickets.py).

SQLAlchemy still does what it is good at: it writes the SQL for the connection's dialect,
and every parameter goes through its column type's own bind processor, so the stored values
are exactly those the ORM stores. Selected (or returned) columns go through their type's
result processor, so dates and enums come back as the ORM would give them.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

from sqlalchemy import Dialect
from sqlalchemy.sql import ClauseElement
from sqlmodel import Session


class Direct:
    """One statement; `execute(session, **params)` runs it in the session's transaction."""

    def __init__(self, statement: ClauseElement, column_keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        # An INSERT names its columns: the caller gives every one (no SQLAlchemy defaults here).
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._by_dialect: dict[str, _Plan] = {}

    def _compile(self, dialect: Dialect) -> "_Plan":
        kw = {"column_keys": self.column_keys} if self.column_keys is not None else {}
        compiled = self.statement.compile(dialect=dialect, **kw)
        positional = compiled.positiontup is not None
        names = list(compiled.positiontup) if positional else list(compiled.binds)
        slots = []
        for name in names:
            bind = compiled.binds[name]
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if bind.required:  # the caller's parameter
                slots.append((name, convert, None))
            else:  # a value written in the statement: converted once, here
                value = bind.effective_value
                slots.append((None, None, convert(value) if convert else value))
        # Each selected column's converter (SQLite gives dates as text); none for plain ints.
        results = [c.type._cached_result_processor(dialect, None) for c in compiled._result_columns]
        return _Plan(compiled.string, slots, positional, names, results if any(results) else None)

    def execute(self, session: Session, **params: object) -> tuple | None:
        """Run it in the session's transaction; the first row of the result, if any."""
        rows = self._run(session, params, lambda cursor: cursor.fetchmany(1))
        return rows[0] if rows else None

    def all(self, session: Session, **params: object) -> list[tuple]:
        """Run it in the session's transaction; every row of the result."""
        return self._run(session, params, lambda cursor: cursor.fetchall()) or []

    def _run(self, session: Session, params: dict[str, object], fetch: Callable[[Any], Any]) -> Any:
        session.flush()  # as the ORM would before a query: pending changes count (a no-op if none)
        # Through session.connection() every time: that is also where a savepoint the
        # session has begun is actually opened.
        connection = session.connection()
        plan = self._by_dialect.get(connection.dialect.name)
        if plan is None:
            plan = self._by_dialect[connection.dialect.name] = self._compile(connection.dialect)
        values = [
            fixed if name is None else convert(params[name]) if convert else params[name]
            for name, convert, fixed in plan.slots
        ]
        cursor = connection.connection.cursor()
        try:
            cursor.execute(plan.sql, tuple(values) if plan.positional else dict(zip(plan.names, values)))
            if not cursor.description:
                return None
            rows = fetch(cursor)
            if plan.results is not None:
                rows = [tuple(c(v) if c else v for c, v in zip(plan.results, row)) for row in rows]
            return rows
        finally:
            cursor.close()

    def scalar(self, session: Session, **params: object) -> Any:
        """The first column of the first row."""
        row = self.execute(session, **params)
        assert row is not None
        return row[0]


class _Plan(NamedTuple):
    sql: str
    slots: list[tuple[str | None, Callable | None, Any]]  # (parameter, converter, fixed value)
    positional: bool
    names: list[str]
    results: list[Callable | None] | None  # converters of the result's columns, if any converts


@contextmanager
def driver_cursor(session: Session, statement: ClauseElement, params: dict[str, Any] | None = None) -> Iterator[Any]:
    """The driver's cursor of `statement`, to iterate as `driver_rows` reads, row by row: for
    readers that count a year of rows and need not hold them."""
    result = session.connection().execute(statement, params)  # type: ignore[call-overload]
    try:
        yield result.cursor  # type: ignore[attr-defined]
    finally:
        result.close()


def driver_rows(session: Session, statement: ClauseElement, params: dict[str, Any] | None = None) -> tuple[list[str], list[tuple]]:
    """(column names, rows) of `statement`, run through SQLAlchemy (any statement, expanding
    parameters too) but read as the database driver gives them: plain tuples, without Row
    objects or the columns' result processors. SQLite's dates and times come as text, its
    enums as their stored text: for readers that parse them faster themselves (pydantic) or
    need only numbers (a year's report: making 120,000 Rows was a quarter of its time)."""
    result = session.connection().execute(statement, params)  # type: ignore[call-overload]
    try:
        cursor = result.cursor  # type: ignore[attr-defined]
        return [column[0] for column in cursor.description], cursor.fetchall()
    finally:
        result.close()
