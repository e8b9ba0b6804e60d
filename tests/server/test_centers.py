"""Many centers on one server: every route keeps each center's things to its own callers, a
province account sees and sets up its province's centers (and creates them there), and its
leaders read the centers side by side."""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from queue_world import build_world, register_device, sign_in
from server import directory, dossiers, queue, ratings
from server.app import create_app
from server.models import AuditEntry, Device, RatingLevel, RatingSource, User
from server.settings import Settings
from test_authorization import BA_DINH, BEN_THANH, HANOI, HO_CHI_MINH, MAY, POLICY, app_routes

HOAN_KIEM = 70  # another ward of Hà Nội
PASSWORD = "correct horse battery"
# Everything of center B is named with this word; no answer to a caller of A may hold it.
MARK = "BETA"
# Center A's callers: its devices and officers, and the account of A's province (B is in another).
A_CALLERS = ("kiosk", "display", "print_agent", "rating", "staff", "leader", "admin", "province")
# Routes that name no center, ticket, counter or other object: they answer about the caller's
# own centers (or the official list of places), which the answer is checked for, not the status.
UNSCOPED = {
    "GET /api/v1/centers",
    "GET /api/v1/reports/centers",
    "GET /api/v1/admin/divisions",
    "GET /api/v1/admin/divisions/{province_code}",
    "POST /api/v1/print-agent/jobs/claim",
}
# A valid body for every route that takes one, naming B's things: the check that refuses it
# must be the center's, not the body's validation. A new route with a body and no entry here
# fails test_every_route_with_a_body_has_one_here.
Ids = dict[str, int | str]
BODIES: dict[str, Callable[[Ids], dict]] = {
    "POST /api/v1/tickets": lambda b: {"category_id": b["category_id"]},
    "POST /api/v1/tickets/{ticket_id}/transfer": lambda b: {"category_id": b["category_id"]},
    "POST /api/v1/tickets/{ticket_id}/call": lambda b: {"counter_id": b["counter_id"]},
    "POST /api/v1/tickets/{ticket_id}/print": lambda b: {},
    "POST /api/v1/counters/{counter_id}/claim": lambda b: {"take_over": True},
    "POST /api/v1/counters/{counter_id}/pause": lambda b: {"reason": "lunch"},
    "POST /api/v1/tickets/{ticket_id}/print-result": lambda b: {
        "ticket_id": b["ticket_id"], "label": "A001", "printer": "desk", "state": "printed", "attempts": 1
    },
    "POST /api/v1/auth/login": lambda b: {"username": "nobody", "password": PASSWORD},
    "POST /api/v1/dossiers": lambda b: {"ticket_id": b["called_id"], "procedure_id": b["procedure_id"], "code": "NEW-1"},
    "POST /api/v1/dossiers/{dossier_id}/state": lambda b: {"state": "processing"},
    "POST /api/v1/ratings": lambda b: {"level": "satisfied", "counter_id": b["counter_id"]},
    "PUT /api/v1/admin/centers/{center_id}": lambda b: {"name_vi": "Mới", "name_en": "New"},
    "POST /api/v1/admin/centers": lambda b: {"code": "NEWB", "name_vi": "Mới", "name_en": "New", "ward_code": BEN_THANH},
    "PUT /api/v1/admin/centers/{center_id}/display-sound": lambda b: {"muted": True, "volume": 10},
    "POST /api/v1/admin/centers/{center_id}/categories": lambda b: {"prefix": "Z", "name_vi": "Mới", "name_en": "New"},
    "PUT /api/v1/admin/categories/{category_id}": lambda b: {"prefix": "Z", "name_vi": "Mới", "name_en": "New"},
    "PUT /api/v1/admin/categories/{category_id}/active": lambda b: {"active": False},
    "POST /api/v1/admin/centers/{center_id}/procedures": lambda b: {"category_id": b["category_id"], "name_vi": "Mới"},
    "PUT /api/v1/admin/procedures/{procedure_id}": lambda b: {"category_id": b["category_id"], "name_vi": "Mới"},
    "PUT /api/v1/admin/procedures/{procedure_id}/active": lambda b: {"active": False},
    "POST /api/v1/admin/centers/{center_id}/counters": lambda b: {"number": 9, "categories": [{"category_id": b["category_id"]}]},
    "PUT /api/v1/admin/counters/{counter_id}": lambda b: {"number": 9, "categories": [{"category_id": b["category_id"]}]},
    "PUT /api/v1/admin/counters/{counter_id}/active": lambda b: {"active": False},
    "POST /api/v1/admin/centers/{center_id}/users": lambda b: {"username": "newbie", "password": PASSWORD},
    "PUT /api/v1/admin/users/{user_id}": lambda b: {"role": "staff", "active": False},
    "POST /api/v1/admin/users/{user_id}/password": lambda b: {"password": PASSWORD + " 2"},
    "POST /api/v1/admin/centers/{center_id}/devices": lambda b: {"kind": "kiosk", "name": "Mới"},
    "POST /api/v1/admin/centers/{center_id}/notices": lambda b: {"text_vi": "Mới"},
    "PUT /api/v1/admin/notices/{notice_id}": lambda b: {"text_vi": "Mới"},
}  # fmt: skip
# Query parameters a route needs, beside a `center_id` (always B's where a route takes one).
QUERIES = {"GET /api/v1/centers/{center_id}/tickets/by-label": {"label": "A001"}}


