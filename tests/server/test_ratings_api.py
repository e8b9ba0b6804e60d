"""Ratings over HTTP (POST/GET /api/v1/ratings), on the app as users run it: one per ticket,
only the ticket a counter has just completed (or the phone's own ticket, the same day), kept
with counter and officer, audited, and an event without the comment."""

from sqlalchemy import select

from queue_world import register_device, sign_in
from server.models import AuditEntry, Counter, Event, Rating


def headers(client, role: str, name: str) -> dict[str, str]:
    with client.app.state.db.write() as session:
        token = sign_in(session, client.app.state.clock(), client.world.center.id, role, name=name)
    return {"Authorization": f"Bearer {token}"}


def device(client, kind: str = "rating") -> dict[str, str]:
    with client.app.state.db.write() as session:
        token = register_device(session, client.app.state.clock(), client.world.center.id, kind)
    return {"Authorization": f"Bearer {token}"}


def served(client, counter: int = 1, prefix: str = "A") -> dict:
    """A ticket issued, called at the counter by the signed-in officer and completed."""
    issued = client.post("/api/v1/tickets", json={"category_id": client.world.categories[prefix].id})
    assert issued.status_code == 201, issued.text
    called = client.post(f"/api/v1/counters/{client.world.counters[counter].id}/call-next")
    assert called.status_code == 200 and called.json()["id"] == issued.json()["id"], called.text
    done = client.post(f"/api/v1/tickets/{called.json()['id']}/complete")
    assert done.status_code == 200, done.text
    return {**done.json(), "token": issued.json()["token"]}


def rate(client, ticket: dict, counter: int = 1, headers: dict | None = None, **body):
    at = {"ticket_id": ticket["id"], "counter_id": client.world.counters[counter].id}
    return client.post("/api/v1/ratings", json={**at, "level": "satisfied", **body}, headers=headers or {})


def rows(client, model) -> list:
    with client.app.state.db.write() as session:
        found = session.execute(select(model).order_by(model.id)).scalars().all()
        session.expunge_all()
        return list(found)


def test_the_counter_rates_the_ticket_it_just_completed_once(client):
    ticket = served(client)
    screen = device(client)
    answer = rate(client, ticket, headers=screen, level="dissatisfied", reasons=["waited_too_long", "facilities"], comment="Phòng chờ nóng")
    assert answer.status_code == 201, answer.text
    body = answer.json()
    officer_id = client.get("/api/v1/auth/me").json()["id"]
    assert (body["label"], body["counter_number"], body["officer_id"], body["officer_username"]) == ("A001", 1, officer_id, "staff-1")
    assert (body["level"], body["reasons"], body["comment"], body["source"]) == (
        "dissatisfied", ["waited_too_long", "facilities"], "Phòng chờ nóng", "counter",
    )  # fmt: skip
    again = rate(client, ticket, headers=screen, level="very_satisfied")
    assert again.status_code == 409 and again.json()["code"] == "rating_exists"
    assert again.json()["message"]["vi"].startswith("Số A001 đã được đánh giá rồi")
    assert again.json()["message"]["en"].startswith("Ticket A001 has already been rated")
    # The phone cannot rate it a second time either.
    by_phone = client.post("/api/v1/ratings", json={"token": ticket["token"], "level": "satisfied"}, headers={"Authorization": ""})
    assert by_phone.status_code == 409 and by_phone.json()["code"] == "rating_exists"
    [stored] = rows(client, Rating)
    assert (stored.ticket_id, stored.counter_id, stored.officer_id) == (ticket["id"], client.world.counters[1].id, officer_id)
    event = rows(client, Event)[-1]
    assert event.kind == "rating.recorded" and event.data["rating"]["level"] == "dissatisfied"
    assert event.data["ticket"]["id"] == ticket["id"] and "comment" not in str(event.data) and "Phòng" not in str(event.data)
    entry = [e for e in rows(client, AuditEntry) if e.action == "rating.record"]
    assert [(e.actor, e.target, e.detail["level"]) for e in entry] == [("device:rating-1", "A001", "dissatisfied")]


