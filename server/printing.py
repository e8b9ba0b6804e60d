"""Print jobs: each ticket issued at a kiosk or the entrance desk goes to that place's printer.

The server composes what goes on the paper (`ticket_print`); `printer/` renders, encodes and
delivers it with retries, one queue per printer. Every change of a job becomes an event
("print.updated"), so the kiosk knows whether to tell the citizen to note their number and the
console shows the fault. A print fault never touches the ticket: it is committed before the job
exists.
"""

import logging
import threading
from datetime import datetime

from PIL import Image

from printer.connections import open_printer
from printer.escpos_out import encode_image, encode_text
from printer.jobs import JobState, PrintJob, PrintQueue, RetryPolicy
from printer.layout import TicketPrint, render
from server import protocol, queue
from server.db import Database
from server.errors import Conflict
from server.messages import render as message
from server.models import Ticket
from server.settings import PrinterConfig, Settings

log = logging.getLogger("motcua.printing")
AGENT = "agent://"  # a printer URL that names the print agent that drives it


def ticket_print(session, ticket: Ticket, public_url: str) -> TicketPrint:  # type: ignore[no-untyped-def]
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


class Printing:
    """The server's print queues, one per configured printer, made on first use."""

    def __init__(self, settings: Settings, db: Database, clock: queue.Clock) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.policy = RetryPolicy(attempts=settings.print_attempts)
        self._queues: dict[str, PrintQueue] = {}
        self._jobs: dict[str, tuple[int, int, str]] = {}  # job id -> (ticket id, center id, label)
        self._lock = threading.Lock()

    def printer_of(self, place: str) -> PrinterConfig | None:
        return self.settings.printers.get(place)

    def preview(self, ticket_id: int, width_dots: int = 576) -> Image.Image:
        """The exact image a printer of that width gets for this ticket."""
        with self.db.read() as session:
            data = ticket_print(session, queue.get_ticket(session, ticket_id), self.settings.public_url)
        return render(data, width_dots)

    def submit(self, ticket_id: int, place: str) -> protocol.PrintJobOut | None:
        """Queue the ticket on the printer of `place` (a kiosk's name, or "desk"); None when
        that place has no printer. Returns at once; the job reports through events."""
        config = self.printer_of(place)
        if config is None:
            return None
        if config.url.startswith(AGENT):
            return self._to_agent(ticket_id, place, config.url.removeprefix(AGENT))
        with self.db.read() as session:
            ticket = queue.get_ticket(session, ticket_id)
            data = ticket_print(session, ticket, self.settings.public_url)
            center_id, label = ticket.center_id, ticket.label
        image = render(data, config.width_dots)
        payload = encode_text(data, config.width_dots) if config.mode == "text" else encode_image(image)
        job_id = f"{place}:{ticket_id}"
        with self._lock:
            self._jobs[job_id] = (ticket_id, center_id, label)
            printer = self._queue(place, config)
        try:
            job = printer.submit(payload, job_id)
        except ValueError:
            raise Conflict("print_in_progress", label=label) from None
        return self._out(job)

    def reprint(self, ticket_id: int, place: str) -> protocol.PrintJobOut:
        job = self.submit(ticket_id, place)
        if job is None:
            raise Conflict("no_printer", place=place)
        return job

    def _to_agent(self, ticket_id: int, place: str, agent: str) -> protocol.PrintJobOut:
        """A job for a print agent is an event in the center's log: the agent follows the log
        and picks it up, now or when it is back."""
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

    def close(self) -> None:
        with self._lock:
            queues, self._queues = list(self._queues.values()), {}
        for printer in queues:
            left = printer.close(timeout=5)
            for job in left:
                log.warning("print job %s not printed at shutdown", job.id)

    def _queue(self, place: str, config: PrinterConfig) -> PrintQueue:
        printer = self._queues.get(place)
        if printer is None:
            printer = PrintQueue(open_printer(config.url), self.policy, on_change=self._changed)
            self._queues[place] = printer
        return printer

    def _out(self, job: PrintJob) -> protocol.PrintJobOut:
        ticket_id, _, label = self._jobs[job.id]
        return protocol.PrintJobOut(
            ticket_id=ticket_id,
            label=label,
            printer=job.id.rsplit(":", 1)[0],
            state=job.state.value,  # type: ignore[arg-type]
            attempts=job.attempts,
            error=protocol.Messages(**job.error.message) if job.error else None,
        )

    def _changed(self, job: PrintJob) -> None:
        """From the printer's worker thread: record the change as an event of the center."""
        if job.state == JobState.QUEUED and job.attempts == 0:
            return  # the response to the issue already says "queued"
        out = self._out(job)
        _, center_id, _ = self._jobs[job.id]
        now: datetime = self.clock()
        with self.db.write() as session:
            queue.record(session, center_id, "print.updated", now, print_job=out)
        if job.state == JobState.FAILED:
            log.warning("ticket %s not printed on %s: %s", out.label, out.printer, job.error)
