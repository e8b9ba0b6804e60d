"""A counter has one officer (claim, release, take over, 409 for anybody else), and every
call, completion, transfer, recall, no-show and cancel records the officer: figures per
officer. Over HTTP, on the app as users run it."""

from datetime import datetime

from sqlalchemy import select

from queue_world import sign_in
from server.models import AuditEntry, Event, Ticket, User


def officer(client, name: str, role: str = "staff") -> dict[str, str]:
    """Headers of another user of the test center, signed in."""
    with client.app.state.db.write() as session:
        token = sign_in(session, client.app.state.clock(), client.world.center.id, role, name=name)
    return {"Authorization": f"Bearer {token}"}


def issue(client, prefix: str = "A", **body) -> dict:
    answer = client.post("/api/v1/tickets", json={"category_id": client.world.categories[prefix].id, **body})
    assert answer.status_code == 201, answer.text
    return answer.json()


def events(client) -> list[Event]:
    with client.app.state.db.write() as session:
        rows = session.execute(select(Event).order_by(Event.seq)).scalars().all()
        session.expunge_all()
        return list(rows)


def audit(client) -> list[AuditEntry]:
    with client.app.state.db.write() as session:
        rows = session.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
        session.expunge_all()
        return list(rows)


def test_claim_take_over_and_release(client):
    one, two = client.world.counters[1].id, client.world.counters[2].id
    minh = officer(client, "minh")
    claimed = client.post(f"/api/v1/counters/{one}/claim")
    assert claimed.status_code == 200
    assert (claimed.json()["officer_name"], claimed.json()["officer_since"]) == ("staff-1", "2026-11-23T02:00:00Z")
    # The picker's list says who works it.
    listed = client.get(f"/api/v1/centers/{client.world.center.id}/counters").json()
    assert [(c["number"], c["officer_name"]) for c in listed] == [(1, "staff-1"), (2, None), (3, None)]

    client.app.state.clock.advance(minutes=5)
    refused = client.post(f"/api/v1/counters/{one}/claim", headers=minh)
    assert refused.status_code == 409 and refused.json()["code"] == "counter_held"
    # Who, and since when in the center's time (09:00 in Hà Nội), in Vietnamese first.
    assert "staff-1" in refused.json()["message"]["vi"] and "09:00" in refused.json()["message"]["vi"]
    assert client.get(f"/api/v1/counters/{one}").json()["officer_name"] == "staff-1"

    taken = client.post(f"/api/v1/counters/{one}/claim", json={"take_over": True}, headers=minh)
    assert taken.status_code == 200 and taken.json()["officer_name"] == "minh"
    assert taken.json()["officer_since"] == "2026-11-23T02:05:00Z"
    last = events(client)[-1]
    # The first officer's console learns it from this event.
    assert (last.kind, last.data["counter"]["officer_name"]) == ("counter.claimed", "minh")
    entry = audit(client)[-1]
    assert (entry.actor, entry.action, entry.detail["taken_from"]) == ("user:minh", "counter.take_over", "staff-1")

    # Claiming one's counter again changes nothing: the same "since".
    again = client.post(f"/api/v1/counters/{one}/claim", headers=minh)
    assert again.json()["officer_since"] == "2026-11-23T02:05:00Z"
    # Claiming another counter releases the one held before.
    before = len(events(client))
    assert client.post(f"/api/v1/counters/{two}/claim", headers=minh).json()["officer_name"] == "minh"
    assert [e.kind for e in events(client)[before:]] == ["counter.released", "counter.claimed"]
    assert client.get(f"/api/v1/counters/{one}").json()["officer_name"] is None

    # Only its officer releases a counter; a free counter's release changes nothing.
    assert client.post(f"/api/v1/counters/{two}/release").json()["code"] == "counter_held"
    released = client.post(f"/api/v1/counters/{two}/release", headers=minh)
    assert released.status_code == 200 and released.json()["officer_id"] is None
    before = len(events(client))
    assert client.post(f"/api/v1/counters/{two}/release", headers=minh).status_code == 200
    assert len(events(client)) == before
    assert [e.action for e in audit(client) if e.action.startswith("counter.re")] == ["counter.release"] * 2


