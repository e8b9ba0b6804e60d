"""Dossiers over HTTP: received from the ticket at the counter, due on the right day, moved
along their life, listed, found, audited, on the event stream without personal data, and
their personal data purged after the retention.

The client's clock starts at 09:00 on Monday 23 November 2026 in Hà Nội; Tuesday 24 November
is a public holiday (Ngày Văn hóa Việt Nam).
"""

from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from database_urls import database_url
from queue_world import sign_in
from server import directory
from server.models import AuditEntry, Dossier, Event


def _procedure(client, name_vi="Cấp giấy xác nhận tình trạng hôn nhân", days=3, prefix="A", code="1.004873"):
    with client.app.state.db.write() as session:
        return directory.add_procedure(session, client.world.categories[prefix], name_vi, "Certificate of marital status", days, code).id


def _served_ticket(client, counter=1, prefix="A") -> dict:
    """A ticket called to `counter` by the signed-in officer (the call claims the counter)."""
    issued = client.post("/api/v1/tickets", json={"category_id": client.world.categories[prefix].id}).json()
    called = client.post(f"/api/v1/counters/{client.world.counters[counter].id}/call-next")
    assert called.status_code == 200 and called.json()["id"] == issued["id"], called.text
    return called.json()


def _receive(client, ticket_id, procedure_id, code, **extra):
    return client.post("/api/v1/dossiers", json={"ticket_id": ticket_id, "procedure_id": procedure_id, "code": code, **extra})


def _state(client, dossier_id, state, **extra):
    return client.post(f"/api/v1/dossiers/{dossier_id}/state", json={"state": state, **extra})


def _audit(client, action):
    with client.app.state.db.read() as session:
        return [e for e in session.execute(select(AuditEntry).where(AuditEntry.action == action)).scalars()]


def test_receive_a_dossier_from_the_ticket_at_the_counter(client):
    procedure = _procedure(client)
    ticket = _served_ticket(client)
    answer = _receive(client, ticket["id"], procedure, "H26.22-261123-0001", citizen_name="Nguyễn Văn Ánh", citizen_phone="0912 345 678")
    assert answer.status_code == 201, answer.text
    dossier = answer.json()
    # Received Monday 23 Nov at 09:00, 3 working days: Tuesday 24 is a holiday, so
    # Wed 25 = 1, Thu 26 = 2, Fri 27 = 3.
    assert dossier["due_date"] == "2026-11-27"
    assert dossier["counted_from"] == "2026-11-23"
    assert dossier["state"] == "received" and dossier["late"] is False
    assert dossier["citizen_name"] == "Nguyễn Văn Ánh" and dossier["citizen_phone"] == "0912345678"
    assert dossier["officer_name"] == "staff-1" and dossier["ticket_label"] == "A001"
    assert dossier["center_name_vi"] == "Phường Thử nghiệm"
    assert dossier["procedure_name_vi"] == "Cấp giấy xác nhận tình trạng hôn nhân"
    assert dossier["status_path"] == f"/d/{dossier['token']}" and len(dossier["token"]) >= 20
    # Several dossiers per ticket; a code is unique in the center.
    second = _receive(client, ticket["id"], procedure, "H26.22-261123-0002")
    assert second.status_code == 201 and second.json()["citizen_name"] is None
    again = _receive(client, ticket["id"], procedure, "H26.22-261123-0001")
    assert again.status_code == 409 and again.json()["code"] == "dossier_code_taken"
    assert "H26.22-261123-0001" in again.json()["message"]["vi"]
    listed = client.get(f"/api/v1/dossiers?ticket_id={ticket['id']}").json()
    assert [d["code"] for d in listed] == ["H26.22-261123-0002", "H26.22-261123-0001"]
    assert client.get(f"/api/v1/dossiers/{dossier['id']}").json()["code"] == "H26.22-261123-0001"
    # Audited, and on the event stream without the citizen's name or phone.
    entry = _audit(client, "dossier.receive")[0]
    assert entry.actor == "user:staff-1" and entry.target == "H26.22-261123-0001" and entry.detail["with_name"] is True
    with client.app.state.db.read() as session:
        events = list(session.execute(select(Event).where(Event.kind == "dossier.received")).scalars())
    assert [e.data["dossier"]["code"] for e in events] == ["H26.22-261123-0001", "H26.22-261123-0002"]
    assert "Ánh" not in str(events[0].data) and "0912345678" not in str(events[0].data)
    assert "citizen_name" not in events[0].data["dossier"]


