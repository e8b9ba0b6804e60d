"""Print jobs: each ticket issued at a kiosk or the entrance desk goes to that place's printer,
and each dossier's appointment slip to the printer of the counter that received it.

A job is a row (`models.PrintJob`), written in the same transaction as the ticket it prints (or
the dossier whose slip it prints: the slip's content is stored in the row), so a restart loses
none: the printers' workers pick the rows up again. One worker thread per printer takes that
printer's jobs in order; it draws and encodes the ticket itself, so the
issue request never waits for a drawing or a printer, and one dead printer never holds up
another. Every change of a job's state is a conditional UPDATE of its row (the state it must
be in, and for a claimed job, who claimed it), so several server processes on one database
never print a job twice; the change and its "print.updated" event commit together.

"Printed" is what the printer confirmed (`printer.connections.Delivery`). A failing printer
keeps its jobs: they are tried again, oldest first, after 1, 2, 4, ... seconds
(`print_retry_max_seconds` at most), until the printer is back, or until they are older than
`print_max_age_minutes`: then they end "expired" (the citizen went on with the number on
screen; staff reprint on request). A job claimed by a process that stopped mid-print ends
"failed" with "interrupted": it may be on paper, so staff decide.

A printer on a kiosk PC is driven by a print agent there (`agent://<agent>`): its jobs are rows
too, under the same rules, but the agent claims them over HTTP (`Printing.claim`, the oldest
first) and reports what became of each (`Printing.report`); the server expires them (at the
claim and in a sweep) and settles the claims of an agent that went away.
"""

import logging
import os
import socket
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from PIL import Image
from sqlalchemy import bindparam, insert, null, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from printer.connections import Delivery, Transport, open_printer
from printer.errors import PrinterError
from printer.escpos_out import encode
from printer.layout import TicketPrint, render
from printer.slip import SlipContent
from printer.messages import text as printer_text
from printer.urls import parse_printer_url
from server import protocol, queue
from server.db import Database
from server.direct import Direct
from server.errors import Conflict, NotFound
from server.messages import render as message
from server.models import UNFINISHED_PRINT_STATES, Center, Device, DeviceKind, PrintJob, PrintJobKind, PrintJobState, Ticket
from server.settings import PrinterConfig, Settings

log = logging.getLogger("motcua.printing")
AGENT = "agent://"  # a printer URL that names the print agent that drives it
DESK = "desk"
# A worker with nothing to do looks again this often: for jobs another server process wrote,
# for jobs to expire, and for claims left by a process that stopped.
IDLE_SECONDS = 5.0
# How long a claim lasts beyond the printer's own deadline: drawing the ticket, the database.
CLAIM_MARGIN = timedelta(seconds=30)
# How long a print agent's claim lasts: its printer's attempt takes seconds; past this the agent
# is taken to have died mid-print, and the job ends "failed" ("interrupted") for staff to check.
AGENT_CLAIM = timedelta(minutes=2)
WAITING = (PrintJobState.queued, PrintJobState.retrying)


class PrinterSettingsError(ValueError):
    """MOTCUA_PRINTERS names a place that does not exist: the server must not start."""


# --- settings against the database -------------------------------------------------------------


def _folded(name: str) -> str:
    """A name with accents, case, Unicode form and spacing taken away, to find near misses."""
    bare = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
    return " ".join(bare.replace("đ", "d").replace("Đ", "D").casefold().split())