def test_queue_actions_by_an_officer_who_does_not_hold_the_counter_are_refused(client):
    one = client.world.counters[1].id
    first, second = issue(client), issue(client)
    called = client.post(f"/api/v1/counters/{one}/call-next").json()  # acting at a free counter claims it
    assert called["label"] == first["label"]
    assert client.get(f"/api/v1/counters/{one}").json()["officer_name"] == "staff-1"
    hoa = officer(client, "hoa", role="leader")  # leaders work counters too, under the same rule
    for method, path, body in [
        ("POST", f"/api/v1/counters/{one}/call-next", None),
        ("POST", f"/api/v1/tickets/{called['id']}/complete", None),
        ("POST", f"/api/v1/tickets/{called['id']}/recall", None),
        ("POST", f"/api/v1/tickets/{called['id']}/no-show", None),
        ("POST", f"/api/v1/tickets/{called['id']}/transfer", {"category_id": client.world.categories["B"].id}),
        ("POST", f"/api/v1/counters/{one}/pause", {"reason": "lunch"}),
        ("POST", f"/api/v1/tickets/{second['id']}/call", {"counter_id": one}),
    ]:
        answer = client.request(method, path, json=body, headers=hoa)
        assert answer.status_code == 409, (path, answer.text)
        assert answer.json()["code"] == "counter_held"
        assert answer.json()["message"]["vi"].startswith("Quầy 1 đang do staff-1 làm việc")
    # Nothing moved.
    assert client.get(f"/api/v1/tickets/{called['id']}").json()["state"] == "called"
    assert client.get(f"/api/v1/tickets/{second['id']}").json()["state"] == "waiting"
    assert client.get(f"/api/v1/counters/{one}").json()["state"] == "open"
    # After a take-over, the new officer completes the ticket in hand; the first one may not.
    assert client.post(f"/api/v1/counters/{one}/claim", json={"take_over": True}, headers=hoa).status_code == 200
    assert client.post(f"/api/v1/tickets/{called['id']}/complete").json()["code"] == "counter_held"
    done = client.post(f"/api/v1/tickets/{called['id']}/complete", headers=hoa).json()
    assert done["state"] == "done" and done["ended_by"] != done["called_by"]


