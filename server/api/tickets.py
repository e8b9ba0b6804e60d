from datetime import datetime

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from sqlmodel import Session

from server import auth, protocol, queue, ratings
from server.api.answers import BODY, INPUT, PERMITTED, answers
from server.api.deps import ApiId, DbDep, NowDep, TicketToken, json_answer, read_answer
from server.api.counters import officer_of
from server.api.models import CallRequest, IssueRequest, TicketStatus, TransferRequest
from server.api.security import IssueTickets, OperateCounter, ReadQueue, allowed, guard_center
from server.auth import Permission, Principal
from server.db import Database
from server.printing import public_url_for
from server.privacy import shown_to

router = APIRouter(tags=["tickets"], responses=INPUT)


@router.post(
    "/tickets",
    status_code=status.HTTP_201_CREATED,
    response_model=protocol.IssuedTicket,
    responses={200: {"model": protocol.IssuedTicket, "description": "a repeated idempotency key: the ticket it issued"}}
    | PERMITTED | BODY | answers(404, 409, 429),
)
async def issue_ticket(body: IssueRequest, request: Request, principal: IssueTickets) -> Response:
    """Issue the next number of a category. A repeated idempotency key answers 200 with the
    ticket it issued the first time. Kiosks are rate-limited per device."""
    return await _issue(request, body, principal)


_may_issue = allowed(Permission.ticket_issue)


async def issue_ticket_route(request: Request) -> Response:
    """`issue_ticket` as a plain Starlette route, ahead of the API's routes (server.app): the
    busiest request skips FastAPI's dependency solving, about a tenth of a ticket's cost.
    Same checks in the same order (401/403, then the body: 422), same error handlers; the
    FastAPI route above is what /openapi.json describes."""
    principal = await _may_issue(request)
    try:
        body = IssueRequest.model_validate_json(await request.body())
    except ValidationError as exc:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
    return await _issue(request, body, principal)


async def _issue(request: Request, body: IssueRequest, principal: Principal) -> Response:
    # Database and clock straight from the app, not as dependencies.
    db, now, printing = request.app.state.db, request.app.state.clock(), request.app.state.printing
    if principal.kind == "device":
        request.app.state.issue_limiter.hit(f"device:{principal.id}")
    place = principal.name if principal.kind == "device" else ("desk" if body.source == "desk" else None)
    # The printer's job is a row written with the ticket: committed together, printed by the
    # printer's worker (or claimed by its print agent) after the answer: the issue never waits
    # for a drawing or a printer.
    job_place = place if printing.prints_rows(place) else None
    public_url = public_url_for(request.app.state.settings, str(request.base_url)) if job_place else ""

    def issue(session: Session) -> tuple[protocol.IssuedTicket, bool]:
        ticket, created = queue.issue_ticket(session, now, **body.model_dump(), visible=principal.sees)
        if created and principal.kind == "user":
            auth.audit(session, now, principal, "ticket.issue", ticket.center_id, ticket.label, note=body.note)
        issued = queue.issued_out(session, ticket)
        if created and job_place is not None:
            issued.print_job = printing.add_job(session, now, ticket, job_place, public_url)
        return issued, created

    # In the next group commit: at a peak, many tickets share one fsync.
    issued, created = await db.run(issue)
    if job_place is not None and created:
        printing.wake(job_place)
    # Serialised here, once: FastAPI would validate the model again before serialising it.
    return Response(
        shown_to(principal, issued).model_dump_json(),  # a kiosk may repeat a desk's key
        status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        media_type="application/json",
    )


@router.get("/tickets/{ticket_id}", response_model=protocol.TicketOut, responses=PERMITTED | answers(404))
async def get_ticket(ticket_id: ApiId, db: DbDep, principal: ReadQueue) -> Response:
    def read(session: Session) -> protocol.TicketOut:
        ticket = queue.get_ticket(session, ticket_id)
        guard_center(principal, ticket.center_id)
        return shown_to(principal, queue.ticket_out(ticket))

    return await read_answer(db, read)