def resolve_places(session: Session, printers: dict[str, PrinterConfig]) -> tuple[dict[str, PrinterConfig], list[str]]:
    """Each configured printer by the exact name of the kiosk it serves (or "desk", or any name
    for a printer of counters), and the warnings to show. A name that differs from a kiosk's only in accents, case or Unicode form
    serves that kiosk, with a warning naming both; a name that matches nothing is an error."""
    kiosks = session.exec(
        select(Device.name).where(Device.kind == DeviceKind.kiosk, Device.active == True)  # noqa: E712
    ).all()
    names = list(kiosks)
    resolved: dict[str, PrinterConfig] = {}
    warnings: list[str] = []
    for place, config in printers.items():
        if place == DESK or place in names or config.counters:  # a counter's printer has a name of its own
            resolved[place] = config
            continue
        near = [name for name in names if _folded(name) == _folded(place)]
        if len(near) == 1:
            warnings.append(
                f"MOTCUA_PRINTERS: printer {place!r} is taken to be the one of kiosk {near[0]!r} "
                f"(the names differ in accents, case or Unicode form); write it exactly as {near[0]!r}"
            )
            resolved[near[0]] = config
            continue
        known = ", ".join(repr(name) for name in names) or "none yet"
        raise PrinterSettingsError(
            f"MOTCUA_PRINTERS: {place!r} is neither \"desk\" nor the name of a kiosk device (kiosks: {known}), "
            f"and has no \"counters\" whose slips it prints. "
            f"Write the kiosk's name exactly as `motcua device add` registered it, or add the kiosk: "
            f"motcua device add {place!r} --kind kiosk"
        )
    return resolved, warnings


def public_url_for(settings: Settings, base_url: str) -> str:
    """The address QR codes open: MOTCUA_PUBLIC_URL, else the address the kiosk (or the desk's
    browser) reached the server at, which is what the kiosk's own screen shows too."""
    return (settings.public_url or base_url).rstrip("/")


# --- what goes on the paper ----------------------------------------------------------------------


def ticket_print(session: Session, ticket: Ticket, public_url: str) -> TicketPrint:
    """What goes on the paper for a ticket, from the database."""
    category = queue.get_category(session, ticket.category_id)
    center = queue.get_center(session, ticket.center_id)
    ahead, minutes = queue.estimate(session, ticket)
    priority = message(f"priority_{ticket.priority_group}") if ticket.priority_group else None
    return TicketPrint(
        center_name=center.name_vi,
        label=ticket.label,
        category_vi=category.name_vi,
        category_en=category.name_en,
        issued_at=ticket.issued_at,
        timezone=center.timezone,
        people_ahead=ahead,
        estimated_wait_minutes=minutes,
        status_url=f"{public_url.rstrip('/')}/t/{ticket.token}",
        hotline=center.hotline,
        priority_vi=priority["vi"] if priority else None,
        priority_en=priority["en"] if priority else None,
    )


def slip_content(
    center: Center,
    *,
    procedure_name: str,
    dossier_code: str,
    received_at: datetime,
    return_date: date,
    officer_name: str,
    status_url: str,
) -> SlipContent:
    """What goes on a dossier's appointment slip: the center's part from its row, the rest from
    the dossier. The same content makes the printed slip, its PNG and its PDF
    (`printer.slip.slip_png`, `slip_pdf`) and is what a slip's print job stores."""
    return SlipContent(
        center_name=center.name_vi,
        center_address=center.address,
        hotline=center.hotline,
        timezone=center.timezone,
        procedure_name=procedure_name,
        dossier_code=dossier_code,
        received_at=received_at,
        return_date=return_date,
        officer_name=officer_name,
        status_url=status_url,
    )


def _place_name(place: str, lang: str) -> str:
    return message("printer_place_desk")[lang] if place == DESK else place  # type: ignore[literal-required]


def fault_message(error: PrinterError, place: str) -> dict[str, str]:
    """A printer fault for staff and the kiosk, naming the printer by its place, not its address."""
    return {
        "key": error.key,
        **{lang: printer_text(error.key, lang, printer=_place_name(place, lang)) for lang in ("vi", "en")},
    }


def job_out(job: PrintJob, agent: str | None = None) -> protocol.PrintJobOut:
    """A job for the kiosk, staff and the print agent (`agent`: the agent that prints it, if any)."""
    error = job.last_error
    return protocol.PrintJobOut(
        id=job.id,
        ticket_id=job.ticket_id,
        label=job.label,
        printer=job.printer,
        state=job.state.value if isinstance(job.state, PrintJobState) else job.state,  # type: ignore[arg-type]
        attempts=job.attempts,
        error=protocol.Messages(vi=error["vi"], en=error["en"]) if error else None,
        created_at=job.created_at,
        updated_at=job.updated_at,
        agent=agent,
        kind=job.kind,  # type: ignore[arg-type]
        document=job.document,
    )


