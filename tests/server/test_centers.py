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
from server.models import AuditEntry, Category, Center, Device, RatingLevel, RatingSource, User
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


# --- a province account sets up its centers -----------------------------------------------------


@pytest.fixture
def province(tmp_path, clock) -> Iterator[TestClient]:
    """The test world in Ba Đình (Hà Nội), a center in Bến Thành (Hồ Chí Minh City), and Hà
    Nội's province account signed in; `.tokens` of the world center's admin and leader."""
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path}/province.db"), clock=clock)
    with TestClient(app, raise_server_exceptions=False) as client:
        with app.state.db.write() as session:
            client.world = build_world(session, ward_code=BA_DINH, province_code=HANOI)  # type: ignore[attr-defined]
            client.south = directory.create_center(  # type: ignore[attr-defined]
                session, "SOUTH", "Phường Bến Thành", "Ben Thanh Ward", ward_code=BEN_THANH, province_code=HO_CHI_MINH
            ).id
            center_id = client.world.center.id  # type: ignore[attr-defined]
            client.tokens = {role: sign_in(session, clock(), center_id, role) for role in ("admin", "leader")}  # type: ignore[attr-defined]
            client.headers["Authorization"] = f"Bearer {sign_in(session, clock(), None, 'province', 'hanoi', province_code=HANOI)}"
        yield client


def new_center(code: str = "HK", ward_code: int = HOAN_KIEM) -> dict:
    return {"code": code, "name_vi": "Phường Hoàn Kiếm", "name_en": "Hoan Kiem Ward", "ward_code": ward_code}


