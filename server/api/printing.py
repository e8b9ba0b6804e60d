"""Ticket printing at the edge: the preview image, reprints, the day's unprinted tickets, and
what print agents claim, fetch (a ticket's data, a slip) and report."""

import io
from datetime import UTC, datetime, time
from enum import IntEnum
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from printer.layout import TicketPrint
from printer.slip import SlipContent
from server import protocol, queue
from server.api.answers import BODY, PERMITTED, answers
from server.api.deps import ApiId, DbDep, NowDep
from server.api.models import Body
from server.api.security import OperateCounter, PrintAgent, ReadQueue, guard_center
from server.auth import Principal
from server.db import Database
from server.printing import public_url_for, ticket_print

router = APIRouter(tags=["printing"], responses=PERMITTED)


class PaperWidth(IntEnum):
    mm58 = 384
    mm80 = 576


class PrintRequest(Body):
    place: str = Field(default="desk", min_length=1, max_length=100, description='the name of a kiosk, or "desk"')


def _guard_ticket(db: Database, principal: Principal, ticket_id: int) -> None:
    """404 unless the ticket is of the principal's center; the session is closed at once.
    (These routes are plain `def`: they render or print in their worker thread.)"""
    with db.read() as session:
        center_id = queue.get_ticket(session, ticket_id).center_id
    guard_center(principal, center_id)


def _public_url(request: Request) -> str:
    return public_url_for(request.app.state.settings, str(request.base_url))


@router.get("/tickets/{ticket_id}/ticket.png", response_class=Response, responses=answers(404))
def ticket_png(
    ticket_id: ApiId,
    request: Request,
    db: DbDep,
    principal: ReadQueue,
    width: PaperWidth = Query(PaperWidth.mm80, description="384 dots (58 mm) or 576 (80 mm)"),
) -> Response:
    """The exact image a printer of that width gets for this ticket."""
    _guard_ticket(db, principal, ticket_id)
    image = request.app.state.printing.preview(ticket_id, _public_url(request), int(width))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return Response(buffer.getvalue(), media_type="image/png")


@router.post("/tickets/{ticket_id}/print", responses=BODY | answers(404, 409))
def reprint(
    ticket_id: ApiId, body: PrintRequest, request: Request, db: DbDep, principal: OperateCounter
) -> protocol.PrintJobOut:
    """Print the ticket again on the printer of a kiosk or the entrance desk. While a job for the
    ticket is unfinished on that printer, that job is the answer: one copy however many clicks."""
    _guard_ticket(db, principal, ticket_id)
    return request.app.state.printing.reprint(ticket_id, body.place, _public_url(request))


@router.get("/centers/{center_id}/print-jobs", responses=answers(404))
def print_jobs(
    center_id: ApiId,
    request: Request,
    db: DbDep,
    principal: OperateCounter,  # staff's list: kiosks and displays have no business with it
    now: NowDep,
    unprinted: bool = Query(False, description="only each ticket's latest job, unless it printed"),
) -> list[protocol.PrintJobOut]:
    """Today's print jobs of the center (its own time zone), newest first."""
    guard_center(principal, center_id)
    with db.read() as session:  # closed at once: the list is read by the printing code
        center = queue.get_center(session, center_id)
    zone = ZoneInfo(center.timezone)
    midnight = datetime.combine(queue.service_day(center, now), time(), zone).astimezone(UTC)
    return request.app.state.printing.jobs(center_id, midnight, unprinted)


@router.get("/tickets/{ticket_id}/print-data", responses=answers(404))
def print_data(ticket_id: ApiId, request: Request, db: DbDep, principal: PrintAgent) -> TicketPrint:
    """What goes on the paper, for a print agent to render on its own printer."""
    with db.read() as session:  # closed before FastAPI checks the answer
        ticket = queue.get_ticket(session, ticket_id)
        guard_center(principal, ticket.center_id)
        return ticket_print(session, ticket, _public_url(request))


@router.get("/print-jobs/{job_id}/slip", responses=answers(404))
def print_job_slip(job_id: ApiId, request: Request, principal: PrintAgent) -> SlipContent:
    """The appointment slip a job of this agent's printers prints, as it was when the job was
    made (404 for a ticket's job or another agent's)."""
    return request.app.state.printing.slip_of(job_id, principal.name)


@router.post(
    "/print-agent/jobs/claim",
    response_model=protocol.PrintJobOut,
    responses={204: {"description": "no job to print now"}},
)
def claim_job(request: Request, principal: PrintAgent) -> Response:
    """The oldest unfinished job of this agent's printers, claimed for it (204 when none). Jobs
    too old to print late are expired instead; a job the agent claimed and never reported comes
    back first. (Plain `def`: the claim is conditional UPDATEs in this worker thread.)"""
    job = request.app.state.printing.claim(principal.name, principal.center_id)
    if job is None:
        return Response(status_code=204)
    return Response(job.model_dump_json(), media_type="application/json")


@router.post("/tickets/{ticket_id}/print-result", responses=BODY | answers(404))
def print_result(
    ticket_id: ApiId, body: protocol.PrintJobOut, request: Request, db: DbDep, principal: PrintAgent
) -> protocol.PrintJobOut:
    """A print agent reports a claimed job printed, sent, retrying (its printer failed) or failed
    (interrupted mid-print); kiosks and consoles see it. The job changes only while the agent
    still holds its claim."""
    _guard_ticket(db, principal, ticket_id)
    return request.app.state.printing.report(ticket_id, principal.name, body)
