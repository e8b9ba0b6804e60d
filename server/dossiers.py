"""Dossiers (hồ sơ): received at a counter from a ticket, until the result goes back.

Plain functions over a session and a clock, like server.queue: every change records its
event ("dossier.received", "dossier.state_changed", "dossier.purged"; without the citizen's
name or phone, see protocol.DossierEventOut). The edge audits.

The life of a dossier:

    received -> processing -> ready -> returned
        \\          |  ^                     (received -> ready or returned: same-day results)
         \\-> needs_more (bổ sung: the clock stands still until it goes on)
    any open state -> rejected (with a reason)

The citizen's name and phone are personal data: optional, and blanked
`Center.personal_data_retention_days` after the dossier closes (returned or rejected), by
`purge_due`, which the server runs at start, hourly, and before each dossier change.
"""

import secrets
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlmodel import Session, col

from server import auth, directory, protocol, queue, ratings
from server.collation import fold, vi_key
from server.errors import Conflict, NotFound
from server.messages import DOSSIER_STATE_WORDS
from server.models import (
    CLOSED_DOSSIER_STATES,
    Center,
    Dossier,
    DossierState,
    Procedure,
    Ticket,
    TicketState,
)
from server.workdays import Calendar, cutoff_time

S = DossierState
# Where each state may go next.
NEXT: dict[DossierState, frozenset[DossierState]] = {
    S.received: frozenset({S.processing, S.needs_more, S.ready, S.returned, S.rejected}),
    S.processing: frozenset({S.needs_more, S.ready, S.rejected}),
    S.needs_more: frozenset({S.processing, S.ready, S.rejected}),
    S.ready: frozenset({S.returned}),
    S.returned: frozenset(),
    S.rejected: frozenset(),
}
_STAMP = {
    S.processing: "processing_at",
    S.needs_more: "needs_more_at",
    S.ready: "ready_at",
    S.returned: "returned_at",
    S.rejected: "rejected_at",
}
# The ticket states a dossier is received from: the citizen is (or just was) at the counter.
_RECEIVING = (TicketState.called, TicketState.serving, TicketState.done)


def calendar(center: Center) -> Calendar:
    """The center's working days (server.workdays)."""
    return Calendar.of(center.days_off, center.working_saturdays)


def local(center: Center, at: datetime) -> datetime:
    """A stored (UTC) time as the center's wall clock shows it, without a zone."""
    return queue._utc(at).astimezone(ZoneInfo(center.timezone)).replace(tzinfo=None)


def today(center: Center, now: datetime) -> date:
    return queue.service_day(center, now)


# States whose due date is not running out: closed, or waiting for the citizen's documents
# (the clock stands still; the due date moves when it goes on).
_NOT_RUNNING = (*CLOSED_DOSSIER_STATES, DossierState.needs_more)


def is_late(dossier: Dossier, day: date) -> bool:
    """Past its due date on `day`, and neither returned, rejected nor waiting for documents."""
    return dossier.state not in _NOT_RUNNING and day > dossier.due_date


def get_dossier(session: Session, dossier_id: int) -> Dossier:
    return queue.fetch(session, Dossier, dossier_id, "dossier_not_found")


def by_token(session: Session, token: str) -> Dossier:
    dossier = session.execute(select(Dossier).where(Dossier.token == token)).scalar_one_or_none()
    if dossier is None:
        raise NotFound("dossier_not_found")
    return dossier


def procedures(session: Session, center_id: int, q: str = "", limit: int = 50) -> list[Procedure]:
    """The center's procedures in use, in Vietnamese order, those whose name or code
    contains `q`, with or without diacritics ("dang ky khai sinh" finds "Đăng ký khai sinh")."""
    rows = session.execute(
        select(Procedure).where(Procedure.center_id == center_id).where(col(Procedure.active).is_(True))
    ).scalars()
    wanted = fold(q.strip())
    found = [p for p in rows if not wanted or wanted in fold(p.name_vi) or wanted in fold(p.code) or wanted in p.name_en.lower()]
    return sorted(found, key=lambda p: vi_key(p.name_vi))[:limit]


# --- changing ----------------------------------------------------------------------------------


