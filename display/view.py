"""What the board shows, derived from the event stream; no pygame here.

`Follower` keeps the protocol's `QueueState` plus what the queue state forgets but a waiting
room wants: the latest call, the last few calls per counter, and which calls were already
announced. `Follower.view()` turns it into a `BoardView`, the plain data `board.draw` renders.
"""

from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from server.protocol import EventOut, QueueState, Snapshot, TicketOut

CALL_KINDS = ("ticket.called", "ticket.recalled")


@dataclass(frozen=True)
class Call:
    ticket_id: int
    label: str
    counter_number: int
    recalls: int
    called_at: datetime
    # When it was (re)called: a recall's own time, since the ticket keeps its first call's
    # time. What "recent" counts from.
    at: datetime | None = None
    # Learned long after it was made (a snapshot or replayed events after an outage): still
    # said, but only if the ticket still waits for its citizen when its turn to be said comes
    # (`Follower.still_called`); a citizen already served must not be sent to a counter.
    late: bool = False

    @property
    def when(self) -> datetime:
        return self.at or self.called_at


@dataclass(frozen=True)
class CounterRow:
    number: int
    name: str
    state: str  # open, paused, closed
    label: str | None  # the ticket called or being served there
    previous: tuple[str, ...]  # earlier calls at this counter, newest first


@dataclass(frozen=True)
class CategoryRow:
    prefix: str
    name_vi: str
    name_en: str
    color: str
    waiting: int


@dataclass(frozen=True)
class BoardView:
    center_name: str = ""
    latest: Call | None = None
    flash_started: datetime | None = None  # when the latest call arrived, if it is to flash
    counters: tuple[CounterRow, ...] = ()
    categories: tuple[CategoryRow, ...] = ()
    notice: str = ""
    connected: bool = False
    refused: bool = False  # the server turned us away (token, center): say so, not "lost"
    synced: bool = False  # a snapshot has arrived at least once
    sound: str = "on"  # on, muted (by staff), none (no audio device): the board says so
    timezone: str = "Asia/Ho_Chi_Minh"


@dataclass
class Received:
    """What the app must do after a message: announce these calls; resync if a gap was seen."""

    announce: list[Call] = field(default_factory=list)
    resync: bool = False
    changed: bool = False


