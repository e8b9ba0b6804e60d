"""A kiosk the server does not accept (a wrong token, or one revoked while the kiosk is open)
says so, in Vietnamese then English, shows no tiles, and does not hammer the server with
reconnects."""

import subprocess
from datetime import datetime

import pytest
from playwright.sync_api import expect

import browser as real_browser
from kiosk_server import tile
from server_process import MOTCUA

# Counts every websocket the page opens, whatever opens it.
COUNT_SOCKETS = """
    window.socketsOpened = 0;
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
        constructor(...args) { super(...args); window.socketsOpened += 1; }
    };
"""
REFUSED_VI = "Kiosk tạm ngừng phục vụ"
REFUSED_EN = "This kiosk is out of service"


def expect_refused(page) -> None:
    refused = page.locator("#refused")
    expect(refused).to_be_visible()
    expect(refused.locator("h2").first).to_have_text(REFUSED_VI)
    expect(refused.locator('[lang="en"] h2')).to_have_text(REFUSED_EN)
    expect(page.locator(".tile")).to_have_count(0)
    expect(page.locator("#unavailable")).to_be_hidden()  # not "reconnecting": it will not help


def test_a_wrong_token_says_so_and_backs_off(server, chromium):
    with real_browser.context(chromium, 1080, 1920) as ctx:
        page = ctx.new_page()
        page.add_init_script(COUNT_SOCKETS)
        # The page's timers stand still unless the test moves them: whatever the kiosk shows
        # comes from the server's answer, and its retries happen only in the time let pass.
        page.clock.install(time=datetime(2026, 3, 2, 8, 0))
        page.clock.pause_at(datetime(2026, 3, 2, 8, 0, 1))
        page.goto(f"{server.url}/kiosk?token=forged-token")
        expect_refused(page)
        assert page.evaluate("window.socketsOpened") == 1
        page.clock.run_for(20_000)  # a kiosk that reconnected at once tried ~30 times by now
        assert page.evaluate("window.socketsOpened") == 1
        page.clock.run_for(60_000)  # but it does look again now and then
        assert page.evaluate("window.socketsOpened") == 2
        expect_refused(page)
        page.clock.resume()  # axe-core waits on timers of its own
        real_browser.screenshot(page, "kiosk", "refused-1080x1920")
        assert real_browser.axe_violations(page) == [], "refused"
        assert page.errors == []


def test_a_kiosk_revoked_while_open_drops_its_tiles_and_says_so(server, open_kiosk):
    page = open_kiosk()
    tile(page, 1).click()
    expect(page.locator("#screen-priority")).to_be_visible()
    server.admin("POST", f"/devices/{server.kiosk_device_id()}/revoke")
    expect_refused(page)
    expect(page.locator("#refused .technical").first).to_contain_text("Thiết bị đã bị thu hồi")
    expect(page.locator('#refused [lang="en"] .technical')).to_contain_text("The device was revoked")
    expect(page.locator("#screen-priority")).to_be_hidden()
    assert server.snapshot()["tickets"] == []
    assert page.errors == []


# The server looks for revocations made outside it every MOTCUA_REVOCATION_CHECK_SECONDS; here
# an hour, so the kiosk's stream goes on as if the server had not looked yet.
@pytest.mark.parametrize("server", [{"MOTCUA_REVOCATION_CHECK_SECONDS": "3600"}], indirect=True)
def test_a_tap_refused_for_its_token_shows_the_refusal_not_a_notice(server, open_kiosk):
    """Revoked from the command line, before the server has looked: the open stream goes on,
    and the kiosk learns it from the 401 of its next tap."""
    page = open_kiosk(idle=60)
    device_id = server.kiosk_device_id()
    tile(page, 1).click()
    expect(page.locator(".choice.none")).to_be_enabled()
    subprocess.run([MOTCUA, "device", "revoke", str(device_id), "--database-url", server.database_url], check=True)
    # The server remembers a token's owner for a few seconds; an admin's change makes it forget now.
    clerk = server.admin("POST", "/centers/1/users", {"username": "clerk", "password": "một mật khẩu 2026"})
    server.admin("POST", f"/users/{clerk['id']}/password", {"password": "một mật khẩu mới 2026"})
    with page.expect_response("**/api/v1/tickets") as answer:
        page.locator(".choice.none").click()
    assert answer.value.status == 401
    expect_refused(page)
    expect(page.locator("#screen-notice")).to_be_hidden()
    assert server.snapshot()["tickets"] == []