def receive(
    session: Session,
    now: datetime,
    *,
    ticket_id: int,
    procedure_id: int,
    code: str,
    officer: queue.Officer,
    citizen_name: str | None = None,
    citizen_phone: str | None = None,
) -> Dossier:
    """Receive a dossier from the ticket at the officer's counter: its due date is the
    procedure's processing time in the center's working days (server.workdays)."""
    purge_due(session, now)
    ticket = queue.get_ticket(session, ticket_id)
    procedure = directory.get_procedure(session, procedure_id)
    center = queue.get_center(session, ticket.center_id)
    if procedure.center_id != center.id:
        raise NotFound("procedure_not_found")
    if not procedure.active:
        raise Conflict("procedure_inactive", name_vi=procedure.name_vi, name_en=procedure.name_en or procedure.name_vi)
    _require_at_counter(session, ticket, officer)
    taken = session.execute(
        select(Dossier.id).where(Dossier.center_id == center.id).where(Dossier.code == code)
    ).first()
    if taken is not None:
        raise Conflict("dossier_code_taken", dossier_code=code)
    received = local(center, now)
    work = calendar(center)
    first = work.first_counted(received, cutoff_time(center.afternoon_cutoff))
    dossier = Dossier(
        center_id=center.id,  # type: ignore[arg-type]
        ticket_id=ticket.id,  # type: ignore[arg-type]
        counter_id=ticket.counter_id,
        officer_id=officer.id,
        officer_name=officer.name,
        procedure_id=procedure.id,  # type: ignore[arg-type]
        code=code,
        token=secrets.token_urlsafe(16),
        citizen_name=citizen_name or None,
        citizen_phone=citizen_phone or None,
        received_at=now,
        counted_from=first,
        processing_days=procedure.processing_days,
        due_date=work.add(first, procedure.processing_days),
        updated_at=now,
    )
    session.add(dossier)
    session.flush()
    queue.record(session, center.id, "dossier.received", now, dossier=event_out(dossier))  # type: ignore[arg-type]
    return dossier


def _require_at_counter(session: Session, ticket: Ticket, officer: queue.Officer) -> None:
    """A dossier is received from a ticket at a counter, by the officer working that counter
    or the one who called the ticket."""
    if ticket.state not in _RECEIVING or ticket.counter_id is None:
        raise Conflict("dossier_ticket_not_served", label=ticket.label)
    counter = queue.get_counter(session, ticket.counter_id)
    if officer.id not in (counter.officer_id, ticket.called_by) and counter.officer_id is not None:
        raise Conflict("dossier_not_your_ticket", label=ticket.label, number=counter.number, name=counter.officer_name or "")


def change_state(
    session: Session,
    now: datetime,
    dossier_id: int,
    state: DossierState,
    *,
    missing_documents: str = "",
    reason: str = "",
) -> Dossier:
    """Move a dossier on: processing, needs_more (with what is missing: the clock stops),
    ready for pick-up, returned, or rejected (with the reason). Leaving needs_more restarts
    the clock: the due date moves by the working days it stood still."""
    purge_due(session, now)
    dossier = get_dossier(session, dossier_id)
    if state not in NEXT[dossier.state]:
        raise Conflict(
            "dossier_invalid_transition",
            dossier_code=dossier.code,
            state=DOSSIER_STATE_WORDS[dossier.state],
            target=DOSSIER_STATE_WORDS[state],
        )
    center = queue.get_center(session, dossier.center_id)
    if dossier.state == S.needs_more and dossier.needs_more_at is not None:
        work = calendar(center)
        stood = work.between(local(center, dossier.needs_more_at).date(), local(center, now).date())
        dossier.stood_still_days += stood
        dossier.due_date = work.add(dossier.counted_from, dossier.processing_days + dossier.stood_still_days)
    dossier.state = state
    setattr(dossier, _STAMP[state], now)
    if state == S.needs_more:
        dossier.missing_documents = missing_documents
    if state == S.rejected:
        dossier.reject_reason = reason
    if state in CLOSED_DOSSIER_STATES:
        dossier.purge_at = now + timedelta(days=center.personal_data_retention_days)
    dossier.updated_at = now
    session.flush()
    queue.record(session, center.id, "dossier.state_changed", now, dossier=event_out(dossier))  # type: ignore[arg-type]
    return dossier


