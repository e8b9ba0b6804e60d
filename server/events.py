"""Event fan-out to websocket clients.

Events are published after their transaction commits, in sequence order (the database's write
lock is held while publishing). Each client has a bounded queue; a client too slow to keep up
is dropped and resyncs from its last sequence when it reconnects. A client whose device is
revoked, or whose officer signs out, is disabled, changes role or password, is told so at once
(`Hub.revoke`), not at its next request.
"""

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from server import memory
from server.protocol import EventOut

# Give memory back to the system once this many subscribers have left since the most there
# were (server/memory.py), when the wave of departures has settled: only then are the
# connections' buffers freed.
TRIM_AFTER = 200
TRIM_SETTLE_SECONDS = 2.0


class Subscription:
    def __init__(
        self,
        center_id: int,
        maxsize: int,
        owner: tuple[str, int] | None = None,
        session: str | None = None,
        wants: Callable[[EventOut], bool] | None = None,
    ) -> None:
        self.center_id = center_id
        # Which events its client takes (a console: its counter's); the others are passed over
        # as they are offered, so they neither queue nor wake the stream. With 400 consoles,
        # nine in ten events of a center concern another counter: waking each console's
        # stream for them was most of the event loop's work.
        self.wants = wants
        self.seen: int | None = None  # the sequence of the last event offered, taken or not
        self.gap = False  # an event was missed (never expected: published in order)
        # What may end it: (principal kind, id) of the client, if it signed in, and
        # ("session", token hash) if it signed in with an officer's session.
        self.owners: set[tuple[str, object]] = set()
        if owner is not None:
            self.owners.add(owner)
        if session is not None:
            self.owners.add(("session", session))
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[EventOut] = asyncio.Queue(maxsize)
        self.overflowed = False
        self.revoked = False
        self.revoked_because = "device_revoked"  # a code of server/messages.py
        # One wake-up for whatever the stream must act on (an event queued, an overflow, a
        # revocation, its client leaving): the stream awaits only this. Waiting on a task per
        # message with asyncio.wait over four was most of the server's CPU with 400 consoles.
        self.wake = asyncio.Event()

    def _offer(self, event: EventOut) -> None:  # runs on the subscriber's loop
        if self.overflowed or self.gap:
            return
        seen, self.seen = self.seen, event.seq
        if seen is not None and event.seq != seen + 1:
            if event.seq <= seen:  # offered already
                self.seen = seen
                return
            self.gap = True  # the stream starts its client afresh
            self.wake.set()
            return
        if self.wants is not None and not self.wants(event):
            return
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            self.overflowed = True
        self.wake.set()

    def _revoke(self) -> None:  # runs on the subscriber's loop
        self.revoked = True
        self.wake.set()


def _deliver(events: list[EventOut], listeners: list[Subscription]) -> None:  # runs on their loop
    for event in events:
        for sub in listeners:
            if sub.center_id == event.center_id:
                sub._offer(event)


class Hub:
    def __init__(self, queue_size: int) -> None:
        self.queue_size = queue_size
        self._subscriptions: set[Subscription] = set()
        self._lock = threading.Lock()
        self._high = 0  # the most subscribers since memory was last given back
        self._trim: asyncio.TimerHandle | None = None

    @contextmanager
    def subscribe(
        self,
        center_id: int,
        owner: tuple[str, int] | None = None,
        session: str | None = None,
        wants: Callable[[EventOut], bool] | None = None,
    ) -> Iterator[Subscription]:
        """Call from the event loop; events published while inside (those `wants`) arrive on the queue."""
        sub = Subscription(center_id, self.queue_size, owner, session, wants)
        with self._lock:
            self._subscriptions.add(sub)
            self._high = max(self._high, len(self._subscriptions))
        try:
            yield sub
        finally:
            with self._lock:
                self._subscriptions.discard(sub)
                wave = self._high - len(self._subscriptions) >= TRIM_AFTER
            if wave:  # each departure of the wave puts the trim off until it has settled
                if self._trim is not None:
                    self._trim.cancel()
                self._trim = sub.loop.call_later(TRIM_SETTLE_SECONDS, self._give_back)

    def _give_back(self) -> None:
        with self._lock:
            self._high = len(self._subscriptions)
        self._trim = None
        memory.give_back()

    def publish(self, events: list[EventOut]) -> None:
        """Thread-safe; called once per committed transaction with its events, in order.

        One hand-off to each event loop for the whole batch, not one per client and event: a
        hand-off writes to the loop's wake-up pipe, and with hundreds of consoles that was
        most of the cost of an event."""
        with self._lock:
            subs = list(self._subscriptions)
        by_loop: dict[asyncio.AbstractEventLoop, list[Subscription]] = {}
        for sub in subs:
            by_loop.setdefault(sub.loop, []).append(sub)
        for loop, listeners in by_loop.items():
            try:
                loop.call_soon_threadsafe(_deliver, events, listeners)
            except RuntimeError:
                pass  # that loop is closed; its clients are going away

    def revoke(self, owner: tuple[str, object], because: str = "device_revoked") -> None:
        """Thread-safe: the clients of `owner` (("device", 7), ("user", 3), ("session", hash))
        may no longer listen; they are closed with the message `because`."""
        with self._lock:
            subs = [sub for sub in self._subscriptions if owner in sub.owners]
        for sub in subs:
            sub.revoked_because = because
            try:
                sub.loop.call_soon_threadsafe(sub._revoke)
            except RuntimeError:
                pass  # that loop is closed; its clients are gone

    def owners(self) -> set[tuple[str, object]]:
        """Thread-safe: every owner that has a client listening."""
        with self._lock:
            return {owner for sub in self._subscriptions for owner in sub.owners}

    @property
    def subscribers(self) -> int:
        return len(self._subscriptions)
