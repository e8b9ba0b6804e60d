from fastapi import APIRouter
from sqlalchemy import select
from sqlmodel import col

from server import protocol, queue
from server.api.deps import NowDep, ReadSessionDep
from server.models import Center

router = APIRouter(prefix="/centers", tags=["centers"])


@router.get("")
def list_centers(session: ReadSessionDep) -> list[protocol.CenterOut]:
    centers = session.execute(select(Center).order_by(col(Center.id))).scalars()
    return [protocol.CenterOut.model_validate(c, from_attributes=True) for c in centers]


@router.get("/{center_id}/queue")
def queue_snapshot(center_id: int, session: ReadSessionDep, now: NowDep) -> protocol.Snapshot:
    """The center's whole queue now: categories (open or why closed), counters, active tickets."""
    return queue.snapshot(session, center_id, now)
