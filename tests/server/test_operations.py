"""/healthz and /metrics against a live `motcua serve`, and the service day's numbering rolling
over at local midnight on a server that keeps running (its clock moved: clocked_server.py)."""

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from alembic import command
from sqlalchemy import create_engine, text
from prometheus_client.parser import text_string_to_metric_families
from websockets.sync.client import connect

from clocked_server import FileClock
from server.db import make_engine, migrating
from server.messages import render
from server_process import ServerProcess, free_port, poll

METRICS_TOKEN = "scrape-" + "0123456789abcdef" * 2
SCRAPER = {"Authorization": f"Bearer {METRICS_TOKEN}"}
CATEGORY_A, CATEGORY_B = 1, 2  # the demo center's first two categories (prefixes A and B)
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
HEALTHY = {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    # A desk printer nobody listens at: each printing attempt fails.
    printers = {"desk": {"url": f"tcp://127.0.0.1:{free_port()}"}}
    env = {"MOTCUA_METRICS_TOKEN": METRICS_TOKEN, "MOTCUA_PRINTERS": json.dumps(printers), "MOTCUA_PRINT_RETRY_MAX_SECONDS": "0.2"}
    proc = ServerProcess(tmp_path_factory.mktemp("ops") / "ops.db", env=env).prepare()
    proc.start()
    yield proc
    proc.stop()


def scrape(server: ServerProcess) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of /metrics, parsed by prometheus_client's own parser: {(name, labels): value}."""
    answer = httpx.get(f"{server.url}/metrics", headers=SCRAPER, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def value(samples: dict, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def set_revision(server: ServerProcess, step: str) -> None:
    """Move the live server's database to another alembic revision, as an older or newer
    motcua's migration would have left it."""
    engine = make_engine(server.database_url)
    try:
        with migrating(engine) as (config, _):
            (command.downgrade if step.startswith("-") else command.upgrade)(config, step)
    finally:
        engine.dispose()


# --- /healthz ------------------------------------------------------------------------------------


def test_healthz_answers_its_checks_to_anybody_with_the_security_headers(server):
    answer = httpx.get(f"{server.url}/healthz")
    assert answer.status_code == 200
    assert answer.json() == HEALTHY
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["cache-control"] == "no-store"
    paths = httpx.get(f"{server.url}/openapi.json").json()["paths"]
    assert "/healthz" not in paths and "/metrics" not in paths  # for operators, like /docs


def test_healthz_is_503_while_the_database_is_behind_the_code_or_ahead_of_it(server):
    set_revision(server, "-1")  # an older schema (a backup restored from before an upgrade)
    try:
        answer = httpx.get(f"{server.url}/healthz")
        assert answer.status_code == 503
        assert answer.json() == {
            "code": "unhealthy",
            "message": render("migrations_behind"),
            "status": "failing",
            "checks": {"database": "ok", "migrations": "migrations_behind"},
        }
        assert answer.headers["retry-after"]
    finally:
        set_revision(server, "head")
    assert httpx.get(f"{server.url}/healthz").json() == HEALTHY

    engine = create_engine(server.database_url)  # a revision this code does not know: a newer motcua's
    try:
        with engine.begin() as conn:
            head = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_from_the_future'"))
        try:
            answer = httpx.get(f"{server.url}/healthz")
            assert answer.status_code == 503
            assert answer.json()["checks"] == {"database": "ok", "migrations": "migrations_unknown"}
        finally:
            with engine.begin() as conn:
                conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    finally:
        engine.dispose()
    assert httpx.get(f"{server.url}/healthz").json() == HEALTHY


@pytest.mark.sqlite_only("a database file deleted or replaced under the server")
def test_healthz_is_503_while_the_database_file_is_gone_or_replaced(server):
    database = Path(server.database_url.removeprefix("sqlite:///"))
    aside = database.with_suffix(".aside")
    os.rename(database, aside)  # deleted or moved under the running server
    try:
        answer = httpx.get(f"{server.url}/healthz")
        assert answer.status_code == 503
        assert answer.json()["checks"] == {"database": "database_missing", "migrations": "not_checked"}
        assert answer.json()["message"] == render("database_missing")
    finally:
        os.rename(aside, database)
    assert httpx.get(f"{server.url}/healthz").json() == HEALTHY

    copy = database.with_suffix(".copy")
    shutil.copyfile(database, copy)
    original = database.with_suffix(".original")
    os.link(database, original)  # kept, to put back
    os.replace(copy, database)  # another file now at the server's path (a restore by copying)
    try:
        answer = httpx.get(f"{server.url}/healthz")
        assert answer.status_code == 503
        assert answer.json()["checks"]["database"] == "database_replaced"
    finally:
        os.replace(original, database)
    assert httpx.get(f"{server.url}/healthz").json() == HEALTHY


# --- /metrics ------------------------------------------------------------------------------------


def test_metrics_need_the_metrics_token(server, tmp_path):
    assert httpx.get(f"{server.url}/metrics").status_code == 401
    assert httpx.get(f"{server.url}/metrics", headers=bearer("not-the-token-at-all")).status_code == 401
    assert httpx.get(f"{server.url}/metrics", headers=bearer(server.token("admin"))).status_code == 401
    answer = httpx.get(f"{server.url}/metrics", headers=SCRAPER)
    assert answer.status_code == 200
    assert answer.headers["x-content-type-options"] == "nosniff"

    unset = ServerProcess(tmp_path / "unset.db").prepare().start()  # no MOTCUA_METRICS_TOKEN
    try:
        assert httpx.get(f"{unset.url}/metrics", headers=SCRAPER).status_code == 404
        assert httpx.get(f"{unset.url}/healthz").json() == HEALTHY
    finally:
        unset.stop()


def test_metrics_count_exactly_the_tickets_issued_and_called_and_time_every_request(server):
    staff = bearer(server.token("staff"))
    before = scrape(server)
    with httpx.Client(base_url=server.url, headers=staff, timeout=30) as http:
        for category in (CATEGORY_A, CATEGORY_A, CATEGORY_A, CATEGORY_B, CATEGORY_B):
            assert http.post("/api/v1/tickets", json={"category_id": category}).status_code == 201
        assert http.post("/api/v1/tickets", json={"category_id": 999_999}).status_code == 404  # not issued
        assert http.post("/api/v1/counters/1/claim").status_code == 200
        called = http.post("/api/v1/counters/1/call-next")
        assert called.status_code == 200
        assert http.post(f"/api/v1/tickets/{called.json()['id']}/complete").status_code == 200
        assert http.post("/api/v1/counters/1/call-next").status_code == 200
        assert http.get("/no/such/path/12345").status_code == 404
    after = scrape(server)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("motcua_tickets_issued_total", center="1") == 5
    assert moved("motcua_tickets_called_total", center="1") == 2
    waiting = sum(v for (name, _), v in after.items() if name == "motcua_queue_waiting")
    assert waiting - sum(v for (name, _), v in before.items() if name == "motcua_queue_waiting") == 5 - 2
    latency = "motcua_http_request_duration_seconds_count"
    assert moved(latency, method="POST", route="/api/v1/tickets", status="201") == 5
    assert moved(latency, method="POST", route="/api/v1/tickets", status="404") == 1
    assert moved(latency, method="POST", route="/api/v1/counters/{counter_id}/call-next", status="200") == 2
    assert moved(latency, method="POST", route="/api/v1/tickets/{ticket_id}/complete", status="200") == 1
    assert moved(latency, method="GET", route="unmatched", status="404") == 1  # never the path asked for
    assert moved(latency, method="GET", route="/metrics", status="200") == 1  # the first scrape
    assert not [key for key in after if "12345" in str(key)]


def test_metrics_count_open_websockets_and_failed_print_attempts(server):
    display = server.token("display")
    with ExitStack() as streams:
        for _ in range(3):
            stream = streams.enter_context(connect(f"{server.ws_url}/ws/events?center_id=1&token={display}"))
            stream.recv(timeout=10)  # the snapshot: the stream is open
        assert value(scrape(server), "motcua_websocket_clients") == 3
    poll(lambda: value(scrape(server), "motcua_websocket_clients") == 0, "the streams counted out")

    failures = value(scrape(server), "motcua_print_failures_total", printer="desk")
    desk = bearer(server.token("staff"))
    answer = httpx.post(f"{server.url}/api/v1/tickets", json={"category_id": CATEGORY_A, "source": "desk"}, headers=desk)
    assert answer.status_code == 201
    poll(lambda: value(scrape(server), "motcua_print_failures_total", printer="desk") > failures, "a failed print counted")


def test_with_several_processes_any_of_them_answers_for_all(tmp_path):
    """prometheus_client's multiprocess mode: each process writes its counts in the shared
    folder; a scrape answered by one adds up every process's, and a process that ended is
    out of the websocket count. (Two at once on one SQLite database would break its single
    writer: here one after the other.)"""
    folder = tmp_path / "prometheus"
    folder.mkdir()
    env = {"MOTCUA_METRICS_TOKEN": METRICS_TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(folder)}
    server = ServerProcess(tmp_path / "multi.db", env=env).prepare()
    staff = bearer(server.token("staff"))
    display = server.token("display")
    try:
        server.start()
        first = server.proc.pid  # type: ignore[union-attr]
        for _ in range(2):
            assert httpx.post(f"{server.url}/api/v1/tickets", json={"category_id": CATEGORY_A}, headers=staff).status_code == 201
        with connect(f"{server.ws_url}/ws/events?center_id=1&token={display}") as stream:
            stream.recv(timeout=10)
            assert value(scrape(server), "motcua_websocket_clients") == 1
            server.stop()  # cleanly: its websocket is counted out
        assert any(str(first) in name.name for name in folder.iterdir())  # its counts, in the folder
        server.start()
        assert server.proc.pid != first  # type: ignore[union-attr]
        assert httpx.post(f"{server.url}/api/v1/tickets", json={"category_id": CATEGORY_A}, headers=staff).status_code == 201
        samples = scrape(server)
        assert value(samples, "motcua_tickets_issued_total", center="1") == 3  # 2 by the first, 1 by this one
        assert value(samples, "motcua_websocket_clients") == 0
        assert value(samples, "motcua_http_request_duration_seconds_count", method="POST", route="/api/v1/tickets", status="201") == 3
    finally:
        server.stop()


# --- the service day rolls over at local midnight, without a restart -------------------------


def test_numbering_starts_again_at_local_midnight_on_a_running_server(tmp_path):
    clock = FileClock(tmp_path / "clock.txt")
    evening = datetime(2026, 12, 8, 23, 59, 30, tzinfo=ZONE)  # a Tuesday; the next day a working one too
    clock.set(evening)
    env = {"MOTCUA_METRICS_TOKEN": METRICS_TOKEN}
    server = ServerProcess(tmp_path / "days.db", env=env, clock_file=clock.path).prepare()
    kiosk = bearer(server.token("kiosk", evening))
    server.start()
    try:
        with httpx.Client(base_url=server.url, headers=kiosk, timeout=30) as http:

            def issue(category: int) -> dict:
                answer = http.post("/api/v1/tickets", json={"category_id": category})
                assert answer.status_code == 201, answer.text
                return answer.json()

            yesterday = [issue(CATEGORY_A), issue(CATEGORY_A), issue(CATEGORY_B)]
            clock.set(datetime(2026, 12, 9, 0, 0, 5, tzinfo=ZONE))  # five seconds past local midnight
            today = [issue(CATEGORY_A), issue(CATEGORY_B), issue(CATEGORY_A)]

            assert [(t["label"], t["service_day"]) for t in yesterday] == [
                ("A001", "2026-12-08"), ("A002", "2026-12-08"), ("B001", "2026-12-08"),
            ]  # fmt: skip
            assert [(t["label"], t["service_day"]) for t in today] == [
                ("A001", "2026-12-09"), ("B001", "2026-12-09"), ("A002", "2026-12-09"),
            ]  # fmt: skip
            for ticket in yesterday:  # the old day's tickets stay as they were
                kept = http.get(f"/api/v1/tickets/{ticket['id']}").json()
                assert (kept["label"], kept["service_day"], kept["state"]) == (ticket["label"], "2026-12-08", "waiting")
        waiting = scrape(server)
        assert value(waiting, "motcua_queue_waiting", center="1", category="1", prefix="A") == 2  # today's only
        assert value(waiting, "motcua_tickets_issued_total", center="1") == 6
    finally:
        server.stop()