def test_every_change_records_its_officer_and_figures_count_per_officer(client):
    one, two = client.world.counters[1].id, client.world.counters[2].id
    lan, minh = officer(client, "lan"), officer(client, "minh")
    tickets = [issue(client) for _ in range(6)]
    # lan: calls 3 (one recalled), completes 2, marks one no-show; minh: calls 2, completes
    # one, transfers one, cancels a waiting ticket.
    for _ in range(2):
        ticket = client.post(f"/api/v1/counters/{one}/call-next", headers=lan).json()
        assert client.post(f"/api/v1/tickets/{ticket['id']}/recall", headers=lan).json()["recalls"] == 1
        assert client.post(f"/api/v1/tickets/{ticket['id']}/complete", headers=lan).status_code == 200
    ticket = client.post(f"/api/v1/counters/{one}/call-next", headers=lan).json()
    assert client.post(f"/api/v1/tickets/{ticket['id']}/no-show", headers=lan).json()["ended_by"] is not None
    ticket = client.post(f"/api/v1/counters/{two}/call-next", headers=minh).json()
    client.post(f"/api/v1/tickets/{ticket['id']}/complete", headers=minh)
    ticket = client.post(f"/api/v1/counters/{two}/call-next", headers=minh).json()
    leg = client.post(f"/api/v1/tickets/{ticket['id']}/transfer", json={"category_id": client.world.categories["C"].id}, headers=minh)
    assert leg.json()["called_by"] is None  # the new leg waits: nobody called it yet
    assert client.post(f"/api/v1/tickets/{tickets[5]['id']}/cancel", headers=minh).json()["state"] == "cancelled"

    with client.app.state.db.write() as session:
        lan_id = session.execute(select(User.id).where(User.username == "lan")).scalar()
        first = session.execute(select(Ticket).where(Ticket.id == tickets[0]["id"])).scalar_one()
        assert (first.state, first.called_by, first.ended_by) == ("done", lan_id, lan_id)

    leader = officer(client, "truong", role="leader")
    figures = client.get(f"/api/v1/centers/{client.world.center.id}/officer-figures", headers=leader)
    assert figures.status_code == 200
    rows = {f["username"]: f for f in figures.json()}
    assert {k: rows["lan"][k] for k in ("called", "done", "no_show", "transferred", "cancelled")} == {
        "called": 3, "done": 2, "no_show": 1, "transferred": 0, "cancelled": 0
    }
    assert {k: rows["minh"][k] for k in ("called", "done", "no_show", "transferred", "cancelled")} == {
        "called": 2, "done": 1, "no_show": 0, "transferred": 1, "cancelled": 1
    }
    assert set(rows) == {"lan", "minh"}
    # Another day has its own figures; staff do not read them.
    assert client.get(f"/api/v1/centers/{client.world.center.id}/officer-figures?day=2026-11-22", headers=leader).json() == []
    assert client.get(f"/api/v1/centers/{client.world.center.id}/officer-figures").status_code == 403


def test_call_by_number_a_waiting_ticket_and_a_no_show_who_came_back(client):
    one = client.world.counters[1].id
    first, second, third = issue(client), issue(client), issue(client)
    # Out of the call order: the third.
    called = client.post(f"/api/v1/tickets/{third['id']}/call", json={"counter_id": one})
    assert called.status_code == 200
    assert (called.json()["state"], called.json()["counter_id"]) == ("called", one)
    assert called.json()["called_by"] is not None
    assert (events(client)[-1].kind, audit(client)[-1].action) == ("ticket.called", "ticket.call")
    assert audit(client)[-1].detail == {"counter_id": one}
    # One ticket at a time.
    busy = client.post(f"/api/v1/tickets/{first['id']}/call", json={"counter_id": one})
    assert busy.status_code == 409 and busy.json()["code"] == "counter_busy"
    client.post(f"/api/v1/tickets/{third['id']}/no-show")
    # The citizen comes back: called again by number, the no-show kept on record.
    back = client.post(f"/api/v1/tickets/{third['id']}/call", json={"counter_id": one}).json()
    assert back["state"] == "called" and back["no_show_at"] is not None
    client.post(f"/api/v1/tickets/{third['id']}/complete")
    done = client.post(f"/api/v1/tickets/{third['id']}/call", json={"counter_id": one})
    assert done.status_code == 409 and done.json()["code"] == "invalid_transition"
    assert done.json()["message"]["vi"] == f"Số {third['label']} đã hoàn thành, không thể gọi số này."
    # The call order goes on without the ticket called by number.
    assert client.post(f"/api/v1/counters/{one}/call-next").json()["label"] == first["label"]
    client.post(f"/api/v1/tickets/{first['id']}/complete")
    # Tomorrow, yesterday's waiting ticket is not called by number.
    client.app.state.clock.advance(days=1)
    late = client.post(f"/api/v1/tickets/{second['id']}/call", json={"counter_id": one})
    assert late.status_code == 409 and late.json()["code"] == "ticket_not_today"
    bad = client.post(f"/api/v1/tickets/{second['id']}/call", json={"counter_id": 0})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "counter_id"]