def test_only_the_counters_last_completed_ticket_within_ten_minutes(client):
    first = served(client)
    second = served(client)
    screen = device(client)
    refused = rate(client, first, headers=screen)
    assert refused.status_code == 409 and refused.json()["code"] == "rating_not_at_counter"
    assert "quầy 1 vừa phục vụ xong" in refused.json()["message"]["vi"]
    other_counter = rate(client, second, counter=2, headers=screen)
    assert other_counter.status_code == 409 and other_counter.json()["code"] == "rating_not_at_counter"
    client.app.state.clock.advance(minutes=11)
    late = rate(client, second, headers=screen)
    assert late.status_code == 409 and late.json()["code"] == "rating_not_at_counter"
    assert rows(client, Rating) == []


def test_a_ticket_in_service_cannot_be_rated(client):
    client.post("/api/v1/tickets", json={"category_id": client.world.categories["A"].id})
    called = client.post(f"/api/v1/counters/{client.world.counters[1].id}/call-next").json()
    refused = rate(client, called)
    assert refused.status_code == 409 and refused.json()["code"] == "rating_not_done"
    assert refused.json()["message"]["vi"] == "Số A001 đã được gọi; chỉ đánh giá được sau khi đã phục vụ xong."


def test_staff_rate_only_at_their_own_counter_and_kiosks_not_at_all(client):
    ticket = served(client)
    other = headers(client, "staff", "lan")
    refused = rate(client, ticket, headers=other)
    assert refused.status_code == 403 and refused.json()["code"] == "rating_not_your_counter"
    assert rate(client, ticket, headers=device(client, "kiosk")).status_code == 403
    assert rate(client, ticket, headers=device(client, "display")).status_code == 403
    assert client.post("/api/v1/ratings", json={"ticket_id": ticket["id"], "counter_id": 1, "level": "neutral"}, headers={"Authorization": ""}).status_code == 401
    assert rate(client, ticket).status_code == 201  # the officer who served it, on a second screen


def test_the_phone_rates_its_done_ticket_once_the_same_day(client):
    ticket = served(client)
    anonymous = {"Authorization": ""}
    status = client.get(f"/api/v1/status/{ticket['token']}", headers=anonymous).json()
    assert (status["can_rate"], status["rating"]) == (True, None)
    answer = client.post("/api/v1/ratings", json={"token": ticket["token"], "level": "neutral", "reasons": ["unclear_guidance"]}, headers=anonymous)
    assert answer.status_code == 201 and answer.json()["source"] == "phone", answer.text
    status = client.get(f"/api/v1/status/{ticket['token']}", headers=anonymous).json()
    assert (status["can_rate"], status["rating"]) == (False, "neutral")
    assert [e.actor for e in rows(client, AuditEntry) if e.action == "rating.record"] == ["citizen:ticket A001"]
    # Tomorrow, yesterday's ticket cannot be rated any more.
    later = served(client)
    client.app.state.clock.advance(days=1)
    assert client.get(f"/api/v1/status/{later['token']}", headers=anonymous).json()["can_rate"] is False
    closed = client.post("/api/v1/ratings", json={"token": later["token"], "level": "satisfied"}, headers=anonymous)
    assert closed.status_code == 409 and closed.json()["code"] == "rating_closed"
    unknown = client.post("/api/v1/ratings", json={"token": "not-a-ticket", "level": "satisfied"}, headers=anonymous)
    assert unknown.status_code == 404


def test_invalid_ratings_say_which_field_and_why(client):
    ticket = served(client)
    cases = [
        ({"level": "satisfied", "reasons": ["waited_too_long"]}, "reasons", "Lý do: chỉ chọn lý do khi chưa hài lòng"),
        ({"level": "happy"}, "level", "Mức độ hài lòng: phải là một trong"),
        ({"level": "neutral", "reasons": ["bribe"]}, "reasons", "Lý do (mục 1): phải là một trong"),
        ({"level": "neutral", "reasons": ["facilities", "facilities"]}, "reasons", "Lý do: có mục bị lặp lại"),
        ({"level": "neutral", "comment": "x" * 201}, "comment", "Góp ý: dài quá 200 ký tự"),
        ({"level": "neutral", "comment": "a\x07b"}, "comment", "Góp ý: không được chứa ký tự điều khiển"),
    ]
    for body, field, words in cases:
        answer = rate(client, ticket, **body)
        assert answer.status_code == 422, (body, answer.text)
        assert [e["field"] for e in answer.json()["errors"]] == [field], body
        assert words in answer.json()["message"]["vi"], (body, answer.json()["message"]["vi"])
    both = client.post("/api/v1/ratings", json={"ticket_id": ticket["id"], "counter_id": 1, "token": ticket["token"], "level": "neutral"})
    assert both.status_code == 422 and "không cả hai" in both.json()["message"]["vi"]
    assert rows(client, Rating) == []


