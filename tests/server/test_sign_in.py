"""Signing in, CSRF, rate limits, the first admin, the audit log and the account commands."""

import logging
import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from database_urls import database_url
from queue_world import build_world, register_device
from server import auth
from server.app import create_app
from server.cli import app as cli
from server.models import AuditEntry, Role
from server.settings import Settings


def make(tmp_path, **settings) -> TestClient:
    return TestClient(create_app(Settings(database_url=database_url(tmp_path / "s.db"), **settings)))


def add_user(client: TestClient, username: str, role: Role, password: str = "mật khẩu dài 123", world=None) -> None:  # type: ignore[no-untyped-def]
    with client.app.state.db.write() as session:
        world = world or build_world(session)
        auth.create_user(session, datetime.now(UTC), username, password, role, world.center.id)
        client.world = world  # type: ignore[attr-defined]


def test_cookie_session_needs_the_csrf_token_for_changes(tmp_path):
    with make(tmp_path) as client:
        add_user(client, "lan", Role.staff)
        wrong = client.post("/api/v1/auth/login", json={"username": "lan", "password": "nope"})
        assert wrong.status_code == 401 and wrong.json()["code"] == "bad_credentials"
        signed_in = client.post("/api/v1/auth/login", json={"username": "lan", "password": "mật khẩu dài 123"})
        assert signed_in.status_code == 200
        cookie = signed_in.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie
        csrf = signed_in.json()["csrf_token"]
        assert client.get("/api/v1/auth/me").json()["role"] == "staff"
        counter = client.world.counters[1].id
        forged = client.post(f"/api/v1/counters/{counter}/pause")  # the cookie alone
        assert forged.status_code == 403 and forged.json()["code"] == "csrf_failed"
        ok = client.post(f"/api/v1/counters/{counter}/pause", headers={"X-CSRF-Token": csrf})
        assert ok.status_code == 200 and ok.json()["state"] == "paused"
        forged_out = client.post("/api/v1/auth/logout")  # another site must not sign staff out
        assert forged_out.status_code == 403 and forged_out.json()["code"] == "csrf_failed"
        assert client.get("/api/v1/auth/me").status_code == 200
        assert client.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 200
        assert client.get("/api/v1/auth/me").status_code == 401
        assert client.post("/api/v1/auth/logout").status_code == 200  # an ended session: nothing to protect


def test_a_kiosk_is_rate_limited_per_device(tmp_path):
    with make(tmp_path, issue_rate_per_minute=3) as client:
        add_user(client, "lan", Role.staff)
        with client.app.state.db.write() as session:
            first = register_device(session, datetime.now(UTC), client.world.center.id, "kiosk")
            second = auth.create_device(session, datetime.now(UTC), client.world.center.id, auth.DeviceKind.kiosk, "k2")[1]
        body = {"category_id": client.world.categories["A"].id}

        def issue(token: str) -> int:
            return client.post("/api/v1/tickets", json=body, headers={"Authorization": f"Bearer {token}"}).status_code

        assert [issue(first) for _ in range(4)] == [201, 201, 201, 429]
        assert issue(second) == 201  # another kiosk has its own allowance


def test_first_start_prints_an_admin_password_once(tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="motcua")
    with make(tmp_path):
        pass
    printed = re.findall(r"password (\S+)", caplog.text)
    assert len(printed) == 1
    caplog.clear()
    with make(tmp_path) as client:
        assert "password" not in caplog.text  # the second start shows nothing
        me = client.post("/api/v1/auth/login", json={"username": "admin", "password": printed[0]})
        assert me.status_code == 200 and me.json()["role"] == "admin"


def test_staff_actions_are_audited(tmp_path):
    with make(tmp_path) as client:
        add_user(client, "lan", Role.staff)
        csrf = client.post("/api/v1/auth/login", json={"username": "lan", "password": "mật khẩu dài 123"}).json()["csrf_token"]
        headers = {"X-CSRF-Token": csrf}
        client.post("/api/v1/tickets", json={"category_id": client.world.categories["A"].id, "source": "desk"}, headers=headers)
        called = client.post(f"/api/v1/counters/{client.world.counters[1].id}/call-next", headers=headers).json()
        client.post(f"/api/v1/tickets/{called['id']}/complete", headers=headers)
        with client.app.state.db.read() as session:
            entries = list(session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars())
        refused = client.get(f"/api/v1/centers/{client.world.center.id}/audit")  # staff may not read it
        add_user(client, "hoa", Role.leader, world=client.world)
        client.post("/api/v1/auth/logout", headers=headers)
        client.post("/api/v1/auth/login", json={"username": "hoa", "password": "mật khẩu dài 123"})
        log = client.get(f"/api/v1/centers/{client.world.center.id}/audit?limit=3").json()
    assert refused.status_code == 403
    assert [e["action"] for e in log] == ["auth.login", "ticket.complete", "counter.call_next"]  # newest first
    assert log[0]["actor"] == "user:hoa"
    actions = [(e.actor, e.action, e.target) for e in entries if e.actor == "user:lan"]
    assert actions == [
        ("user:lan", "auth.login", "lan"),
        ("user:lan", "ticket.issue", "A001"),
        ("user:lan", "counter.call_next", "A001"),
        ("user:lan", "ticket.complete", "A001"),
    ]


def test_account_and_device_commands(tmp_path):
    url = database_url(tmp_path / "s.db")
    runner = CliRunner()
    with make(tmp_path, demo=True):
        pass
    added = runner.invoke(cli, ["user", "add", "hoa", "--role", "leader", "--center", "DEMO", "--database-url", url])
    assert added.exit_code == 0, added.output
    password = added.output.rsplit("password: ", 1)[1].strip()
    again = runner.invoke(cli, ["user", "add", "hoa", "--database-url", url])
    assert again.exit_code == 1 and "already exists" in again.output
    device = runner.invoke(cli, ["device", "add", "Kiosk 2", "--kind", "kiosk", "--database-url", url])
    token = device.output.rsplit("token: ", 1)[1].strip()
    with make(tmp_path) as client:
        assert client.post("/api/v1/auth/login", json={"username": "hoa", "password": password}).status_code == 200
        assert client.get("/api/v1/centers", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert runner.invoke(cli, ["user", "disable", "hoa", "--database-url", url]).exit_code == 0
        assert client.get("/api/v1/auth/me").status_code == 401  # disabling ended the session
        assert client.post("/api/v1/auth/login", json={"username": "hoa", "password": password}).status_code == 401


def test_a_province_account_from_the_command_line(tmp_path):
    url = database_url(tmp_path / "s.db")  # the database make() uses
    runner = CliRunner()
    with make(tmp_path, demo=True):
        pass
    unknown = runner.invoke(cli, ["user", "add", "tinh", "--role", "province", "--province", "99", "--database-url", url])
    assert unknown.exit_code == 1 and "No such province" in unknown.output
    bare = runner.invoke(cli, ["user", "add", "tinh", "--role", "province", "--database-url", url])
    assert bare.exit_code == 1 and "needs a province code" in bare.output
    added = runner.invoke(cli, ["user", "add", "tinh", "--role", "province", "--province", "25", "--database-url", url])
    assert added.exit_code == 0, added.output
    password = added.output.rsplit("password: ", 1)[1].strip()
    with make(tmp_path) as client:
        me = client.post("/api/v1/auth/login", json={"username": "tinh", "password": password}).json()
        assert (me["role"], me["center_id"], me["province_code"]) == ("province", None, 25)
        assert "center.create" in me["permissions"]
        assert client.get("/api/v1/centers").json() == []  # the demo center is in no province yet
