from fastapi import APIRouter
from sqlalchemy import select
from sqlmodel import col

from server import protocol, queue
from server.api.deps import NowDep, ReadSessionDep
from server.api.security import ReadQueue, guard_center
from server.models import Center

router = APIRouter(prefix="/centers", tags=["centers"])


@router.get("")
def list_centers(session: ReadSessionDep, principal: ReadQueue) -> list[protocol.CenterOut]:
    """The centers this principal sees: its own, or all for a province account."""
    statement = select(Center).order_by(col(Center.id))
    if principal.center_id is not None:
        statement = statement.where(Center.id == principal.center_id)
    centers = session.execute(statement).scalars()
    return [protocol.CenterOut.model_validate(c, from_attributes=True) for c in centers]


@router.get("/{center_id}/queue")
def queue_snapshot(center_id: int, session: ReadSessionDep, now: NowDep, principal: ReadQueue) -> protocol.Snapshot:
    """The center's whole queue now: categories (open or why closed), counters, active tickets."""
    guard_center(principal, center_id)
    return queue.snapshot(session, center_id, now)
