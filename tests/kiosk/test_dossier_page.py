"""/d/{token}, what the dossier's QR code (the appointment slip) opens: its state and due date
with the weekday, what is missing, "ready for pick-up", the center; never the citizen's name
or phone. The demo center's dossiers (server/demo.py) are the data."""

from datetime import date

import httpx
import pytest
from playwright.sync_api import expect

from browser import axe_violations, overflow, screenshot
from kiosk_server import KioskServer

PHONE = {"width": 360, "height": 640}
WEEKDAYS_VI = ["Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ Nhật"]


@pytest.fixture
def server(tmp_path, voice_dir):
    """The demo center's server with its dossiers (the suite's servers leave them out)."""
    proc = KioskServer(tmp_path / "kiosk.db", voice_dir, env={"MOTCUA_DEMO_DOSSIERS": "1"})
    proc.start()
    yield proc
    proc.stop()


def demo_dossier(server, state: str, **wanted: str) -> dict:
    """The demo's dossier in `state` whose fields have the `wanted` values (the newest if several)."""
    r = httpx.get(f"{server.url}/api/v1/dossiers", params={"state": state}, headers=server.headers("staff"), timeout=30)
    assert r.status_code == 200, r.text
    return next(d for d in r.json() if all(d[name] == value for name, value in wanted.items()))


def due_words(dossier: dict) -> str:
    day = date.fromisoformat(dossier["due_date"])
    return f"{WEEKDAYS_VI[day.weekday()]}, {day:%d/%m/%Y}"


def test_ready_dossier_says_so_on_a_phone_and_a_laptop(server, open_page):
    dossier = demo_dossier(server, "ready", procedure_name_vi="Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi")
    for width, height, options in ((PHONE["width"], PHONE["height"], {"is_mobile": True, "has_touch": True}), (1366, 768, {})):
        page = open_page(f"{server.url}{dossier['status_path']}", width, height, **options)
        expect(page.locator("#state")).to_have_text("Đã có kết quả, chờ nhận")
        expect(page.locator("#notice")).to_contain_text("Hồ sơ đã có kết quả. Mời ông/bà đến trung tâm nhận kết quả")
        expect(page.locator("#code")).to_have_text(dossier["code"])
        expect(page.locator("#procedure")).to_have_text("Cấp thẻ bảo hiểm y tế cho trẻ em dưới 6 tuổi")
        expect(page.locator("#due")).to_have_text(due_words(dossier))
        expect(page.locator("#center")).to_have_text("Trung tâm Phục vụ hành chính công phường Hòa Bình")
        expect(page.locator("#hotline")).to_have_attribute("href", "tel:19000000")
        expect(page.locator("#missing-row")).to_be_hidden()
        assert overflow(page)["x"] == 0
        screenshot(page, "kiosk", f"dossier-ready-{width}x{height}")
        assert axe_violations(page) == []
        page.locator("#language").click()
        expect(page.locator("#state")).to_have_text("Ready for pick-up")
        assert page.errors == []


def test_needs_more_shows_what_is_missing_and_never_the_citizen(server, open_page):
    dossier = demo_dossier(server, "needs_more", citizen_name="Lê Văn Cường")
    assert dossier["citizen_name"] == "Lê Văn Cường"  # the staff API has it; the page must not
    page = open_page(f"{server.url}{dossier['status_path']}", PHONE["width"], PHONE["height"], is_mobile=True, has_touch=True)
    expect(page.locator("#state")).to_have_text("Cần bổ sung giấy tờ")
    expect(page.locator("#missing")).to_have_text("Bản sao giấy xác nhận khuyết tật")
    expect(page.locator("#notice")).to_contain_text("Thời hạn giải quyết tạm dừng")
    text = page.locator("body").inner_text()
    assert "Cường" not in text and "0987654321" not in text and dossier["citizen_phone"] not in page.content()
    screenshot(page, "kiosk", "dossier-needs-more-360x640")
    assert axe_violations(page) == []


def test_unknown_dossier_is_a_clear_404(server, open_page):
    assert httpx.get(f"{server.url}/d/no-such-dossier").status_code == 404
    page = open_page(f"{server.url}/d/no-such-dossier", PHONE["width"], PHONE["height"], is_mobile=True)
    expect(page.locator("#not-found")).to_be_visible()
    expect(page.locator("#not-found")).to_have_text(
        "Không tìm thấy hồ sơ này. Xin kiểm tra lại mã QR trên phiếu hẹn, hoặc gọi đường dây nóng của trung tâm."
    )
    expect(page.locator("#dossier")).to_be_hidden()
    assert axe_violations(page) == []


def returned_dossier(server, ticket: dict | None = None, code: str = "HS-RATE-1") -> tuple[dict, dict]:
    """A dossier received at counter 1 from a ticket served there (a new one unless given),
    moved along to returned by the counter's officer over the API; (dossier, ticket)."""
    staff = server.headers("staff")
    if ticket is None:
        issued = server.issue(1)
        called = server.call_next(1)
        assert called["id"] == issued["id"]
        done = httpx.post(f"{server.url}/api/v1/tickets/{called['id']}/complete", headers=staff, timeout=30)
        assert done.status_code == 200, done.text
        ticket = done.json()
    [procedure] = httpx.get(f"{server.url}/api/v1/centers/1/procedures", params={"q": "tinh trang hon nhan"}, headers=staff, timeout=30).json()
    body = {"ticket_id": ticket["id"], "procedure_id": procedure["id"], "code": code}
    received = httpx.post(f"{server.url}/api/v1/dossiers", json=body, headers=staff, timeout=30)
    assert received.status_code == 201, received.text
    dossier = received.json()
    for state in ("processing", "ready", "returned"):
        moved = httpx.post(f"{server.url}/api/v1/dossiers/{dossier['id']}/state", json={"state": state}, headers=staff, timeout=30)
        assert moved.status_code == 200, moved.text
    return dossier, ticket


