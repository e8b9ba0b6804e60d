"""Print jobs: each ticket issued at a kiosk or the entrance desk goes to that place's printer.

A job is a row (`models.PrintJob`), written in the same transaction as the ticket it prints, so
a restart loses none: the printers' workers pick the rows up again. One worker thread per
printer takes that printer's jobs in order; it draws and encodes the ticket itself, so the
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
"""

import logging
import os
import socket
import threading
import time
import unicodedata
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from PIL import Image
from sqlalchemy import bindparam, insert, null, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from printer.connections import Delivery, Transport, open_printer
from printer.errors import PrinterError
from printer.escpos_out import encode_image, encode_text
from printer.layout import TicketPrint, render
from printer.messages import text as printer_text
from printer.urls import parse_printer_url
from server import protocol, queue
from server.db import Database
from server.direct import Direct
from server.errors import Conflict
from server.messages import render as message
from server.models import UNFINISHED_PRINT_STATES, Device, DeviceKind, PrintJob, PrintJobState, Ticket
from server.settings import PrinterConfig, Settings

log = logging.getLogger("motcua.printing")
AGENT = "agent://"  # a printer URL that names the print agent that drives it
DESK = "desk"
# A worker with nothing to do looks again this often: for jobs another server process wrote,
# for jobs to expire, and for claims left by a process that stopped.
IDLE_SECONDS = 5.0
# How long a claim lasts beyond the printer's own deadline: drawing the ticket, the database.
CLAIM_MARGIN = timedelta(seconds=30)


class PrinterSettingsError(ValueError):
    """MOTCUA_PRINTERS names a place that does not exist: the server must not start."""


# --- settings against the database -------------------------------------------------------------


def _folded(name: str) -> str:
    """A name with accents, case, Unicode form and spacing taken away, to find near misses."""
    bare = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
    return " ".join(bare.replace("đ", "d").replace("Đ", "D").casefold().split())


def resolve_places(session: Session, printers: dict[str, PrinterConfig]) -> tuple[dict[str, PrinterConfig], list[str]]:
    """Each configured printer by the exact name of the kiosk it serves (or "desk"), and the
    warnings to show. A name that differs from a kiosk's only in accents, case or Unicode form
    serves that kiosk, with a warning naming both; a name that matches nothing is an error."""
    kiosks = session.exec(
        select(Device.name).where(Device.kind == DeviceKind.kiosk, Device.active == True)  # noqa: E712
    ).all()
    names = list(kiosks)
    resolved: dict[str, PrinterConfig] = {}
    warnings: list[str] = []
    for place, config in printers.items():
        if place == DESK or place in names:
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
            f"MOTCUA_PRINTERS: {place!r} is neither \"desk\" nor the name of a kiosk device (kiosks: {known}). "
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


def _place_name(place: str, lang: str) -> str:
    return message("printer_place_desk")[lang] if place == DESK else place  # type: ignore[literal-required]


def fault_message(error: PrinterError, place: str) -> dict[str, str]:
    """A printer fault for staff and the kiosk, naming the printer by its place, not its address."""
    return {
        "key": error.key,
        **{lang: printer_text(error.key, lang, printer=_place_name(place, lang)) for lang in ("vi", "en")},
    }


