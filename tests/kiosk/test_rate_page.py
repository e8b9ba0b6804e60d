"""The counter's rating screen (/rate) and rating from the ticket's status page, in Debian's
Chromium against a real `motcua serve --demo`: the question comes live when the counter
completes a ticket, one tap stores exactly one rating with the right ticket, counter and
officer, a second is refused, the screen goes home by itself (page.clock, no sleeps), the
phone rates once; axe-clean at a tablet's and a counter screen's sizes."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

import browser as real_browser
from server.models import RatingLevel, RatingReason

STATIC = Path(__file__).resolve().parents[2] / "kiosk" / "static"
CATALOG = json.loads((STATIC / "messages.json").read_text("utf-8"))
CENTER_NAME = "Trung tâm Phục vụ hành chính công phường Hòa Bình"
SIZES = {"tablet-portrait": (800, 1280), "tablet-landscape": (1280, 800), "laptop": (1366, 768)}
PHONE = {"width": 360, "height": 640}


def complete_one(server, counter_id: int = 1, category_id: int = 1) -> dict:
    """Issue a ticket at the kiosk; the counter's officer calls and completes it over the API."""
    issued = server.issue(category_id)
    called = server.call_next(counter_id)
    assert called["id"] == issued["id"]
    done = httpx.post(f"{server.url}/api/v1/tickets/{called['id']}/complete", headers=server.headers("staff"), timeout=30)
    assert done.status_code == 200, done.text
    return {**done.json(), "token": issued["token"]}


def ratings(server) -> list[dict]:
    answer = httpx.get(f"{server.url}/api/v1/ratings?center_id=1", headers=server.headers("leader"), timeout=30)
    assert answer.status_code == 200, answer.text
    return answer.json()


def me(server, kind: str = "staff") -> dict:
    return httpx.get(f"{server.url}/api/v1/auth/me", headers=server.headers(kind), timeout=30).json()


@contextmanager
def rate_page(chromium, server, width: int = 800, height: int = 1280, **params: object) -> Iterator[Page]:
    """/rate for counter 1 as a rating device, its clock under the test's hand, at home."""
    query = "&".join(f"{k}={v}" for k, v in {"counter_id": 1, "token": server.token_for("rating"), **params}.items())
    with real_browser.context(chromium, width, height, has_touch=True) as ctx:
        page = ctx.new_page()
        page.clock.install(time=datetime(2026, 3, 2, 8, 0))
        page.goto(f"{server.url}/rate?{query}")
        expect(page.locator("#center-name")).to_have_text(CENTER_NAME)
        expect(page.locator("#counter-name")).to_have_text("Quầy 1")  # its counter's view: live
        expect(page.locator("#home h1")).to_contain_text("Xin cảm ơn")
        yield page
        assert page.errors == []


def test_the_catalog_says_every_level_and_reason_in_both_languages_with_a_face_each():
    for language in ("vi", "en"):
        for level in RatingLevel:
            assert CATALOG[language][f"rate_level_{level.value}"].strip()
        for reason in RatingReason:
            assert CATALOG[language][f"rate_reason_{reason.value}"].strip()
        assert CATALOG["voice"][language]["rate_question"] and CATALOG["voice"][language]["rate_thanks"]
    assert [CATALOG["vi"][f"rate_level_{level.value}"] for level in RatingLevel] == [
        "Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng",
    ]  # fmt: skip
    for level in RatingLevel:
        svg = (STATIC / "faces" / f"{level.value}.svg").read_text("utf-8")
        assert svg.startswith("<svg") and 'viewBox="0 0 64 64"' in svg and "http" not in svg.replace(
            'xmlns="http://www.w3.org/2000/svg"', ""
        )


