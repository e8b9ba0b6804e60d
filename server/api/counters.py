from fastapi import APIRouter, Query
from sqlmodel import Session

from server import auth, protocol, queue
from server.api.deps import ApiId, DbDep, NowDep
from server.api.security import OperateCounter, ReadQueue, guard_center
from server.auth import Principal
from server.models import CounterState

router = APIRouter(prefix="/counters", tags=["counters"])


@router.get("/{counter_id}")
async def get_counter(counter_id: ApiId, db: DbDep, principal: ReadQueue) -> protocol.CounterOut:
    def read(session: Session) -> tuple[int, protocol.CounterOut]:
        counter = queue.get_counter(session, counter_id)
        return counter.center_id, queue.counter_out(session, counter)

    center_id, out = await db.reading(read)
    guard_center(principal, center_id)
    return out


@router.get("/{counter_id}/view")
async def counter_view(
    counter_id: ApiId,
    db: DbDep,
    now: NowDep,
    principal: ReadQueue,
    limit: int = Query(20, ge=1, le=200, description="how many waiting tickets to list, in call order"),
) -> protocol.CounterView:
    """What the counter's console shows: the ticket in hand and the waiting tickets in the order
    call-next would call them. Then follow `/ws/events?counter_id=...&since=seq`."""
    view = await db.reading(lambda session: queue.counter_view(session, counter_id, now, limit))
    guard_center(principal, view.center.id)
    return view


@router.post("/{counter_id}/call-next")
def call_next(counter_id: int, db: DbDep, now: NowDep, principal: OperateCounter) -> protocol.TicketOut:
    """Call the next waiting ticket by the center's priority rule; 409 if nobody waits."""
    with db.write() as session:
        guard_center(principal, queue.get_counter(session, counter_id).center_id)
        ticket = queue.call_next(session, now, counter_id)
        auth.audit(session, now, principal, "counter.call_next", ticket.center_id, ticket.label, counter_id=counter_id)
        return queue.ticket_out(ticket)


def _set_state(db, now, principal: Principal, counter_id: int, state: CounterState) -> protocol.CounterOut:  # type: ignore[no-untyped-def]
    with db.write() as session:
        guard_center(principal, queue.get_counter(session, counter_id).center_id)
        counter = queue.set_counter_state(session, now, counter_id, state)
        auth.audit(session, now, principal, f"counter.{state.value}", counter.center_id, f"counter {counter.number}")
        return queue.counter_out(session, counter)


@router.post("/{counter_id}/pause")
def pause(counter_id: int, db: DbDep, now: NowDep, principal: OperateCounter) -> protocol.CounterOut:
    return _set_state(db, now, principal, counter_id, CounterState.paused)


@router.post("/{counter_id}/resume")
def resume(counter_id: int, db: DbDep, now: NowDep, principal: OperateCounter) -> protocol.CounterOut:
    return _set_state(db, now, principal, counter_id, CounterState.open)