def _interrupted() -> dict[str, str]:
    return {"key": "print_interrupted", **{lang: printer_text("print_interrupted", lang) for lang in ("vi", "en")}}


# The new job, in the issue transaction: straight on the driver like the ticket (server.direct).
_JOB_COLUMNS = ("center_id", "ticket_id", "label", "printer", "state", "attempts", "public_url", "created_at", "updated_at")
_INSERT_JOB = Direct(
    insert(PrintJob.__table__)  # type: ignore[attr-defined]
    .values(
        {
            **{name: bindparam(name) for name in _JOB_COLUMNS},
            "last_error": null(),
            "next_try_at": null(),
            "claimed_by": null(),
            "claimed_until": null(),
        }
    )
    .returning(PrintJob.id)  # type: ignore[arg-type]
)


@dataclass
class _Printer:
    place: str
    config: PrinterConfig
    worker: "PrinterWorker | None" = None


class Printing:
    """The server's printers: one worker per printer, the job rows, reprints and the list."""

    def __init__(
        self, settings: Settings, db: Database, clock: queue.Clock, printers: dict[str, PrinterConfig] | None = None
    ) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.me = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"  # who claims jobs
        self._printers = {
            place: _Printer(place, config) for place, config in (settings.printers if printers is None else printers).items()
        }
        self._lock = threading.Lock()
        self._closed = False
        self._loopback_warned = False
        self._sweeper: AgentSweeper | None = None
        # Told of each printing attempt that failed, by its printer's place: the app counts
        # them (server.metrics).
        self.on_failed: Callable[[str], None] = lambda place: None

    # --- issuing and reprinting ---------------------------------------------------------------

    def printer_of(self, place: str) -> PrinterConfig | None:
        printer = self._printers.get(place)
        return printer.config if printer else None

    def prints_rows(self, place: str | None) -> bool:
        """Does `place` have a printer (driven by the server or by a print agent)? Its jobs are rows."""
        return place is not None and self.printer_of(place) is not None

    def agent_of(self, place: str) -> str | None:
        """The name of the print agent that drives the place's printer, if one does."""
        config = self.printer_of(place)
        return config.url.removeprefix(AGENT) if config is not None and config.url.startswith(AGENT) else None

    def agent_places(self, agent: str | None = None) -> list[str]:
        """The places whose printer a print agent drives (that agent's, or any agent's)."""
        return [place for place in self._printers if (self.agent_of(place) if agent is None else self.agent_of(place) == agent)]

    def add_job(self, session: Session, now: datetime, ticket: Ticket, place: str, public_url: str) -> protocol.PrintJobOut:
        """A job for a ticket just issued, in the issuing transaction; `wake(place)` after the commit."""
        self._check_public_url(public_url)
        values = {
            "center_id": ticket.center_id,
            "ticket_id": ticket.id,
            "label": ticket.label,
            "printer": place,
            "state": PrintJobState.queued,
            "attempts": 0,
            "public_url": public_url,
            "created_at": now,
            "updated_at": now,
        }
        job_id = _INSERT_JOB.scalar(session, **values)
        agent = self.agent_of(place)
        out = protocol.PrintJobOut(
            id=job_id, ticket_id=ticket.id, label=ticket.label, printer=place, state="queued", attempts=0,  # type: ignore[arg-type]
            created_at=now, updated_at=now, agent=agent,
        )
        if agent is not None:  # the agent learns of it from the event log (it also polls its claims)
            queue.record(session, ticket.center_id, "print.updated", now, print_job=out)
        return out

    def wake(self, place: str) -> None:
        """Tell the place's worker there is a job (started on first use)."""
        printer = self._printers.get(place)
        if printer is None or printer.config.url.startswith(AGENT):
            return
        with self._lock:
            if self._closed:
                return
            if printer.worker is None:
                printer.worker = PrinterWorker(self, place, printer.config)
                printer.worker.start()
        printer.worker.wake()

    def start(self) -> None:
        """Start every printer's worker: the jobs a restart left behind resume; and, when print
        agents drive printers, the sweep that expires their jobs while no agent claims them."""
        for place in self._printers:
            self.wake(place)
        with self._lock:
            if self.agent_places() and self._sweeper is None and not self._closed:
                self._sweeper = AgentSweeper(self)
                self._sweeper.start()

    def reprint(self, ticket_id: int, place: str, public_url: str) -> protocol.PrintJobOut:
        """Print the ticket (again) on the printer of `place`. While a job for it is still
        unfinished there, that job is the answer: a second click prints one copy. A job still
        waiting on another printer gives way to this one."""
        self._require_printer(place)
        now = self.clock()
        with self.db.write() as session:
            out = self._queue_job(session, now, queue.get_ticket(session, ticket_id), place, public_url)
        self.wake(place)
        return out

    def counter_place(self, counter_number: int) -> str | None:
        """The place whose printer prints the counter's appointment slips (its `counters`), if any."""
        return next((place for place, printer in self._printers.items() if counter_number in printer.config.counters), None)

    def add_slip(self, session: Session, now: datetime, ticket: Ticket, place: str, slip: SlipContent) -> protocol.PrintJobOut:
        """Print a dossier's appointment slip on the printer of `place` (`counter_place`), in the
        caller's transaction (the one receiving the dossier from `ticket`); `wake(place)` after the
        commit. The job keeps the slip as it is now. As for tickets, while that dossier's slip is
        unfinished there, that job is the answer: a second click prints one copy."""
        self._require_printer(place)
        return self._queue_job(
            session, now, ticket, place, "", PrintJobKind.slip, slip.dossier_code, slip.model_dump(mode="json")
        )

    def print_slip(self, ticket_id: int, place: str, slip: SlipContent) -> protocol.PrintJobOut:
        """`add_slip` in a transaction of its own: the print button of a dossier received earlier."""
        now = self.clock()
        with self.db.write() as session:
            out = self.add_slip(session, now, queue.get_ticket(session, ticket_id), place, slip)
        self.wake(place)
        return out

    def _require_printer(self, place: str) -> None:
        if self.printer_of(place) is None:
            raise Conflict("no_printer", place=_place_name(place, "vi"))

    def _queue_job(
        self,
        session: Session,
        now: datetime,
        ticket: Ticket,
        place: str,
        public_url: str,
        kind: PrintJobKind = PrintJobKind.ticket,
        document: str | None = None,
        payload: dict | None = None,
    ) -> protocol.PrintJobOut:
        """A new job on the printer of `place`, unless the same ticket (or document) has one
        unfinished there; one still waiting on another printer gives way."""
        same = select(PrintJob).where(col(PrintJob.state).in_(UNFINISHED_PRINT_STATES), PrintJob.kind == kind)
        if kind == PrintJobKind.ticket:
            same = same.where(PrintJob.ticket_id == ticket.id)
        else:
            same = same.where(PrintJob.center_id == ticket.center_id, PrintJob.document == document)
        running = session.exec(same).first()
        if running is not None:
            if running.printer == place or not self._give_way(session, running, now):
                return job_out(running, self.agent_of(running.printer))
        job = PrintJob(
            center_id=ticket.center_id, ticket_id=ticket.id, label=ticket.label, printer=place, public_url=public_url,
            created_at=now, updated_at=now, kind=kind, document=document, payload=payload,
        )  # fmt: skip
        try:
            with session.begin_nested():
                session.add(job)
        except IntegrityError:  # another process made one this very moment: that one prints
            other = session.exec(same).first()
            assert other is not None
            return job_out(other, self.agent_of(other.printer))
        out = job_out(job, self.agent_of(place))
        queue.record(session, ticket.center_id, "print.updated", now, print_job=out)
        return out

    def _give_way(self, session: Session, job: PrintJob, now: datetime) -> bool:
        """Retire a job still waiting on another printer; False when it is already printing."""
        done = _set_state(session, job.id, (PrintJobState.queued, PrintJobState.retrying), now, state=PrintJobState.replaced)  # type: ignore[arg-type]
        if done:
            session.refresh(job)
            queue.record(session, job.center_id, "print.updated", now, print_job=job_out(job, self.agent_of(job.printer)))
        return done

    # --- reading ----------------------------------------------------------------------------------

    def jobs(self, center_id: int, since: datetime, unprinted: bool) -> list[protocol.PrintJobOut]:
        """The center's print jobs since `since`, newest first; with `unprinted`, each ticket's
        (and each slip's) latest job unless it printed (or was sent)."""
        with self.db.read() as session:
            rows = session.exec(
                select(PrintJob).where(PrintJob.center_id == center_id, PrintJob.created_at >= since).order_by(col(PrintJob.id).desc())
            ).all()
        jobs = list(rows)
        if not unprinted:
            return [job_out(job, self.agent_of(job.printer)) for job in jobs]
        latest: dict[tuple[int, str, str | None], PrintJob] = {}
        for job in jobs:  # a ticket's, and each of its dossiers' slips
            latest.setdefault((job.ticket_id, job.kind, job.document), job)
        delivered = (PrintJobState.printed, PrintJobState.sent, PrintJobState.replaced)
        return [job_out(job, self.agent_of(job.printer)) for job in latest.values() if job.state not in delivered]

    def preview(self, ticket_id: int, public_url: str, width_dots: int = 576) -> Image.Image:
        """The exact image a printer of that width gets for this ticket."""
        with self.db.read() as session:
            data = ticket_print(session, queue.get_ticket(session, ticket_id), public_url)
        return render(data, width_dots)

    # --- print agents (a printer on a kiosk PC): they claim their rows over HTTP -----------------

    def slip_of(self, job_id: int, agent: str) -> SlipContent:
        """The slip a job of the agent's printers prints."""
        with self.db.read() as session:
            job = session.get(PrintJob, job_id)
        if job is None or job.kind != PrintJobKind.slip or job.printer not in self.agent_places(agent):
            raise NotFound("print_job_not_found")
        return SlipContent.model_validate(job.payload)

    def claim(self, agent: str, center_id: int | None) -> protocol.PrintJobOut | None:
        """The oldest unfinished job of the agent's printers, now claimed by it; None when there
        is none. A job it claimed before and never reported is handed back first: the agent
        claims only with nothing in flight, so that job never reached its printer (the answer
        to the claim was lost, or the agent stopped before it started)."""
        places = self.agent_places(agent)
        if not places:
            return None
        owner = _agent_owner(agent)
        mine = (col(PrintJob.state) == PrintJobState.printing) & (col(PrintJob.claimed_by) == owner)
        while True:
            _tidy(self, places)
            cutoff = self.clock() - timedelta(minutes=self.settings.print_max_age_minutes)
            for job_id in _ids(self, places, (PrintJobState.printing,), mine, col(PrintJob.created_at) < cutoff):
                _change(self, job_id, (PrintJobState.printing,), owner, state=PrintJobState.expired, claimed_by=None, claimed_until=None)
            with self.db.read() as session:
                query = select(PrintJob).where(
                    col(PrintJob.printer).in_(places), or_(col(PrintJob.state).in_(WAITING), mine)
                )
                if center_id is not None:
                    query = query.where(PrintJob.center_id == center_id)
                job = session.exec(query.order_by(col(PrintJob.id)).limit(1)).first()
            if job is None:
                return None
            now = self.clock()
            claimed = _change(
                self,
                job.id,  # type: ignore[arg-type]
                (job.state,),
                owner if job.state == PrintJobState.printing else None,
                col(PrintJob.created_at) >= now - timedelta(minutes=self.settings.print_max_age_minutes),
                state=PrintJobState.printing,
                attempts=PrintJob.attempts + 1,
                claimed_by=owner,
                claimed_until=now + AGENT_CLAIM,
            )
            if claimed is not None:
                return job_out(claimed, agent)
            # It aged past the limit, or changed meanwhile: tidy and look again.

    def report(self, ticket_id: int, agent: str, result: protocol.PrintJobOut) -> protocol.PrintJobOut:
        """What a print agent says became of a job it claimed: printed, sent, retrying (its
        printer failed; the job waits for the agent's next try) or failed (interrupted, it may be on
        paper; the reason in the server's own words, as for its own printers). Only
        the claimant changes a job it still holds; anything else answers the job as it is."""
        places = self.agent_places(agent)
        owner = _agent_owner(agent)
        with self.db.read() as session:
            query = select(PrintJob).where(PrintJob.ticket_id == ticket_id, col(PrintJob.printer).in_(places))
            if result.id is not None:
                query = query.where(PrintJob.id == result.id)
            else:  # an agent's record from before jobs were rows: its claim, if any
                query = query.where(PrintJob.state == PrintJobState.printing, PrintJob.claimed_by == owner)
            job = session.exec(query.order_by(col(PrintJob.id).desc()).limit(1)).first()
        if job is None:
            raise NotFound("print_job_not_found")
        error = {"key": "print_agent", **result.error.model_dump()} if result.error else None
        released = {"claimed_by": None, "claimed_until": None, "next_try_at": None}
        changed: PrintJob | None = None
        if result.state in ("printed", "sent"):
            changed = _change(self, job.id, (PrintJobState.printing,), owner, state=PrintJobState(result.state), **released)  # type: ignore[arg-type]
        elif result.state == "retrying":
            changed = _change(self, job.id, (PrintJobState.printing,), owner, state=PrintJobState.retrying, last_error=error, **released)  # type: ignore[arg-type]
            if changed is not None:
                self.on_failed(job.printer)
                _hold_queued(self, job.printer, error)  # type: ignore[arg-type]
        elif result.state == "failed":
            changed = _change(self, job.id, (PrintJobState.printing,), owner, state=PrintJobState.failed, last_error=_interrupted(), **released)  # type: ignore[arg-type]
            if changed is not None:
                self.on_failed(job.printer)
        if changed is not None:
            return job_out(changed, agent)
        with self.db.read() as session:
            current = session.get(PrintJob, job.id)
        assert current is not None
        return job_out(current, agent)

    # --- life ---------------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop every worker after its current attempt; unprinted jobs stay queued in the database."""
        with self._lock:
            self._closed = True
            workers = [p.worker for p in self._printers.values() if p.worker is not None]
            sweeper = self._sweeper
        if sweeper is not None:
            sweeper.stop()
            sweeper.join(10)
        for worker in workers:
            worker.stop()
        for worker in workers:
            worker.join(worker.transport_deadline + 5)

    def _check_public_url(self, public_url: str) -> None:
        if self._loopback_warned or self.settings.public_url:
            return
        host = public_url.split("://", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0].strip("[]")
        if host in ("127.0.0.1", "localhost", "::1"):
            self._loopback_warned = True
            log.warning(
                "motcua: the QR codes on tickets open %s, which no phone can reach: set MOTCUA_PUBLIC_URL "
                "to the address phones on the center's network use (like http://192.168.1.10:8000)",
                public_url,
            )


