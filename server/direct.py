"""Core statements compiled once and run straight on the database driver.

Issuing a ticket runs a handful of index lookups and inserts. Through SQLAlchemy's execution
layer each one cost 30-100 µs on the 2-core test machine; the SQLite driver itself takes
3-10 µs. The issue path runs its statements through here instead, and is several times
faster (bench/issue_tickets.py).

SQLAlchemy still does what it is good at: it writes the SQL for the connection's dialect,
and every parameter goes through its column type's own bind processor, so the stored values
are exactly those the ORM stores. Results are not converted: use this for counts, numbers
and ids, not for rows with dates or enums.
"""

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Dialect
from sqlalchemy.sql import ClauseElement
from sqlmodel import Session


class Direct:
    """One statement; `run(session, **params)` executes it in the session's transaction."""

    def __init__(self, statement: ClauseElement, column_keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        # An INSERT names its columns: the caller gives every one (no SQLAlchemy defaults here).
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._by_dialect: dict[str, tuple[Any, list[tuple[str, Callable | None]], bool]] = {}

    def _compile(self, dialect: Dialect) -> tuple[Any, list[tuple[str, Callable | None]], bool]:
        kw = {"column_keys": self.column_keys} if self.column_keys is not None else {}
        compiled = self.statement.compile(dialect=dialect, **kw)
        positional = compiled.positiontup is not None
        names = list(compiled.positiontup) if positional else list(compiled.binds)
        binds = [(name, compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names]
        return compiled, binds, positional

    def execute(self, session: Session, **params: object) -> tuple | None:
        """Run it in the session's transaction; the first row of the result, if any."""
        session.flush()  # as the ORM would before a query: pending changes count (a no-op if none)
        # Through session.connection() every time: that is also where a savepoint the
        # session has begun is actually opened.
        connection = session.connection()
        dialect, driver = connection.dialect, connection.connection
        entry = self._by_dialect.get(dialect.name)
        if entry is None:
            entry = self._by_dialect[dialect.name] = self._compile(dialect)
        compiled, binds, positional = entry
        values = compiled.construct_params(params)
        converted = [(name, convert(values[name]) if convert else values[name]) for name, convert in binds]
        cursor = driver.cursor()
        try:
            cursor.execute(compiled.string, tuple(v for _, v in converted) if positional else dict(converted))
            return cursor.fetchone() if cursor.description else None
        finally:
            cursor.close()

    def scalar(self, session: Session, **params: object) -> Any:
        """The first column of the first row."""
        row = self.execute(session, **params)
        assert row is not None
        return row[0]

