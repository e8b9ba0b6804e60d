"""The REST API under /api/v1: the operations, and errors that are clear and never a trace."""

from datetime import UTC, datetime

from database_urls import database_url
from queue_world import register_device
from server.app import create_app
from server.settings import Settings


def issue(client, category_id: int, **body):
    return client.post("/api/v1/tickets", json={"category_id": category_id, **body})


def test_openapi_lists_the_operations(client):
    paths = client.get("/openapi.json").json()["paths"]
    for path in [
        "/api/v1/tickets",
        "/api/v1/tickets/{ticket_id}/cancel",
        "/api/v1/tickets/{ticket_id}/recall",
        "/api/v1/tickets/{ticket_id}/start",
        "/api/v1/tickets/{ticket_id}/complete",
        "/api/v1/tickets/{ticket_id}/no-show",
        "/api/v1/tickets/{ticket_id}/transfer",
        "/api/v1/counters/{counter_id}/call-next",
        "/api/v1/counters/{counter_id}/pause",
        "/api/v1/counters/{counter_id}/resume",
        "/api/v1/centers/{center_id}/queue",
        "/api/v1/status/{token}",
    ]:
        assert path in paths, path


def test_issue_call_serve_complete_over_http(client):
    a = client.world.categories["A"]
    counter = client.world.counters[1]
    first = issue(client, a.id, priority_group="elderly", source="desk")
    assert first.status_code == 201
    ticket = first.json()
    assert (ticket["label"], ticket["state"], ticket["people_ahead"]) == ("A001", "waiting", 0)
    second = issue(client, a.id).json()
    assert second["label"] == "A002" and second["people_ahead"] == 1
    called = client.post(f"/api/v1/counters/{counter.id}/call-next")
    assert called.status_code == 200 and called.json()["label"] == "A001"
    assert client.post(f"/api/v1/tickets/{ticket['id']}/recall").json()["recalls"] == 1
    assert client.post(f"/api/v1/tickets/{ticket['id']}/start").json()["state"] == "serving"
    done = client.post(f"/api/v1/tickets/{ticket['id']}/complete").json()
    assert done["state"] == "done" and done["done_at"] is not None
    snapshot = client.get(f"/api/v1/centers/{client.world.center.id}/queue").json()
    assert [t["label"] for t in snapshot["tickets"]] == ["A002"]
    # issued 2, the counter claimed by the officer's first call, called, recalled, serving, done
    assert snapshot["seq"] == 7


def test_public_status_by_token(client):
    a = client.world.categories["A"]
    issue(client, a.id)
    mine = issue(client, a.id).json()
    status = client.get(f"/api/v1/status/{mine['token']}").json()
    assert status["label"] == "A002" and status["people_ahead"] == 1 and status["category_vi"] == "Hộ tịch"
    assert "id" not in status and "token" not in status
    client.post(f"/api/v1/counters/{client.world.counters[1].id}/call-next")
    client.post(f"/api/v1/counters/{client.world.counters[2].id}/call-next")
    status = client.get(f"/api/v1/status/{mine['token']}").json()
    assert status["state"] == "called" and status["counter_number"] == 2
    assert client.get("/api/v1/status/not-a-token").status_code == 404


def test_repeated_idempotency_key_answers_200_with_the_same_ticket(client):
    a = client.world.categories["A"]
    first = issue(client, a.id, idempotency_key="kiosk1-tap-000001")
    again = issue(client, a.id, idempotency_key="kiosk1-tap-000001")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"] and again.json()["label"] == "A001"
    assert issue(client, a.id).json()["label"] == "A002"


def test_unknown_things_are_404_in_both_languages(client):
    for response, code in [
        (issue(client, 999), "category_not_found"),
        (client.post("/api/v1/counters/999/call-next"), "counter_not_found"),
        (client.post("/api/v1/tickets/999/complete"), "ticket_not_found"),
        # Not this staff member's center: it does not exist for them, whether or not it does.
        (client.get("/api/v1/centers/999/queue"), "not_found"),
        (client.get("/api/v1/no-such-thing"), "not_found"),
    ]:
        assert response.status_code == 404
        body = response.json()
        assert body["code"] == code
        assert body["message"]["vi"].startswith("Không tìm thấy") and body["message"]["en"]