class Follower:
    def __init__(self, recent_seconds: float = 120.0, history: int = 3) -> None:
        self.recent = timedelta(seconds=recent_seconds)
        self.history = history
        self.state: QueueState | None = None
        self.latest: Call | None = None
        self.flash_started: datetime | None = None
        self._calls: dict[int, deque[str]] = {}  # counter id -> labels called there, newest first
        # (ticket id, recalls) already announced; a recall bumps `recalls`, so it is announced
        # again. Bounded: a display runs for weeks.
        self._announced: deque[tuple[int, int]] = deque(maxlen=512)

    def receive(self, message: Snapshot | EventOut, now: datetime) -> Received:
        if isinstance(message, Snapshot):
            return self._snapshot(message, now)
        return self._event(message, now)

    def _snapshot(self, snap: Snapshot, now: datetime) -> Received:
        if self.state is None or self.state.service_day != snap.service_day:
            self._calls.clear()
            self.latest = None
            self.flash_started = None
        self.state = QueueState.from_snapshot(snap)
        out = Received(changed=True)
        # Calls we missed while away: what is called or served now, in the order it was called.
        in_hand = sorted(
            (t for t in snap.tickets if t.state in ("called", "serving") and t.called_at and t.counter_id),
            key=lambda t: t.called_at,  # type: ignore[arg-type,return-value]
        )
        for ticket in in_hand:
            call = self._call(ticket)
            if call is None:
                continue
            self._remember(ticket.counter_id, ticket.label)  # type: ignore[arg-type]
            if self.latest is None or call.called_at >= self.latest.called_at:
                if self.latest is None or (call.ticket_id, call.recalls) != (
                    self.latest.ticket_id,
                    self.latest.recalls,
                ):
                    self._set_latest(call, now)
            if ticket.state == "called":
                self._maybe_announce(call, now, out)
        return out

    def _event(self, event: EventOut, now: datetime) -> Received:
        if self.state is None:
            return Received(resync=True)
        if event.seq <= self.state.seq:
            return Received()  # already applied (delivered twice around a reconnect)
        day = self.state.service_day
        if not self.state.apply(event):
            return Received(resync=True)  # a gap: only a fresh snapshot can repair it
        if self.state.service_day != day:
            self._calls.clear()
            self.latest = None
            self.flash_started = None
        out = Received(changed=True)
        if event.kind in CALL_KINDS and event.ticket is not None:
            call = self._call(event.ticket)
            if call is not None:
                call = replace(call, at=event.at)
                self._remember(event.ticket.counter_id, event.ticket.label)  # type: ignore[arg-type]
                self._set_latest(call, now)
                self._maybe_announce(call, now, out)
        return out

    def _call(self, ticket: TicketOut) -> Call | None:
        assert self.state is not None
        counter = self.state.counters.get(ticket.counter_id) if ticket.counter_id else None
        if counter is None or ticket.called_at is None:
            return None
        return Call(ticket.id, ticket.label, counter.number, ticket.recalls, ticket.called_at)

    def _remember(self, counter_id: int, label: str) -> None:
        calls = self._calls.setdefault(counter_id, deque(maxlen=self.history))
        if not calls or calls[0] != label:
            if label in calls:
                calls.remove(label)
            calls.appendleft(label)

    def _is_recent(self, call: Call, now: datetime) -> bool:
        return now - call.when <= self.recent

    def _set_latest(self, call: Call, now: datetime) -> None:
        self.latest = call
        # Only a fresh call flashes; one found hours later in a snapshot is just shown.
        self.flash_started = now if self._is_recent(call, now) else None

    def _maybe_announce(self, call: Call, now: datetime, out: Received) -> None:
        key = (call.ticket_id, call.recalls)
        if key in self._announced:
            return
        self._announced.append(key)
        # Found long after it was made: said only if the citizen is still awaited by then.
        out.announce.append(call if self._is_recent(call, now) else replace(call, late=True))

    def still_called(self, call: Call) -> bool:
        """Whether the citizen of `call` is still awaited where it sent them: the ticket is
        still "called" at that counter (not started, done, no-show, cancelled or transferred)."""
        state = self.state
        ticket = state.tickets.get(call.ticket_id) if state is not None else None
        if ticket is None or ticket.state != "called" or ticket.counter_id is None:
            return False
        counter = state.counters.get(ticket.counter_id)  # type: ignore[union-attr]
        return counter is not None and counter.number == call.counter_number

    def view(self, *, notice: str, connected: bool, refused: bool = False) -> BoardView:
        state = self.state
        if state is None or state.center is None:
            return BoardView(notice=notice, connected=connected, refused=refused)
        counters = []
        for counter in sorted(state.counters.values(), key=lambda c: c.number):
            ticket = state.in_hand(counter.id)
            label = ticket.label if ticket else None
            previous = tuple(l for l in self._calls.get(counter.id, ()) if l != label)
            counters.append(CounterRow(counter.number, counter.name_vi, counter.state, label, previous[:2]))
        categories = tuple(
            CategoryRow(c.prefix, c.name_vi, c.name_en, c.color, state.waiting(c.id))
            for c in sorted(state.categories.values(), key=lambda c: c.position)
        )
        return BoardView(
            center_name=state.center.name_vi,
            latest=self.latest,
            flash_started=self.flash_started,
            counters=tuple(counters),
            categories=categories,
            notice=notice,
            connected=connected,
            refused=refused,
            synced=True,
            timezone=state.center.timezone or "Asia/Ho_Chi_Minh",
        )