def stored_ratings(server) -> list[dict]:
    answer = httpx.get(f"{server.url}/api/v1/ratings", params={"center_id": 1}, headers=server.headers("leader"), timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_returned_dossier_asks_how_it_went_once_on_a_phone(server, open_page):
    dossier, ticket = returned_dossier(server)
    before = len(stored_ratings(server))  # the demo rates some of its own past tickets
    page = open_page(f"{server.url}{dossier['status_path']}", PHONE["width"], PHONE["height"], is_mobile=True, has_touch=True)
    expect(page.locator("#state")).to_have_text("Đã trả kết quả")
    expect(page.locator("#rate-title")).to_have_text("Ông/bà đánh giá thế nào về việc giải quyết hồ sơ này?")
    faces = page.locator("#rate .face")
    expect(faces).to_have_count(4)
    expect(faces.locator(".face-vi")).to_have_text(["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng"])
    expect(faces.locator(".face-en")).to_have_text(["Very satisfied", "Satisfied", "Neutral", "Dissatisfied"])
    expect(page.locator("#rated")).to_be_hidden()
    assert overflow(page)["x"] == 0
    screenshot(page, "kiosk", "dossier-rate-360x640")
    assert axe_violations(page) == []
    # Not satisfied: it asks why, with the chips, before anything is sent.
    page.locator('#rate .face[data-level="dissatisfied"]').click()
    expect(page.locator("#reasons")).to_be_visible()
    expect(page.locator("#reasons .reasons-title")).to_have_text("Ông/bà chưa hài lòng về điều gì? (có thể chọn nhiều)")
    assert len(stored_ratings(server)) == before
    page.locator('.chip[data-reason="waited_too_long"]').click()
    page.locator('.chip[data-reason="extra_papers"]').click()
    expect(page.locator('.chip[data-reason="extra_papers"]')).to_have_attribute("aria-pressed", "true")
    assert overflow(page)["x"] == 0
    assert axe_violations(page) == []
    page.locator("#send").click()
    expect(page.locator("#rated")).to_have_text("Ông/bà đã đánh giá: Không hài lòng. Xin cảm ơn!")
    expect(page.locator("#rate")).to_be_hidden()
    page.reload()  # once: a fresh page has no faces, only the rating given
    expect(page.locator("#state")).to_have_text("Đã trả kết quả")
    expect(page.locator("#rated")).to_have_text("Ông/bà đã đánh giá: Không hài lòng. Xin cảm ơn!")
    expect(page.locator("#rate")).to_be_hidden()
    page.locator("#language").click()
    expect(page.locator("#rated")).to_have_text("Your rating: Dissatisfied. Thank you!")
    assert page.errors == []
    [stored] = [r for r in stored_ratings(server) if r["ticket_id"] == ticket["id"]]
    assert (stored["level"], stored["reasons"], stored["source"], stored["counter_number"]) == (
        "dissatisfied", ["waited_too_long", "extra_papers"], "phone", 1,
    )  # fmt: skip
    assert len(stored_ratings(server)) == before + 1


def test_one_tap_on_a_laptop_and_the_same_visits_other_dossier_says_it_was_rated(server, open_page):
    dossier, ticket = returned_dossier(server, code="HS-RATE-2")
    page = open_page(f"{server.url}{dossier['status_path']}", 1366, 768)
    expect(page.locator("#rate .face")).to_have_count(4)
    assert overflow(page)["x"] == 0
    screenshot(page, "kiosk", "dossier-rate-1366x768")
    assert axe_violations(page) == []
    page.locator('#rate .face[data-level="very_satisfied"]').click()  # satisfied: one tap sends
    expect(page.locator("#rated")).to_have_text("Ông/bà đã đánh giá: Rất hài lòng. Xin cảm ơn!")
    expect(page.locator("#rate")).to_be_hidden()
    assert page.errors == []
    # The ticket brought a second dossier: one rating per visit, so its page only says so.
    other, _ = returned_dossier(server, ticket=ticket, code="HS-RATE-3")
    second = open_page(f"{server.url}{other['status_path']}", 1366, 768)
    expect(second.locator("#state")).to_have_text("Đã trả kết quả")
    expect(second.locator("#rated")).to_have_text("Ông/bà đã đánh giá: Rất hài lòng. Xin cảm ơn!")
    expect(second.locator("#rate")).to_be_hidden()
    assert [r["level"] for r in stored_ratings(server) if r["ticket_id"] == ticket["id"]] == ["very_satisfied"]
    # A dossier not yet returned offers no faces.
    ready = demo_dossier(server, "ready")
    waiting = open_page(f"{server.url}{ready['status_path']}", PHONE["width"], PHONE["height"], is_mobile=True)
    expect(waiting.locator("#state")).to_have_text("Đã có kết quả, chờ nhận")
    expect(waiting.locator("#rate")).to_be_hidden()
    assert httpx.get(f"{server.url}/api/v1/public/dossiers/{ready['status_path'][3:]}", timeout=30).json()["can_rate"] is False
    assert second.errors == [] and waiting.errors == []
