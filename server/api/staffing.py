"""Staffing advice for leaders and admins (server.staffing)."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from server import staffing
from server.api.answers import PERMITTED, answers
from server.api.deps import ApiId, DbDep, NowDep, json_answer
from server.api.models import StaffingAdvice
from server.api.security import ReadAudit, guard_center

router = APIRouter(tags=["staffing"], responses=PERMITTED)


@router.get("/staffing", response_model=StaffingAdvice, responses=answers(404))
async def staffing_advice(
    db: DbDep,
    now: NowDep,
    principal: ReadAudit,
    center_id: Annotated[ApiId, Query(description="the center")],
    weeks: int = Query(4, ge=1, le=26, description="weeks of history (the same weekday of each)"),
    target_minutes: float | None = Query(
        None, gt=0, le=240, description="the wait 90% of citizens should stay under; the center's setting if not given"
    ),
    day: date | None = Query(None, description="the day to plan (YYYY-MM-DD); today if not given"),
) -> Response:
    """Per category and local hour: the usual arrivals (same weekday, past `weeks` weeks), the
    counters needed so that 90% wait under `target_minutes` (by default the center's
    `wait_target_minutes`, set by its admin; Erlang C on measured service times), and the share
    under target that the counters open now would give."""
    guard_center(principal, center_id)
    return await db.reading(
        lambda session: json_answer(
            StaffingAdvice.model_validate(staffing.advice(session, center_id, day, weeks, target_minutes, now))
        )
    )
