from fastapi import APIRouter, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session, col

from server import protocol, queue
from server.api.answers import PERMITTED, answers
from server.api.deps import ApiId, DbDep, NowDep, read_answer
from server.api.security import ReadQueue, guard_center
from server.models import Category, Center
from server.privacy import shown_to

router = APIRouter(prefix="/centers", tags=["centers"], responses=PERMITTED)


@router.get("", response_model=list[protocol.CenterOut])
async def list_centers(db: DbDep, principal: ReadQueue) -> Response:
    """The centers this principal sees: its own; a province account's, those of its province;
    all, for an account of the whole server."""
    statement = select(Center).order_by(col(Center.id))
    if principal.center_id is not None:
        statement = statement.where(Center.id == principal.center_id)
    elif principal.centers is not None:
        statement = statement.where(col(Center.id).in_(sorted(principal.centers)))

    def read(session: Session) -> list[protocol.CenterOut]:
        return [protocol.CenterOut.model_validate(c, from_attributes=True) for c in session.execute(statement).scalars()]

    return await read_answer(db, read)


@router.get("/{center_id}/counters", response_model=list[protocol.CounterOut], responses=answers(404))
async def list_counters(center_id: ApiId, db: DbDep, principal: ReadQueue) -> Response:
    """The center's counters, by number, with their categories (a console's counter picker)."""
    guard_center(principal, center_id)
    return await read_answer(db, lambda session: queue.counters_of(session, center_id))


@router.get("/{center_id}/categories", response_model=list[protocol.CategoryOut], responses=answers(404))
async def list_categories(center_id: ApiId, db: DbDep, now: NowDep, principal: ReadQueue) -> Response:
    """The center's categories in order, open or why closed (a console's transfer and desk)."""
    guard_center(principal, center_id)
    return await read_answer(db, lambda session: queue.categories_of(session, center_id, now))


@router.get("/{center_id}/queue", response_model=protocol.Snapshot, responses=answers(404))
async def queue_snapshot(center_id: ApiId, db: DbDep, now: NowDep, principal: ReadQueue) -> Response:
    """The center's whole queue now: categories (open or why closed), counters, active tickets.
    A counter's console reads `/counters/{counter_id}/view` instead: what it shows, no more."""
    guard_center(principal, center_id)
    return await read_answer(db, lambda session: shown_to(principal, queue.snapshot(session, center_id, now)))


class CategoryWait(BaseModel):
    category_id: int
    waiting: int
    expected_minutes: int  # for someone taking an ordinary ticket now (server.estimate)


@router.get("/{center_id}/waits", responses=answers(404))
async def category_waits(center_id: ApiId, db: DbDep, now: NowDep, principal: ReadQueue) -> list[CategoryWait]:
    """Per active category, the people waiting and the wait a new ticket would be told: the
    leader's floor (and anything else that shows a wait) uses the tickets' own estimator."""
    guard_center(principal, center_id)

    def read(session: Session) -> list[CategoryWait]:
        ids = session.execute(select(Category.id).where(Category.center_id == center_id, col(Category.active)).order_by(col(Category.position)))
        waits = []
        for (category_id,) in ids:
            waiting, minutes = queue.expected_wait(session, center_id, category_id, now)
            waits.append(CategoryWait(category_id=category_id, waiting=waiting, expected_minutes=minutes))
        return waits

    return await db.reading(read)