def test_only_the_officer_of_the_ticket_receives_it(client):
    procedure = _procedure(client)
    waiting = client.post("/api/v1/tickets", json={"category_id": client.world.categories["A"].id}).json()
    refused = _receive(client, waiting["id"], procedure, "X1")
    assert refused.status_code == 409 and refused.json()["code"] == "dossier_ticket_not_served"
    ticket = client.post(f"/api/v1/counters/{client.world.counters[1].id}/call-next").json()
    assert ticket["id"] == waiting["id"]
    with client.app.state.db.write() as session:
        other = sign_in(session, client.app.state.clock(), client.world.center.id, "staff", "lan.nt")
    answer = client.post(
        "/api/v1/dossiers",
        json={"ticket_id": ticket["id"], "procedure_id": procedure, "code": "X2"},
        headers={"Authorization": f"Bearer {other}"},
    )
    assert answer.status_code == 409 and answer.json()["code"] == "dossier_not_your_ticket"
    assert "quầy 1" in answer.json()["message"]["vi"]


def test_input_is_validated_field_by_field(client):
    procedure = _procedure(client)
    ticket = _served_ticket(client)
    bad = _receive(client, ticket["id"], procedure, "H26 0001", citizen_phone="12345", citizen_name="x" * 121)
    assert bad.status_code == 422
    fields = {e["field"]: e["message"]["vi"] for e in bad.json()["errors"]}
    assert set(fields) == {"code", "citizen_phone", "citizen_name"}
    assert fields["citizen_phone"].startswith("Số điện thoại: phải là số điện thoại Việt Nam")
    assert fields["code"].startswith("Mã: chỉ gồm chữ, số")
    dossier = _receive(client, ticket["id"], procedure, "OK-1").json()
    missing = _state(client, dossier["id"], "needs_more")
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["missing_documents"]
    assert missing.json()["errors"][0]["message"]["vi"] == "Giấy tờ cần bổ sung: hãy ghi rõ giấy tờ công dân cần bổ sung"
    assert _state(client, dossier["id"], "rejected").json()["errors"][0]["field"] == "reject_reason"
    assert _state(client, dossier["id"], "received").status_code == 422
    assert client.get("/api/v1/dossiers?limit=201").status_code == 422


def test_the_life_of_a_dossier_and_the_clock_that_stands_still(client):
    procedure = _procedure(client)
    ticket = _served_ticket(client)
    dossier = _receive(client, ticket["id"], procedure, "LIFE-1").json()
    assert _state(client, dossier["id"], "processing").json()["state"] == "processing"
    client.app.state.clock.advance(days=2)  # Wednesday 25 Nov
    needs = _state(client, dossier["id"], "needs_more", missing_documents="Bản sao giấy khai sinh")
    assert needs.json()["state"] == "needs_more" and needs.json()["missing_documents"] == "Bản sao giấy khai sinh"
    client.app.state.clock.advance(days=5)  # Monday 30 Nov: past the 27th, but the clock stood still
    assert client.get(f"/api/v1/dossiers/{dossier['id']}").json()["late"] is False
    assert client.get("/api/v1/dossiers?late=true").json() == []
    # The documents came.
    back = _state(client, dossier["id"], "processing").json()
    # Stood still Thu 26, Fri 27, Mon 30: 3 working days. 3 + 3 = 6 working days after
    # Mon 23: Wed 25, Thu 26, Fri 27, Mon 30, Tue 1 Dec, Wed 2 Dec.
    assert back["stood_still_days"] == 3 and back["due_date"] == "2026-12-02"
    assert _state(client, dossier["id"], "ready").json()["ready_at"] is not None
    returned = _state(client, dossier["id"], "returned").json()
    assert returned["state"] == "returned" and returned["purge_at"] is not None
    again = _state(client, dossier["id"], "processing")
    assert again.status_code == 409 and again.json()["code"] == "dossier_invalid_transition"
    assert again.json()["message"]["vi"] == "Hồ sơ LIFE-1 đã trả kết quả, không thể chuyển sang “đang giải quyết”."
    assert [e.action for e in _audit(client, "dossier.needs_more")] == ["dossier.needs_more"]
    with client.app.state.db.read() as session:
        kinds = [e.data["dossier"]["state"] for e in session.execute(select(Event).where(Event.kind == "dossier.state_changed")).scalars()]
    assert kinds == ["processing", "needs_more", "processing", "ready", "returned"]


