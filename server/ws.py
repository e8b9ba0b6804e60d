"""/ws/events: a center's snapshot, then every event in sequence.

A client that reconnects with `?since=SEQ` gets exactly the events after SEQ, or a fresh
snapshot when they can no longer be replayed. Each client reads from its own bounded queue; a
client that falls too far behind is closed (code 1013) and resyncs by reconnecting with its
last sequence.
"""

import asyncio
import functools
import json
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from fastapi import APIRouter, Query, WebSocket, WebSocketDisconnect
from fastapi.concurrency import run_in_threadpool
from starlette.websockets import WebSocketState
from sqlalchemy import select, update
from sqlmodel import Session, col

from server import auth, queue
from server.api.security import presented_token, resolve_principal
from server.auth import Permission, Principal
from server.db import Database
from server.errors import DomainError
from server.events import Subscription
from server.ids import MAX_ID, ApiId
from server.messages import render
from server.models import Center, Device
from server.presence import Presence
from server.privacy import is_staff
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


def _default_center(session: Session, principal: Principal) -> int | None:
    """The first center an account above the centers sees."""
    if principal.centers is not None:
        return min(principal.centers, default=None)
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


class _ConnectionLines(logging.Filter):
    """uvicorn logs every websocket's handshake, opening and closing at INFO, with its address
    and query string: a flood of strangers (or displays reconnecting) filled the log with
    three lines each, tokens in ?token= included. They go to DEBUG: shown only when uvicorn's
    log is at DEBUG. Who is connected is state (server/presence.py), not a log line."""

    LINES = frozenset({'%s - "WebSocket %s" [accepted]', '%s - "WebSocket %s" 403', '%s - "WebSocket %s" %d', "connection open", "connection closed"})

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or record.msg not in self.LINES:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger(record.name).isEnabledFor(logging.DEBUG)