def test_leaders_list_a_days_ratings(client):
    one = served(client)
    rate(client, one, level="very_satisfied")
    two = served(client, counter=3, prefix="C")
    assert rate(client, two, counter=3, level="dissatisfied", reasons=["staff_attitude"], comment="Chờ lâu").status_code == 201
    center = client.world.center.id
    leader = headers(client, "leader", "thu")
    listed = client.get(f"/api/v1/ratings?center_id={center}", headers=leader)
    assert listed.status_code == 200, listed.text
    assert [(r["label"], r["counter_number"], r["level"], r["comment"]) for r in listed.json()] == [
        ("A001", 1, "very_satisfied", ""),
        ("C001", 3, "dissatisfied", "Chờ lâu"),
    ]
    assert client.get(f"/api/v1/ratings?center_id={center}&day=2026-11-22", headers=leader).json() == []
    assert client.get(f"/api/v1/ratings?center_id={center}").status_code == 403  # staff
    assert client.get(f"/api/v1/ratings?center_id={center + 1}", headers=leader).status_code == 404


def test_the_demo_rates_a_few_of_its_done_tickets_once(db, clock):
    from server import demo, queue

    with db.write() as session:
        center = demo.seed(session)
        assert demo.seed_ratings(session, clock(), center) == 0  # no done tickets: nothing to rate
        counter = session.execute(select(Counter).where(Counter.center_id == center.id)).scalars().first()
        counter_id = counter.id  # read now: the row is expired (and detached) once this session ends
        for _ in range(8):
            ticket, _ = queue.issue_ticket(session, clock(), category_id=queue.counter_links(session, counter)[0].category_id)
            queue.complete(session, clock(), queue.call_next(session, clock(), counter.id).id)
    with db.write() as session:
        assert demo.seed_ratings(session, clock(), center) == len(demo.DEMO_RATINGS)
        assert demo.seed_ratings(session, clock(), center) == 0  # a second start adds none
        stored = session.execute(select(Rating).order_by(Rating.id)).scalars().all()
        assert [r.level for r in stored] == [level for level, _ in demo.DEMO_RATINGS]
        assert {r.counter_id for r in stored} == {counter_id}
        assert "dissatisfied" in [r.level for r in stored] and ["unclear_guidance", "extra_papers"] in [r.reasons for r in stored]


def dossier_of(client, ticket: dict, code: str) -> dict:
    """A dossier received from `ticket` at its counter by the officer who served it."""
    from server import directory

    with client.app.state.db.write() as session:
        procedure = directory.add_procedure(session, client.world.categories["A"], f"Thủ tục {code}", f"Procedure {code}", 3)
    answer = client.post("/api/v1/dossiers", json={"ticket_id": ticket["id"], "procedure_id": procedure.id, "code": code})
    assert answer.status_code == 201, answer.text
    return answer.json()


def move(client, dossier: dict, *states: str, headers: dict | None = None) -> None:
    for state in states:
        answer = client.post(f"/api/v1/dossiers/{dossier['id']}/state", json={"state": state}, headers=headers or {})
        assert answer.status_code == 200, answer.text


