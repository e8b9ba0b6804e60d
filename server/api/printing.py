"""Ticket printing at the edge: the preview image and a reprint."""

import io
from enum import IntEnum

from fastapi import APIRouter, Query, Request, Response
from pydantic import Field

from server import protocol, queue
from server.api.deps import ReadSessionDep
from server.api.models import Body
from printer.layout import TicketPrint
from server.api.security import OperateCounter, PrintAgent, ReadQueue, guard_center
from server.printing import ticket_print

router = APIRouter(tags=["printing"])


class PaperWidth(IntEnum):
    mm58 = 384
    mm80 = 576


class PrintRequest(Body):
    place: str = Field(default="desk", min_length=1, max_length=100, description='the name of a kiosk, or "desk"')


@router.get("/tickets/{ticket_id}/ticket.png", response_class=Response)
def ticket_png(
    ticket_id: int,
    request: Request,
    session: ReadSessionDep,
    principal: ReadQueue,
    width: PaperWidth = Query(PaperWidth.mm80, description="384 dots (58 mm) or 576 (80 mm)"),
) -> Response:
    """The exact image a printer of that width gets for this ticket."""
    guard_center(principal, queue.get_ticket(session, ticket_id).center_id)
    image = request.app.state.printing.preview(ticket_id, int(width))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return Response(buffer.getvalue(), media_type="image/png")


@router.post("/tickets/{ticket_id}/print")
def reprint(
    ticket_id: int, body: PrintRequest, request: Request, session: ReadSessionDep, principal: OperateCounter
) -> protocol.PrintJobOut:
    """Print the ticket again on the printer of a kiosk or the entrance desk."""
    guard_center(principal, queue.get_ticket(session, ticket_id).center_id)
    return request.app.state.printing.reprint(ticket_id, body.place)


@router.get("/tickets/{ticket_id}/print-data")
def print_data(ticket_id: int, request: Request, session: ReadSessionDep, principal: PrintAgent) -> TicketPrint:
    """What goes on the paper, for a print agent to render on its own printer."""
    ticket = queue.get_ticket(session, ticket_id)
    guard_center(principal, ticket.center_id)
    return ticket_print(session, ticket, request.app.state.settings.public_url)


@router.post("/tickets/{ticket_id}/print-result")
def print_result(
    ticket_id: int, body: protocol.PrintJobOut, request: Request, session: ReadSessionDep, principal: PrintAgent
) -> protocol.PrintJobOut:
    """A print agent reports a job printing, done or failed; kiosks and consoles see it."""
    guard_center(principal, queue.get_ticket(session, ticket_id).center_id)
    return request.app.state.printing.report(ticket_id, principal.name, body)
