from fastapi import APIRouter, Response, status

from server import protocol, queue
from server.api.deps import DbDep, NowDep, ReadSessionDep
from server.api.models import IssueRequest, TicketStatus, TransferRequest

router = APIRouter(tags=["tickets"])


@router.post("/tickets", status_code=status.HTTP_201_CREATED)
def issue_ticket(body: IssueRequest, db: DbDep, now: NowDep, response: Response) -> protocol.IssuedTicket:
    """Issue the next number of a category. A repeated idempotency key answers 200 with the
    ticket it issued the first time."""
    with db.write() as session:
        ticket, created = queue.issue_ticket(session, now, **body.model_dump())
    if not created:
        response.status_code = status.HTTP_200_OK
    # People ahead is an estimate: read it after the commit, outside the write lock that
    # every issue and call waits for.
    with db.read() as session:
        return queue.issued_out(session, ticket)


@router.get("/tickets/{ticket_id}")
def get_ticket(ticket_id: int, session: ReadSessionDep) -> protocol.TicketOut:
    return queue.ticket_out(queue.get_ticket(session, ticket_id))


def _action(name: str, change: queue.TicketChange) -> None:
    def endpoint(ticket_id: int, db: DbDep, now: NowDep) -> protocol.TicketOut:
        with db.write() as session:
            return queue.ticket_out(change(session, now, ticket_id))

    endpoint.__name__ = name.replace("-", "_")
    endpoint.__doc__ = change.__doc__
    router.add_api_route(f"/tickets/{{ticket_id}}/{name}", endpoint, methods=["POST"])


for _name, _change in {
    "recall": queue.recall,
    "start": queue.start_serving,
    "complete": queue.complete,
    "no-show": queue.no_show,
    "cancel": queue.cancel,
}.items():
    _action(_name, _change)


@router.post("/tickets/{ticket_id}/transfer")
def transfer(ticket_id: int, body: TransferRequest, db: DbDep, now: NowDep) -> protocol.TicketOut:
    """Send the ticket to another category or a named counter; returns the new waiting leg."""
    with db.write() as session:
        return queue.ticket_out(queue.transfer(session, now, ticket_id, **body.model_dump()))


@router.get("/status/{token}")
def ticket_status(token: str, session: ReadSessionDep) -> TicketStatus:
    ticket = queue.ticket_by_token(session, token)
    category = queue.get_category(session, ticket.category_id)
    counter = queue.get_counter(session, ticket.counter_id) if ticket.counter_id else None
    ahead = queue.people_ahead(session, ticket)
    return TicketStatus(
        label=ticket.label,
        state=ticket.state,
        service_day=ticket.service_day,
        category_vi=category.name_vi,
        category_en=category.name_en,
        people_ahead=ahead,
        estimated_wait_minutes=queue.estimated_wait_minutes(session, category, ahead),
        counter_number=counter.number if counter else None,
    )