def test_a_returned_dossiers_page_rates_its_own_ticket_once(client):
    ticket = served(client)
    first, second = dossier_of(client, ticket, "HS-1"), dossier_of(client, ticket, "HS-2")
    other = served(client)  # the next citizen's ticket: a dossier's token never reaches it
    anonymous = {"Authorization": ""}

    def status(dossier: dict) -> dict:
        return client.get(f"/api/v1/public/dossiers/{dossier['token']}", headers=anonymous).json()

    def by_dossier(dossier: dict, **body) -> object:
        return client.post("/api/v1/ratings", json={"dossier_token": dossier["token"], "level": "satisfied", **body}, headers=anonymous)

    # Not before its result is returned.
    move(client, first, "processing", "ready")
    assert (status(first)["can_rate"], status(first)["rating"]) == (False, None)
    early = by_dossier(first)
    assert early.status_code == 409 and early.json()["code"] == "rating_dossier_not_returned"
    assert early.json()["message"]["vi"] == "Hồ sơ HS-1 đã có kết quả, chờ trả; chỉ đánh giá được sau khi đã trả kết quả."
    # Returned two days later: its page asks, one tap stores the rating of the ticket that brought it.
    client.app.state.clock.advance(days=2)
    officer = headers(client, "staff", "lan")  # the officer of that day (yesterday's session has ended)
    move(client, first, "returned", headers=officer)
    assert (status(first)["can_rate"], status(first)["rating"]) == (True, None)
    answer = by_dossier(first, level="neutral", reasons=["extra_papers"])
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert (body["ticket_id"], body["label"], body["counter_number"], body["source"], body["level"], body["reasons"]) == (
        ticket["id"], "A001", 1, "phone", "neutral", ["extra_papers"],
    )  # fmt: skip
    assert body["service_day"] == "2026-11-23"  # the visit's day: the reports count it there
    # Once per ticket: the same page, the ticket's other dossier, the ticket's own page all say it is rated.
    assert (status(first)["can_rate"], status(first)["rating"]) == (False, "neutral")
    again = by_dossier(first, level="very_satisfied")
    assert again.status_code == 409 and again.json()["code"] == "rating_dossier_exists"
    assert again.json()["message"]["vi"].startswith("Lần phục vụ của hồ sơ HS-1 (số A001) đã được đánh giá rồi")
    move(client, second, "returned", headers=officer)
    assert (status(second)["can_rate"], status(second)["rating"]) == (False, "neutral")
    assert by_dossier(second).json()["code"] == "rating_dossier_exists"
    [stored] = rows(client, Rating)
    assert (stored.ticket_id, stored.level) == (ticket["id"], "neutral")
    assert all(r.ticket_id != other["id"] for r in rows(client, Rating))
    entry = [e for e in rows(client, AuditEntry) if e.action == "rating.record"]
    assert [(e.actor, e.target, e.detail["dossier"]) for e in entry] == [("citizen:dossier HS-1", "A001", "HS-1")]
    [event] = [e for e in rows(client, Event) if e.kind == "rating.recorded"]
    assert (event.data["ticket"]["id"], event.data["rating"]["level"]) == (ticket["id"], "neutral")


def test_a_dossiers_token_names_no_other_ticket_and_closes_a_week_after_the_return(client):
    ticket = served(client)
    dossier = dossier_of(client, ticket, "HS-3")
    other = served(client)
    move(client, dossier, "returned")
    anonymous = {"Authorization": ""}
    cases = [
        {"dossier_token": dossier["token"], "ticket_id": other["id"], "level": "satisfied"},
        {"dossier_token": dossier["token"], "ticket_id": other["id"], "counter_id": 1, "level": "satisfied"},
        {"dossier_token": dossier["token"], "token": other["token"], "level": "satisfied"},
    ]
    for body in cases:
        answer = client.post("/api/v1/ratings", json=body, headers=anonymous)
        assert answer.status_code == 422, (body, answer.text)
        assert "mã tra cứu của số hoặc của hồ sơ" in answer.json()["message"]["vi"]
    too_long = client.post("/api/v1/ratings", json={"dossier_token": "x" * 65, "level": "satisfied"}, headers=anonymous)
    assert too_long.status_code == 422 and [e["field"] for e in too_long.json()["errors"]] == ["dossier_token"]
    assert "Mã tra cứu của hồ sơ: dài quá 64 ký tự" in too_long.json()["message"]["vi"]
    unknown = client.post("/api/v1/ratings", json={"dossier_token": "no-such-dossier", "level": "satisfied"}, headers=anonymous)
    assert unknown.status_code == 404 and unknown.json()["code"] == "dossier_not_found"
    client.app.state.clock.advance(days=7, minutes=1)
    assert client.get(f"/api/v1/public/dossiers/{dossier['token']}", headers=anonymous).json()["can_rate"] is False
    closed = client.post("/api/v1/ratings", json={"dossier_token": dossier["token"], "level": "satisfied"}, headers=anonymous)
    assert closed.status_code == 409 and closed.json()["code"] == "rating_dossier_closed"
    assert "trong 7 ngày sau khi trả kết quả" in closed.json()["message"]["vi"]
    assert rows(client, Rating) == []
