"""/ws/events: a center's snapshot, then every event in sequence.

A client that reconnects with `?since=SEQ` gets exactly the events after SEQ, or a fresh
snapshot when they can no longer be replayed. Each client reads from its own bounded queue; a
client that falls too far behind is closed (code 1013) and resyncs by reconnecting with its
last sequence.
"""

import asyncio
import json
import logging
from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select, update
from sqlmodel import Session, col

from server import queue
from server.api.security import presented_token, resolve_principal
from server.auth import Permission
from server.db import Database
from server.errors import DomainError
from server.events import Subscription
from server.ids import MAX_ID, ApiId
from server.messages import render
from server.models import Center, Device
from server.presence import Presence
from server.protocol import CounterView, EventOut, Snapshot

router = APIRouter()
log = logging.getLogger("motcua.ws")

COUNTER_VIEW_LIMIT = 100  # as many as a console reads itself (WAITING_KNOWN in console.js)
TRY_AGAIN_LATER = 1013
POLICY_VIOLATION = 1008


def _catch_up(
    session: Session, center_id: int, since: int | None, now: datetime, limit: int, counter_id: int | None = None
) -> Snapshot | CounterView | list[EventOut]:
    """The events after `since` if they can all be replayed, else where to start afresh: the
    center's snapshot, or for a counter's console its view."""
    if since is not None:
        events = queue.events_since(session, center_id, since, limit)
        if events is not None:
            return events
    if counter_id is not None:
        return queue.counter_view(session, counter_id, now, COUNTER_VIEW_LIMIT)
    return queue.snapshot(session, center_id, now)


def _default_center(session: Session) -> int | None:
    return session.execute(select(Center.id).order_by(col(Center.id)).limit(1)).scalar_one_or_none()


def _counter_categories(session: Session, counter_id: int) -> tuple[int, set[int]]:
    counter = queue.get_counter(session, counter_id)
    return counter.center_id, {l.category_id for l in queue.counter_links(session, counter)}


class _CounterFilter:
    """The events a counter's console needs: tickets joining or leaving its queues, its own
    tickets and those sent to it, its own counter, and the center's settings (categories,
    notices, printers, devices). Other counters' business (their calls' start, end, recall,
    no-show) is left out: a console's traffic does not grow with the number of counters
    that share its categories beyond the tickets that come and go."""

    # What a ticket of its categories can do to its queues: join, or leave them.
    QUEUE_KINDS = frozenset({"ticket.issued", "ticket.requeued", "ticket.called", "ticket.cancelled", "ticket.transferred"})

    def __init__(self, counter_id: int, categories: set[int]) -> None:
        self.counter_id = counter_id
        self.categories = categories

    def __call__(self, event: EventOut) -> bool:
        if event.counter is not None and event.counter.id == self.counter_id:
            self.categories = {l.category_id for l in event.counter.categories}
            return True
        ticket = event.ticket
        if ticket is not None:
            if ticket.counter_id == self.counter_id or ticket.target_counter_id == self.counter_id:
                return True
            return ticket.category_id in self.categories and (ticket.state == "waiting" or event.kind in self.QUEUE_KINDS)
        return event.counter is None


@router.websocket("/ws/events")
async def events(
    websocket: WebSocket,
    center_id: ApiId | None = None,
    since: int | None = Query(default=None, ge=0, le=MAX_ID),
    counter_id: ApiId | None = Query(default=None, description="a console: only its counter's events"),
) -> None:
    app = websocket.app
    db: Database = app.state.db
    await websocket.accept()
    token, from_cookie = presented_token(websocket)
    principal = None
    if not from_cookie or _same_origin(websocket):  # a cookie is only good from our own pages
        principal = await resolve_principal(websocket, token, from_cookie)
    if principal is None or not principal.can(Permission.queue_read):
        await websocket.close(POLICY_VIOLATION, render("unauthorized")["en"])
        return
    wants: Callable[[EventOut], bool] | None = None
    try:
        if counter_id is not None:
            center_id, categories = await db.reading(lambda session: _counter_categories(session, counter_id))
            wants = _CounterFilter(counter_id, categories)
        elif center_id is None:
            center_id = principal.center_id or await db.reading(_default_center)
    except DomainError as exc:
        await websocket.close(POLICY_VIOLATION, exc.message["en"][:120])
        return
    if center_id is None:
        await websocket.close(POLICY_VIOLATION, "no center")
        return
    if not principal.sees(center_id):
        await websocket.close(POLICY_VIOLATION, render("center_not_found")["en"])
        return
    device = principal.id if principal.kind == "device" else None
    if device is not None:
        await _presence(app, device, True)
    # Subscribe before reading the catch-up, so nothing committed in between is missed;
    # anything delivered twice is dropped by its sequence below.
    with app.state.hub.subscribe(center_id, owner=(principal.kind, principal.id)) as sub:
        limit = app.state.settings.event_replay_limit
        try:
            first = await db.reading(lambda session: _catch_up(session, center_id, since, app.state.clock(), limit, counter_id))
        except DomainError as exc:
            await websocket.close(POLICY_VIOLATION, exc.message["en"][:120])
            return
        try:
            await _stream(websocket, db, sub, first, since or 0, wants=wants)
        except WebSocketDisconnect:
            pass
        finally:
            if device is not None:
                await _presence(app, device, False)