def job_out(job: PrintJob) -> protocol.PrintJobOut:
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
    )


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

    # --- issuing and reprinting ---------------------------------------------------------------

    def printer_of(self, place: str) -> PrinterConfig | None:
        printer = self._printers.get(place)
        return printer.config if printer else None

    def prints_rows(self, place: str | None) -> bool:
        """Does `place` have a printer the server drives (not a print agent's)?"""
        config = self.printer_of(place) if place else None
        return config is not None and not config.url.startswith(AGENT)

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
        return protocol.PrintJobOut(
            id=job_id, ticket_id=ticket.id, label=ticket.label, printer=place, state="queued", attempts=0,  # type: ignore[arg-type]
            created_at=now, updated_at=now,
        )

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
        """Start every printer's worker: the jobs a restart left behind resume."""
        for place in self._printers:
            self.wake(place)

    def reprint(self, ticket_id: int, place: str, public_url: str) -> protocol.PrintJobOut:
        """Print the ticket (again) on the printer of `place`. While a job for it is still
        unfinished there, that job is the answer: a second click prints one copy. A job still
        waiting on another printer gives way to this one."""
        config = self.printer_of(place)
        if config is None:
            raise Conflict("no_printer", place=_place_name(place, "vi"))
        if config.url.startswith(AGENT):
            return self._to_agent(ticket_id, place, config.url.removeprefix(AGENT))
        now = self.clock()
        with self.db.write() as session:
            ticket = queue.get_ticket(session, ticket_id)
            running = session.exec(
                select(PrintJob).where(PrintJob.ticket_id == ticket_id, col(PrintJob.state).in_(UNFINISHED_PRINT_STATES))
            ).first()
            if running is not None:
                if running.printer == place or not self._give_way(session, running, now):
                    return job_out(running)
            job = PrintJob(
                center_id=ticket.center_id, ticket_id=ticket_id, label=ticket.label, printer=place,
                public_url=public_url, created_at=now, updated_at=now,
            )  # fmt: skip
            try:
                with session.begin_nested():
                    session.add(job)
            except IntegrityError:  # another process made one this very moment: that one prints
                other = session.exec(
                    select(PrintJob).where(PrintJob.ticket_id == ticket_id, col(PrintJob.state).in_(UNFINISHED_PRINT_STATES))
                ).first()
                assert other is not None
                return job_out(other)
            out = job_out(job)
            queue.record(session, ticket.center_id, "print.updated", now, print_job=out)
        self.wake(place)
        return out

    def _give_way(self, session: Session, job: PrintJob, now: datetime) -> bool:
        """Retire a job still waiting on another printer; False when it is already printing."""
        done = _set_state(session, job.id, (PrintJobState.queued, PrintJobState.retrying), now, state=PrintJobState.replaced)  # type: ignore[arg-type]
        if done:
            session.refresh(job)
            queue.record(session, job.center_id, "print.updated", now, print_job=job_out(job))
        return done

    # --- reading ----------------------------------------------------------------------------------

    def jobs(self, center_id: int, since: datetime, unprinted: bool) -> list[protocol.PrintJobOut]:
        """The center's print jobs since `since`, newest first; with `unprinted`, each ticket's
        latest job unless it printed (or was sent)."""
        with self.db.read() as session:
            rows = session.exec(
                select(PrintJob).where(PrintJob.center_id == center_id, PrintJob.created_at >= since).order_by(col(PrintJob.id).desc())
            ).all()
        jobs = list(rows)
        if not unprinted:
            return [job_out(job) for job in jobs]
        latest: dict[int, PrintJob] = {}
        for job in jobs:
            latest.setdefault(job.ticket_id, job)
        delivered = (PrintJobState.printed, PrintJobState.sent, PrintJobState.replaced)
        return [job_out(job) for job in latest.values() if job.state not in delivered]

    def preview(self, ticket_id: int, public_url: str, width_dots: int = 576) -> Image.Image:
        """The exact image a printer of that width gets for this ticket."""
        with self.db.read() as session:
            data = ticket_print(session, queue.get_ticket(session, ticket_id), public_url)
        return render(data, width_dots)

    # --- print agents (a printer on a kiosk PC): jobs are events of the center's log -------------

    def to_agent(self, ticket_id: int, place: str) -> protocol.PrintJobOut | None:
        config = self.printer_of(place)
        if config is None or not config.url.startswith(AGENT):
            return None
        return self._to_agent(ticket_id, place, config.url.removeprefix(AGENT))

    def _to_agent(self, ticket_id: int, place: str, agent: str) -> protocol.PrintJobOut:
        """The agent follows the log and picks the job up, now or when it is back."""
        with self.db.write() as session:
            ticket = queue.get_ticket(session, ticket_id)
            out = protocol.PrintJobOut(
                ticket_id=ticket_id, label=ticket.label, printer=place, state="queued", attempts=0, agent=agent
            )
            queue.record(session, ticket.center_id, "print.updated", self.clock(), print_job=out)
        return out

    def report(self, ticket_id: int, agent: str, result: protocol.PrintJobOut) -> protocol.PrintJobOut:
        """What a print agent says became of a job."""
        with self.db.write() as session:
            ticket = queue.get_ticket(session, ticket_id)
            out = result.model_copy(update={"ticket_id": ticket_id, "label": ticket.label, "agent": agent})
            queue.record(session, ticket.center_id, "print.updated", self.clock(), print_job=out)
        return out

    # --- life ---------------------------------------------------------------------------------------

    def close(self) -> None:
        """Stop every worker after its current attempt; unprinted jobs stay queued in the database."""
        with self._lock:
            self._closed = True
            workers = [p.worker for p in self._printers.values() if p.worker is not None]
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


