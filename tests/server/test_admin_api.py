"""The admin's REST API: each change lands, is audited, and reaches kiosks and displays as an
event; bad input is refused with the fields at fault; another center stays out of reach."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from queue_world import build_world, register_device, sign_in
from server import directory
from server.app import create_app
from server.models import AuditEntry
from server.settings import Settings

SESSION = [["07:30", "11:30"], ["13:30", "17:00"]]


@pytest.fixture
def admin(tmp_path, clock) -> Iterator[TestClient]:
    """The app with the test world; an admin of its center signed in; `.kiosk` a kiosk token."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/admin.db"), clock=clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        with app.state.db.write() as session:
            client.world = build_world(session)  # type: ignore[attr-defined]
            center_id = client.world.center.id  # type: ignore[attr-defined]
            client.headers["Authorization"] = f"Bearer {sign_in(session, clock(), center_id, 'admin', 'boss')}"
            client.kiosk = register_device(session, clock(), center_id, "kiosk")  # type: ignore[attr-defined]
            client.other = directory.create_center(session, "OTHER", "Xã Khác", "Other Commune").id  # type: ignore[attr-defined]
        client.center_id = center_id  # type: ignore[attr-defined]
        yield client


def audited(client: TestClient) -> list[str]:
    with client.app.state.db.read() as session:  # type: ignore[attr-defined]
        return [e.action for e in session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()]


def events(client: TestClient):  # type: ignore[no-untyped-def]
    """A kiosk's /ws/events connection, its snapshot already read."""
    return client.websocket_connect(f"/ws/events?token={client.kiosk}")  # type: ignore[attr-defined]


def category(prefix: str = "N", **fields: object) -> dict:
    return {"prefix": prefix, "name_vi": "Nông nghiệp", "name_en": "Agriculture", "pictogram": "land",
            "color": "#558b2f", "sessions": SESSION, "daily_cap": 40, "service_minutes": 12, "position": 3, **fields}


def test_a_new_category_reaches_a_kiosk_live_and_is_audited(admin):
    with events(admin) as ws:
        snapshot = ws.receive_json()
        assert "N" not in [c["prefix"] for c in snapshot["categories"]]
        created = admin.post(f"/api/v1/admin/centers/{admin.center_id}/categories", json=category())
        assert created.status_code == 201, created.text
        event = ws.receive_json()
    assert event["kind"] == "category.updated" and event["seq"] == snapshot["seq"] + 1
    [out] = event["categories"]
    assert (out["prefix"], out["name_vi"], out["sessions"], out["daily_cap"]) == ("N", "Nông nghiệp", SESSION, 40)
    assert out["open"] is True  # 09:00 on a Monday is within 07:30-11:30
    queue = admin.get(f"/api/v1/centers/{admin.center_id}/queue").json()
    assert "N" in [c["prefix"] for c in queue["categories"]]
    assert audited(admin)[-1] == "admin.category.create"


def test_category_input_is_checked(admin):
    url = f"/api/v1/admin/centers/{admin.center_id}/categories"
    assert admin.post(url, json=category(prefix="A")).json()["code"] == "category_prefix_taken"
    for bad in (category(prefix="a1"), category(color="red"), category(sessions=[["11:00", "08:00"]]),
                category(sessions=[["7:30", "11:30"]]), category(daily_cap=0), {**category(), "secret": 1}):
        r = admin.post(url, json=bad)
        assert r.status_code == 422, bad
        assert r.json()["message"]["vi"] == "Dữ liệu gửi lên không hợp lệ."


def test_deactivating_a_category_closes_it_on_kiosks(admin):
    a = admin.world.categories["A"]
    with events(admin) as ws:
        ws.receive_json()
        r = admin.put(f"/api/v1/admin/categories/{a.id}", json=category(prefix="A", name_vi="Hộ tịch", active=False))
        assert r.status_code == 200, r.text
        event = ws.receive_json()
    assert event["categories"][0]["open"] is False
    assert event["categories"][0]["closed_reason"] == "category_inactive"
    refused = admin.post("/api/v1/tickets", json={"category_id": a.id}, headers={"Authorization": f"Bearer {admin.kiosk}"})
    assert refused.status_code == 409 and refused.json()["code"] == "category_inactive"


