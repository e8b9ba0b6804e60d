"""The hub gives memory back once after a wave of subscribers leaves, not on each departure."""

import asyncio

from server import events
from server.events import TRIM_AFTER, Hub


def test_memory_is_given_back_once_a_wave_of_departures_has_settled(monkeypatch):
    trims: list[int] = []
    hub = Hub(queue_size=10)
    monkeypatch.setattr(events.memory, "give_back", lambda: trims.append(hub.subscribers))
    monkeypatch.setattr(events, "TRIM_SETTLE_SECONDS", 0)

    async def scenario() -> None:
        loop = asyncio.get_running_loop()
        waves = [hub.subscribe(1) for _ in range(TRIM_AFTER + 10)]
        for wave in waves:
            wave.__enter__()
        for wave in waves[: TRIM_AFTER - 1]:
            wave.__exit__(None, None, None)
        assert hub._trim is None  # a few leaving is not a wave
        for wave in waves[TRIM_AFTER - 1 :]:
            wave.__exit__(None, None, None)
        # Every departure of the wave put the trim off: one is pending, none has run.
        assert hub._trim is not None and trims == []
        done = loop.create_future()
        loop.call_soon(lambda: loop.call_soon(done.set_result, None))  # after the zero-delay timer
        await done

    asyncio.run(scenario())
    assert trims == [0]