def test_late_dossiers_and_search(client):
    procedure = _procedure(client, days=1)
    ticket = _served_ticket(client)
    open_one = _receive(client, ticket["id"], procedure, "LATE-1", citizen_name="Trần Thị Đào").json()
    done_one = _receive(client, ticket["id"], procedure, "ONTIME-2").json()
    assert open_one["due_date"] == "2026-11-25"  # Mon 23 counts, Tue 24 a holiday, Wed 25 = 1
    _state(client, done_one["id"], "returned")
    center = client.world.center.id
    assert client.get(f"/api/v1/dossiers?center_id={center}&late=true").json() == []
    client.app.state.clock.advance(days=2)  # Wednesday 25: due today, not late yet
    assert client.get(f"/api/v1/dossiers?center_id={center}&late=true").json() == []
    client.app.state.clock.advance(days=1)  # Thursday 26
    late = client.get(f"/api/v1/dossiers?center_id={center}&late=true").json()
    assert [d["code"] for d in late] == ["LATE-1"] and late[0]["late"] is True
    assert [d["code"] for d in client.get("/api/v1/dossiers?late=false").json()] == ["ONTIME-2"]
    assert [d["code"] for d in client.get("/api/v1/dossiers?state=returned").json()] == ["ONTIME-2"]
    assert [d["code"] for d in client.get("/api/v1/dossiers?q=tran thi dao").json()] == ["LATE-1"]
    assert [d["code"] for d in client.get("/api/v1/dossiers?q=ontime").json()] == ["ONTIME-2"]
    page = client.get("/api/v1/dossiers?limit=1").json()
    assert [d["code"] for d in page] == ["ONTIME-2"]
    assert [d["code"] for d in client.get(f"/api/v1/dossiers?limit=1&before={page[0]['id']}").json()] == ["LATE-1"]


def test_personal_data_is_blanked_after_the_retention(client):
    procedure = _procedure(client)
    ticket = _served_ticket(client)
    kept = _receive(client, ticket["id"], procedure, "KEEP-1", citizen_name="Lê Văn Bình", citizen_phone="0987654321").json()
    gone = _receive(client, ticket["id"], procedure, "GONE-1", citizen_name="Phạm Thị Hoa", citizen_phone="+84912345678").json()
    _state(client, gone["id"], "rejected", reject_reason="Không thuộc thẩm quyền")
    client.app.state.clock.advance(days=30)  # the retention is 30 days: not yet
    _state(client, kept["id"], "processing")
    assert client.get(f"/api/v1/dossiers/{gone['id']}").json()["citizen_name"] == "Phạm Thị Hoa"
    client.app.state.clock.advance(minutes=1)  # past it: the next change purges first
    _state(client, kept["id"], "ready")
    purged = client.get(f"/api/v1/dossiers/{gone['id']}").json()
    assert purged["citizen_name"] is None and purged["citizen_phone"] is None and purged["purged_at"] is not None
    assert purged["reject_reason"] == "Không thuộc thẩm quyền" and purged["code"] == "GONE-1"
    assert client.get(f"/api/v1/dossiers/{kept['id']}").json()["citizen_name"] == "Lê Văn Bình"
    [entry] = _audit(client, "dossier.purge")
    assert entry.actor == "system" and entry.detail["codes"] == ["GONE-1"]


def test_the_server_purges_at_start(client):
    procedure = _procedure(client)
    ticket = _served_ticket(client)
    gone = _receive(client, ticket["id"], procedure, "START-1", citizen_phone="0912345678").json()
    _state(client, gone["id"], "returned")
    client.app.state.clock.advance(days=31)
    with TestClient(client.app, raise_server_exceptions=False):  # a restart: the lifespan runs again
        pass
    with client.app.state.db.read() as session:
        row = session.get(Dossier, gone["id"])
        assert row.citizen_phone is None and row.purged_at is not None


def test_public_status_shows_no_personal_data(client):
    procedure = _procedure(client)
    ticket = _served_ticket(client)
    dossier = _receive(client, ticket["id"], procedure, "PUB-1", citizen_name="Võ Thị Sáu", citizen_phone="0911111111").json()
    _state(client, dossier["id"], "needs_more", missing_documents="Căn cước công dân bản sao")
    client.headers.pop("Authorization")
    status = client.get(f"/api/v1/public/dossiers/{dossier['token']}")
    assert status.status_code == 200
    body = status.json()
    assert body["state"] == "needs_more" and body["missing_documents"] == "Căn cước công dân bản sao"
    assert body["due_date"] == "2026-11-27" and body["center_name_vi"] == "Phường Thử nghiệm"
    assert "Sáu" not in status.text and "0911111111" not in status.text and "token" not in body
    missing = client.get("/api/v1/public/dossiers/no-such-dossier")
    assert missing.status_code == 404 and missing.json()["message"]["vi"] == "Không tìm thấy hồ sơ."
    assert client.get(f"/api/v1/dossiers/{dossier['id']}").status_code == 401