def _marked_center(session, now: datetime, code: str, name: str, ward_code: int, province_code: int, users: str) -> dict:  # type: ignore[no-untyped-def]
    """A center with the test world, a procedure, a notice, a ticket waiting, one called by its
    officer and received as a dossier, one served and rated; every caller kind of its own."""
    world = build_world(session, code=code, name_vi=f"Xã {name}", name_en=f"{name} Commune", ward_code=ward_code, province_code=province_code)
    center_id = world.center.id
    tokens = {role: sign_in(session, now, center_id, role, f"{users}-{role}") for role in ("staff", "leader", "admin")}
    for kind in ("kiosk", "display", "print_agent", "rating"):
        tokens[kind] = register_device(session, now, center_id, kind, f"{users}-{kind}")
    procedure = directory.add_procedure(session, world.categories["A"], f"Thủ tục {name}", f"{name} procedure")
    notice = directory.create_notice(session, now, center_id, text_vi=f"Thông báo {name}", text_en=f"{name} notice")
    staff = session.execute(select(User).where(User.username == f"{users}-staff")).scalar_one()
    officer = queue.Officer(staff.id, staff.username)
    served, _ = queue.issue_ticket(session, now, category_id=world.categories["C"].id)
    queue.call_next(session, now, world.counters[3].id, officer)
    queue.complete(session, now, served.id, officer)
    ratings.record(session, now, served, level=RatingLevel.satisfied, reasons=[], comment=f"{name} rất tốt", source=RatingSource.phone)
    waiting, _ = queue.issue_ticket(session, now, category_id=world.categories["B"].id)
    first, _ = queue.issue_ticket(session, now, category_id=world.categories["A"].id)
    called = queue.call_next(session, now, world.counters[1].id, officer)
    assert called.id == first.id
    dossier = dossiers.receive(session, now, ticket_id=called.id, procedure_id=procedure.id, code=f"{name}-1", officer=officer)
    kiosk = session.execute(select(Device).where(Device.name == f"{users}-kiosk")).scalar_one()
    ids = {
        "center_id": center_id,
        "category_id": world.categories["B"].id,
        "counter_id": world.counters[2].id,
        "ticket_id": waiting.id,
        "called_id": called.id,
        "procedure_id": procedure.id,
        "notice_id": notice.id,
        "user_id": staff.id,
        "device_id": kiosk.id,
        "dossier_id": dossier.id,
        "job_id": 1,  # no job is printed: only the agent's own jobs are ever found
        "province_code": province_code,
    }
    return {"ids": ids, "tokens": tokens, "secrets": [waiting.token, called.token, served.token, dossier.token]}


@pytest.fixture(scope="module")
def two(tmp_path_factory) -> Iterator[tuple[TestClient, dict, dict]]:
    """Center A (Ba Đình, Hà Nội) and center B (Bến Thành, Hồ Chí Minh City), each with
    everything a route can name; a province account of Hà Nội, and one of Hồ Chí Minh City."""
    folder = tmp_path_factory.mktemp("centers")
    app = create_app(Settings(database_url=f"sqlite:///{folder}/centers.db"))
    with TestClient(app, raise_server_exceptions=False) as client:
        now = datetime.now(UTC)
        with app.state.db.write() as session:
            a = _marked_center(session, now, "ALPHA", "Anpha", BA_DINH, HANOI, "alpha")
            b = _marked_center(session, now, MARK, MARK, BEN_THANH, HO_CHI_MINH, "beta")
            a["tokens"]["province"] = sign_in(session, now, None, "province", "hanoi", province_code=HANOI)
            b["tokens"]["province"] = sign_in(session, now, None, "province", "hcm", province_code=HO_CHI_MINH)
        yield client, a, b


