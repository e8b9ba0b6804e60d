"""The audit log: who did what, when. Readable by a center's admin and leader."""


from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import col

from server.api.answers import PERMITTED, answers
from server.api.deps import ApiId, DbDep
from server.api.security import ReadAudit, guard_center
from server.models import AuditEntry
from server.protocol import UtcDatetime

router = APIRouter(tags=["audit"], responses=PERMITTED)


class AuditOut(BaseModel):
    id: int
    actor: str
    action: str
    target: str
    at: UtcDatetime
    detail: dict


@router.get("/centers/{center_id}/audit", responses=answers(404))
async def read_audit(
    center_id: ApiId,
    db: DbDep,
    principal: ReadAudit,
    before: ApiId | None = Query(None, description="entries older than this id (the next page)"),
    limit: int = Query(100, ge=1, le=500),
) -> list[AuditOut]:
    """The newest entries first; page back with `before` = the last id you got."""
    guard_center(principal, center_id)
    statement = select(AuditEntry).where(AuditEntry.center_id == center_id)
    if before is not None:
        statement = statement.where(col(AuditEntry.id) < before)
    statement = statement.order_by(col(AuditEntry.id).desc()).limit(limit)
    return await db.reading(
        lambda session: [AuditOut.model_validate(row, from_attributes=True) for row in session.execute(statement).scalars()]
    )
