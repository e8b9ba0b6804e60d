"""Against a real server process on 127.0.0.1: concurrent clients, a power cut, the event stream."""

import asyncio
import json
from collections.abc import Iterator

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from database_urls import query
from server.protocol import EventOut, Snapshot, parse_message
from server_process import ServerProcess

CATEGORY_A = 1  # the demo center's civil registration


@pytest.fixture
def server(tmp_path) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path / "live.db").start()
    yield proc
    proc.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def issue_many(base_url: str, headers: dict, clients: int, each: int, **body) -> list[httpx.Response]:
    async def one_client() -> list[httpx.Response]:
        async with httpx.AsyncClient(base_url=base_url, timeout=60, headers=headers) as http:
            return [
                await http.post("/api/v1/tickets", json={"category_id": CATEGORY_A, **body}) for _ in range(each)
            ]

    results = await asyncio.gather(*(one_client() for _ in range(clients)))
    return [r for rs in results for r in rs]


def test_100_concurrent_clients_get_unique_gapless_numbers(server):
    # A staff token: kiosks are rate-limited per device, the entrance desk is not.
    responses = asyncio.run(issue_many(server.url, bearer(server.token("staff")), clients=100, each=5))
    assert {r.status_code for r in responses} == {201}
    numbers = sorted(r.json()["number"] for r in responses)
    assert numbers == list(range(1, 501))
    labels = {r.json()["label"] for r in responses}
    assert len(labels) == 500 and "A500" in labels and "A001" in labels


def test_concurrent_repeats_of_one_idempotency_key_make_one_ticket(server):
    headers = bearer(server.token("kiosk"))

    async def same_tap() -> list[httpx.Response]:
        async def one() -> httpx.Response:
            async with httpx.AsyncClient(base_url=server.url, timeout=60, headers=headers) as http:
                return await http.post(
                    "/api/v1/tickets", json={"category_id": CATEGORY_A, "idempotency_key": "kiosk-7-tap-42"}
                )

        return await asyncio.gather(*(one() for _ in range(20)))

    responses = asyncio.run(same_tap())
    assert sorted(r.status_code for r in responses) == [200] * 19 + [201]
    assert {r.json()["id"] for r in responses} == {responses[0].json()["id"]}
    after = httpx.post(f"{server.url}/api/v1/tickets", json={"category_id": CATEGORY_A}, headers=headers)
    assert after.json()["label"] == "A002"


def test_every_acknowledged_ticket_survives_a_sigkill(tmp_path):
    server = ServerProcess(tmp_path / "power-cut.db").start()
    headers = bearer(server.token("staff"))
    acknowledged: list[dict] = []

    async def load() -> None:
        enough = asyncio.Event()

        async def client() -> None:
            async with httpx.AsyncClient(base_url=server.url, timeout=30, headers=headers) as http:
                while True:
                    try:
                        r = await http.post("/api/v1/tickets", json={"category_id": CATEGORY_A})
                    except httpx.TransportError:
                        return  # the server is gone
                    if r.status_code == 201:
                        acknowledged.append(r.json())
                        if len(acknowledged) >= 300 and not enough.is_set():
                            enough.set()
                            server.kill()  # other requests are in flight right now

        await asyncio.gather(*(client() for _ in range(40)))

    try:
        asyncio.run(load())
        assert len(acknowledged) >= 300
        server.start()  # the same database file and port
        with httpx.Client(base_url=server.url, headers=headers) as http:
            for ticket in acknowledged:
                found = http.get(f"/api/v1/tickets/{ticket['id']}")
                assert found.status_code == 200, ticket
                assert (found.json()["number"], found.json()["label"]) == (ticket["number"], ticket["label"])
            # Numbering goes on after the highest number that reached the disk, with no gap.
            new = http.post("/api/v1/tickets", json={"category_id": CATEGORY_A}).json()
        numbers = [n for (n,) in query(server.database_url, "select number from ticket where category_id = 1 order by number")]
        assert numbers == list(range(1, len(numbers) + 1))
        assert new["number"] == len(numbers)
    finally:
        server.stop()


