"""Shared fixtures: a fresh migrated database per test, a clock the test moves, and a small
center built with the same domain functions the admin and the demo use."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import database_urls
from database_urls import database_url
from queue_world import FakeClock, World, build_world, sign_in
from server.app import create_app
from server.db import Database, make_engine, migrate
from server.protocol import EventOut
from server.settings import Settings


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """On PostgreSQL (MOTCUA_TEST_DATABASE_URL), the tests of what only SQLite has (its file,
    its pragmas, its backup API) are skipped, each with its reason."""
    if not database_urls.on_postgres():
        return
    for item in items:
        marker = item.get_closest_marker("sqlite_only")
        if marker is not None:
            item.add_marker(pytest.mark.skip(reason=f"SQLite only: {marker.args[0]}"))


def pytest_sessionfinish() -> None:
    database_urls.drop_all()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def published() -> list[EventOut]:
    """Every event the database published after a commit, in order."""
    return []


@pytest.fixture
def db(tmp_path, published: list[EventOut]) -> Iterator[Database]:
    engine = make_engine(database_url(tmp_path / "motcua.db"))
    migrate(engine)
    database = Database(engine, on_commit=published.extend)
    yield database
    database.close()
    engine.dispose()


@pytest.fixture
def world(db: Database) -> World:
    with db.write() as session:
        return build_world(session)


@pytest.fixture
def client(tmp_path, clock: FakeClock) -> Iterator[TestClient]:
    """The app as users run it (create_app, migrations on start), on a fresh database, with
    the test's world in it and a staff member of its center signed in."""
    app = create_app(Settings(database_url=database_url(tmp_path / "api.db")), clock=clock)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        with app.state.db.write() as session:
            test_client.world = build_world(session)  # type: ignore[attr-defined]
            token = sign_in(session, clock(), test_client.world.center.id, "staff")  # type: ignore[attr-defined]
        test_client.headers["Authorization"] = f"Bearer {token}"
        yield test_client