def _set_state(session: Session, job_id: int, states: tuple[PrintJobState, ...], now: datetime, owner: str | None = None, **values: object) -> bool:
    """The conditional UPDATE every change of a job goes through: only from `states` (and, for a
    claimed job, only by its claimant). True when this caller made the change."""
    statement = update(PrintJob).where(col(PrintJob.id) == job_id, col(PrintJob.state).in_(states))
    if owner is not None:
        statement = statement.where(col(PrintJob.claimed_by) == owner)
    result = session.execute(statement.values(updated_at=now, **values).execution_options(synchronize_session=False))
    return result.rowcount == 1  # type: ignore[attr-defined]


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
        self._tidy()
        if self._fault is not None:
            left = self._retry_at - time.monotonic()
            if left > 0:
                self._hold_queued()
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
        with self.printing.db.read() as session:
            data = ticket_print(session, queue.get_ticket(session, job.ticket_id), job.public_url)
        if self.config.mode == "text":
            return encode_text(data, self.config.width_dots)
        return encode_image(render(data, self.config.width_dots))

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
        """Change a job and record its event in one transaction; the job as changed, or None if
        it was not in one of `states` (or no longer ours)."""
        now = self.printing.clock()
        with self.printing.db.write() as session:
            if not _set_state(session, job_id, states, now, self.printing.me if claimed else None, **values):
                return None
            job = session.get(PrintJob, job_id)
            assert job is not None
            queue.record(session, job.center_id, "print.updated", now, print_job=job_out(job))
            return job

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

    def _hold_queued(self) -> None:
        """While the printer fails, jobs that arrive say why they wait (the kiosk tells the citizen)."""
        for job_id in self._ids((PrintJobState.queued,)):
            self._change(job_id, (PrintJobState.queued,), state=PrintJobState.retrying, last_error=self._fault)

    def _tidy(self) -> None:
        """Expire jobs too old to print late; settle claims left by a process that stopped."""
        now = self.printing.clock()
        cutoff = now - timedelta(minutes=self.printing.settings.print_max_age_minutes)
        waiting = (PrintJobState.queued, PrintJobState.retrying)
        for job_id in self._ids(waiting, col(PrintJob.created_at) < cutoff):
            self._change(job_id, waiting, state=PrintJobState.expired, next_try_at=None)
        for job_id in self._ids((PrintJobState.printing,), col(PrintJob.claimed_until) < now):
            with self.printing.db.write() as session:
                stale = session.get(PrintJob, job_id)
                if stale is None or stale.state != PrintJobState.printing:
                    continue
                # Only if the claim is still the stale one: the conditional UPDATE names its claimant.
                interrupted = {"key": "print_interrupted", **{lang: printer_text("print_interrupted", lang) for lang in ("vi", "en")}}
                if _set_state(session, job_id, (PrintJobState.printing,), now, stale.claimed_by, state=PrintJobState.failed, last_error=interrupted, claimed_by=None, claimed_until=None):
                    session.refresh(stale)
                    queue.record(session, stale.center_id, "print.updated", now, print_job=job_out(stale))

    def _ids(self, states: tuple[PrintJobState, ...], *where: object) -> list[int]:
        with self.printing.db.read() as session:
            rows = session.exec(
                select(PrintJob.id).where(PrintJob.printer == self.place, col(PrintJob.state).in_(states), *where).order_by(col(PrintJob.id))  # type: ignore[arg-type]
            ).all()
        return list(rows)  # type: ignore[arg-type]
