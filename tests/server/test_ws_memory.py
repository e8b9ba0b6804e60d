"""An idle websocket keeps nothing of what it was sent: memory per connection is bounded
(issue 19: each /ws/status/{token} connection kept its center's snapshot, ~125-750 KB by the
size of the queue, for as long as it stayed open; bench/idle_websockets.py measures it)."""

import gc

from queue_world import register_device
from server.protocol import CounterView, Snapshot


def live_snapshots() -> int:
    gc.collect()  # count only what something still holds
    return sum(isinstance(o, (Snapshot, CounterView)) for o in gc.get_objects())


def test_idle_event_and_status_streams_hold_no_snapshot(client, clock):
    a = client.world.categories["A"]
    tokens = [client.post("/api/v1/tickets", json={"category_id": a.id}).json()["token"] for _ in range(3)]
    with client.app.state.db.write() as session:
        display = register_device(session, clock(), client.world.center.id, "display")
    counter = client.world.counters[1].id
    held = live_snapshots()
    with (
        client.websocket_connect(f"/ws/events?token={display}") as events,
        client.websocket_connect(f"/ws/events?counter_id={counter}") as console,
        client.websocket_connect(f"/ws/status/{tokens[0]}") as status,
    ):
        assert events.receive_json()["type"] == "snapshot"
        assert console.receive_json()["type"] == "counter_view"
        assert status.receive_json() == {"type": "snapshot", "seq": 3}
        assert live_snapshots() == held  # the three connections idle, holding none