def test_a_completed_ticket_is_asked_about_live_and_one_tap_stores_one_rating(server, chromium):
    with rate_page(chromium, server) as page:
        posts: list[str] = []
        page.on("request", lambda r: r.method == "POST" and "/api/v1/ratings" in r.url and posts.append(r.url))
        clips: dict[str, int] = {}
        page.on("response", lambda r: "/kiosk/voice/" in r.url and clips.setdefault(r.url.split("/kiosk/voice/")[1], r.status))
        ticket = complete_one(server)
        expect(page.locator("#question")).to_be_visible()
        expect(page.locator("#ticket-label")).to_have_text(f"Số {ticket['label']}")
        expect(page.locator(".face")).to_have_count(4)
        expect(page.locator(".face-vi")).to_have_text(["Rất hài lòng", "Hài lòng", "Bình thường", "Không hài lòng"])
        expect(page.locator(".face-en")).to_have_text(["Very satisfied", "Satisfied", "Neutral", "Dissatisfied"])
        page.wait_for_function("() => window.motcuaRate.voice.played.includes('vi/rate_question')", timeout=30_000)
        assert clips["vi/rate_question.wav"] in (200, 206)  # spoken by espeak-ng, served like the kiosk's
        page.locator('.face[data-level="satisfied"]').click()
        expect(page.locator("#thanks-vi")).to_have_text("Xin cảm ơn ông/bà đã đánh giá!")
        [stored] = ratings(server)
        officer = me(server)
        assert (stored["ticket_id"], stored["counter_number"], stored["officer_id"], stored["officer_username"]) == (
            ticket["id"], 1, officer["id"], officer["username"],
        )  # fmt: skip
        assert (stored["level"], stored["reasons"], stored["source"]) == ("satisfied", [], "counter")
        assert posts == [posts[0]]  # one tap, one request
        # A second submit for the same ticket (a double tap that got through, a replay) is refused.
        again = page.evaluate(
            """async ([token, id]) => {
                const r = await fetch('/api/v1/ratings', {method: 'POST', headers: {'content-type': 'application/json',
                    Authorization: 'Bearer ' + token}, body: JSON.stringify({ticket_id: id, counter_id: 1, level: 'dissatisfied'})});
                return [r.status, (await r.json()).message.vi];
            }""",
            [server.token_for("rating"), ticket["id"]],
        )
        assert again[0] == 409 and again[1].startswith(f"Số {ticket['label']} đã được đánh giá rồi")
        assert len(ratings(server)) == 1
        # The thank-you goes home by itself.
        page.clock.run_for(6_500)
        expect(page.locator("#home")).to_be_visible()
        expect(page.locator("#question")).to_be_hidden()


def test_an_unanswered_question_goes_home_and_records_nothing(server, chromium):
    with rate_page(chromium, server, 1280, 800, timeout=20) as page:
        complete_one(server)
        expect(page.locator("#question")).to_be_visible()
        page.clock.run_for(19_000)
        expect(page.locator("#question")).to_be_visible()
        page.clock.run_for(2_000)
        expect(page.locator("#home")).to_be_visible()
        assert ratings(server) == []


def test_a_ticket_rated_on_the_phone_meanwhile_sends_the_screen_home(server, chromium):
    with rate_page(chromium, server, 1366, 768) as page:
        ticket = complete_one(server)
        expect(page.locator("#question")).to_be_visible()
        phone = httpx.post(f"{server.url}/api/v1/ratings", json={"token": ticket["token"], "level": "very_satisfied"}, timeout=30)
        assert phone.status_code == 201, phone.text
        expect(page.locator("#home")).to_be_visible()  # from the rating.recorded event, no timer
        assert [r["source"] for r in ratings(server)] == ["phone"]


def test_not_satisfied_asks_why_with_reason_chips(server, chromium):
    with rate_page(chromium, server, 1280, 800) as page:
        ticket = complete_one(server)
        page.locator('.face[data-level="dissatisfied"]').click()
        expect(page.locator("#reasons")).to_be_visible()
        expect(page.locator(".chip-vi")).to_have_text(
            ["Chờ quá lâu", "Thái độ của cán bộ", "Hướng dẫn chưa rõ ràng", "Yêu cầu thêm giấy tờ", "Cơ sở vật chất"]
        )
        assert ratings(server) == []  # nothing stored until the citizen sends or walks away
        page.locator('.chip[data-reason="waited_too_long"]').click()
        page.locator('.chip[data-reason="facilities"]').click()
        page.locator('.chip[data-reason="facilities"]').click()  # changed their mind
        page.locator('.chip[data-reason="unclear_guidance"]').click()
        expect(page.locator('.chip[aria-pressed="true"]')).to_have_count(2)
        real_browser.screenshot(page, "rate", "reasons-1280x800")
        assert real_browser.axe_violations(page) == []
        page.locator("#send").click()
        expect(page.locator("#thanks")).to_be_visible()
        [stored] = ratings(server)
        assert (stored["ticket_id"], stored["level"], stored["reasons"]) == (
            ticket["id"], "dissatisfied", ["waited_too_long", "unclear_guidance"],
        )  # fmt: skip