async def receive(ws) -> Snapshot | EventOut:
    return parse_message(await asyncio.wait_for(ws.recv(), timeout=10))


def test_event_stream_snapshot_events_and_reconnect(server):
    # A kiosk's token: a display's comings and goings are events themselves (tested below).
    staff, other, reader = server.token("staff"), server.token("staff"), server.token("kiosk")

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=server.url, headers=bearer(staff)) as http:
            # Each counter's officer signs in to it first (one officer, one counter).
            assert (await http.post("/api/v1/counters/1/claim")).status_code == 200
            assert (await http.post("/api/v1/counters/2/claim", headers=bearer(other))).status_code == 200
            async with connect(f"{server.ws_url}/ws/events?center_id=1&token={reader}") as ws:
                snap = await receive(ws)
                assert isinstance(snap, Snapshot) and snap.center.code == "DEMO"
                issued = (await http.post("/api/v1/tickets", json={"category_id": CATEGORY_A})).json()
                event = await receive(ws)
                assert isinstance(event, EventOut)
                assert (event.seq, event.kind, event.ticket.label) == (snap.seq + 1, "ticket.issued", issued["label"])
                await http.post("/api/v1/counters/1/call-next")
                called = await receive(ws)
                assert (called.seq, called.kind, called.counter.number) == (snap.seq + 2, "ticket.called", 1)
                last = called.seq
            # While disconnected: three tickets and a call.
            for _ in range(3):
                await http.post("/api/v1/tickets", json={"category_id": 2})
            await http.post("/api/v1/counters/2/call-next", headers=bearer(other))
            async with connect(f"{server.ws_url}/ws/events?center_id=1&since={last}&token={reader}") as ws:
                missed = [await receive(ws) for _ in range(4)]
                assert [m.seq for m in missed] == [last + 1, last + 2, last + 3, last + 4]
                assert [m.kind for m in missed] == ["ticket.issued"] * 3 + ["ticket.called"]
                assert missed[-1].ticket.label == "B001" and missed[-1].counter.number == 2
                # Exactly what was missed: the next message is the next new event.
                await http.post("/api/v1/tickets/%d/complete" % missed[-1].ticket.id, headers=bearer(other))
                nxt = await receive(ws)
                assert (nxt.seq, nxt.kind) == (last + 5, "ticket.done")
            # A sequence from the future cannot be replayed: a fresh snapshot instead.
            async with connect(f"{server.ws_url}/ws/events?center_id=1&since={last + 1000}&token={reader}") as ws:
                fresh = await receive(ws)
                assert isinstance(fresh, Snapshot) and fresh.seq == last + 5
                assert {t.label for t in fresh.tickets} == {"A001", "B002", "B003"}

    asyncio.run(scenario())


def test_too_old_a_sequence_gets_a_fresh_snapshot(tmp_path):
    server = ServerProcess(tmp_path / "short.db", env={"MOTCUA_EVENT_REPLAY_LIMIT": "3"}).start()
    kiosk = server.token("kiosk")

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=server.url, headers=bearer(kiosk)) as http:
            for _ in range(5):
                await http.post("/api/v1/tickets", json={"category_id": CATEGORY_A})
        async with connect(f"{server.ws_url}/ws/events?center_id=1&since=1&token={kiosk}") as ws:
            first = await receive(ws)
            assert isinstance(first, Snapshot) and first.seq == 5 and len(first.tickets) == 5
        async with connect(f"{server.ws_url}/ws/events?center_id=1&since=3&token={kiosk}") as ws:
            replay = [await receive(ws) for _ in range(2)]
            assert [(type(m).__name__, m.seq) for m in replay] == [("EventOut", 4), ("EventOut", 5)]

    try:
        asyncio.run(scenario())
    finally:
        server.stop()


def test_the_stream_closes_with_a_reason_for_strangers_and_other_centers(server):
    display = server.token("display")

    async def closed_reason(url: str) -> str:
        async with connect(url) as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), timeout=10)
            return closed.value.rcvd.reason

    async def scenario() -> None:
        assert "Center not found" in await closed_reason(f"{server.ws_url}/ws/events?center_id=99&token={display}")
        assert "sign in" in await closed_reason(f"{server.ws_url}/ws/events?center_id=1")
        assert "sign in" in await closed_reason(f"{server.ws_url}/ws/events?center_id=1&token=forged")

    asyncio.run(scenario())


