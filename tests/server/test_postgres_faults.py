"""PostgreSQL's faults answer as SQLite's do (tests/server/test_database_faults.py): a lock held
by another program past the wait, a read-only database. 503 with the reason and Retry-After,
nothing saved, and the server recovers by itself. Run on PostgreSQL only
(MOTCUA_TEST_DATABASE_URL)."""

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url

from database_urls import database_url, on_postgres, query
from queue_world import FakeClock, build_world, sign_in
from server.app import create_app
from server.messages import render
from server.settings import Settings

pytestmark = pytest.mark.skipif(not on_postgres(), reason="PostgreSQL only: MOTCUA_TEST_DATABASE_URL is not set")


@pytest.fixture
def url(tmp_path) -> str:
    return database_url(tmp_path / "faults.db")


@contextmanager
def served(url: str) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=url, database_lock_wait_seconds=1), clock=FakeClock())
    with TestClient(app, raise_server_exceptions=False) as client:
        with app.state.db.write() as session:
            client.world = build_world(session)  # type: ignore[attr-defined]
            token = sign_in(session, app.state.clock(), client.world.center.id, "staff")  # type: ignore[attr-defined]
        client.headers["Authorization"] = f"Bearer {token}"
        yield client


def libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def issue(client: TestClient):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/tickets", json={"category_id": client.world.categories["A"].id})  # type: ignore[attr-defined]


def assert_unavailable(response, code: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503, response.text
    assert response.json() == {"code": code, "message": render(code)}
    assert int(response.headers["Retry-After"]) >= 1


def test_a_table_locked_by_another_program_answers_503_busy_then_issues_on(url):
    with served(url) as client:
        assert issue(client).json()["label"] == "A001"
        with psycopg.connect(libpq(url)) as other:
            other.execute("LOCK TABLE ticket IN EXCLUSIVE MODE")  # reads go on, writes wait
            assert_unavailable(issue(client), "database_busy")
            assert client.get(f"/api/v1/centers/{client.world.center.id}/queue").status_code == 200  # type: ignore[attr-defined]
        after = issue(client)
        assert after.status_code == 201 and after.json()["label"] == "A002"
    assert [label for (label,) in query(url, "SELECT label FROM ticket ORDER BY id")] == ["A001", "A002"]


def test_a_read_only_database_answers_503_and_the_server_recovers_when_it_is_writable(url):
    database = make_url(url).database
    with served(url) as client:
        assert issue(client).json()["label"] == "A001"
        with psycopg.connect(libpq(url), autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{database}" SET default_transaction_read_only = on')
            # Connections opened from now on are read-only: the server's writes fail on them,
            # its reads do not.
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database])
            refused = issue(client)
            assert refused.status_code == 503, refused.text
            assert_unavailable(issue(client), "database_read_only")
            assert client.get(f"/api/v1/centers/{client.world.center.id}/queue").status_code == 200  # type: ignore[attr-defined]
            admin.execute(f'ALTER DATABASE "{database}" SET default_transaction_read_only = off')
        # Writable again, no restart: whichever pooled connection a write gets.
        for label in ("A002", "A003", "A004"):
            after = issue(client)
            assert after.status_code == 201, after.text
            assert after.json()["label"] == label
            assert client.get(f"/api/v1/centers/{client.world.center.id}/queue").status_code == 200  # type: ignore[attr-defined]
    assert [label for (label,) in query(url, "SELECT label FROM ticket ORDER BY id")] == ["A001", "A002", "A003", "A004"]