def test_procedures_found_without_diacritics(client):
    _procedure(client, "Đăng ký khai sinh", 0, code="1.001193")
    _procedure(client, "Chứng thực chữ ký", 0, prefix="B", code="2.000884")
    _procedure(client, "Cấp giấy xác nhận tình trạng hôn nhân", 3)
    center = client.world.center.id
    names = lambda q: [p["name_vi"] for p in client.get(f"/api/v1/centers/{center}/procedures", params={"q": q}).json()]  # noqa: E731
    assert names("dang ky") == ["Đăng ký khai sinh"]
    assert names("ĐĂNG KÝ") == ["Đăng ký khai sinh"]
    assert names("chu ky") == ["Chứng thực chữ ký"]
    assert names("2.000884") == ["Chứng thực chữ ký"]
    # Vietnamese order: Cấp before Chứng before Đăng.
    assert names("") == ["Cấp giấy xác nhận tình trạng hôn nhân", "Chứng thực chữ ký", "Đăng ký khai sinh"]


def test_admin_sets_the_dossier_calendar(client):
    center = client.world.center.id
    with client.app.state.db.write() as session:
        admin = sign_in(session, client.app.state.clock(), center, "admin")
    headers = {"Authorization": f"Bearer {admin}"}
    profile = {"name_vi": "Phường Thử nghiệm", "name_en": "Test Ward"}
    wrong = client.put(
        f"/api/v1/admin/centers/{center}", json={**profile, "working_saturdays": ["2026-11-27"], "afternoon_cutoff": "4pm"}, headers=headers
    )
    assert wrong.status_code == 422
    fields = {e["field"]: e["message"]["vi"] for e in wrong.json()["errors"]}
    assert fields == {
        "working_saturdays": "Thứ Bảy làm bù: ngày 27/11/2026 không phải thứ Bảy",
        "afternoon_cutoff": "Giờ chốt nhận hồ sơ buổi chiều: phải ở dạng GG:PP (vd. 16:30)",
    }
    twice = client.put(f"/api/v1/admin/centers/{center}", json={**profile, "days_off": ["2026-11-25", "2026-11-25"]}, headers=headers)
    assert [e["message"]["vi"] for e in twice.json()["errors"]] == ["Ngày nghỉ riêng của trung tâm: ngày 25/11/2026 được nhập hai lần"]
    saved = client.put(
        f"/api/v1/admin/centers/{center}",
        json={**profile, "days_off": ["2026-11-25"], "working_saturdays": ["2026-11-28"], "afternoon_cutoff": "16:30", "personal_data_retention_days": 7},
        headers=headers,
    )
    assert saved.status_code == 200, saved.text
    setup = client.get(f"/api/v1/admin/centers/{center}", headers=headers).json()["center"]
    assert (setup["days_off"], setup["working_saturdays"], setup["afternoon_cutoff"], setup["personal_data_retention_days"]) == (
        ["2026-11-25"], ["2026-11-28"], "16:30", 7
    )
    # Left out: unchanged.
    assert client.put(f"/api/v1/admin/centers/{center}", json=profile, headers=headers).json()["afternoon_cutoff"] == "16:30"
    procedure = _procedure(client, days=3)
    client.app.state.clock.advance(hours=8)  # 17:00, after the cut-off
    ticket = _served_ticket(client)
    dossier = _receive(client, ticket["id"], procedure, "CAL-1").json()
    # After 16:30 on Mon 23: counts from the next working day: Tue 24 is a holiday, Wed 25
    # the center's day off, so Thu 26; then Fri 27 = 1, Sat 28 (làm bù) = 2, Mon 30 = 3.
    assert (dossier["counted_from"], dossier["due_date"]) == ("2026-11-26", "2026-11-30")
    assert date.fromisoformat(dossier["due_date"]) - date(2026, 11, 23) == timedelta(days=7)


def test_openapi_lists_the_dossier_operations(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/v1/dossiers", "/api/v1/dossiers/{dossier_id}", "/api/v1/dossiers/{dossier_id}/state",
            "/api/v1/centers/{center_id}/procedures", "/api/v1/public/dossiers/{token}"} <= set(paths)  # fmt: skip


