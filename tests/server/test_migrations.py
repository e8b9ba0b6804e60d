"""The alembic migrations build exactly the schema the models describe."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from database_urls import database_url
import server.models  # noqa: F401  (registers the tables)
from server.db import make_engine, migrate


def test_migrated_schema_matches_the_models(tmp_path):
    engine = make_engine(database_url(tmp_path / "m.db", migrated=False))
    migrate(engine)
    migrate(engine)  # a second start changes nothing
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
        tables = set(inspect(conn).get_table_names())
    engine.dispose()
    assert diff == []
    assert {"center", "category", "procedure", "counter", "counter_category", "ticket", "event"} <= tables


@pytest.mark.sqlite_only("its journal mode and pragmas")
def test_sqlite_is_in_wal_mode_with_durable_commits(tmp_path):
    engine = make_engine(database_url(tmp_path / "d.db"))
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