def purge_due(session: Session, now: datetime) -> list[Dossier]:
    """Blank the citizen's name and phone of the closed dossiers past their retention. Cheap
    when there is nothing to do (one indexed look-up), so it runs before every change."""
    due = list(
        session.execute(
            select(Dossier).where(col(Dossier.purge_at) < now).where(col(Dossier.purged_at).is_(None))
        ).scalars()
    )
    for dossier in due:
        dossier.citizen_name = None
        dossier.citizen_phone = None
        dossier.purged_at = now
    if due:
        session.flush()
        for center_id in sorted({d.center_id for d in due}):
            codes = [d.code for d in due if d.center_id == center_id]
            auth.audit(session, now, None, "dossier.purge", center_id, f"{len(codes)}", codes=codes)
    return due


# --- reading -----------------------------------------------------------------------------------


def event_out(dossier: Dossier) -> protocol.DossierEventOut:
    return protocol.DossierEventOut.model_validate(dossier, from_attributes=True)


def dossier_out(session: Session, dossier: Dossier, now: datetime) -> protocol.DossierOut:
    center = queue.get_center(session, dossier.center_id)
    procedure = directory.get_procedure(session, dossier.procedure_id)
    ticket = queue.get_ticket(session, dossier.ticket_id)
    return protocol.DossierOut(
        **event_out(dossier).model_dump(),
        center_id=center.id,  # type: ignore[arg-type]
        center_name_vi=center.name_vi,
        center_name_en=center.name_en,
        center_address=center.address,
        center_hotline=center.hotline,
        ticket_label=ticket.label,
        procedure_code=procedure.code,
        procedure_name_vi=procedure.name_vi,
        procedure_name_en=procedure.name_en or procedure.name_vi,
        processing_days=dossier.processing_days,
        citizen_name=dossier.citizen_name,
        citizen_phone=dossier.citizen_phone,
        missing_documents=dossier.missing_documents,
        reject_reason=dossier.reject_reason,
        counted_from=dossier.counted_from,
        late=is_late(dossier, today(center, now)),
        processing_at=dossier.processing_at,
        needs_more_at=dossier.needs_more_at,
        ready_at=dossier.ready_at,
        returned_at=dossier.returned_at,
        rejected_at=dossier.rejected_at,
        updated_at=dossier.updated_at,
        purge_at=dossier.purge_at,
        purged_at=dossier.purged_at,
        token=dossier.token,
        status_path=f"/d/{dossier.token}",
    )


def status_out(session: Session, dossier: Dossier, now: datetime) -> protocol.DossierStatus:
    """The public status: what the dossier's QR code shows anyone holding it."""
    full = dossier_out(session, dossier, now).model_dump(include=set(protocol.DossierStatus.model_fields))
    return protocol.DossierStatus.model_validate({**full, **ratings.dossier_status_of(session, now, dossier)})


def find(
    session: Session,
    center_id: int,
    now: datetime,
    *,
    state: DossierState | None = None,
    late: bool | None = None,
    ticket_id: int | None = None,
    q: str = "",
    before: int | None = None,
    limit: int = 50,
) -> list[Dossier]:
    """A page of a center's dossiers, newest first; `before`: older than that id (next page).
    `q` finds a code (as typed or scanned, any part) or a citizen's name (diacritics optional)."""
    statement = select(Dossier).where(Dossier.center_id == center_id)
    if state is not None:
        statement = statement.where(Dossier.state == state)
    if ticket_id is not None:
        statement = statement.where(Dossier.ticket_id == ticket_id)
    if late is not None:
        day = today(queue.get_center(session, center_id), now)
        overdue = (col(Dossier.due_date) < day) & col(Dossier.state).notin_(_NOT_RUNNING)
        statement = statement.where(overdue if late else ~overdue)
    if before is not None:
        statement = statement.where(col(Dossier.id) < before)
    statement = statement.order_by(col(Dossier.id).desc())
    wanted = q.strip()
    if not wanted:
        return list(session.execute(statement.limit(limit)).scalars())
    # A name is matched without diacritics, which SQL cannot do portably: narrow by code in
    # SQL where the text looks like one, else read the page's candidates and fold them here.
    folded = fold(wanted)
    matches: list[Dossier] = []
    pattern = f"%{wanted.replace('%', '').replace('_', '')}%"
    rows = session.execute(
        statement.where(or_(col(Dossier.code).ilike(pattern), col(Dossier.citizen_name).is_not(None)))
    ).scalars()
    for dossier in rows:
        if folded in fold(dossier.code) or (dossier.citizen_name and folded in fold(dossier.citizen_name)):
            matches.append(dossier)
            if len(matches) >= limit:
                break
    return matches