def _set_state(
    session: Session, job_id: int, states: tuple[PrintJobState, ...], now: datetime, owner: str | None = None, *where: object, **values: object
) -> bool:
    """The conditional UPDATE every change of a job goes through: only from `states` (and, for a
    claimed job, only by its claimant; and only where `where` holds). True when this caller made
    the change."""
    statement = update(PrintJob).where(col(PrintJob.id) == job_id, col(PrintJob.state).in_(states), *where)  # type: ignore[arg-type]
    if owner is not None:
        statement = statement.where(col(PrintJob.claimed_by) == owner)
    result = session.execute(statement.values(updated_at=now, **values).execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]


def _agent_owner(agent: str) -> str:
    """Who holds a print agent's claim (`claimed_by`)."""
    return f"agent:{agent}"[:64]


def _change(printing: Printing, job_id: int, states: tuple[PrintJobState, ...], owner: str | None = None, *where: object, **values: object) -> PrintJob | None:
    """Change a job and record its event in one transaction; the job as changed, or None if it
    was not in one of `states` (or no longer `owner`'s)."""
    now = printing.clock()
    with printing.db.write() as session:
        if not _set_state(session, job_id, states, now, owner, *where, **values):
            return None
        job = session.get(PrintJob, job_id)
        assert job is not None
        queue.record(session, job.center_id, "print.updated", now, print_job=job_out(job, printing.agent_of(job.printer)))
        return job


