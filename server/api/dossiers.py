"""Dossiers at the counter: receive one from a ticket, list, read, move along its life; the
center's procedures to pick from; the citizen's public status by token.

    POST /api/v1/dossiers                      receive (from the ticket at the officer's counter)
    GET  /api/v1/dossiers?center_id=&state=&late=&ticket_id=&q=&before=&limit=
    GET  /api/v1/dossiers/{dossier_id}
    POST /api/v1/dossiers/{dossier_id}/state   {"state": ..., "missing_documents"?, "reject_reason"?}
    GET  /api/v1/centers/{center_id}/procedures?q=   (diacritics optional)
    GET  /api/v1/public/dossiers/{token}       public: what the status page /d/{token} shows
    GET  /api/v1/dossiers/{dossier_id}/slip.pdf|slip.png?width=576   the appointment slip
    POST /api/v1/dossiers/{dossier_id}/print-slip   on the printer of the counter that received it

One state route with a validated body, not one route per state: a client (the console, a
script) sends the state it means, and the rules of which state may follow which live in one
table (server.dossiers.NEXT). Dossiers hold personal data: only staff read them (devices do
not), and their events carry no name or phone.
"""

import re
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator, BaseModel, Field, ValidationInfo, field_validator
from sqlmodel import Session

from printer.slip import SlipContent, slip_pdf, slip_png
from server import auth, directory, dossiers, protocol, queue
from server.api.counters import officer_of
from server.api.answers import BODY, INPUT, PERMITTED, answers
from server.api.deps import ApiId, DbDep, NowDep, TicketToken, json_answer, read_answer
from server.api.models import Body
from server.api.printing import PaperWidth
from server.api.security import OperateCounter, ReadQueue, guard_center
from server.auth import Principal
from server.errors import Conflict, Forbidden
from server.messages import render
from server.printing import public_url_for, slip_content
from server.invalid import Refused
from server.models import Dossier, DossierState

router = APIRouter(tags=["dossiers"], responses=INPUT)

_PHONE_SEPARATORS = re.compile(r"[\s.\-()]")
_PHONE = re.compile(r"^(0\d{9,10}|\+84\d{9,10})$")


def _phone(value: str | None) -> str | None:
    """A Vietnamese phone number as typed ("0912 345 678"), kept without separators."""
    if not value:
        return None
    digits = _PHONE_SEPARATORS.sub("", value)
    if not _PHONE.match(digits):
        raise Refused("not_a_phone")
    return digits


def _printable(value: str | None) -> str | None:
    if value and any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in value):
        raise Refused("control_characters")
    return value or None


class DossierIn(Body):
    ticket_id: ApiId
    procedure_id: ApiId
    # Mã hồ sơ, typed or scanned (a barcode scanner types it): "H26.22-260105-0001".
    code: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
    citizen_name: Annotated[str | None, AfterValidator(_printable)] = Field(default=None, max_length=120)
    citizen_phone: Annotated[str | None, AfterValidator(_phone)] = Field(default=None, max_length=20)


class StateChange(Body):
    # Any state but `received`, where a dossier only starts.
    state: Literal["processing", "needs_more", "ready", "returned", "rejected"]
    # What needs_more asks the citizen to bring; why rejected: each required for its state.
    missing_documents: str = Field(default="", max_length=1000, validate_default=True)
    reject_reason: str = Field(default="", max_length=1000, validate_default=True)

    @field_validator("missing_documents", "reject_reason")
    @classmethod
    def _said(cls, value: str, info: ValidationInfo) -> str:
        needed = {"missing_documents": "needs_more", "reject_reason": "rejected"}[info.field_name]  # type: ignore[index]
        if info.data.get("state") == needed and not value:
            raise Refused(f"{info.field_name}_required")
        return value


class ProcedureOut(BaseModel):
    id: int
    category_id: int
    code: str
    name_vi: str
    name_en: str
    processing_days: int


