"""Every page lives within its Content-Security-Policy (server/security_headers.py): opened and
used in Chromium, none logs a refusal; the policy is there and enforced (an inline script is
refused); no other site can frame a page; /docs works with nothing but the server reachable."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

import browser as real_browser
from console_server import sign_in


@pytest.fixture
def server(dossier_server):  # its dossiers: for /d/ and the apology letter
    return dossier_server


def _goto(page: Page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, url
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, (url, policy)
    assert response.headers.get("x-content-type-options") == "nosniff"


def _refuses_inline_script(page: Page) -> str | None:
    """The directive that refused a script written into the page (what an injection does), or
    None if it ran."""
    return page.evaluate("""() => new Promise((resolve) => {
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.effectiveDirective));
        const script = document.createElement('script');
        script.textContent = 'window.__injected = true';
        document.body.append(script);
        if (window.__injected) resolve(null);
    })""")


def test_every_page_runs_within_its_policy(server, new_page):
    with server.client() as staff, server.client("admin") as admin:
        ticket = staff.post("/api/v1/tickets", json={"category_id": 1}).json()
        staff.post("/api/v1/tickets", json={"category_id": 2}).raise_for_status()
        [late] = admin.get("/api/v1/dossiers", params={"late": "true"}).json()
        dossier_token = admin.get(f"/api/v1/dossiers/{late['id']}").json()["token"]
    kiosk, rating = server.token("kiosk"), server.token("rating")
    visited: list[Page] = []

    def visit(url: str, ready: str, page: Page | None = None) -> Page:
        page = page or new_page()
        _goto(page, url)
        expect(page.locator(ready).first).to_be_visible()
        visited.append(page)
        return page

    visit(f"{server.url}/kiosk?token={kiosk}", ".tile")
    visit(f"{server.url}/t/{ticket['token']}", "#label")
    visit(f"{server.url}/d/{dossier_token}", "#code")
    visit(f"{server.url}/rate?counter_id=1&token={rating}", "#home")

    console = new_page()
    sign_in(console, f"{server.url}/console", server.add_user("lan.nt"))
    console.locator('#counter-list button[data-counter-id="1"]').click()
    expect(console.locator("#counter-view .chip").first).to_be_visible()  # colours set from code
    console.locator("#mode-dossiers").click()
    visit(f"{server.url}/dossiers/{late['id']}/apology", "#letter", console)

    admin_page = new_page()
    sign_in(admin_page, f"{server.url}/admin", server.add_user("quan.tri", "admin"))
    admin_page.locator('[data-tab="categories"]').click()
    expect(admin_page.locator(".chip").first).to_be_visible()
    visited.append(admin_page)

    leader = new_page()
    sign_in(leader, f"{server.url}/leader", server.add_user("truong.phong", "leader"))
    expect(leader.locator("#leader")).to_be_visible()
    visited.append(leader)

    for page in visited:
        assert page.csp_refusals == [] and page.errors == [], (page.url, page.csp_refusals, page.errors)  # type: ignore[attr-defined]


def test_the_policy_is_enforced(server, chromium):
    with server.client() as staff:
        ticket = staff.post("/api/v1/tickets", json={"category_id": 1}).json()
    ctx = chromium.new_context()  # not browser.context(): the refusals here are the point
    try:
        page = ctx.new_page()
        for path in (f"/kiosk?token={server.token('kiosk')}", f"/t/{ticket['token']}"):
            _goto(page, server.url + path)
            assert _refuses_inline_script(page) == "script-src-elem", path
    finally:
        ctx.close()


def test_no_other_site_frames_the_kiosk_or_a_status_page(server, chromium):
    with server.client() as staff:
        ticket = staff.post("/api/v1/tickets", json={"category_id": 1}).json()
    ctx = chromium.new_context()  # not browser.context(): the refusals here are the point
    try:
        page = ctx.new_page()  # about:blank, no policy of its own: another site's page
        for path in (f"/kiosk?token={server.token('kiosk')}", f"/t/{ticket['token']}"):
            page.set_content(f'<iframe src="{server.url}{path}"></iframe>')
            framed = page.frames[-1]
            framed.wait_for_load_state()
            assert urlsplit(framed.url).scheme == "chrome-error", framed.url
            assert framed.locator(".tile, #label").count() == 0
    finally:
        ctx.close()


def test_api_docs_render_with_only_the_server_reachable(server, chromium):
    elsewhere: list[str] = []
    with real_browser.context(chromium) as ctx:

        def only_the_server(route) -> None:  # type: ignore[no-untyped-def]
            if route.request.url.startswith(server.url + "/"):
                route.continue_()
            else:
                elsewhere.append(route.request.url)
                route.abort()

        ctx.route("**/*", only_the_server)
        page = ctx.new_page()
        _goto(page, f"{server.url}/docs")
        expect(page.locator(".swagger-ui .info .title")).to_contain_text("motcua")
        expect(page.locator(".opblock-summary-path", has_text="/api/v1/tickets").first).to_be_visible()
        page.locator(".opblock-summary", has_text="/api/v1/tickets/{ticket_id}/transfer").first.click()
        expect(page.locator(".opblock-body").first).to_be_visible()
        assert page.errors == [] and page.csp_refusals == []  # type: ignore[attr-defined]
    assert elsewhere == []
