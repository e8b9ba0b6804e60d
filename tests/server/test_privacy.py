"""Personal data stays with staff (server/privacy.py): a desk's or a transfer's note, a dossier
and a rating reach signed-in staff; kiosks, wall displays, print agents and rating screens get
the queue without them, on every path (snapshot, events, replay, REST reads); the public
status page and its stream never see them."""

import json
from contextlib import ExitStack

from queue_world import register_device

DESK_NOTE = "Bà Nguyễn Thị Hoa, 0912345678, cần xe lăn"
TRANSFER_NOTE = "Ông Lê Văn Mai, CCCD 001190012345"
CITIZEN_NAME, CITIZEN_PHONE = "Đỗ Thị Giang", "0977777777"
PERSONAL = (DESK_NOTE, TRANSFER_NOTE, CITIZEN_NAME, CITIZEN_PHONE, "0912345678", "001190012345")
DEVICES = ("kiosk", "display", "print_agent", "rating")


def _device_tokens(client) -> dict[str, str]:
    with client.app.state.db.write() as session:
        now = client.app.state.clock()
        return {kind: register_device(session, now, client.world.center.id, kind) for kind in DEVICES}


def _procedure(client) -> int:
    from server import directory

    with client.app.state.db.write() as session:
        category = client.world.categories["A"]
        return directory.add_procedure(session, category, "Chứng thực bản sao", "Certified copy", 1, "2.000815").id


def _a_day_with_personal_data(client, kiosk: str) -> dict:
    """A desk ticket with a note, called, transferred with a note, called again, served with a
    dossier holding the citizen's name and phone, completed and rated; then a kiosk's ticket
    (the last event). Returns the ids and tokens involved."""
    a = client.world.categories["A"].id
    counter = client.world.counters[1].id
    desk = client.post(
        "/api/v1/tickets", json={"category_id": a, "source": "desk", "note": DESK_NOTE, "idempotency_key": "desk-0001"}
    )
    assert desk.status_code == 201 and desk.json()["note"] == DESK_NOTE, desk.text
    called = client.post(f"/api/v1/counters/{counter}/call-next").json()
    leg = client.post(f"/api/v1/tickets/{called['id']}/transfer", json={"category_id": a, "note": TRANSFER_NOTE})
    assert leg.status_code == 200 and leg.json()["note"] == TRANSFER_NOTE, leg.text
    again = client.post(f"/api/v1/counters/{counter}/call-next").json()
    assert again["id"] == leg.json()["id"]
    client.post(f"/api/v1/tickets/{again['id']}/start").raise_for_status()
    dossier = client.post(
        "/api/v1/dossiers",
        json={"ticket_id": again["id"], "procedure_id": _procedure(client), "code": "PRIV-1",
              "citizen_name": CITIZEN_NAME, "citizen_phone": CITIZEN_PHONE},
    )  # fmt: skip
    assert dossier.status_code == 201, dossier.text
    client.post(f"/api/v1/tickets/{again['id']}/complete").raise_for_status()
    rating = client.post("/api/v1/ratings", json={"ticket_id": again["id"], "counter_id": counter, "level": "satisfied"})
    assert rating.status_code == 201, rating.text
    waiting = client.post(
        "/api/v1/tickets", json={"category_id": a, "source": "desk", "note": DESK_NOTE, "idempotency_key": "desk-0002"}
    ).json()
    last = client.post("/api/v1/tickets", json={"category_id": a}, headers={"Authorization": f"Bearer {kiosk}"})
    assert last.status_code == 201, last.text
    return {"served": again, "waiting": waiting, "last": last.json(), "desk": desk.json()}


def _until_ticket(ws, ticket_id: int) -> list[str]:
    """Every message up to the event of the ticket `ticket_id` is issued."""
    messages = []
    while True:
        raw = ws.receive_text()
        messages.append(raw)
        message = json.loads(raw)
        if message.get("kind") == "ticket.issued" and message["ticket"]["id"] == ticket_id:
            return messages


def _connect(client, token: str, query: str = ""):  # type: ignore[no-untyped-def]
    """/ws/events as `token` (the test client otherwise sends its staff member's header)."""
    return client.websocket_connect(f"/ws/events{query}", headers={"Authorization": f"Bearer {token}"})


def _leaks(messages: list[str], personal: tuple[str, ...] = PERSONAL) -> list[str]:
    return [p for p in personal if any(p in m for m in messages)]


def _notes(messages: list[str]) -> list[str]:
    return _leaks(messages, (DESK_NOTE, TRANSFER_NOTE))