def test_counters_and_their_categories_in_order(admin):
    a, b, c = (admin.world.categories[p] for p in "ABC")
    url = f"/api/v1/admin/centers/{admin.center_id}/counters"
    with events(admin) as ws:
        ws.receive_json()
        made = admin.post(url, json={"number": 7, "categories": [{"category_id": c.id}, {"category_id": a.id, "weight": 2}]})
        assert made.status_code == 201, made.text
        assert ws.receive_json()["counter"]["number"] == 7
    counter = made.json()
    assert counter["name_vi"] == "Quầy 7"
    assert [(x["category_id"], x["position"], x["weight"]) for x in counter["categories"]] == [(c.id, 0, 1), (a.id, 1, 2)]
    again = admin.put(f"/api/v1/admin/counters/{counter['id']}", json={"number": 7, "name_vi": "Quầy 7 (ưu tiên)", "categories": [{"category_id": b.id}]})
    assert [x["category_id"] for x in again.json()["categories"]] == [b.id]
    assert admin.post(url, json={"number": 7}).json()["code"] == "counter_number_taken"
    with admin.app.state.db.write() as session:
        foreign = directory.add_category(session, session.get(type(admin.world.center), admin.other), "Z", "Khác", "Other")
    assert admin.post(url, json={"number": 8, "categories": [{"category_id": foreign.id}]}).status_code == 404
    assert admin.post(url, json={"number": 9, "categories": [{"category_id": a.id}, {"category_id": a.id}]}).status_code == 422


def test_center_profile_takes_a_ward_of_the_official_list(admin):
    provinces = admin.get("/api/v1/admin/divisions").json()
    assert len(provinces) == 34 and {"code": 1, "name": "Thành phố Hà Nội"} in provinces
    wards = admin.get("/api/v1/admin/divisions/1").json()
    hoan_kiem = next(w for w in wards if w["name"] == "Phường Hoàn Kiếm")
    body = {"name_vi": "Trung tâm Phục vụ hành chính công phường Hoàn Kiếm", "name_en": "Hoan Kiem Ward Service Center",
            "address": "126 Hàng Trống", "hotline": "024 3825 0000", "ward_code": hoan_kiem["code"]}
    with events(admin) as ws:
        ws.receive_json()
        r = admin.put(f"/api/v1/admin/centers/{admin.center_id}", json=body)
        assert r.status_code == 200, r.text
        event = ws.receive_json()
    assert event["kind"] == "center.updated" and event["center"]["name_vi"] == body["name_vi"]
    profile = r.json()
    assert (profile["ward_name"], profile["province_code"], profile["province_name"]) == ("Phường Hoàn Kiếm", 1, "Thành phố Hà Nội")
    assert admin.put(f"/api/v1/admin/centers/{admin.center_id}", json={**body, "ward_code": 999999}).json()["code"] == "ward_not_found"
    assert admin.get("/api/v1/admin/divisions/2").status_code == 404  # not a province since July 2025


def test_staff_accounts_create_reset_disable(admin):
    url = f"/api/v1/admin/centers/{admin.center_id}/users"
    made = admin.post(url, json={"username": "lan.nt", "full_name": "Nguyễn Thị Lan", "password": "mat-khau-dai-1", "role": "staff"})
    assert made.status_code == 201, made.text
    user_id = made.json()["id"]
    login = lambda password: admin.post("/api/v1/auth/login", json={"username": "lan.nt", "password": password}, headers={"Authorization": ""})  # noqa: E731
    assert login("mat-khau-dai-1").status_code == 200
    assert admin.post(url, json={"username": "x", "password": "short"}).status_code == 422
    assert admin.post(f"/api/v1/admin/users/{user_id}/password", json={"password": "mat-khau-moi-2"}).status_code == 200
    assert login("mat-khau-dai-1").status_code == 401 and login("mat-khau-moi-2").status_code == 200
    off = admin.put(f"/api/v1/admin/users/{user_id}", json={"full_name": "Nguyễn Thị Lan", "role": "staff", "active": False})
    assert off.json()["active"] is False
    assert login("mat-khau-moi-2").status_code == 401
    me = next(u for u in admin.get(f"/api/v1/admin/centers/{admin.center_id}").json()["users"] if u["username"] == "boss")
    assert admin.put(f"/api/v1/admin/users/{me['id']}", json={"role": "admin", "active": False}).json()["code"] == "cannot_disable_self"
    # Failed sign-ins are audited too (the old password, then the disabled account).
    assert audited(admin)[-5:] == [
        "admin.user.password", "auth.login_failed", "auth.login", "admin.user.update", "auth.login_failed",
    ]  # fmt: skip