def test_the_question_fits_and_is_accessible_at_tablet_and_counter_sizes(server, chromium):
    for name, (width, height) in SIZES.items():
        with rate_page(chromium, server, width, height) as page:
            assert real_browser.overflow(page) == {"x": 0, "y": 0}
            real_browser.screenshot(page, "rate", f"home-{name}")
            assert real_browser.axe_violations(page) == [], name
            complete_one(server)
            expect(page.locator("#question")).to_be_visible()
            assert real_browser.overflow(page) == {"x": 0, "y": 0}, name
            for face in page.locator(".face").all():
                box = face.bounding_box()
                assert box and box["y"] + box["height"] <= height and box["width"] >= 120, (name, box)
            real_browser.screenshot(page, "rate", f"question-{name}")
            assert real_browser.axe_violations(page) == [], name


def test_the_officers_second_screen_rates_with_the_officers_session(server, chromium):
    officer = me(server)
    with real_browser.context(chromium, 1366, 768) as ctx:
        page = ctx.new_page()
        page.goto(f"{server.url}/rate?counter_id=1")
        signed_in = page.request.post(
            f"{server.url}/api/v1/auth/login", data={"username": officer["username"], "password": "correct horse battery"}
        )
        assert signed_in.ok, signed_in.text()
        page.reload()  # as the console's browser would open it: already signed in
        expect(page.locator("#counter-name")).to_have_text("Quầy 1")
        ticket = complete_one(server)
        page.locator('.face[data-level="very_satisfied"]').click()
        expect(page.locator("#thanks-vi")).to_have_text("Xin cảm ơn ông/bà đã đánh giá!")
        [stored] = ratings(server)
        assert (stored["ticket_id"], stored["officer_username"], stored["level"]) == (ticket["id"], officer["username"], "very_satisfied")
        assert page.errors == []


def test_the_phone_rates_its_done_ticket_once(server, chromium):
    ticket = complete_one(server)
    waiting = server.issue(1)
    with real_browser.context(chromium, **PHONE, device_scale_factor=2, is_mobile=True, has_touch=True) as ctx:
        page = ctx.new_page()
        page.goto(f"{server.url}/t/{ticket['token']}")
        expect(page.locator("#state")).to_have_text("Đã hoàn thành")
        expect(page.locator("#rate")).to_be_visible()
        expect(page.locator("#rate .face")).to_have_count(4)
        real_browser.screenshot(page, "rate", "phone-question")
        assert real_browser.axe_violations(page) == []
        page.locator('#rate .face[data-level="neutral"]').click()
        expect(page.locator("#reasons")).to_be_visible()
        page.locator('.chip[data-reason="extra_papers"]').click()
        page.locator("#send").click()
        expect(page.locator("#rated")).to_have_text("Ông/bà đã đánh giá: Bình thường. Xin cảm ơn!")
        expect(page.locator("#rate")).to_be_hidden()
        page.reload()  # once: a fresh page has no faces, only the rating given
        expect(page.locator("#rated")).to_have_text("Ông/bà đã đánh giá: Bình thường. Xin cảm ơn!")
        expect(page.locator("#rate")).to_be_hidden()
        assert page.errors == []
    [stored] = ratings(server)
    assert (stored["ticket_id"], stored["level"], stored["reasons"], stored["source"], stored["counter_number"]) == (
        ticket["id"], "neutral", ["extra_papers"], "phone", 1,
    )  # fmt: skip
    # A waiting ticket's page offers no faces.
    with real_browser.context(chromium, **PHONE) as ctx:
        page = ctx.new_page()
        page.goto(f"{server.url}/t/{waiting['token']}")
        expect(page.locator("#label")).to_have_text(waiting["label"])
        expect(page.locator("#rate")).to_be_hidden()