@router.post(
    "/dossiers",
    status_code=status.HTTP_201_CREATED,
    response_model=protocol.DossierOut,
    responses=PERMITTED | BODY | answers(404, 409),
)
async def receive(body: DossierIn, db: DbDep, now: NowDep, principal: OperateCounter) -> Response:
    """Receive a dossier from a ticket at the officer's counter (the ticket called, being
    served or just done there): the procedure, the dossier code (unique in the center), the
    citizen's name and phone if given. Answers it with its due date and status page."""
    officer = officer_of(principal)
    if officer is None:
        raise Forbidden("forbidden")

    def job(session: Session) -> protocol.DossierOut:
        guard_center(principal, queue.get_ticket(session, body.ticket_id).center_id)
        dossier = dossiers.receive(session, now, officer=officer, **body.model_dump())
        auth.audit(
            session, now, principal, "dossier.receive", dossier.center_id, dossier.code,
            ticket_id=dossier.ticket_id, procedure_id=dossier.procedure_id, due_date=dossier.due_date.isoformat(),
            with_name=dossier.citizen_name is not None, with_phone=dossier.citizen_phone is not None,
        )  # fmt: skip
        return dossiers.dossier_out(session, dossier, now)

    return json_answer(await db.run(job), status.HTTP_201_CREATED)


@router.get("/dossiers", response_model=list[protocol.DossierOut], responses=PERMITTED | answers(404))
async def list_dossiers(
    db: DbDep,
    now: NowDep,
    principal: OperateCounter,
    center_id: ApiId | None = Query(None, description="default: the caller's center"),
    state: DossierState | None = None,
    late: bool | None = Query(None, description="true: past the due date; not returned, rejected nor waiting for documents"),
    ticket_id: ApiId | None = None,
    q: str = Query("", max_length=120, description="a code (any part) or a citizen's name, diacritics optional"),
    before: ApiId | None = Query(None, description="older than this id: the next page"),
    limit: int = Query(50, ge=1, le=200),
) -> Response:
    """A page of the center's dossiers, newest first."""
    center = center_id or principal.center_id
    if center is None:  # a province account names the center
        raise RequestValidationError([{"type": "missing", "loc": ("query", "center_id"), "msg": "Field required", "input": None}])
    guard_center(principal, center)

    def read(session: Session) -> list[protocol.DossierOut]:
        found = dossiers.find(
            session, center, now, state=state, late=late, ticket_id=ticket_id, q=q, before=before, limit=limit
        )
        return [dossiers.dossier_out(session, d, now) for d in found]

    return await read_answer(db, read)  # type: ignore[arg-type]


@router.get("/dossiers/{dossier_id}", response_model=protocol.DossierOut, responses=PERMITTED | answers(404))
async def get_dossier(dossier_id: ApiId, db: DbDep, now: NowDep, principal: OperateCounter) -> Response:
    def read(session: Session) -> protocol.DossierOut:
        dossier = dossiers.get_dossier(session, dossier_id)
        guard_center(principal, dossier.center_id)
        return dossiers.dossier_out(session, dossier, now)

    return await read_answer(db, read)


@router.post("/dossiers/{dossier_id}/state", response_model=protocol.DossierOut, responses=PERMITTED | BODY | answers(404, 409))
async def change_state(dossier_id: ApiId, body: StateChange, db: DbDep, now: NowDep, principal: OperateCounter) -> Response:
    """Move the dossier on: `processing`; `needs_more` with `missing_documents` (bổ sung: the
    clock stops until it goes on, and the due date moves by the working days it stood still);
    `ready` (for pick-up); `returned`; `rejected` with a `reject_reason`. 409 for a step its state
    does not allow (a returned dossier stays returned)."""

    def job(session: Session) -> protocol.DossierOut:
        guard_center(principal, dossiers.get_dossier(session, dossier_id).center_id)
        dossier = dossiers.change_state(
            session, now, dossier_id, DossierState(body.state), missing_documents=body.missing_documents, reason=body.reject_reason
        )
        auth.audit(session, now, principal, f"dossier.{body.state}", dossier.center_id, dossier.code, **body.model_dump(mode="json"))
        return dossiers.dossier_out(session, dossier, now)

    return json_answer(await db.run(job))