def test_devices_register_with_a_token_shown_once_and_revoke(admin):
    made = admin.post(f"/api/v1/admin/centers/{admin.center_id}/devices", json={"kind": "display", "name": "tv-sanh"})
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    device = {"Authorization": f"Bearer {token}"}
    assert admin.get("/api/v1/centers", headers=device).status_code == 200
    assert "token" not in admin.get(f"/api/v1/admin/centers/{admin.center_id}").json()["devices"][0]
    assert admin.post(f"/api/v1/admin/devices/{made.json()['id']}/revoke").json()["active"] is False
    assert admin.get("/api/v1/centers", headers=device).status_code == 401  # at once, not after the cache


def test_notices_reach_displays_live_and_in_the_snapshot(admin):
    url = f"/api/v1/admin/centers/{admin.center_id}/notices"
    with events(admin) as ws:
        assert ws.receive_json()["notices"] == []
        first = admin.post(url, json={"text_vi": "Chiều thứ Bảy nghỉ", "text_en": "Closed Saturday afternoon"}).json()
        assert [n["text_vi"] for n in ws.receive_json()["notices"]] == ["Chiều thứ Bảy nghỉ"]
        admin.post(url, json={"text_vi": "Mang theo CCCD", "position": 1})
        assert len(ws.receive_json()["notices"]) == 2
        admin.put(f"/api/v1/admin/notices/{first['id']}", json={"text_vi": "Chiều thứ Bảy nghỉ", "active": False})
        assert [n["text_vi"] for n in ws.receive_json()["notices"]] == ["Mang theo CCCD"]
        admin.delete(f"/api/v1/admin/notices/{first['id']}")
        assert ws.receive_json()["kind"] == "notice.updated"
    queue = admin.get(f"/api/v1/centers/{admin.center_id}/queue").json()
    assert [n["text_vi"] for n in queue["notices"]] == ["Mang theo CCCD"]


def test_procedures(admin):
    a, b = admin.world.categories["A"], admin.world.categories["B"]
    url = f"/api/v1/admin/centers/{admin.center_id}/procedures"
    made = admin.post(url, json={"category_id": a.id, "name_vi": "Đăng ký khai sinh", "name_en": "Birth registration", "processing_days": 0})
    assert made.status_code == 201, made.text
    pid = made.json()["id"]
    moved = admin.put(f"/api/v1/admin/procedures/{pid}", json={"category_id": b.id, "name_vi": "Chứng thực bản sao", "processing_days": 1})
    assert (moved.json()["category_id"], moved.json()["processing_days"]) == (b.id, 1)
    assert admin.delete(f"/api/v1/admin/procedures/{pid}").status_code == 200
    assert admin.get(f"/api/v1/admin/centers/{admin.center_id}").json()["procedures"] == []
    assert admin.delete(f"/api/v1/admin/procedures/{pid}").status_code == 404


def test_another_center_is_out_of_reach(admin):
    assert admin.get(f"/api/v1/admin/centers/{admin.other}").status_code == 404
    assert admin.post(f"/api/v1/admin/centers/{admin.other}/categories", json=category()).status_code == 404
    assert admin.post(f"/api/v1/admin/centers/{admin.other}/users", json={"username": "spy", "password": "0123456789"}).status_code == 404


def test_public_holidays_can_be_observed_or_not(admin):
    url = f"/api/v1/admin/centers/{admin.center_id}"
    profile = {"name_vi": "Phường Thử nghiệm", "name_en": "Test Ward"}
    assert admin.put(url, json={**profile, "observe_public_holidays": True}).json()["observe_public_holidays"] is True
    # Saving the profile without the field leaves it as it was.
    assert admin.put(url, json=profile).json()["observe_public_holidays"] is True
    assert admin.put(url, json={**profile, "observe_public_holidays": False}).json()["observe_public_holidays"] is False
