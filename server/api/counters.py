from datetime import datetime

from fastapi import APIRouter, Query, Response
from sqlmodel import Session

from server import auth, protocol, queue
from server.api.answers import BODY, PERMITTED, answers
from server.api.deps import ApiId, DbDep, NowDep, json_answer, read_answer
from server.api.models import ClaimRequest, PauseRequest
from server.api.security import OperateCounter, ReadQueue, guard_center
from server.auth import Principal
from server.db import Database
from server.errors import Forbidden
from server.models import CounterState, PauseReason
from server.privacy import shown_to

router = APIRouter(prefix="/counters", tags=["counters"], responses=PERMITTED)


@router.get("/{counter_id}", response_model=protocol.CounterOut, responses=answers(404))
async def get_counter(counter_id: ApiId, db: DbDep, principal: ReadQueue) -> Response:
    def read(session: Session) -> protocol.CounterOut:
        counter = queue.get_counter(session, counter_id)
        guard_center(principal, counter.center_id)
        return queue.counter_out(session, counter)

    return await read_answer(db, read)


@router.get("/{counter_id}/view", response_model=protocol.CounterView, responses=answers(404))
async def counter_view(
    counter_id: ApiId,
    db: DbDep,
    now: NowDep,
    principal: ReadQueue,
    limit: int = Query(20, ge=1, le=200, description="how many waiting tickets to list, in call order"),
) -> Response:
    """What the counter's console shows: the ticket in hand and the waiting tickets in the order
    call-next would call them. Then follow `/ws/events?counter_id=...&since=seq`."""

    def read(session: Session) -> protocol.CounterView:
        guard_center(principal, queue.get_counter(session, counter_id).center_id)
        return shown_to(principal, queue.counter_view(session, counter_id, now, limit))

    return await read_answer(db, read)


@router.post("/{counter_id}/call-next", response_model=protocol.TicketOut, responses=answers(404, 409))
async def call_next(counter_id: ApiId, db: DbDep, now: NowDep, principal: OperateCounter) -> Response:
    """Call the next waiting ticket by the center's priority rule; 409 if nobody waits."""

    def change(session: Session) -> protocol.TicketOut:
        guard_center(principal, queue.center_of_counter(session, counter_id))
        ticket = queue.call_next(session, now, counter_id, officer_of(principal))
        auth.audit(session, now, principal, "counter.call_next", ticket.center_id, ticket.label, counter_id=counter_id)
        return queue.ticket_out(ticket)

    return json_answer(await db.run(change))


def officer_of(principal: Principal) -> queue.Officer | None:
    """The officer a principal is at a counter: a signed-in user (staff, leader, admin)."""
    return queue.Officer(principal.id, principal.name) if principal.kind == "user" else None


@router.post("/{counter_id}/claim", response_model=protocol.CounterOut, responses=BODY | answers(404, 409))
async def claim(counter_id: ApiId, db: DbDep, now: NowDep, principal: OperateCounter, body: ClaimRequest | None = None) -> Response:
    """Work this counter (the console's sign-in to a counter); the officer's other counter, if
    any, is released. A counter another officer holds: 409 `counter_held` (who, since when),
    unless `take_over`, which takes it and tells that officer's console by its event."""
    take_over = body.take_over if body else False

    def change(session: Session) -> protocol.CounterOut:
        guard_center(principal, queue.get_counter(session, counter_id).center_id)
        officer = officer_of(principal)
        if officer is None:
            raise Forbidden("forbidden")
        counter, previous = queue.claim(session, now, counter_id, officer, take_over=take_over)
        action = "counter.take_over" if previous else "counter.claim"
        auth.audit(session, now, principal, action, counter.center_id, f"counter {counter.number}", taken_from=previous)
        return queue.counter_out(session, counter)

    return json_answer(await db.run(change))


@router.post("/{counter_id}/release", response_model=protocol.CounterOut, responses=answers(404, 409))
async def release(counter_id: ApiId, db: DbDep, now: NowDep, principal: OperateCounter) -> Response:
    """Leave the counter (signing out, changing counter): free for the next officer."""

    def change(session: Session) -> protocol.CounterOut:
        guard_center(principal, queue.get_counter(session, counter_id).center_id)
        officer = officer_of(principal)
        if officer is None:
            raise Forbidden("forbidden")
        counter = queue.release(session, now, counter_id, officer)
        auth.audit(session, now, principal, "counter.release", counter.center_id, f"counter {counter.number}")
        return queue.counter_out(session, counter)

    return json_answer(await db.run(change))


async def _set_state(
    db: Database, now: datetime, principal: Principal, counter_id: int, state: CounterState, reason: PauseReason | None = None
) -> Response:
    def change(session: Session) -> protocol.CounterOut:
        guard_center(principal, queue.get_counter(session, counter_id).center_id)
        counter = queue.set_counter_state(session, now, counter_id, state, officer=officer_of(principal), reason=reason)
        detail = {"reason": reason.value} if reason else {}
        auth.audit(session, now, principal, f"counter.{state.value}", counter.center_id, f"counter {counter.number}", **detail)
        return queue.counter_out(session, counter)

    return json_answer(await db.run(change))


@router.post("/{counter_id}/pause", response_model=protocol.CounterOut, responses=BODY | answers(404, 409))
async def pause(counter_id: ApiId, db: DbDep, now: NowDep, principal: OperateCounter, body: PauseRequest | None = None) -> Response:
    """Stop calling (the ticket in hand stays), with the reason the console shows: lunch,
    meeting, system_fault or other."""
    return await _set_state(db, now, principal, counter_id, CounterState.paused, body.reason if body else None)


@router.post("/{counter_id}/resume", response_model=protocol.CounterOut, responses=answers(404, 409))
async def resume(counter_id: ApiId, db: DbDep, now: NowDep, principal: OperateCounter) -> Response:
    return await _set_state(db, now, principal, counter_id, CounterState.open)