@router.get("/centers/{center_id}/procedures", response_model=list[ProcedureOut], responses=PERMITTED | answers(404))
async def list_procedures(
    center_id: ApiId,
    db: DbDep,
    principal: ReadQueue,
    q: str = Query("", max_length=120, description="part of the name or code; diacritics optional"),
    limit: int = Query(50, ge=1, le=500),
) -> Response:
    """The center's procedures in use, in Vietnamese alphabetical order: the counter's picker."""
    guard_center(principal, center_id)
    return await read_answer(
        db, lambda session: [ProcedureOut.model_validate(p, from_attributes=True) for p in dossiers.procedures(session, center_id, q, limit)]
    )


@router.get("/public/dossiers/{token}", response_model=protocol.DossierStatus, responses=answers(404))
async def public_status(token: TicketToken, db: DbDep, now: NowDep) -> Response:
    """Public: what the dossier's QR code opens. The token is unguessable; never the
    citizen's name or phone."""
    return await read_answer(db, lambda session: dossiers.status_out(session, dossiers.by_token(session, token), now))



# --- the appointment slip (phiếu hẹn trả kết quả) -----------------------------------------------


def _slip(session: Session, principal: Principal, dossier_id: int, public_url: str) -> tuple[SlipContent, Dossier, int | None]:
    """The dossier's slip, the dossier, and the number of the counter that received it."""
    dossier = dossiers.get_dossier(session, dossier_id)
    guard_center(principal, dossier.center_id)
    procedure = directory.get_procedure(session, dossier.procedure_id)
    content = slip_content(
        queue.get_center(session, dossier.center_id),
        procedure_name=procedure.name_vi,
        dossier_code=dossier.code,
        received_at=dossier.received_at,
        return_date=dossier.due_date,
        officer_name=dossier.officer_name,
        status_url=f"{public_url}/d/{dossier.token}",
    )
    counter = queue.get_counter(session, dossier.counter_id).number if dossier.counter_id else None
    return content, dossier, counter


async def _slip_file(request: Request, dossier_id: int, principal: Principal, width: PaperWidth, render) -> bytes:  # type: ignore[no-untyped-def]
    url = public_url_for(request.app.state.settings, str(request.base_url))
    content, _, _ = await request.app.state.db.reading(lambda session: _slip(session, principal, dossier_id, url))
    return await run_in_threadpool(render, content, int(width))  # drawing is CPU: not on the event loop


@router.get("/dossiers/{dossier_id}/slip.pdf", response_class=Response, responses=PERMITTED | answers(404))
async def slip_as_pdf(dossier_id: ApiId, request: Request, principal: OperateCounter, width: PaperWidth = PaperWidth.mm80) -> Response:
    """The appointment slip as a receipt-size PDF (what the counter's printer prints)."""
    pdf = await _slip_file(request, dossier_id, principal, width, slip_pdf)
    return Response(pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="phieu-hen-{dossier_id}.pdf"'})


@router.get("/dossiers/{dossier_id}/slip.png", response_class=Response, responses=PERMITTED | answers(404))
async def slip_as_png(dossier_id: ApiId, request: Request, principal: OperateCounter, width: PaperWidth = PaperWidth.mm80) -> Response:
    """The appointment slip as a PNG, one pixel per printer dot."""
    return Response(await _slip_file(request, dossier_id, principal, width, slip_png), media_type="image/png")


@router.post("/dossiers/{dossier_id}/print-slip", responses=PERMITTED | answers(404, 409))
def print_dossier_slip(dossier_id: ApiId, request: Request, now: NowDep, principal: OperateCounter) -> protocol.PrintJobOut:
    """Print the slip on the printer of the counter that received the dossier (MOTCUA_PRINTERS
    `counters`). While that slip is unfinished there, its job is the answer: one copy however
    many clicks. 409 no_printer when that counter has none."""
    printing = request.app.state.printing
    url = public_url_for(request.app.state.settings, str(request.base_url))
    with request.app.state.db.read() as session:
        content, dossier, counter = _slip(session, principal, dossier_id, url)
    place = printing.counter_place(counter) if counter is not None else None
    if place is None:
        raise Conflict("no_printer", place=render("printer_place_counter", number=counter or "?")["vi"])
    job = printing.print_slip(dossier.ticket_id, place, content)
    with request.app.state.db.write() as session:
        auth.audit(session, now, principal, "dossier.slip.print", dossier.center_id, content.dossier_code, place=place)
    return job