def test_a_ticket_found_by_the_number_as_typed(client):
    center = client.world.center.id
    issue(client), issue(client)
    found = client.get(f"/api/v1/centers/{center}/tickets/by-label", params={"label": "a2"})
    assert found.status_code == 200 and found.json()["label"] == "A002"
    assert client.get(f"/api/v1/centers/{center}/tickets/by-label", params={"label": "A002"}).json()["label"] == "A002"
    missing = client.get(f"/api/v1/centers/{center}/tickets/by-label", params={"label": "B7"})
    assert missing.status_code == 404 and missing.json()["message"]["vi"] == "Hôm nay không có số B007."
    bad = client.get(f"/api/v1/centers/{center}/tickets/by-label", params={"label": "A-2; drop"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["query", "label"]
    # A transferred ticket is found as the leg the citizen now waits with.
    first = client.get(f"/api/v1/centers/{center}/tickets/by-label", params={"label": "A1"}).json()
    client.post(f"/api/v1/tickets/{first['id']}/transfer", json={"category_id": client.world.categories["B"].id})
    leg = client.get(f"/api/v1/centers/{center}/tickets/by-label", params={"label": "A1"}).json()
    assert (leg["hop"], leg["state"], leg["category_id"]) == (1, "waiting", client.world.categories["B"].id)


def test_pause_with_a_reason_shown_in_the_event_and_the_audit(client):
    one = client.world.counters[1].id
    paused = client.post(f"/api/v1/counters/{one}/pause", json={"reason": "lunch"})
    assert (paused.json()["state"], paused.json()["pause_reason"]) == ("paused", "lunch")
    event = events(client)[-1]
    assert (event.kind, event.data["counter"]["pause_reason"]) == ("counter.paused", "lunch")
    assert (audit(client)[-1].action, audit(client)[-1].detail) == ("counter.paused", {"reason": "lunch"})
    # Another reason while paused: the reason changes.
    assert client.post(f"/api/v1/counters/{one}/pause", json={"reason": "system_fault"}).json()["pause_reason"] == "system_fault"
    assert events(client)[-1].data["counter"]["pause_reason"] == "system_fault"
    resumed = client.post(f"/api/v1/counters/{one}/resume").json()
    assert (resumed["state"], resumed["pause_reason"]) == ("open", None)
    bad = client.post(f"/api/v1/counters/{one}/pause", json={"reason": "nap"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["loc"] == ["body", "reason"]
    # The message names the field and the values it accepts (server/invalid.py).
    assert bad.json()["message"]["vi"] == (
        "Dữ liệu gửi lên không hợp lệ. reason: phải là một trong: 'lunch', 'meeting', 'system_fault' hoặc 'other'."
    )
    assert client.get(f"/api/v1/counters/{one}").json()["state"] == "open"


def test_cancel_a_waiting_ticket_records_the_officer(client):
    ticket = issue(client)
    cancelled = client.post(f"/api/v1/tickets/{ticket['id']}/cancel").json()
    assert cancelled["state"] == "cancelled" and cancelled["ended_by"] is not None
    assert (events(client)[-1].kind, audit(client)[-1].action) == ("ticket.cancelled", "ticket.cancel")
    again = client.post(f"/api/v1/tickets/{ticket['id']}/cancel")
    assert again.status_code == 409
    assert again.json()["message"]["vi"] == f"Số {ticket['label']} đã huỷ, không thể huỷ số."


def test_a_pause_keeps_its_start_across_a_change_of_reason(client):
    """`paused_at` is what the leader's "paused too long" alert counts from."""
    one = client.world.counters[1].id
    start = client.app.state.clock()
    paused = client.post(f"/api/v1/counters/{one}/pause", json={"reason": "lunch"}).json()
    assert datetime.fromisoformat(paused["paused_at"]) == start
    client.app.state.clock.advance(minutes=7)
    again = client.post(f"/api/v1/counters/{one}/pause", json={"reason": "meeting"}).json()
    assert again["paused_at"] == paused["paused_at"]  # still the same pause
    assert client.post(f"/api/v1/counters/{one}/resume").json()["paused_at"] is None
