"""Ticket printing at the edge: the preview image and a reprint."""

import io
from enum import IntEnum

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from server import protocol, queue
from server.api.deps import ApiId, DbDep
from server.api.models import Body
from printer.layout import TicketPrint
from server.api.security import OperateCounter, PrintAgent, ReadQueue, guard_center
from server.auth import Principal
from server.db import Database
from server.printing import ticket_print

router = APIRouter(tags=["printing"])


def _guard_ticket(db: Database, principal: Principal, ticket_id: int) -> None:
    """404 unless the ticket is of the principal's center; the session is closed at once.
    (These routes are plain `def`: they render or print in their worker thread.)"""
    with db.read() as session:
        center_id = queue.get_ticket(session, ticket_id).center_id
    guard_center(principal, center_id)


class PaperWidth(IntEnum):
    mm58 = 384
    mm80 = 576


class PrintRequest(Body):
    place: str = Field(default="desk", min_length=1, max_length=100, description='the name of a kiosk, or "desk"')


@router.get("/tickets/{ticket_id}/ticket.png", response_class=Response)
def ticket_png(
    ticket_id: ApiId,
    request: Request,
    db: DbDep,
    principal: ReadQueue,
    width: PaperWidth = Query(PaperWidth.mm80, description="384 dots (58 mm) or 576 (80 mm)"),
) -> Response:
    """The exact image a printer of that width gets for this ticket."""
    _guard_ticket(db, principal, ticket_id)
    image = request.app.state.printing.preview(ticket_id, int(width))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return Response(buffer.getvalue(), media_type="image/png")


@router.post("/tickets/{ticket_id}/print")
def reprint(
    ticket_id: ApiId, body: PrintRequest, request: Request, db: DbDep, principal: OperateCounter
) -> protocol.PrintJobOut:
    """Print the ticket again on the printer of a kiosk or the entrance desk."""
    _guard_ticket(db, principal, ticket_id)
    return request.app.state.printing.reprint(ticket_id, body.place)


@router.get("/tickets/{ticket_id}/print-data")
def print_data(ticket_id: ApiId, request: Request, db: DbDep, principal: PrintAgent) -> TicketPrint:
    """What goes on the paper, for a print agent to render on its own printer."""
    with db.read() as session:  # closed before FastAPI checks the answer
        ticket = queue.get_ticket(session, ticket_id)
        guard_center(principal, ticket.center_id)
        return ticket_print(session, ticket, request.app.state.settings.public_url)


@router.post("/tickets/{ticket_id}/print-result")
def print_result(
    ticket_id: ApiId, body: protocol.PrintJobOut, request: Request, db: DbDep, principal: PrintAgent
) -> protocol.PrintJobOut:
    """A print agent reports a job printing, done or failed; kiosks and consoles see it."""
    _guard_ticket(db, principal, ticket_id)
    return request.app.state.printing.report(ticket_id, principal.name, body)
