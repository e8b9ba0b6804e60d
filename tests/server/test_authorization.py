"""Every route of the app, against every kind of caller: a new route cannot escape the rules."""

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient

from database_urls import database_url
from queue_world import build_world, register_device, sign_in
from sqlalchemy import select

from server import directory, dossiers, queue
from server.models import User
from server.app import create_app
from server.settings import Settings

# The policy, written down independently of server.auth: who may use a route needing what...
MAY = {
    "queue.read": {"kiosk", "display", "print_agent", "rating", "staff", "leader", "admin", "province", "server"},
    "ticket.issue": {"kiosk", "staff", "leader", "admin", "province", "server"},
    "counter.operate": {"staff", "leader", "admin", "province", "server"},
    "center.admin": {"admin", "province", "server"},
    # A new center: accounts above the centers only, never a center's own admin.
    "center.create": {"province", "server"},
    "audit.read": {"leader", "admin", "province", "server"},
    "print.agent": {"print_agent"},
}
# ...and what every route of the API needs. A route the app has and this table lacks fails the
# first test, so no new route escapes the rules.
POLICY = {
    "GET /api/v1/centers": "queue.read",
    "GET /api/v1/centers/{center_id}/queue": "queue.read",
    "GET /api/v1/centers/{center_id}/counters": "queue.read",
    "GET /api/v1/centers/{center_id}/categories": "queue.read",
    "GET /api/v1/centers/{center_id}/waits": "queue.read",
    "POST /api/v1/tickets": "ticket.issue",
    "GET /api/v1/tickets/{ticket_id}": "queue.read",
    "POST /api/v1/tickets/{ticket_id}/recall": "counter.operate",
    "POST /api/v1/tickets/{ticket_id}/start": "counter.operate",
    "POST /api/v1/tickets/{ticket_id}/complete": "counter.operate",
    "POST /api/v1/tickets/{ticket_id}/no-show": "counter.operate",
    "POST /api/v1/tickets/{ticket_id}/cancel": "counter.operate",
    "POST /api/v1/tickets/{ticket_id}/transfer": "counter.operate",
    "GET /api/v1/counters/{counter_id}": "queue.read",
    "GET /api/v1/counters/{counter_id}/view": "queue.read",
    "POST /api/v1/counters/{counter_id}/call-next": "counter.operate",
    "POST /api/v1/counters/{counter_id}/pause": "counter.operate",
    "POST /api/v1/counters/{counter_id}/resume": "counter.operate",
    "POST /api/v1/counters/{counter_id}/claim": "counter.operate",
    "POST /api/v1/counters/{counter_id}/release": "counter.operate",
    "POST /api/v1/tickets/{ticket_id}/call": "counter.operate",
    "GET /api/v1/centers/{center_id}/tickets/by-label": "counter.operate",
    "GET /api/v1/centers/{center_id}/officer-figures": "audit.read",
    "GET /api/v1/reports/figures": "audit.read",
    "GET /api/v1/reports/arrivals.svg": "audit.read",
    "GET /api/v1/reports/centers": "audit.read",
    "GET /api/v1/staffing": "audit.read",
    "GET /api/v1/centers/{center_id}/devices/presence": "counter.operate",
    "GET /api/v1/tickets/{ticket_id}/ticket.png": "queue.read",
    "POST /api/v1/tickets/{ticket_id}/print": "counter.operate",
    "GET /api/v1/centers/{center_id}/print-jobs": "counter.operate",
    "GET /api/v1/tickets/{ticket_id}/print-data": "print.agent",
    "POST /api/v1/tickets/{ticket_id}/print-result": "print.agent",
    "GET /api/v1/print-jobs/{job_id}/slip": "print.agent",
    "POST /api/v1/print-agent/jobs/claim": "print.agent",
    "GET /api/v1/centers/{center_id}/audit": "audit.read",
    "GET /api/v1/status/{token}": "public",
    # Public with a ticket's token (the phone); else rating.record, checked by the route
    # itself (tests/server/test_ratings_api.py).
    "POST /api/v1/ratings": "public",
    "GET /api/v1/ratings": "audit.read",
    "POST /api/v1/auth/login": "public",
    "POST /api/v1/auth/logout": "public",
    "GET /api/v1/auth/me": "public",
    "GET /api/v1/admin/divisions": "center.admin",
    "GET /api/v1/admin/divisions/{province_code}": "center.admin",
    "GET /api/v1/admin/centers/{center_id}": "center.admin",
    "POST /api/v1/admin/centers": "center.create",
    "PUT /api/v1/admin/centers/{center_id}/display-sound": "center.admin",
    "PUT /api/v1/admin/centers/{center_id}": "center.admin",
    "POST /api/v1/admin/centers/{center_id}/categories": "center.admin",
    "PUT /api/v1/admin/categories/{category_id}": "center.admin",
    "PUT /api/v1/admin/categories/{category_id}/active": "center.admin",
    "POST /api/v1/admin/centers/{center_id}/procedures": "center.admin",
    "PUT /api/v1/admin/procedures/{procedure_id}": "center.admin",
    "PUT /api/v1/admin/procedures/{procedure_id}/active": "center.admin",
    "DELETE /api/v1/admin/procedures/{procedure_id}": "center.admin",
    "POST /api/v1/admin/centers/{center_id}/counters": "center.admin",
    "PUT /api/v1/admin/counters/{counter_id}": "center.admin",
    "PUT /api/v1/admin/counters/{counter_id}/active": "center.admin",
    "POST /api/v1/admin/centers/{center_id}/users": "center.admin",
    "PUT /api/v1/admin/users/{user_id}": "center.admin",
    "POST /api/v1/admin/users/{user_id}/password": "center.admin",
    "POST /api/v1/admin/centers/{center_id}/devices": "center.admin",
    "POST /api/v1/admin/devices/{device_id}/revoke": "center.admin",
    "POST /api/v1/admin/centers/{center_id}/notices": "center.admin",
    "PUT /api/v1/admin/notices/{notice_id}": "center.admin",
    "DELETE /api/v1/admin/notices/{notice_id}": "center.admin",
    # Dossiers hold personal data: staff only, never a device.
    "POST /api/v1/dossiers": "counter.operate",
    "GET /api/v1/dossiers": "counter.operate",
    "GET /api/v1/dossiers/{dossier_id}": "counter.operate",
    "GET /api/v1/dossiers/{dossier_id}/slip.pdf": "counter.operate",
    "GET /api/v1/dossiers/{dossier_id}/slip.png": "counter.operate",
    "POST /api/v1/dossiers/{dossier_id}/print-slip": "counter.operate",
    "POST /api/v1/dossiers/{dossier_id}/state": "counter.operate",
    "GET /api/v1/centers/{center_id}/procedures": "queue.read",
    "GET /api/v1/public/dossiers/{token}": "public",
}
# "province": an account of the test center's province; "server": the whole server's admin.
CALLERS = ["anonymous", "kiosk", "display", "print_agent", "rating", "staff", "leader", "admin", "province", "server"]
HANOI, BA_DINH = 1, 4  # codes of the official list: Hà Nội, and its ward Ba Đình
HO_CHI_MINH, BEN_THANH = 79, 26743  # Hồ Chí Minh City, its ward Bến Thành