def test_public_status_stream_says_only_that_the_queue_moved(server):
    kiosk, staff = server.token("kiosk"), server.token("staff")

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=server.url) as http:
            mine = (await http.post("/api/v1/tickets", json={"category_id": 2}, headers=bearer(kiosk))).json()
            async with connect(f"{server.ws_url}/ws/status/{mine['token']}") as ws:
                first = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
                assert first == {"type": "snapshot", "seq": first["seq"]}
                await http.post("/api/v1/counters/2/call-next", headers=bearer(staff))
                moved = json.loads(await asyncio.wait_for(ws.recv(), timeout=10))
                assert moved == {"type": "event", "seq": first["seq"] + 1}  # no ticket, no names
            status = (await http.get(f"/api/v1/status/{mine['token']}")).json()
            assert (status["state"], status["counter_number"]) == ("called", 2)
        async with connect(f"{server.ws_url}/ws/status/not-a-ticket") as ws:
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), timeout=10)
            assert closed.value.rcvd.reason == "Ticket not found."

    asyncio.run(scenario())


def test_staff_see_a_display_come_and_go_as_state_not_events(server):
    """Connects and disconnects count in the device's presence; nothing is recorded on the
    event stream (with thousands of display clients that traffic grew with their square)."""
    staff, display = server.token("staff"), server.token("display")

    async def presence(http: httpx.AsyncClient) -> dict:
        answer = await http.get("/api/v1/centers/1/devices/presence", headers=bearer(staff))
        assert answer.status_code == 200, answer.text
        return next(d for d in answer.json() if d["name"] == "display-1")  # the token made above

    async def until(http: httpx.AsyncClient, connections: int) -> dict:
        for _ in range(200):  # a disconnect is noticed by the server on its own time
            seen = await presence(http)
            if seen["connections"] == connections:
                return seen
            await asyncio.sleep(0.05)  # the pace of asking, not a synchronisation
        raise AssertionError(f"the display never had {connections} connections: {seen}")

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=server.url) as http, connect(f"{server.ws_url}/ws/events?token={staff}") as console:
            start = await receive(console)
            assert (await presence(http))["online"] is False
            async with connect(f"{server.ws_url}/ws/events?token={display}") as wall, connect(
                f"{server.ws_url}/ws/events?token={display}"
            ) as second:
                assert isinstance(await receive(wall), Snapshot) and isinstance(await receive(second), Snapshot)
                both = await presence(http)
                assert (both["online"], both["connections"], both["since"] is not None) == (True, 2, True)
                assert both["last_seen_at"] is not None  # noted on the row when it came
            gone = await until(http, 0)
            assert gone["online"] is False and gone["since"] >= both["since"]
            # A display may not read who else is connected.
            refused = await http.get("/api/v1/centers/1/devices/presence", headers=bearer(display))
            assert refused.status_code == 403
            # Nothing went out on the stream for all that: the next event is the next change.
            await http.post("/api/v1/tickets", json={"category_id": 1}, headers=bearer(staff))
            event = await receive(console)
            assert isinstance(event, EventOut) and (event.kind, event.seq) == ("ticket.issued", start.seq + 1)

    asyncio.run(scenario())


def test_a_forwarded_for_header_does_not_escape_the_sign_in_limit(tmp_path):
    """No proxy stands in front of the server: a client naming another address in
    X-Forwarded-For is still limited by its own."""
    server = ServerProcess(tmp_path / "limit.db", env={"MOTCUA_LOGIN_FREE_FAILURES_PER_ADDRESS": "3"}).start()
    try:
        codes = [
            httpx.post(
                f"{server.url}/api/v1/auth/login",
                json={"username": f"nobody{n}", "password": "guess"},  # a new name: only the address counts
                headers={"X-Forwarded-For": f"10.0.0.{n}"},
            ).status_code
            for n in range(4)
        ]
    finally:
        server.stop()
    assert codes == [401, 401, 401, 429]
