"""Sign-in throttling that a guesser cannot turn against the officer: waits of seconds per
address and per name, none for a browser where the officer signed in before, none for a
success, and a bounded memory of failures."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from database_urls import database_url
from queue_world import FakeClock, build_world
from server import auth
from server.app import create_app
from server.models import Role
from server.settings import Settings
from server.throttle import Backoff

PASSWORD = "mật khẩu dài 123"
FIRST_ADMIN = 1  # the account the first start makes


@pytest.fixture
def app(tmp_path) -> Iterator[tuple[object, FakeClock]]:
    clock = FakeClock()
    settings = Settings(
        database_url=database_url(tmp_path / "t.db"), login_free_failures_per_name=2, login_free_failures_per_address=3
    )
    app = create_app(settings, clock)
    with TestClient(app):  # runs the start-up once; each browser below is a client of its own
        with app.state.db.write() as session:
            world = build_world(session)
            auth.create_user(session, datetime.now(UTC), "lan", PASSWORD, Role.staff, world.center.id)
        yield app, clock


def browser(app, address: str = "198.51.100.4") -> TestClient:  # type: ignore[no-untyped-def]
    """A browser of its own (its own cookies) at `address`."""
    return TestClient(app, client=(address, 50000))


def sign_in(client: TestClient, password: str, name: str = "lan"):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/auth/login", json={"username": name, "password": password})


def test_guesses_slow_a_name_down_for_seconds_never_lock_it_out(app):
    app, clock = app
    guesser = browser(app, "203.0.113.9")
    assert [sign_in(guesser, f"guess{i}").status_code for i in range(2)] == [401, 401]
    slowed = sign_in(guesser, "guess2")
    assert slowed.status_code == 429 and slowed.headers["Retry-After"] == "1"
    assert slowed.json()["message"]["vi"] == "Đăng nhập sai nhiều lần; vui lòng thử lại sau 1 giây."
    officer = browser(app)
    assert sign_in(officer, PASSWORD).status_code == 429  # a new browser waits like anyone
    clock.advance(seconds=1)
    assert sign_in(guesser, "guess3").status_code == 401
    assert sign_in(guesser, "guess4").headers["Retry-After"] == "2"  # each failure doubles the wait
    clock.advance(seconds=2)
    assert sign_in(officer, PASSWORD).status_code == 200  # a short wait, then in


def test_a_browser_that_signed_in_before_is_spared_the_guesses_at_its_name(app):
    app, clock = app
    officer = browser(app)
    csrf = sign_in(officer, PASSWORD).json()["csrf_token"]
    assert officer.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
    guesser = browser(app, "203.0.113.9")
    for wait in (0, 0, 1, 2, 4):  # each try when allowed: the name's wait is 8 seconds now
        clock.advance(seconds=wait)
        assert sign_in(guesser, "guess").status_code == 401
    assert sign_in(browser(app, "192.0.2.1"), PASSWORD).status_code == 429
    assert sign_in(officer, PASSWORD).status_code == 200  # its mark: no wait at all
    # A mark is no key for guessing: past its own few failures it waits like any browser.
    assert [sign_in(officer, f"typo{i}").status_code for i in range(3)] == [401, 401, 429]


def test_guesses_at_another_spelling_do_not_slow_the_real_name(app):
    """"ADMIN " is not "admin" to the sign-in, so it is not to the throttle either."""
    app, _ = app
    guessers = [browser(app, f"203.0.113.{i}") for i in range(11)]  # a guesser with many addresses
    assert {sign_in(g, f"guess{i}", name="ADMIN ").status_code for i, g in enumerate(guessers)} <= {401, 429}
    with app.state.db.write() as session:
        auth.set_password(session, "admin", PASSWORD)
    assert sign_in(browser(app), PASSWORD, name="admin").status_code == 200


def test_successful_sign_ins_count_against_nobody(app):
    """A center's staff behind one address sign in all morning."""
    app, _ = app
    answers = [sign_in(browser(app, "198.51.100.4"), PASSWORD).status_code for _ in range(11)]
    assert answers == [200] * 11


def test_tries_refused_for_their_address_are_not_remembered(app):
    """A flood of made-up names from one address costs nothing after its first failures."""
    app, _ = app
    flood = browser(app, "203.0.113.9")
    answers = [sign_in(flood, "x", name=f"user{i}").status_code for i in range(300)]
    assert answers[:3] == [401] * 3 and set(answers[3:]) == {429}
    assert len(app.state.login_throttle.names) == 3


def test_an_ipv6_machine_is_one_address_whatever_its_interface_id(app):
    app, _ = app
    answers = [sign_in(browser(app, f"2001:db8:1:2::{i:x}"), "x", name=f"user{i}").status_code for i in range(5)]
    assert answers == [401, 401, 401, 429, 429]


def test_the_memory_of_failures_is_capped_and_forgets():
    now = [0.0]
    backoff = Backoff(free=5, longest=30, forget=900, capacity=1000, clock=lambda: now[0])
    for i in range(40_000):
        backoff.fail(f"name:user{i}")
    assert len(backoff) == 1000
    assert backoff.wait("name:user39999") == 0  # one failure: free
    now[0] += 901
    backoff.fail("name:somebody")
    assert len(backoff) == 1  # the quiet ones are gone