def _request(client: TestClient, route: str, token: str, ids: Ids) -> tuple[int, str]:
    method, path = route.split(" ", 1)
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    operation = client.app.openapi()["paths"][route.split(" ", 1)[1]][method.lower()]  # type: ignore[attr-defined]
    query = dict(QUERIES.get(route, {}))
    if any(p["name"] == "center_id" and p["in"] == "query" for p in operation.get("parameters", [])):
        query["center_id"] = ids["center_id"]
    body = BODIES[route](ids) if route in BODIES else None
    answer = client.request(method, path, params=query, json=body, headers={"Authorization": f"Bearer {token}"})
    return answer.status_code, answer.text


def _b_state(client: TestClient, center_id: int) -> tuple[int, int]:
    """B's last event and its audit entries: anything done to B shows in one or the other."""
    with client.app.state.db.read() as session:  # type: ignore[attr-defined]
        return (
            queue.last_seq(session, center_id),
            session.execute(select(func.count()).where(AuditEntry.center_id == center_id)).scalar_one(),
        )


def test_every_route_with_a_body_has_one_here(two):
    client, *_ = two
    with_body = {
        f"{method.upper()} {path}"
        for path, methods in client.app.openapi()["paths"].items()
        for method, operation in methods.items()
        if "requestBody" in operation
    }
    assert with_body == set(BODIES)


def test_a_caller_of_one_center_reads_and_changes_nothing_of_another(two):
    """Every route of the API (from the app's own OpenAPI: a new route is checked too), as every
    kind of device and officer of center A and A's province account, asking about center B's
    things: 403 or 404, and nothing of B in the answer; B is left as it was."""
    client, a, b = two
    before = _b_state(client, b["ids"]["center_id"])
    leaks = [MARK, MARK.lower(), *b["secrets"]]
    checked = 0
    for route in app_routes(client.app):
        need = POLICY[route]
        if need == "public":  # by a ticket's or dossier's own token, or the sign-in
            continue
        for caller in A_CALLERS:
            if caller not in MAY[need] and route not in UNSCOPED:
                continue  # refused whoever asks: test_authorization.py
            status, text = _request(client, route, a["tokens"][caller], b["ids"])
            assert not any(leak in text for leak in leaks), (route, caller, status, text[:300])
            if route not in UNSCOPED:
                assert status in (403, 404), (route, caller, status, text[:300])
            checked += 1
    assert checked > 150
    assert _b_state(client, b["ids"]["center_id"]) == before


def test_the_same_routes_work_for_the_centers_own_callers(two):
    """The other half of the test above: with A's own ids the same requests are not refused,
    so the 403s and 404s above come from the center check, not from a broken request."""
    client, a, _ = two
    for route in ("GET /api/v1/centers/{center_id}/queue", "GET /api/v1/tickets/{ticket_id}", "GET /api/v1/dossiers/{dossier_id}",
                  "GET /api/v1/admin/centers/{center_id}", "GET /api/v1/reports/figures", "GET /api/v1/ratings"):  # fmt: skip
        for caller in ("admin", "province"):
            status, _ = _request(client, route, a["tokens"][caller], a["ids"])
            assert status == 200, (route, caller, status)


def test_the_event_stream_of_another_center_is_refused(two):
    client, a, b = two
    for caller in A_CALLERS:
        with client.websocket_connect(f"/ws/events?token={a['tokens'][caller]}&center_id={b['ids']['center_id']}") as ws:
            with pytest.raises(Exception) as closed:
                ws.receive_json()
        assert getattr(closed.value, "code", None) == 1008, (caller, closed.value)
    with client.websocket_connect(f"/ws/events?token={a['tokens']['province']}") as ws:  # its first center
        assert ws.receive_json()["center"]["code"] == "ALPHA"


def test_the_province_sees_its_centers_only(two):
    client, a, b = two
    def listed(token: str) -> list[str]:
        return [c["code"] for c in client.get("/api/v1/centers", headers={"Authorization": f"Bearer {token}"}).json()]

    assert listed(a["tokens"]["province"]) == ["ALPHA"]
    assert listed(b["tokens"]["province"]) == [MARK]
    assert listed(a["tokens"]["admin"]) == ["ALPHA"]