def test_device_streams_carry_no_notes_dossiers_nor_ratings_and_staff_get_them(client):
    tokens = _device_tokens(client)
    staff = client.headers["Authorization"].removeprefix("Bearer ")
    counter = client.world.counters[1].id
    paths = {kind: (token, "") for kind, token in tokens.items()}
    paths["rating"] = (tokens["rating"], f"?counter_id={counter}")  # the /rate page's stream
    paths["staff"] = (staff, "")
    paths["console"] = (staff, f"?counter_id={counter}")
    with ExitStack() as stack:
        streams = {kind: stack.enter_context(_connect(client, token, query)) for kind, (token, query) in paths.items()}
        day = _a_day_with_personal_data(client, tokens["kiosk"])
        status = stack.enter_context(client.websocket_connect(f"/ws/status/{day['desk']['token']}", headers={"Authorization": ""}))
        received = {kind: _until_ticket(ws, day["last"]["id"]) for kind, ws in streams.items()}
        # Its opening first: the stream is subscribed once that is sent. An issue before it
        # may be counted in the opening's sequence and never sent on its own (it raced on
        # PostgreSQL, whose reads are slower to come back).
        status_messages = [status.receive_text()]
        client.post("/api/v1/tickets", json={"category_id": client.world.categories["A"].id}).raise_for_status()
        status_messages.append(status.receive_text())

    for kind in DEVICES:
        assert _leaks(received[kind]) == [], (kind, [m for m in received[kind] if _leaks([m])][:2])
        events = [json.loads(m) for m in received[kind][1:]]
        assert all(e["dossier"] is None and e["rating"] is None for e in events), kind
    # The whole day reached the center's devices (kinds and sequences, gapless), only reduced.
    display_kinds = [json.loads(m)["kind"] for m in received["display"][1:]]
    assert "dossier.received" in display_kinds and "rating.recorded" in display_kinds
    seqs = [json.loads(m)["seq"] for m in received["display"]]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))

    assert _notes(received["staff"]) == [DESK_NOTE, TRANSFER_NOTE]
    assert _leaks(received["staff"], (CITIZEN_NAME, CITIZEN_PHONE)) == []  # staff read those from the API
    staff_events = [json.loads(m) for m in received["staff"][1:]]
    assert any(e["dossier"] and e["dossier"]["code"] == "PRIV-1" for e in staff_events)
    assert any(e["rating"] and e["rating"]["level"] == "satisfied" for e in staff_events)
    assert _notes(received["console"]) == [DESK_NOTE, TRANSFER_NOTE]

    # The public status page's stream: that the queue moved, nothing else.
    assert [set(json.loads(m)) for m in status_messages] == [{"type", "seq"}] * 2
    public = client.get(f"/api/v1/status/{day['desk']['token']}", headers={"Authorization": ""})
    assert public.status_code == 200 and _leaks([public.text]) == []


def test_snapshots_replays_and_reads_give_devices_no_notes(client):
    tokens = _device_tokens(client)
    day = _a_day_with_personal_data(client, tokens["kiosk"])
    center, counter = client.world.center.id, client.world.counters[1].id
    waiting, served = day["waiting"]["id"], day["served"]["id"]

    def reads(headers: dict[str, str]) -> list[str]:
        answers = [
            client.get(f"/api/v1/centers/{center}/queue", headers=headers),
            client.get(f"/api/v1/tickets/{waiting}", headers=headers),
            client.get(f"/api/v1/tickets/{served}", headers=headers),
            client.get(f"/api/v1/counters/{counter}/view", headers=headers),
        ]
        assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
        return [a.text for a in answers]

    def stream(token: str, query: str) -> list[str]:
        with _connect(client, token, query) as ws:
            return [ws.receive_text()] if not query.startswith("?since") else _until_ticket(ws, day["last"]["id"])

    for kind, token in tokens.items():
        assert _leaks(reads({"Authorization": f"Bearer {token}"})) == [], kind
        assert _leaks(stream(token, "")) == [], kind  # the snapshot
        assert _leaks(stream(token, f"?counter_id={counter}")) == [], kind  # a counter's view
        assert _leaks(stream(token, "?since=0")) == [], kind  # the replay of the day's events
    staff = client.headers["Authorization"].removeprefix("Bearer ")
    assert _notes(reads({})) == [DESK_NOTE, TRANSFER_NOTE]
    assert _notes(stream(staff, "")) == [DESK_NOTE]  # the desk's second ticket still waits
    assert _notes(stream(staff, "?since=0")) == [DESK_NOTE, TRANSFER_NOTE]

    # A kiosk repeating the desk's idempotency key gets the ticket back, not its note.
    repeat = client.post(
        "/api/v1/tickets",
        json={"category_id": client.world.categories["A"].id, "idempotency_key": "desk-0002"},
        headers={"Authorization": f"Bearer {tokens['kiosk']}"},
    )
    assert repeat.status_code == 200 and repeat.json()["id"] == waiting and repeat.json()["note"] == ""


def test_a_slips_print_job_reaches_devices_without_its_dossiers_code():
    from datetime import UTC, datetime

    from server.protocol import EventOut, PrintJobOut

    job = PrintJobOut(id=7, ticket_id=3, label="A003", printer="desk", state="queued", attempts=0, kind="slip", document="H26.22-0001")
    event = EventOut(seq=5, center_id=1, kind="print.updated", at=datetime.now(UTC), print_job=job)
    staff, public = event.as_json(), event.as_public_json()
    assert "H26.22-0001" in staff and "H26.22-0001" not in public
    assert EventOut.model_validate_json(public).print_job.state == "queued"  # the kiosk still follows its jobs
    assert event.as_json() is staff and event.as_public_json() is public  # each encoded once