async def _presence(app, device_id: int, connected: bool) -> None:  # type: ignore[no-untyped-def]
    """Count the device's connection in or out (state, not an event: server/presence.py); when
    it comes or goes for good, note the time on its row, so admins see it after a restart."""
    now = app.state.clock()
    presence: Presence = app.state.presence
    changed = presence.connected(device_id, now) if connected else presence.disconnected(device_id, now)
    if changed:
        try:
            await run_in_threadpool(_seen, app.state.db, device_id, now)
        except Exception:  # the server may be shutting down; the state in memory is still right
            log.warning("could not note when device %s was last seen", device_id)


def _seen(db: Database, device_id: int, now: datetime) -> None:
    with db.write() as session:
        session.execute(update(Device).where(col(Device.id) == device_id).values(last_seen_at=now))


def _whole(message: Snapshot | CounterView | EventOut) -> str:
    if isinstance(message, EventOut):
        return message.as_json()  # encoded once for all its subscribers
    return message.model_dump_json()


def _bare(message: Snapshot | CounterView | EventOut) -> str:
    """Only that the queue moved, and its sequence: what the public status page may know."""
    return json.dumps({"type": message.type, "seq": message.seq})


async def _stream(
    websocket: WebSocket,
    db: Database,
    sub: Subscription,
    first: Snapshot | CounterView | list[EventOut],
    since: int,
    encode: Callable[[Snapshot | CounterView | EventOut], str] = _whole,
    wants: Callable[[EventOut], bool] | None = None,
) -> None:
    """Send the catch-up, then every event in sequence (those `wants`, if given; the others
    are skipped, so such a client sees increasing sequences, not consecutive ones)."""
    if not isinstance(first, list):
        await websocket.send_text(encode(first))
        last = first.seq
    else:
        for event in first:
            if wants is None or wants(event):
                await websocket.send_text(encode(event))
        # An empty replay means nothing happened after `since`.
        last = first[-1].seq if first else since
    # The client sends nothing we need, but reading is how a disconnect is noticed.
    receiver = asyncio.create_task(_drain(websocket))
    overflow = asyncio.create_task(sub.overflowed.wait())
    revoked = asyncio.create_task(sub.revoked.wait())
    try:
        while True:
            if revoked.done():  # the same close as a refused token, so clients treat it alike
                await websocket.close(POLICY_VIOLATION, render("device_revoked")["en"])
                return
            if overflow.done():
                await websocket.close(TRY_AGAIN_LATER, "too slow; reconnect with since")
                return
            if receiver.done():
                return
            if not sub.queue.empty():  # no task to wait with while events are queued
                event = sub.queue.get_nowait()
            else:
                getter = asyncio.create_task(sub.queue.get())
                done, _ = await asyncio.wait({getter, receiver, overflow, revoked}, return_when=asyncio.FIRST_COMPLETED)
                if getter not in done:
                    getter.cancel()
                    continue
                event = getter.result()
            if event.seq <= last:
                continue  # already sent in the catch-up
            if event.seq != last + 1:
                # Should not happen (events are published in order), but never leave a gap.
                counter_id = wants.counter_id if isinstance(wants, _CounterFilter) else None
                now = websocket.app.state.clock()
                fresh = await db.reading(lambda session: _catch_up(session, sub.center_id, None, now, 0, counter_id))
                await websocket.send_text(encode(fresh))  # type: ignore[arg-type]
                last = fresh.seq  # type: ignore[union-attr]
                continue
            last = event.seq
            if wants is None or wants(event):
                await websocket.send_text(encode(event))
    finally:
        receiver.cancel()
        overflow.cancel()
        revoked.cancel()


@router.websocket("/ws/status/{token}")
async def status_events(websocket: WebSocket, token: str) -> None:
    """Public, for the QR status page: a bare "the queue moved" (type and sequence, nothing
    else) for the center of the ticket with this token, so the page re-reads its own status."""
    app = websocket.app
    db: Database = app.state.db
    await websocket.accept()
    center_id = await db.reading(lambda session: _center_of_ticket(session, token))
    if center_id is None:
        await websocket.close(POLICY_VIOLATION, render("ticket_not_found")["en"])
        return
    with app.state.hub.subscribe(center_id) as sub:
        now = app.state.clock()
        first = await db.reading(lambda session: _catch_up(session, center_id, None, now, 0))
        try:
            await _stream(websocket, db, sub, first, 0, encode=_bare)
        except WebSocketDisconnect:
            pass


def _center_of_ticket(session: Session, token: str) -> int | None:
    try:
        return queue.ticket_by_token(session, token).center_id
    except DomainError:
        return None


def _same_origin(websocket: WebSocket) -> bool:
    """Browsers send Origin on a websocket; another site's page must not ride our cookie."""
    origin = websocket.headers.get("origin")
    host = websocket.headers.get("host")
    return origin is not None and host is not None and origin.split("://", 1)[-1] == host


async def _drain(websocket: WebSocket) -> None:
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                return
    except (WebSocketDisconnect, RuntimeError):
        return
