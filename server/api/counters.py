from fastapi import APIRouter

from server import protocol, queue
from server.api.deps import DbDep, NowDep, ReadSessionDep
from server.models import CounterState

router = APIRouter(prefix="/counters", tags=["counters"])


@router.get("/{counter_id}")
def get_counter(counter_id: int, session: ReadSessionDep) -> protocol.CounterOut:
    return queue.counter_out(session, queue.get_counter(session, counter_id))


@router.post("/{counter_id}/call-next")
def call_next(counter_id: int, db: DbDep, now: NowDep) -> protocol.TicketOut:
    """Call the next waiting ticket by the center's priority rule; 409 if nobody waits."""
    with db.write() as session:
        return queue.ticket_out(queue.call_next(session, now, counter_id))


@router.post("/{counter_id}/pause")
def pause(counter_id: int, db: DbDep, now: NowDep) -> protocol.CounterOut:
    with db.write() as session:
        return queue.counter_out(session, queue.set_counter_state(session, now, counter_id, CounterState.paused))


@router.post("/{counter_id}/resume")
def resume(counter_id: int, db: DbDep, now: NowDep) -> protocol.CounterOut:
    with db.write() as session:
        return queue.counter_out(session, queue.set_counter_state(session, now, counter_id, CounterState.open))