def quiet_connection_lines() -> None:
    """Put uvicorn's per-websocket lines at DEBUG (once per process)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _ConnectionLines) for f in logger.filters):
        logger.addFilter(_ConnectionLines())


def _until_gone(handler: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """A stream's handler, ended quietly when its client leaves at any step (a flood of
    clients that connect and drop at once left a traceback per client: a close or a send
    after the client had gone), and a busy or failing database answered with a close code:
    on a websocket there is no HTTP answer to give (the app's error handlers would try)."""

    @functools.wraps(handler)
    async def run(websocket: WebSocket, *args: object, **kwargs: object) -> None:
        try:
            await handler(websocket, *args, **kwargs)
        except WebSocketDisconnect:
            pass  # the client left; nobody to tell
        except DomainError as exc:
            await _close(websocket, TRY_AGAIN_LATER if exc.status >= 500 else POLICY_VIOLATION, exc.message["en"])

    return run


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    """Close with a reason, unless the client has gone already (then there is no one to tell,
    and uvicorn refuses a close after the connection ended)."""
    if websocket.application_state != WebSocketState.CONNECTED or websocket.client_state != WebSocketState.CONNECTED:
        return
    try:
        await websocket.close(code, reason[:120])  # a close frame's reason holds 123 bytes
    except WebSocketDisconnect:
        pass


def _refused(websocket: WebSocket, code: int, reason: str) -> Awaitable[None]:
    """Refuse a stream: logged at DEBUG, as a flood of strangers must not fill the log."""
    log.debug("refused %s from %s: %s", websocket.url.path, websocket.client, reason)
    return _close(websocket, code, reason)


@router.websocket("/ws/events")
@_until_gone
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
        await _refused(websocket, POLICY_VIOLATION, render("unauthorized")["en"])
        return
    wants: Callable[[EventOut], bool] | None = None
    replayed: Callable[[EventOut], bool] | None = None
    # A DomainError (an unknown counter, a busy database) is answered by _until_gone.
    if counter_id is not None:
        center_id, categories = await db.reading(lambda session: _counter_categories(session, counter_id))
        # Two filters, each fed its events in order: the live one (the subscription's) may see
        # newer events while the catch-up is read, and a counter's categories change with them.
        wants, replayed = _CounterFilter(counter_id, categories), _CounterFilter(counter_id, set(categories))
    elif center_id is None:
        center_id = principal.center_id or await db.reading(lambda session: _default_center(session, principal))
    if center_id is None:
        await _refused(websocket, POLICY_VIOLATION, "no center")
        return
    if not principal.sees(center_id):
        await _refused(websocket, POLICY_VIOLATION, render("center_not_found")["en"])
        return
    device = principal.id if principal.kind == "device" else None
    if device is not None:
        await _presence(app, device, True)
    # Subscribe before reading the catch-up, so nothing committed in between is missed;
    # anything delivered twice is dropped by its sequence below.
    # An officer's stream also ends with the session it was opened by (signing out).
    signed_in = auth.token_hash(token) if principal.kind == "user" and token else None
    with app.state.hub.subscribe(center_id, owner=(principal.kind, principal.id), session=signed_in, wants=wants) as sub:
        limit = app.state.settings.event_replay_limit
        try:  # a DomainError (unknown counter, busy database) is answered by _until_gone
            encode = _whole if is_staff(principal) else _public
            # Encoded at once and never kept: a snapshot held for the life of each idle
            # connection cost ~125-750 KB apiece, by the size of the queue (bench/idle_websockets.py).
            opening = _opening(
                await db.reading(lambda session: _catch_up(session, center_id, since, app.state.clock(), limit, counter_id)),
                since or 0,
                encode,
                replayed,
            )
            await _stream(websocket, db, sub, opening, encode=encode)
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


def _public(message: Snapshot | CounterView | EventOut) -> str:
    """What a device may have (server/privacy.py): no notes, dossiers nor ratings."""
    if isinstance(message, EventOut):
        return message.as_public_json()  # encoded once for all the devices it goes to
    return message.public().model_dump_json()


def _bare(message: Snapshot | CounterView | EventOut) -> str:
    """Only that the queue moved, and its sequence: what the public status page may know."""
    return _bare_seq(message.type, message.seq)


def _bare_seq(kind: str, seq: int) -> str:
    return json.dumps({"type": kind, "seq": seq})


def _opening(
    first: Snapshot | CounterView | list[EventOut],
    since: int,
    encode: Callable[[Snapshot | CounterView | EventOut], str],
    wants: Callable[[EventOut], bool] | None = None,
) -> tuple[list[str], int]:
    """The catch-up as the texts to send, and the sequence it brings the client to."""
    if not isinstance(first, list):
        return [encode(first)], first.seq
    # An empty replay means nothing happened after `since`.
    return [encode(event) for event in first if wants is None or wants(event)], (first[-1].seq if first else since)


async def _stream(
    websocket: WebSocket,
    db: Database,
    sub: Subscription,
    opening: tuple[list[str], int],
    encode: Callable[[Snapshot | CounterView | EventOut], str] = _whole,
) -> None:
    """Send the catch-up (`_opening`), then every event in sequence (those the subscription
    `wants`, if it filters; the others are passed over as they are offered, so such a client
    sees increasing sequences, not consecutive ones)."""
    texts, last = opening
    texts.reverse()
    while texts:  # popped, not iterated: an idle connection keeps none of it (the caller's list is emptied too)
        await websocket.send_text(texts.pop())
    # The client sends nothing we need, but reading is how a disconnect is noticed.
    receiver = asyncio.create_task(_drain(websocket))
    receiver.add_done_callback(lambda _: sub.wake.set())
    try:
        while True:
            # The client's leaving comes first: nothing may be sent after it (a send or close
            # then is refused by uvicorn, with a traceback in the log).
            if receiver.done():
                return
            if sub.revoked:  # the same close as a refused token, so clients treat it alike
                await _close(websocket, POLICY_VIOLATION, render(sub.revoked_because)["en"])
                return
            if sub.overflowed:
                await _close(websocket, TRY_AGAIN_LATER, "too slow; reconnect with since")
                return
            if sub.gap:
                # Should not happen (events are published in order), but never leave a gap:
                # start afresh from what the database holds now.
                while not sub.queue.empty():
                    sub.queue.get_nowait()
                sub.gap, sub.seen = False, None
                counter_id = sub.wants.counter_id if isinstance(sub.wants, _CounterFilter) else None
                now = websocket.app.state.clock()
                fresh = await db.reading(lambda session: _catch_up(session, sub.center_id, None, now, 0, counter_id))
                await websocket.send_text(encode(fresh))  # type: ignore[arg-type]
                last = fresh.seq  # type: ignore[union-attr]
                del fresh  # not kept while the connection idles
                continue
            if sub.queue.empty():
                # Nothing runs between the check and the clear (no await): no wake-up is lost.
                sub.wake.clear()
                await sub.wake.wait()
                continue
            event = sub.queue.get_nowait()
            if event.seq <= last:
                continue  # already sent in the catch-up
            last = event.seq
            await websocket.send_text(encode(event))
    finally:
        receiver.cancel()


@router.websocket("/ws/status/{token}")
@_until_gone
async def status_events(websocket: WebSocket, token: str) -> None:
    """Public, for the QR status page: a bare "the queue moved" (type and sequence, nothing
    else) for the center of the ticket with this token, so the page re-reads its own status."""
    app = websocket.app
    db: Database = app.state.db
    await websocket.accept()
    center_id = await db.reading(lambda session: _center_of_ticket(session, token))
    if center_id is None:
        await _refused(websocket, POLICY_VIOLATION, render("ticket_not_found")["en"])
        return
    with app.state.hub.subscribe(center_id) as sub:
        # Only the sequence: the page is told that the queue moved, never what it holds.
        seq = await db.reading(lambda session: queue.last_seq(session, center_id))
        await _stream(websocket, db, sub, ([_bare_seq("snapshot", seq)], seq), encode=_bare)


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
