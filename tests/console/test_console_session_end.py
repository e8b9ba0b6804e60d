"""A console whose session ends elsewhere (the officer disabled, their password reset) says so
at once and asks to sign in again, instead of reconnecting in silence."""

from playwright.sync_api import expect

ENDED_VI = "Phiên đăng nhập đã kết thúc"


def user_id(server, username: str) -> int:  # type: ignore[no-untyped-def]
    with server.client("admin") as admin:
        users = admin.get("/api/v1/admin/centers/1").json()["users"]
    return next(user["id"] for user in users if user["username"] == username)


def test_a_console_whose_password_was_reset_asks_to_sign_in_again(server, console):
    page = console("lan", 1)
    with server.client("admin") as admin:
        reset = admin.post(f"/api/v1/admin/users/{user_id(server, 'lan')}/password", json={"password": "một mật khẩu mới 2026"})
    assert reset.status_code == 200
    expect(page.locator("#signin")).to_be_visible()
    expect(page.locator("#signin-error")).to_contain_text(ENDED_VI)
    expect(page.locator("#counter-view")).to_be_hidden()
    assert page.errors == []


def test_a_console_whose_officer_changed_role_keeps_working(server, console):
    """A role change closes the stream, but the officer is still signed in: the console
    reconnects and stays."""
    page = console("hoa", 1)
    with server.client("admin") as admin:
        changed = admin.put(f"/api/v1/admin/users/{user_id(server, 'hoa')}", json={"role": "leader", "active": True})
    assert changed.status_code == 200
    with server.client("kiosk") as kiosk:
        issued = kiosk.post("/api/v1/tickets", json={"category_id": 1}).json()
    expect(page.locator("#counter-view")).to_contain_text(issued["label"])  # heard on the new stream
    expect(page.locator("#signin")).to_be_hidden()
    assert page.errors == []