def _ids(printing: Printing, places: list[str], states: tuple[PrintJobState, ...], *where: object) -> list[int]:
    with printing.db.read() as session:
        rows = session.exec(
            select(PrintJob.id).where(col(PrintJob.printer).in_(places), col(PrintJob.state).in_(states), *where).order_by(col(PrintJob.id))  # type: ignore[arg-type]
        ).all()
    return list(rows)  # type: ignore[arg-type]


def _hold_queued(printing: Printing, place: str, fault: dict[str, str]) -> None:
    """While a place's printer fails, the jobs behind the failing one wait for it too, and say
    why (the kiosk tells the citizen)."""
    for job_id in _ids(printing, [place], (PrintJobState.queued,)):
        _change(printing, job_id, (PrintJobState.queued,), state=PrintJobState.retrying, last_error=fault)


def _tidy(printing: Printing, places: list[str]) -> None:
    """Expire the places' jobs too old to print late; settle claims left by a process (or a
    print agent) that stopped: "failed", "interrupted", since the ticket may be on paper."""
    now = printing.clock()
    cutoff = now - timedelta(minutes=printing.settings.print_max_age_minutes)
    for job_id in _ids(printing, places, WAITING, col(PrintJob.created_at) < cutoff):
        _change(printing, job_id, WAITING, state=PrintJobState.expired, next_try_at=None)
    for job_id in _ids(printing, places, (PrintJobState.printing,), col(PrintJob.claimed_until) < now):
        with printing.db.read() as session:
            stale = session.get(PrintJob, job_id)
            owner = stale.claimed_by if stale is not None and stale.state == PrintJobState.printing else None
        if owner is not None:
            # Only if the claim is still the stale one: the conditional UPDATE names its claimant.
            _change(
                printing, job_id, (PrintJobState.printing,), owner, col(PrintJob.claimed_until) < now,
                state=PrintJobState.failed, last_error=_interrupted(), claimed_by=None, claimed_until=None,
            )  # fmt: skip