def as_(client: TestClient, token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_province_creates_a_center_of_its_own_and_sets_it_up(province, clock):
    created = province.post("/api/v1/admin/centers", json=new_center())
    assert created.status_code == 201, created.text
    center = created.json()
    assert (center["code"], center["ward_name"], center["province_code"], center["province_name"]) == (
        "HK", "Phường Hoàn Kiếm", HANOI, "Thành phố Hà Nội")  # fmt: skip
    assert [c["code"] for c in province.get("/api/v1/centers").json()] == ["TEST", "HK"]  # at once
    # Its own categories, counters, staff and devices, as any center's.
    base = f"/api/v1/admin/centers/{center['id']}"
    category = province.post(f"{base}/categories", json={"prefix": "A", "name_vi": "Hộ tịch", "name_en": "Civil", "sessions": [["00:00", "24:00"]]})
    assert category.status_code == 201, category.text
    counter = province.post(f"{base}/counters", json={"number": 1, "categories": [{"category_id": category.json()["id"]}]})
    assert counter.status_code == 201, counter.text
    staff = province.post(f"{base}/users", json={"username": "hk.staff", "password": PASSWORD})
    kiosk = province.post(f"{base}/devices", json={"kind": "kiosk", "name": "Kiosk Hoàn Kiếm"})
    assert staff.status_code == kiosk.status_code == 201
    # Its numbering is its own: its first ticket is A001 beside the world's A001.
    for category_id in (category.json()["id"], province.world.categories["A"].id):
        issued = province.post("/api/v1/tickets", json={"category_id": category_id})
        assert issued.status_code == 201 and issued.json()["label"] == "A001", issued.text
    # The new center's kiosk sees its center only.
    listed = province.get("/api/v1/centers", headers=as_(province, kiosk.json()["token"])).json()
    assert [c["code"] for c in listed] == ["HK"]
    with province.app.state.db.read() as session:
        entry = session.execute(select(AuditEntry).where(AuditEntry.action == "admin.center.create")).scalar_one()
    assert (entry.center_id, entry.actor, entry.target) == (center["id"], "user:hanoi", "HK")


def test_a_province_cannot_create_a_center_elsewhere_nor_a_center_admin_at_all(province):
    outside = province.post("/api/v1/admin/centers", json=new_center(ward_code=BEN_THANH))
    assert (outside.status_code, outside.json()["code"]) == (403, "ward_outside_province")
    assert province.post("/api/v1/admin/centers", json=new_center(ward_code=999999)).json()["code"] == "ward_not_found"
    assert province.post("/api/v1/admin/centers", json=new_center(code="TEST")).json()["code"] == "center_code_taken"
    refused = province.post("/api/v1/admin/centers", json=new_center(), headers=as_(province, province.tokens["admin"]))
    assert (refused.status_code, refused.json()["code"]) == (403, "forbidden")
    me = province.get("/api/v1/auth/me", headers=as_(province, province.tokens["admin"])).json()
    assert "center.create" not in me["permissions"] and "center.admin" in me["permissions"]
    me = province.get("/api/v1/auth/me").json()
    assert "center.create" in me["permissions"] and (me["center_id"], me["province_code"]) == (None, HANOI)
    assert [c["code"] for c in province.get("/api/v1/centers").json()] == ["TEST"]


def test_a_center_stays_in_its_province(province):
    """A center's admin or its province moves it within the province only: out of it, the
    province's accounts would lose sight of it."""
    body = {"name_vi": "Phường Thử nghiệm", "name_en": "Test Ward"}
    url = f"/api/v1/admin/centers/{province.world.center.id}"
    admin = as_(province, province.tokens["admin"])
    for headers in (admin, {}):  # the center's admin, then the province account
        for ward_code in (BEN_THANH, None):
            moved = province.put(url, json={**body, "ward_code": ward_code}, headers=headers)
            assert (moved.status_code, moved.json()["code"]) == (403, "ward_outside_province"), moved.text
        within = province.put(url, json={**body, "ward_code": HOAN_KIEM}, headers=headers)
        assert within.status_code == 200 and within.json()["ward_name"] == "Phường Hoàn Kiếm", within.text
    assert province.put(f"/api/v1/admin/centers/{province.south}", json={**body, "ward_code": HOAN_KIEM}).status_code == 404


def test_a_center_admin_makes_no_province_account(province):
    admin = as_(province, province.tokens["admin"])
    url = f"/api/v1/admin/centers/{province.world.center.id}/users"
    made = province.post(url, json={"username": "sneaky", "password": PASSWORD, "role": "province"}, headers=admin)
    assert (made.status_code, made.json()["code"]) == (409, "province_account")
    staff = province.post(url, json={"username": "plain", "password": PASSWORD}, headers=admin).json()
    promoted = province.put(f"/api/v1/admin/users/{staff['id']}", json={"role": "province", "active": True}, headers=admin)
    assert (promoted.status_code, promoted.json()["code"]) == (409, "province_account")
    # The province account administers the center's staff, and is nobody's to change there.
    assert province.put(f"/api/v1/admin/users/{staff['id']}", json={"role": "leader", "active": True}).status_code == 200
    with province.app.state.db.read() as session:
        hanoi = session.execute(select(User).where(User.username == "hanoi")).scalar_one()
    assert province.put(f"/api/v1/admin/users/{hanoi.id}", json={"role": "admin", "active": True}, headers=admin).status_code == 404


def test_the_provinces_leaders_read_its_centers_side_by_side(province, clock):
    hk = province.post("/api/v1/admin/centers", json=new_center()).json()
    category = province.post(f"/api/v1/admin/centers/{hk['id']}/categories",
                             json={"prefix": "A", "name_vi": "Hộ tịch", "name_en": "Civil", "sessions": [["00:00", "24:00"]]}).json()  # fmt: skip
    with province.app.state.db.write() as session:
        south = session.get(Center, province.south)
        directory.add_category(session, south, "A", "Hộ tịch", "Civil", sessions=[["00:00", "24:00"]])
        south_category = session.execute(select(Category).where(Category.center_id == south.id)).scalar_one()
        for _ in range(5):
            queue.issue_ticket(session, clock(), category_id=south_category.id)
    for category_id, times in ((category["id"], 2), (province.world.categories["B"].id, 3)):
        for _ in range(times):
            assert province.post("/api/v1/tickets", json={"category_id": category_id}).status_code == 201
    report = province.get("/api/v1/reports/centers").json()
    assert report["center_id"] is None and report["center_name"] == "Thành phố Hà Nội"
    assert [(row["name"], row["issued"]) for row in report["rows"]] == [("Phường Hoàn Kiếm", 2), ("Phường Thử nghiệm", 3)]
    assert report["total"]["issued"] == 5 and sum(report["arrivals_by_hour"]) == 5  # not Bến Thành's five
    # A center's leader gets its own center's row alone; the file carries the same rows.
    own = province.get("/api/v1/reports/centers", headers=as_(province, province.tokens["leader"])).json()
    assert [(row["name"], row["issued"]) for row in own["rows"]] == [("Phường Thử nghiệm", 3)]
    csv = province.get("/api/v1/reports/centers?format=csv&language=en")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert [line.split(",")[:2] for line in lines[1:]] == [["Phường Hoàn Kiếm", "2"], ["Phường Thử nghiệm", "3"], ["Total", "5"]]


@pytest.mark.sqlite_only("SQLite's query plan; PostgreSQL picks by table statistics and scans small tables")
def test_the_side_by_side_report_reads_each_center_by_its_own_indexes(db, world, clock):
    """Point 4 of the province: each center's part is read through indexes that start with its
    id, never a scan of the province's tickets, dossiers or ratings."""
    from sqlalchemy import event

    from server.reports import Period, PeriodKind, across

    with db.write() as session:
        other = build_world(session, code="OTHER")
        for category in (world.categories["A"], other.categories["A"]):
            queue.issue_ticket(session, clock(), category_id=category.id)
    statements: list[tuple[str, object]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        with db.read() as session:
            day = queue.service_day(world.center, clock())
            report = across(session, [world.center.id, other.center.id], Period.of(PeriodKind.month, day), "Hà Nội", clock())
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    assert [row.issued for row in report.rows] == [1, 1] and report.total.issued == 2
    plans = []
    with db.engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        for statement, parameters in statements:
            if not statement.lstrip().upper().startswith("SELECT"):
                continue
            cursor.execute("EXPLAIN QUERY PLAN " + statement, parameters)
            plans.append("\n".join(row[-1] for row in cursor.fetchall()))
    tables = ("ticket", "dossier", "rating")
    searched = [plan for plan in plans if any(f" {table} " in plan + " " for table in tables)]
    assert len(searched) >= 2 * 3, plans  # tickets, dossiers and ratings of each center
    for plan in searched:
        for table in tables:
            assert f"SCAN {table}" not in plan, plan
        assert "USING INDEX ix_ticket_queue (center_id=?" in plan or "ix_dossier_center_state_due (center_id=?" in plan \
            or "ix_rating_center_day (center_id=?" in plan, plan