async def _change(db: Database, now: datetime, principal: Principal, ticket_id: int, action: str, change, **kw) -> Response:  # type: ignore[no-untyped-def]
    """Apply a domain change to a ticket of the principal's center, and audit it, in the
    next group commit (server.db: on the event loop, no worker thread)."""

    def job(session: Session) -> protocol.TicketOut:
        guard_center(principal, queue.center_of_ticket(session, ticket_id))
        ticket = change(session, now, ticket_id, officer=officer_of(principal), **kw)
        auth.audit(session, now, principal, f"ticket.{action}", ticket.center_id, ticket.label, **kw)
        return queue.ticket_out(ticket)

    return json_answer(await db.run(job))


def _action(name: str, change: queue.TicketChange) -> None:
    async def endpoint(ticket_id: ApiId, db: DbDep, now: NowDep, principal: OperateCounter) -> Response:
        return await _change(db, now, principal, ticket_id, name, change)

    endpoint.__name__ = name.replace("-", "_")
    endpoint.__doc__ = change.__doc__
    router.add_api_route(
        f"/tickets/{{ticket_id}}/{name}", endpoint, methods=["POST"], response_model=protocol.TicketOut,
        responses=PERMITTED | answers(404, 409),
    )  # fmt: skip


for _name, _change_fn in {
    "recall": queue.recall,
    "start": queue.start_serving,
    "complete": queue.complete,
    "no-show": queue.no_show,
    "cancel": queue.cancel,
}.items():
    _action(_name, _change_fn)


@router.post("/tickets/{ticket_id}/transfer", response_model=protocol.TicketOut, responses=PERMITTED | BODY | answers(404, 409))
async def transfer(ticket_id: ApiId, body: TransferRequest, db: DbDep, now: NowDep, principal: OperateCounter) -> Response:
    """Send the ticket to another category or a named counter; returns the new waiting leg."""
    return await _change(db, now, principal, ticket_id, "transfer", queue.transfer, **body.model_dump())


@router.post("/tickets/{ticket_id}/call", response_model=protocol.TicketOut, responses=PERMITTED | BODY | answers(404, 409))
async def call(ticket_id: ApiId, body: CallRequest, db: DbDep, now: NowDep, principal: OperateCounter) -> Response:
    """Call this ticket at the counter, out of the call order: a waiting ticket of today, or a
    no-show of today whose citizen came back. The counter must be free of a ticket, open,
    and the caller's (or nobody's)."""
    return await _change(db, now, principal, ticket_id, "call", queue.call_ticket, **body.model_dump())


# A label as typed at a counter: the category's letters and the number ("A5", "a005").
_LABEL = r"^\s*[A-Za-z]{1,2}\s*0*\d{1,5}\s*$"


@router.get("/centers/{center_id}/tickets/by-label", response_model=protocol.TicketOut, responses=PERMITTED | answers(404))
async def ticket_by_label(
    center_id: ApiId,
    db: DbDep,
    now: NowDep,
    principal: OperateCounter,
    label: str = Query(min_length=2, max_length=12, pattern=_LABEL, description="as printed, e.g. A005 (A5 will do)"),
) -> Response:
    """Today's ticket with that number, as the citizen holds it (its newest leg): what a
    console calls or cancels by number."""
    guard_center(principal, center_id)
    letters = "".join(c for c in label if c.isalpha()).upper()
    number = int("".join(c for c in label if c.isdigit()))
    return await read_answer(db, lambda session: queue.ticket_out(queue.find_today(session, center_id, f"{letters}{number:03d}", now)))


@router.get("/status/{token}", response_model=TicketStatus, responses=answers(404))
async def ticket_status(token: TicketToken, db: DbDep, now: NowDep) -> Response:
    """Public: what the QR code on a ticket opens. The token is unguessable; nothing else is shown."""
    return await read_answer(db, lambda session: _status(session, token, now))


def _status(session: Session, token: str, now: datetime) -> TicketStatus:
    ticket = queue.ticket_by_token(session, token)
    category = queue.get_category(session, ticket.category_id)
    counter = queue.get_counter(session, ticket.counter_id) if ticket.counter_id else None
    ahead, minutes = queue.estimate(session, ticket, now)
    return TicketStatus(
        label=ticket.label,
        state=ticket.state,
        center_id=ticket.center_id,
        service_day=ticket.service_day,
        category_vi=category.name_vi,
        category_en=category.name_en,
        people_ahead=ahead,
        estimated_wait_minutes=minutes,
        counter_number=counter.number if counter else None,
        **ratings.status_of(session, now, ticket),
    )