class AgentSweeper(threading.Thread):
    """Expires print agents' jobs while no agent claims them (an agent that is off for the day),
    so the console's list says "expired" and staff reprint; settles claims of agents that died."""

    def __init__(self, printing: Printing) -> None:
        super().__init__(name="print agents' jobs", daemon=True)
        self.printing = printing
        self._stopping = threading.Event()

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        while not self._stopping.wait(IDLE_SECONDS):
            try:
                _tidy(self.printing, self.printing.agent_places())
            except Exception:  # a database hiccup: log it, sweep again later
                log.exception("print agents' jobs: sweep failed")


class PrinterWorker(threading.Thread):
    """One printer's jobs, oldest first, one at a time; a failing printer is tried again on a
    capped backoff and its other jobs wait (and say why)."""

    def __init__(self, printing: Printing, place: str, config: PrinterConfig) -> None:
        super().__init__(name=f"printer {place}", daemon=True)
        self.printing = printing
        self.place = place
        self.config = config
        self.transport: Transport = open_printer(config.url)
        address = parse_printer_url(config.url)
        self.transport_deadline = address.timeout
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._failures = 0  # in a row
        self._fault: dict[str, str] | None = None  # the printer's last fault while it lasts
        self._retry_at = 0.0  # time.monotonic() of the next try while failing

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    def run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                wait = self.step()
            except Exception:  # a bug or a database hiccup: log it, keep the printer's worker
                log.exception("printer %s: worker step failed", self.place)
                wait = IDLE_SECONDS
            if wait > 0:
                self._wake.wait(wait)

    def backoff(self) -> float:
        """1, 2, 4, ... seconds after each failure in a row, at most print_retry_max_seconds."""
        cap = self.printing.settings.print_retry_max_seconds
        return min(cap, 2.0 ** max(0, self._failures - 1))

    # --- one step: tidy, then try the oldest job if the printer is due ---------------------------

    def step(self) -> float:
        """Do what is due; how long to wait before the next step (unless woken)."""
        _tidy(self.printing, [self.place])
        if self._fault is not None:
            left = self._retry_at - time.monotonic()
            if left > 0:
                _hold_queued(self.printing, self.place, self._fault)
                return left
        job = self._next()
        if job is None:
            return IDLE_SECONDS
        if not self._claim(job):
            return 0  # another process took it, or it changed: look again
        try:
            delivery = self.transport.send(self._payload(job))
        except PrinterError as error:
            self._failed(job, fault_message(error, self.place))
            return self.backoff()
        except Exception as error:  # drawing or encoding broke: not the printer's fault, still no ticket
            log.exception("printer %s: job %s could not be made", self.place, job.id)
            self._failed(job, {"key": "internal", **message("internal_error")}, note=repr(error))
            return self.backoff()
        self._finished(job, delivery)
        return 0

    def _payload(self, job: PrintJob) -> bytes:
        if job.kind == PrintJobKind.slip:
            data: TicketPrint | SlipContent = SlipContent.model_validate(job.payload)
        else:
            with self.printing.db.read() as session:
                data = ticket_print(session, queue.get_ticket(session, job.ticket_id), job.public_url)
        return encode(data, self.config.width_dots, self.config.mode)

    def _next(self) -> PrintJob | None:
        with self.printing.db.read() as session:
            row = session.exec(
                select(PrintJob)
                .where(PrintJob.printer == self.place, col(PrintJob.state).in_((PrintJobState.queued, PrintJobState.retrying)))
                .order_by(col(PrintJob.id))
                .limit(1)
            ).first()
        return row

    def _change(self, job_id: int, states: tuple[PrintJobState, ...], claimed: bool = False, **values: object) -> PrintJob | None:
        return _change(self.printing, job_id, states, self.printing.me if claimed else None, **values)

    def _claim(self, job: PrintJob) -> bool:
        until = self.printing.clock() + timedelta(seconds=self.transport_deadline) + CLAIM_MARGIN
        claimed = self._change(
            job.id,  # type: ignore[arg-type]
            (PrintJobState.queued, PrintJobState.retrying),
            state=PrintJobState.printing,
            attempts=PrintJob.attempts + 1,
            claimed_by=self.printing.me,
            claimed_until=until,
        )
        return claimed is not None

    def _finished(self, job: PrintJob, delivery: Delivery) -> None:
        state = PrintJobState.printed if delivery is Delivery.PRINTED else PrintJobState.sent
        changed = self._change(
            job.id, (PrintJobState.printing,), claimed=True, state=state, claimed_by=None, claimed_until=None, next_try_at=None  # type: ignore[arg-type]
        )
        if changed is None:
            log.warning("printer %s: job %s printed but its claim was gone", self.place, job.id)
        self._failures, self._fault = 0, None

    def _failed(self, job: PrintJob, fault: dict[str, str], note: str = "") -> None:
        self._failures += 1
        self.printing.on_failed(self.place)
        self._fault = fault
        wait = self.backoff()
        self._retry_at = time.monotonic() + wait
        log.warning("printer %s: ticket %s not printed (%s %s); next try in %.0f s", self.place, job.label, fault["en"], note, wait)
        self._change(
            job.id,  # type: ignore[arg-type]
            (PrintJobState.printing,),
            claimed=True,
            state=PrintJobState.retrying,
            last_error=fault,
            next_try_at=self.printing.clock() + timedelta(seconds=wait),
            claimed_by=None,
            claimed_until=None,
        )