def app_routes(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every operation of the app, as "METHOD /path", from its own OpenAPI document."""
    return [f"{method.upper()} {path}" for path, methods in app.openapi()["paths"].items() for method in methods]


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("authz")
    app = create_app(Settings(database_url=database_url(folder / "authz.db")))
    with TestClient(app, raise_server_exceptions=False) as client:
        now = datetime.now(UTC)
        with app.state.db.write() as session:
            world = build_world(session, ward_code=BA_DINH, province_code=HANOI)
            other = directory.create_center(session, "OTHER", "Xã Khác", "Other Commune", ward_code=BEN_THANH, province_code=HO_CHI_MINH)
            tokens = {
                "anonymous": None,
                "province": sign_in(session, now, None, "province", "province-admin", province_code=HANOI),
                "server": sign_in(session, now, None, "admin", "server-admin"),
            }
            for role in ("staff", "leader", "admin"):
                tokens[role] = sign_in(session, now, world.center.id, role)
            for kind in ("kiosk", "display", "print_agent", "rating"):
                tokens[kind] = register_device(session, now, world.center.id, kind)
            tokens["other-admin"] = sign_in(session, now, other.id, "admin", "other-admin")
            ticket, _ = queue.issue_ticket(session, now, category_id=world.categories["A"].id)
            procedure = directory.add_procedure(session, world.categories["A"], "Đăng ký khai sinh", "Birth registration")
            user = session.execute(select(User).where(User.username == f"staff-{world.center.id}")).scalar_one()
            staff = queue.Officer(user.id, user.username)
            called = queue.call_next(session, now, world.counters[1].id, staff)
            dossier = dossiers.receive(session, now, ticket_id=called.id, procedure_id=procedure.id, code="AUTHZ-1", officer=staff)
        ids = {
            "dossier_id": dossier.id,
            "ticket_id": ticket.id,
            "counter_id": world.counters[1].id,
            "center_id": world.center.id,
            "category_id": world.categories["A"].id,
            "token": ticket.token,
            "job_id": 1,
        }
        yield app, client, tokens, ids


def call(client: TestClient, route: str, token: str | None, ids: dict) -> int:
    method, path = route.split(" ", 1)
    for name, value in ids.items():
        path = path.replace("{" + name + "}", str(value))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    # An empty body: a caller who may not use the route is refused before the body matters.
    return client.request(method, path, headers=headers, json={} if method != "GET" else None).status_code


def test_every_route_is_in_the_policy(setup):
    app, *_ = setup
    assert set(app_routes(app)) == set(POLICY)


def test_every_route_against_every_caller(setup):
    app, client, tokens, ids = setup
    checked = 0
    for route in app_routes(app):
        permission = POLICY[route]
        if permission == "public":
            continue
        for caller in CALLERS:
            status = call(client, route, tokens[caller], ids)
            if caller == "anonymous":
                assert status == 401, (route, caller, status)
            elif caller in MAY[permission]:
                assert status not in (401, 403), (route, caller, status)
            else:
                assert status == 403, (route, caller, status)
            checked += 1
    assert checked >= 9 * 14


def test_another_centers_admin_cannot_see_or_act_here(setup):
    app, client, tokens, ids = setup
    for route in app_routes(app):
        if POLICY[route] == "public" or "{" not in route or "admin" not in MAY[POLICY[route]]:
            continue
        status = call(client, route, tokens["other-admin"], ids)
        assert status in (404, 422), (route, status)  # as if it did not exist
    listed = client.get("/api/v1/centers", headers={"Authorization": f"Bearer {tokens['other-admin']}"}).json()
    assert [c["code"] for c in listed] == ["OTHER"]
    province = client.get("/api/v1/centers", headers={"Authorization": f"Bearer {tokens['province']}"}).json()
    assert [c["code"] for c in province] == ["TEST"]  # Hà Nội's, not Hồ Chí Minh City's
    everything = client.get("/api/v1/centers", headers={"Authorization": f"Bearer {tokens['server']}"}).json()
    assert {c["code"] for c in everything} == {"TEST", "OTHER"}


def test_revoked_device_and_forged_tokens_are_refused(setup):
    app, client, tokens, ids = setup
    from server import auth
    from server.api.security import PrincipalCache

    seconds = [0.0]
    app.state.principals = PrincipalCache(ttl=5, clock=lambda: seconds[0])
    assert client.get("/api/v1/centers", headers={"Authorization": "Bearer forged"}).status_code == 401
    with app.state.db.write() as session:
        _, token = auth.create_device(session, datetime.now(UTC), ids["center_id"], auth.DeviceKind.kiosk, "old kiosk")
    assert client.get("/api/v1/centers", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with app.state.db.write() as session:
        principal = auth.principal_from_device_token(session, token)
        auth.revoke_device(session, principal.id)
    # Tokens are remembered for a few seconds (the command line revokes from another process).
    assert client.get("/api/v1/centers", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    seconds[0] += 5.1
    refused = client.get("/api/v1/centers", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 401 and refused.json()["message"]["vi"].startswith("Vui lòng đăng nhập")
