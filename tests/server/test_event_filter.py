"""A console's stream carries its counter's business only, passed over as events are offered
(they neither queue nor wake its stream), in sequence; a missed event starts a client afresh."""

import asyncio
from datetime import UTC, datetime

from server.events import Hub
from server.protocol import EventOut


def issue(client, category_id: int) -> dict:
    answer = client.post("/api/v1/tickets", json={"category_id": category_id})
    assert answer.status_code == 201, answer.text
    return answer.json()


def test_a_consoles_stream_carries_its_counters_business_only_in_sequence(client):
    a, c = client.world.categories["A"], client.world.categories["C"]
    console_counter = client.world.counters[3].id  # serves C only; counters 1 and 2 serve A and B
    with client.websocket_connect(f"/ws/events?counter_id={console_counter}") as console:
        opening = console.receive_json()
        assert opening["type"] == "counter_view"
        other = issue(client, a.id)
        mine = issue(client, c.id)
        assert client.post(f"/api/v1/counters/{client.world.counters[1].id}/call-next").json()["id"] == other["id"]
        assert client.post(f"/api/v1/counters/{console_counter}/call-next").json()["id"] == mine["id"]
        last = issue(client, c.id)  # the console takes it: the end of what it is sent here
        received: list[dict] = []
        while not received or (received[-1].get("ticket") or {}).get("id") != last["id"]:
            received.append(console.receive_json())
        newest = client.get(f"/api/v1/centers/{client.world.center.id}/queue").json()["seq"]

    seqs = [event["seq"] for event in received]
    assert seqs == sorted(set(seqs)) and seqs[0] > opening["seq"]
    about = {(event["kind"], (event.get("ticket") or {}).get("id")) for event in received}
    assert {("ticket.issued", mine["id"]), ("ticket.called", mine["id"]), ("ticket.issued", last["id"])} <= about
    assert all((event.get("ticket") or {}).get("id") != other["id"] for event in received)
    # Counter 1's call of the A ticket, its claim and the A ticket's issue were passed over.
    assert newest - opening["seq"] > len(received)


def event(seq: int) -> EventOut:
    return EventOut(seq=seq, center_id=1, kind="notice.updated", at=datetime(2026, 12, 6, 2, tzinfo=UTC))


def test_a_missed_event_marks_the_subscription_to_start_afresh_and_queues_nothing_after_it():
    hub = Hub(queue_size=10)

    async def scenario() -> None:
        with hub.subscribe(1) as sub:
            hub.publish([event(1), event(2)])
            await sub.wake.wait()
            assert (sub.queue.qsize(), sub.gap) == (2, False)
            sub.wake.clear()
            hub.publish([event(2)])  # offered again: dropped, no wake-up
            hub.publish([event(4)])  # 3 never came
            await sub.wake.wait()
            assert (sub.queue.qsize(), sub.gap) == (2, True)
            hub.publish([event(5)])
            delivered = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().call_soon(delivered.set_result, None)  # runs after the hand-off
            await delivered
            assert sub.queue.qsize() == 2  # nothing queued after the gap until the stream restarts

    asyncio.run(scenario())
