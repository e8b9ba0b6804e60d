"""Event fan-out to websocket clients.

Events are published after their transaction commits, in sequence order (the database's write
lock is held while publishing). Each client has a bounded queue; a client too slow to keep up
is dropped and resyncs from its last sequence when it reconnects.
"""

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from server.protocol import EventOut


class Subscription:
    def __init__(self, center_id: int, maxsize: int) -> None:
        self.center_id = center_id
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[EventOut] = asyncio.Queue(maxsize)
        self.overflowed = asyncio.Event()

    def _offer(self, event: EventOut) -> None:  # runs on the subscriber's loop
        if self.overflowed.is_set():
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed.set()


class Hub:
    def __init__(self, queue_size: int) -> None:
        self.queue_size = queue_size
        self._subscriptions: set[Subscription] = set()
        self._lock = threading.Lock()

    @contextmanager
    def subscribe(self, center_id: int) -> Iterator[Subscription]:
        """Call from the event loop; events published while inside arrive on the queue."""
        sub = Subscription(center_id, self.queue_size)
        with self._lock:
            self._subscriptions.add(sub)
        try:
            yield sub
        finally:
            with self._lock:
                self._subscriptions.discard(sub)

    def publish(self, events: list[EventOut]) -> None:
        """Thread-safe; called once per committed transaction with its events, in order."""
        with self._lock:
            subs = list(self._subscriptions)
        for event in events:
            for sub in subs:
                if sub.center_id == event.center_id:
                    try:
                        sub.loop.call_soon_threadsafe(sub._offer, event)
                    except RuntimeError:
                        pass  # that client's loop is closed; it is going away

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)