def test_a_display_on_the_event_stream_sees_that_dossiers_moved_but_nothing_of_them(client):
    from queue_world import register_device
    from server.protocol import QueueState, parse_message

    procedure = _procedure(client)
    ticket = _served_ticket(client)
    with client.app.state.db.write() as session:
        display = register_device(session, client.app.state.clock(), client.world.center.id, "display")
    # As the display: the test client otherwise sends its staff member's header.
    with client.websocket_connect("/ws/events", headers={"Authorization": f"Bearer {display}"}) as ws:
        snapshot = parse_message(ws.receive_text())
        board = QueueState.from_snapshot(snapshot)
        dossier = _receive(client, ticket["id"], procedure, "WS-1", citizen_name="Đỗ Thị Giang", citizen_phone="0977777777").json()
        raw = ws.receive_text()
        _state(client, dossier["id"], "processing")
        moved = ws.receive_text()
    assert "Giang" not in raw and "0977777777" not in raw and "citizen" not in raw and "WS-1" not in raw
    received = parse_message(raw)
    assert received.kind == "dossier.received" and received.dossier is None  # dossiers are staff's (server/privacy.py)
    changed = parse_message(moved)
    assert (changed.kind, changed.dossier, changed.seq) == ("dossier.state_changed", None, received.seq + 1)
    # A wall display's client takes them in sequence and changes nothing it shows.
    assert board.apply(received) and board.apply(changed) and board.seq == changed.seq


def test_staff_on_the_event_stream_see_the_dossier_but_not_the_citizen(client):
    from server.protocol import parse_message

    procedure = _procedure(client)
    ticket = _served_ticket(client)
    with client.websocket_connect("/ws/events") as ws:
        parse_message(ws.receive_text())
        dossier = _receive(client, ticket["id"], procedure, "WS-1", citizen_name="Đỗ Thị Giang", citizen_phone="0977777777").json()
        raw = ws.receive_text()
        _state(client, dossier["id"], "processing")
        moved = ws.receive_text()
    assert "Giang" not in raw and "0977777777" not in raw and "citizen" not in raw
    received = parse_message(raw)
    assert received.kind == "dossier.received" and received.dossier.code == "WS-1" and received.dossier.state == "received"
    assert received.dossier.due_date == date(2026, 11, 27)
    changed = parse_message(moved)
    assert (changed.kind, changed.dossier.state, changed.seq) == ("dossier.state_changed", "processing", received.seq + 1)


def test_the_demo_has_dossiers_in_each_state_and_leaves_today_to_the_citizens(tmp_path, clock):
    from server.app import create_app
    from server.settings import Settings

    app = create_app(Settings(database_url=database_url(tmp_path / "demo.db"), demo=True), clock=clock)
    with TestClient(app, raise_server_exceptions=False) as demo:
        with app.state.db.write() as session:
            demo.headers["Authorization"] = f"Bearer {sign_in(session, clock(), 1, 'staff')}"
        listed = demo.get("/api/v1/dossiers").json()
        states = ["received", "processing", "needs_more", "ready", "returned", "rejected"]
        assert sorted(d["state"] for d in listed) == sorted(states * 3)  # three in each state
        assert [d["citizen_name"] for d in listed if d["late"]] == ["Hoàng Văn Em"]
        issued = demo.post("/api/v1/tickets", json={"category_id": 1})
        assert issued.json()["label"] == "A001"  # the demo's tickets are of past days
    with TestClient(app):  # a second start adds none
        pass
    with app.state.db.read() as session:
        assert len(list(session.execute(select(Dossier.id)))) == len(listed) == 18


def test_a_procedure_with_dossiers_is_retired_not_deleted(client):
    procedure = _procedure(client)
    unused = _procedure(client, "Đăng ký khai sinh", code="1.001193")
    ticket = _served_ticket(client)
    assert _receive(client, ticket["id"], procedure, "KEEP-PROC-1").status_code == 201
    with client.app.state.db.write() as session:
        admin = sign_in(session, client.app.state.clock(), client.world.center.id, "admin")
    headers = {"Authorization": f"Bearer {admin}"}
    refused = client.delete(f"/api/v1/admin/procedures/{procedure}", headers=headers)
    assert refused.status_code == 409  # was a 500: the dossier's foreign key
    assert refused.json()["code"] == "procedure_has_dossiers"
    assert refused.json()["message"]["vi"] == (
        "Thủ tục Cấp giấy xác nhận tình trạng hôn nhân đã có 1 hồ sơ nên không xóa được; hãy ngừng sử dụng thủ tục này."
    )
    assert client.delete(f"/api/v1/admin/procedures/{unused}", headers=headers).status_code == 200
    assert client.put(f"/api/v1/admin/procedures/{procedure}/active", json={"active": False}, headers=headers).status_code == 200
