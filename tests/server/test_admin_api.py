"""The admin's REST API: each change lands, is audited, and reaches kiosks and displays as an
event; bad input is refused with the fields at fault; another center stays out of reach."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from database_urls import database_url
from queue_world import build_world, register_device, sign_in
from server import directory, protocol, queue
from server.collation import vi_key
from server.app import create_app
from server.models import AuditEntry
from server.settings import Settings

SESSION = [["07:30", "11:30"], ["13:30", "17:00"]]


@pytest.fixture
def admin(tmp_path, clock) -> Iterator[TestClient]:
    """The app with the test world; an admin of its center signed in; `.kiosk` a kiosk token."""
    app = create_app(Settings(database_url=database_url(tmp_path / "admin.db")), clock=clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        with app.state.db.write() as session:
            client.world = build_world(session)  # type: ignore[attr-defined]
            center_id = client.world.center.id  # type: ignore[attr-defined]
            client.headers["Authorization"] = f"Bearer {sign_in(session, clock(), center_id, 'admin', 'boss')}"
            client.kiosk = register_device(session, clock(), center_id, "kiosk")  # type: ignore[attr-defined]
            client.staff = sign_in(session, clock(), center_id, "staff", "lan")  # type: ignore[attr-defined]
            client.other = directory.create_center(session, "OTHER", "Xã Khác", "Other Commune").id  # type: ignore[attr-defined]
        client.center_id = center_id  # type: ignore[attr-defined]
        client.clock = clock  # type: ignore[attr-defined]
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


def refusal(response) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """(field, Vietnamese reason) of a 422 that has one error."""
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    return error["field"], error["message"]["vi"]


def test_category_input_is_refused_naming_the_field_and_why_in_vietnamese(admin):
    url = f"/api/v1/admin/centers/{admin.center_id}/categories"
    assert admin.post(url, json=category(prefix="A")).json()["code"] == "category_prefix_taken"
    cases = [
        (category(prefix="a1"), "prefix", "Chữ cái: phải là một hoặc hai chữ cái in hoa từ A đến Z (vd. A, HT)"),
        (category(color="red"), "color", "Màu: phải là mã màu dạng #RRGGBB (vd. #1565c0)"),
        (category(sessions=[["11:00", "08:00"]]), "sessions", "Giờ tiếp nhận: ca 11:00-08:00 phải bắt đầu trước giờ kết thúc"),
        (category(sessions=[["7:30", "11:30"]]), "sessions",
         "Giờ tiếp nhận: mỗi ca ghi dạng GG:PP-GG:PP, từ 00:00 đến 24:00 (vd. 07:30-11:30); “7:30-11:30” không đúng dạng đó"),
        (category(sessions=[["13:30", "17:00"], ["07:30", "14:00"]]), "sessions",
         "Giờ tiếp nhận: ca 07:30-14:00 và ca 13:30-17:00 trùng giờ nhau"),
        (category(daily_cap=0), "daily_cap", "Số phiếu tối đa mỗi ngày: phải từ 1 trở lên"),
        (category(service_minutes=481), "service_minutes", "Phút phục vụ thường mất: không được quá 480"),
        (category(name_vi=""), "name_vi", "Tên tiếng Việt: không được để trống"),
        (category(name_en="x" * 121), "name_en", "Tên tiếng Anh: dài quá 120 ký tự"),
        ({**category(), "secret": 1}, "secret", "secret: không có trường này"),
    ]  # fmt: skip
    for body, field, reason in cases:
        r = admin.post(url, json=body)
        assert refusal(r) == (field, reason), body
        # The answer's own message says it too, after the general words.
        assert r.json()["message"]["vi"] == f"Dữ liệu gửi lên không hợp lệ. {reason}."
        assert r.json()["errors"][0]["message"]["en"]


def test_a_pictogram_is_one_the_kiosk_has(admin):
    url = f"/api/v1/admin/centers/{admin.center_id}/categories"
    names = admin.get(f"/api/v1/admin/centers/{admin.center_id}").json()["pictograms"]
    assert "land" in names and "elderly" in names and "info" in names
    assert all(admin.get(f"/kiosk/static/pictograms/{name}.svg").status_code == 200 for name in names)
    field, reason = refusal(admin.post(url, json=category(pictogram="unicorn")))
    assert field == "pictogram" and reason.startswith("Biểu tượng: không có biểu tượng “unicorn”; hãy chọn một trong: ")
    assert "land" in reason
    assert admin.post(url, json=category(pictogram="house")).json()["pictogram"] == "house"
    assert admin.post(url, json=category(prefix="P", pictogram="")).status_code == 201  # none: the kiosk's "info"


def issue(client: TestClient, category_id: int):  # type: ignore[no-untyped-def]
    return client.post("/api/v1/tickets", json={"category_id": category_id}, headers={"Authorization": f"Bearer {client.kiosk}"})  # type: ignore[attr-defined]


def finish(client: TestClient, ticket_id: int) -> None:
    """Take a ticket out of the queue (as a counter officer would, cancelling it)."""
    with client.app.state.db.write() as session:  # type: ignore[attr-defined]
        queue.cancel(session, client.clock(), ticket_id)  # type: ignore[attr-defined]


def test_retiring_a_category_takes_it_off_kiosks_and_keeps_its_history(admin):
    a = admin.world.categories["A"]
    url = f"/api/v1/admin/categories/{a.id}/active"
    ticket = issue(admin, a.id).json()
    # A citizen waits in it: refused, saying how many and what to do.
    refused = admin.put(url, json={"active": False})
    assert refused.status_code == 409 and refused.json()["code"] == "category_has_tickets"
    assert refused.json()["message"]["vi"].startswith("Lĩnh vực Hộ tịch còn 1 số đang chờ hoặc đang phục vụ hôm nay")
    finish(admin, ticket["id"])

    with events(admin) as ws:
        ws.receive_json()
        retired = admin.put(url, json={"active": False})
        assert retired.status_code == 200, retired.text
        event = ws.receive_json()
        assert event["kind"] == "category.updated" and event["categories"][0]["active"] is False
        # Not in what a kiosk starts from: no grey tile, no tile at all.
        assert "A" not in [c["prefix"] for c in admin.get(f"/api/v1/centers/{admin.center_id}/categories").json()]
        assert "A" not in [c["prefix"] for c in admin.get(f"/api/v1/centers/{admin.center_id}/queue").json()["categories"]]
        refused = issue(admin, a.id)
        assert refused.status_code == 409 and refused.json()["code"] == "category_inactive"
        assert refused.json()["message"]["vi"] == "Lĩnh vực Hộ tịch tạm ngừng tiếp nhận."
        # Its history stays: the admin lists it, the ticket it issued still names it.
        listed = {c["prefix"]: c for c in admin.get(f"/api/v1/admin/centers/{admin.center_id}").json()["categories"]}
        assert listed["A"]["active"] is False
        assert admin.get(f"/api/v1/status/{ticket['token']}").json()["category_vi"] == "Hộ tịch"
        assert admin.put(url, json={"active": True}).json()["active"] is True
        assert ws.receive_json()["categories"][0]["active"] is True
    assert "A" in [c["prefix"] for c in admin.get(f"/api/v1/centers/{admin.center_id}/categories").json()]
    assert issue(admin, a.id).status_code == 201
    assert audited(admin)[-2:] == ["admin.category.retire", "admin.category.restore"]


def test_a_category_saved_inactive_from_its_form_is_checked_the_same_way(admin):
    a = admin.world.categories["A"]
    issue(admin, a.id)
    r = admin.put(f"/api/v1/admin/categories/{a.id}", json=category(prefix="A", name_vi="Hộ tịch", active=False))
    assert r.status_code == 409 and r.json()["code"] == "category_has_tickets"


def test_a_retired_category_takes_no_transfers(admin):
    a, b = admin.world.categories["A"], admin.world.categories["B"]
    ticket = issue(admin, a.id).json()
    assert admin.put(f"/api/v1/admin/categories/{b.id}/active", json={"active": False}).status_code == 200
    staff = {"Authorization": f"Bearer {admin.staff}"}
    moved = admin.post(f"/api/v1/tickets/{ticket['id']}/transfer", json={"category_id": b.id}, headers=staff)
    assert moved.status_code == 409 and moved.json()["code"] == "category_inactive"


def test_retiring_a_counter_takes_it_off_displays_and_consoles(admin):
    one = admin.world.counters[1]
    url = f"/api/v1/admin/counters/{one.id}/active"
    staff = {"Authorization": f"Bearer {admin.staff}"}
    issued = issue(admin, admin.world.categories["A"].id).json()
    called = admin.post(f"/api/v1/counters/{one.id}/call-next", headers=staff).json()
    assert called["id"] == issued["id"]
    refused = admin.put(url, json={"active": False})
    assert refused.status_code == 409 and refused.json()["code"] == "counter_has_tickets"
    assert refused.json()["message"]["vi"].startswith("Quầy 1 còn 1 số đang chờ riêng quầy này hoặc đang phục vụ")
    assert admin.post(f"/api/v1/tickets/{called['id']}/complete", headers=staff).status_code == 200

    with events(admin) as ws:
        snapshot = ws.receive_json()
        state = protocol.QueueState.from_snapshot(protocol.Snapshot.model_validate(snapshot))
        assert one.id in state.counters
        retired = admin.put(url, json={"active": False})
        assert retired.status_code == 200 and retired.json()["active"] is False
        event = protocol.parse_message(ws.receive_text())
    assert state.apply(event) and one.id not in state.counters  # the wall display drops it
    assert one.id not in [c["id"] for c in admin.get(f"/api/v1/centers/{admin.center_id}/counters").json()]
    assert one.id not in [c["id"] for c in admin.get(f"/api/v1/centers/{admin.center_id}/queue").json()["counters"]]
    assert [c["active"] for c in admin.get(f"/api/v1/admin/centers/{admin.center_id}").json()["counters"]] == [False, True, True]
    # Nobody calls at it, nobody is sent to it; the ticket it served still names it.
    calling = admin.post(f"/api/v1/counters/{one.id}/call-next", headers=staff)
    assert calling.status_code == 409 and calling.json()["message"]["vi"] == "Quầy 1 đã ngừng sử dụng."
    waiting = issue(admin, admin.world.categories["B"].id).json()
    sent = admin.post(f"/api/v1/tickets/{waiting['id']}/transfer", json={"counter_id": one.id}, headers=staff)
    assert sent.status_code == 409 and sent.json()["code"] == "counter_inactive"
    assert admin.get(f"/api/v1/status/{issued['token']}").json()["counter_number"] == 1
    assert admin.put(url, json={"active": True}).json()["active"] is True
    assert one.id in [c["id"] for c in admin.get(f"/api/v1/centers/{admin.center_id}/counters").json()]


def test_a_counter_waited_for_by_name_cannot_be_retired(admin):
    a, two = admin.world.categories["A"], admin.world.counters[2]
    staff = {"Authorization": f"Bearer {admin.staff}"}
    ticket = issue(admin, a.id).json()
    assert admin.post(f"/api/v1/tickets/{ticket['id']}/transfer", json={"counter_id": two.id}, headers=staff).status_code == 200
    refused = admin.put(f"/api/v1/admin/counters/{two.id}/active", json={"active": False})
    assert refused.status_code == 409 and refused.json()["code"] == "counter_has_tickets"


def test_counter_weights_are_bounded_and_said_in_vietnamese(admin):
    a, b = admin.world.categories["A"], admin.world.categories["B"]
    url = f"/api/v1/admin/counters/{admin.world.counters[1].id}"
    links = [{"category_id": a.id, "weight": 3}, {"category_id": b.id, "weight": 1}]
    saved = admin.put(url, json={"number": 1, "categories": links})
    assert [(x["category_id"], x["weight"]) for x in saved.json()["categories"]] == [(a.id, 3), (b.id, 1)]
    too_heavy = admin.put(url, json={"number": 1, "categories": [{"category_id": a.id, "weight": 11}]})
    assert refusal(too_heavy) == ("categories", "Trọng số (mục 1): không được quá 10")
    twice = admin.put(url, json={"number": 1, "categories": [{"category_id": a.id}, {"category_id": a.id}]})
    assert refusal(twice) == ("categories", "Lĩnh vực phục vụ: một lĩnh vực được chọn hai lần")


def test_procedures_can_be_retired_and_brought_back(admin):
    a = admin.world.categories["A"]
    made = admin.post(f"/api/v1/admin/centers/{admin.center_id}/procedures", json={"category_id": a.id, "name_vi": "Đăng ký khai sinh"}).json()
    assert made["active"] is True
    off = admin.put(f"/api/v1/admin/procedures/{made['id']}/active", json={"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert admin.get(f"/api/v1/admin/centers/{admin.center_id}").json()["procedures"][0]["active"] is False
    assert admin.put(f"/api/v1/admin/procedures/{made['id']}/active", json={"active": True}).json()["active"] is True
    assert audited(admin)[-2:] == ["admin.procedure.retire", "admin.procedure.restore"]
    assert refusal(admin.put(f"/api/v1/admin/procedures/{made['id']}/active", json={"active": "maybe"})) == (
        "active", "Đang sử dụng: phải là có hoặc không")


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


def test_device_names_may_be_any_vietnamese_text(admin):
    url = f"/api/v1/admin/centers/{admin.center_id}/devices"
    made = admin.post(url, json={"kind": "kiosk", "name": "Kiosk sảnh chính"})
    assert made.status_code == 201, made.text
    assert made.json()["name"] == "Kiosk sảnh chính"
    assert admin.post(url, json={"kind": "print_agent", "name": "Máy in tầng 2 (cửa Đông)"}).status_code == 201
    assert refusal(admin.post(url, json={"kind": "kiosk", "name": "đ" * 65})) == ("name", "Tên thiết bị: dài quá 64 ký tự")
    assert refusal(admin.post(url, json={"kind": "kiosk", "name": "   "})) == ("name", "Tên thiết bị: không được để trống")
    assert refusal(admin.post(url, json={"kind": "kiosk", "name": "Kiosk\n2"})) == (
        "name", "Tên thiết bị: không được chứa ký tự điều khiển (xuống dòng, tab...)")
    assert refusal(admin.post(url, json={"kind": "tv", "name": "TV"})) == (
        "kind", "Loại thiết bị: phải là một trong: 'kiosk', 'display', 'print_agent' hoặc 'rating'")


def test_opening_hours_and_every_other_refusal_is_said_per_field(admin):
    url = f"/api/v1/admin/centers/{admin.center_id}"
    r = admin.put(url, json={"name_vi": "", "name_en": "Ward", "priority_ratio": 0})
    assert r.status_code == 422
    said = {e["field"]: e["message"]["vi"] for e in r.json()["errors"]}
    assert said == {"name_vi": "Tên tiếng Việt: không được để trống", "priority_ratio": "Số thường sau mỗi số ưu tiên: phải từ 1 trở lên"}
    assert r.json()["message"]["en"] == (
        "The request is not valid. Vietnamese name: must not be empty. Ordinary tickets per priority one: must be at least 1.")
    user = admin.post(f"{url}/users", json={"username": "Lan", "password": "mat-khau-dai-1"})
    assert refusal(user)[0] == "username" and refusal(user)[1].startswith("Tên đăng nhập: chỉ gồm chữ thường không dấu")
    assert refusal(admin.post(f"{url}/users", json={"username": "lan", "password": "ngan"})) == ("password", "Mật khẩu: cần ít nhất 10 ký tự")


def test_wards_and_provinces_are_in_vietnamese_alphabetical_order(admin):
    names = [w["name"] for w in admin.get("/api/v1/admin/divisions/1").json()]  # Hà Nội
    assert names == sorted(names, key=vi_key) and names != sorted(names)
    wards = [n.removeprefix("Phường ") for n in names if n.startswith("Phường ")]
    # Đ right after D (not after Y, as by character code), Ô right after O.
    first = [w[0] for w in wards]
    assert first.index("Đ") > max(i for i, c in enumerate(first) if c == "D")
    assert first.index("Đ") < first.index("G")
    provinces = [p["name"] for p in admin.get("/api/v1/admin/divisions").json()]
    assert provinces == sorted(provinces, key=vi_key)


def test_vietnamese_order_letters_then_tones():
    words = ["bạ", "Ban", "ba", "bá", "bà", "bả", "bã", "Đa", "Da", "Ea", "ơ", "ô", "o", "ư", "u", "â", "ă", "a", "bb"]
    assert sorted(words, key=vi_key) == ["a", "ă", "â", "ba", "bà", "bả", "bã", "bá", "bạ", "Ban", "bb",
                                         "Da", "Đa", "Ea", "o", "ô", "ơ", "u", "ư"]  # fmt: skip


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


def test_reading_ticket_numbers_digit_by_digit_is_the_centers_choice_sent_with_the_sound(admin):
    url = f"/api/v1/admin/centers/{admin.center_id}/display-sound"
    with events(admin) as ws:
        assert ws.receive_json()["center"]["display_ticket_digits"] is False
        answer = admin.put(url, json={"muted": False, "volume": 70, "ticket_digits": True})
        assert answer.status_code == 200, answer.text
        assert answer.json()["display_ticket_digits"] is True
        event = ws.receive_json()
    assert event["kind"] == "display.sound"
    assert (event["center"]["display_ticket_digits"], event["center"]["display_volume"]) == (True, 70)
    with events(admin) as ws:  # a display connecting later gets it in its snapshot
        assert ws.receive_json()["center"]["display_ticket_digits"] is True
    # Left out (an older admin page): unchanged; set back to numbers.
    assert admin.put(url, json={"muted": True, "volume": 70}).json()["display_ticket_digits"] is True
    assert admin.put(url, json={"muted": True, "volume": 70, "ticket_digits": False}).json()["display_ticket_digits"] is False
    assert admin.get(f"/api/v1/centers/{admin.center_id}/queue").json()["center"]["display_ticket_digits"] is False
    assert audited(admin)[-3:] == ["admin.display.sound"] * 3


def test_the_display_sound_reaches_displays_live_and_on_every_snapshot(admin):
    url = f"/api/v1/admin/centers/{admin.center_id}/display-sound"
    with events(admin) as ws:
        snapshot = ws.receive_json()
        assert (snapshot["center"]["display_muted"], snapshot["center"]["display_volume"]) == (False, 100)
        answer = admin.put(url, json={"muted": True, "volume": 40})
        assert answer.status_code == 200, answer.text
        event = ws.receive_json()
    assert (event["kind"], event["seq"]) == ("display.sound", snapshot["seq"] + 1)
    assert (event["center"]["display_muted"], event["center"]["display_volume"]) == (True, 40)
    again = admin.get(f"/api/v1/centers/{admin.center_id}/queue").json()["center"]
    assert (again["display_muted"], again["display_volume"]) == (True, 40)
    assert audited(admin)[-1] == "admin.display.sound"
    assert again["display_ticket_digits"] is False  # numbers read as numbers until the center chooses
    assert refusal(admin.put(url, json={"muted": False, "volume": 101}))[0] == "volume"
    assert refusal(admin.put(url, json={"muted": False, "volume": 40, "ticket_digits": "often"}))[0] == "ticket_digits"
    staff = admin.put(url, json={"muted": False, "volume": 50}, headers={"Authorization": f"Bearer {admin.staff}"})
    assert staff.status_code == 403
    elsewhere = admin.put(f"/api/v1/admin/centers/{admin.other}/display-sound", json={"muted": False, "volume": 50})
    assert elsewhere.status_code in (403, 404)
