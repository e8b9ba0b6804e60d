"""Shared fixtures: a fresh migrated database per test, a clock the test moves, and a small
center built with the same domain functions the admin and the demo use."""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from server import directory
from server.app import create_app
from server.db import Database, make_engine, migrate
from server.models import Category, Center, Counter
from server.protocol import EventOut
from server.settings import Settings

# 09:00 on Monday 23 November 2026 in Hà Nội.
MORNING = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
ALL_DAY = [["00:00", "24:00"]]


class FakeClock:
    """A clock that only moves when the test says so."""

    def __init__(self, now: datetime = MORNING) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def published() -> list[EventOut]:
    """Every event the database published after a commit, in order."""
    return []


@pytest.fixture
def db(tmp_path, published: list[EventOut]) -> Iterator[Database]:
    engine = make_engine(f"sqlite:///{tmp_path}/motcua.db")
    migrate(engine)
    yield Database(engine, on_commit=published.extend)
    engine.dispose()


@dataclass
class World:
    """A center with categories A (civil registration), B (certification), C (land) and
    counters 1 (A, B), 2 (B, A) and 3 (C)."""

    center: Center
    categories: dict[str, Category] = field(default_factory=dict)
    counters: dict[int, Counter] = field(default_factory=dict)


def build_world(session: Session, **center_fields: object) -> World:
    center = directory.create_center(session, "TEST", "Phường Thử nghiệm", "Test Ward", **center_fields)
    world = World(center)
    for position, (prefix, vi, en) in enumerate(
        [("A", "Hộ tịch", "Civil registration"), ("B", "Chứng thực", "Certification"), ("C", "Đất đai", "Land")]
    ):
        world.categories[prefix] = directory.add_category(
            session, center, prefix, vi, en, sessions=ALL_DAY, position=position
        )
    a, b, c = (world.categories[p] for p in "ABC")
    world.counters[1] = directory.add_counter(session, center, 1, [a, b])
    world.counters[2] = directory.add_counter(session, center, 2, [b, a])
    world.counters[3] = directory.add_counter(session, center, 3, [c])
    return world


@pytest.fixture
def world(db: Database) -> World:
    with db.write() as session:
        return build_world(session)


@pytest.fixture
def client(tmp_path, clock: FakeClock) -> Iterator[TestClient]:
    """The app as users run it (create_app, migrations on start), on a fresh database, with
    the test's world in it."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/api.db"), clock=clock)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        with app.state.db.write() as session:
            test_client.world = build_world(session)  # type: ignore[attr-defined]
        yield test_client