def test_closed_category_and_paused_counter_are_409_in_both_languages(client, clock):
    from server import directory

    with client.app.state.db.write() as session:
        cat = directory.add_category(
            session, client.world.center, "D", "Xây dựng", "Construction", sessions=[["07:30", "11:30"]], daily_cap=1
        )
    clock.now = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 13:00 in Hà Nội
    closed = issue(client, cat.id)
    assert closed.status_code == 409 and closed.json()["code"] == "outside_hours"
    assert "ngoài giờ" in closed.json()["message"]["vi"] and "closed" in closed.json()["message"]["en"]
    clock.now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # 09:00
    assert issue(client, cat.id).status_code == 201
    capped = issue(client, cat.id)
    assert capped.status_code == 409 and capped.json()["code"] == "daily_cap_reached"
    counter = client.world.counters[1]
    issue(client, client.world.categories["A"].id)
    assert client.post(f"/api/v1/counters/{counter.id}/pause").json()["state"] == "paused"
    paused = client.post(f"/api/v1/counters/{counter.id}/call-next")
    assert paused.status_code == 409 and paused.json()["code"] == "counter_paused"
    assert paused.json()["message"] == {"vi": "Quầy 1 đang tạm dừng.", "en": "Counter 1 is paused."}


def test_invalid_bodies_are_422_with_the_field(client):
    cases = [
        ({"category_id": "x"}, "category_id"),
        ({}, "category_id"),
        ({"category_id": 1, "priority_group": "vip"}, "priority_group"),
        ({"category_id": 1, "idempotency_key": "short"}, "idempotency_key"),
        ({"category_id": 1, "surprise": True}, "surprise"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/tickets", json=body)
        assert response.status_code == 422, body
        assert response.json()["code"] == "invalid_input"
        assert any(field in e["loc"] for e in response.json()["errors"]), response.json()
    not_json = client.post("/api/v1/tickets", content=b"{", headers={"content-type": "application/json"})
    assert not_json.status_code == 422
    transfer = client.post("/api/v1/tickets/1/transfer", json={})
    assert transfer.status_code == 422 and "chọn lĩnh vực" in str(transfer.json()["errors"])


def test_an_unexpected_failure_is_500_without_a_trace(tmp_path):
    from fastapi.testclient import TestClient

    broken = []

    def clock() -> datetime:
        if broken:
            raise RuntimeError("secret internals")
        return datetime.now(UTC)

    app = create_app(Settings(database_url=database_url(tmp_path / "x.db"), demo=True), clock=clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        with app.state.db.write() as session:
            token = register_device(session, clock(), 1, "kiosk")
        broken.append(True)
        response = client.post("/api/v1/tickets", json={"category_id": 1}, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
    assert "secret" not in response.text and "Traceback" not in response.text
    assert response.json()["message"]["vi"].startswith("Máy chủ gặp lỗi")


def test_demo_center_is_a_realistic_commune_center(tmp_path):
    from fastapi.testclient import TestClient

    app = create_app(Settings(database_url=database_url(tmp_path / "demo.db"), demo=True))
    with TestClient(app) as client:
        with app.state.db.write() as session:
            token = register_device(session, datetime.now(UTC), 1, "display")
        client.headers["Authorization"] = f"Bearer {token}"
        snap = client.get("/api/v1/centers/1/queue").json()
    prefixes = [c["prefix"] for c in snap["categories"]]
    assert len(prefixes) == len(set(prefixes)) >= 10
    names = {c["name_vi"] for c in snap["categories"]}
    assert {"Hộ tịch", "Chứng thực", "Đất đai", "Bảo hiểm y tế"} <= names
    assert len(snap["counters"]) == 6
    served = {link["category_id"] for counter in snap["counters"] for link in counter["categories"]}
    assert served == {c["id"] for c in snap["categories"]}  # every category has a counter
    # A second start seeds nothing twice.
    with TestClient(create_app(Settings(database_url=database_url(tmp_path / "demo.db"), demo=True)), headers=client.headers) as again:
        assert len(again.get("/api/v1/centers/1/queue").json()["categories"]) == len(prefixes)
        assert len(again.get("/api/v1/centers").json()) == 1
