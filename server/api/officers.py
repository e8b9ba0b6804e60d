"""Figures per officer: who called and ended how many tickets on a service day. Leaders and
admins read them (the tickets record the officer: `called_by`, `ended_by`)."""

from datetime import date

from fastapi import APIRouter, Query
from sqlalchemy import func, select
from sqlmodel import Session, col

from server import queue
from server.api.answers import PERMITTED, answers
from server.api.deps import ApiId, DbDep, NowDep
from server.api.models import OfficerFigures
from server.api.security import ReadAudit, guard_center
from server.models import Ticket, TicketState, User

router = APIRouter(tags=["officers"], responses=PERMITTED)
_ENDINGS = (TicketState.done, TicketState.no_show, TicketState.transferred, TicketState.cancelled)


@router.get("/centers/{center_id}/officer-figures", responses=answers(404))
async def officer_figures(
    center_id: ApiId,
    db: DbDep,
    now: NowDep,
    principal: ReadAudit,
    day: date | None = Query(None, description="the service day (YYYY-MM-DD); today if not given"),
) -> list[OfficerFigures]:
    """Per officer who worked that day, by username: tickets called, and those they ended as
    done, no-show, transferred or cancelled."""
    guard_center(principal, center_id)
    return await db.reading(lambda session: figures(session, center_id, day, now))


def figures(session: Session, center_id: int, day: date | None, now) -> list[OfficerFigures]:  # type: ignore[no-untyped-def]
    day = day or queue.service_day(queue.get_center(session, center_id), now)
    today = (Ticket.center_id == center_id, Ticket.service_day == day)
    counts: dict[int, dict[str, int]] = {}
    for officer, n in session.execute(
        select(Ticket.called_by, func.count()).where(*today, col(Ticket.called_by).is_not(None)).group_by(Ticket.called_by)
    ):
        counts.setdefault(officer, {})["called"] = n
    for officer, state, n in session.execute(
        select(Ticket.ended_by, Ticket.state, func.count())
        .where(*today, col(Ticket.ended_by).is_not(None), col(Ticket.state).in_(_ENDINGS))
        .group_by(Ticket.ended_by, Ticket.state)
    ):
        counts.setdefault(officer, {})[TicketState(state).value] = n
    users = session.execute(select(User).where(col(User.id).in_(counts))).scalars()
    return sorted(
        (
            OfficerFigures(
                officer_id=user.id,  # type: ignore[arg-type]
                username=user.username,
                full_name=user.full_name,
                called=counts[user.id].get("called", 0),  # type: ignore[index]
                **{state.value: counts[user.id].get(state.value, 0) for state in _ENDINGS},  # type: ignore[index]
            )
            for user in users
        ),
        key=lambda figures: figures.username,
    )
