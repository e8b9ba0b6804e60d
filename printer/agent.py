"""The print agent: drives a printer attached to a kiosk PC (USB, serial) for the server.

It follows the center's event log (/ws/events) with its device token. A "print.updated" event
in state "queued" naming this agent is a job: fetch what goes on the paper, print it, report
the result. The last sequence handled is kept in a small state file, so after a restart of the
agent or the server it resumes where it stopped: every job printed once. A job interrupted
mid-print (power cut) is not printed again by itself: it may already be on paper; it is
reported failed so staff can reprint it if the citizen has nothing.
"""

import json
import logging
import os
import queue
import threading
import urllib.error
import urllib.request
from pathlib import Path

from display.client import Connection, EventClient  # the same reconnecting event-log client
from printer.connections import Transport, open_printer
from printer.errors import PrinterError
from printer.escpos_out import encode_image, encode_text
from printer.layout import TicketPrint, render
from printer.messages import both
from server.protocol import EventOut, Messages, PrintJobOut, Snapshot

log = logging.getLogger("motcua.print_agent")


class AgentState:
    """{"last_seq": N, "in_flight": {"seq", "ticket_id"} | null}, written atomically."""

    def __init__(self, path: Path) -> None:
        self.path = path
        data = json.loads(path.read_text()) if path.exists() else {}
        self.last_seq: int | None = data.get("last_seq")
        self.in_flight: dict | None = data.get("in_flight")

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with open(temporary, "w") as file:
            json.dump({"last_seq": self.last_seq, "in_flight": self.in_flight}, file)
            file.flush()
            os.fsync(file.fileno())  # the state must survive the power cut that follows a print
        os.replace(temporary, self.path)


class PrintAgent:
    def __init__(
        self,
        server: str,
        token: str,
        printer: str | Transport,
        state_file: Path,
        width_dots: int = 576,
        mode: str = "image",
    ) -> None:
        self.server = server.rstrip("/")
        self.token = token
        self.transport = open_printer(printer) if isinstance(printer, str) else printer
        self.state = AgentState(state_file)
        self.width_dots = width_dots
        self.mode = mode
        self.name: str | None = None
        self.printed = 0
        self.caught_up = threading.Event()  # set once connected and following the log

    # --- talking to the server ---------------------------------------------------------------

    def _call(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"{self.server}/api/v1{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def _report(self, job: PrintJobOut, state: str, attempts: int, error: Messages | None = None) -> None:
        result = job.model_copy(update={"state": state, "attempts": attempts, "error": error})
        self._call("POST", f"/tickets/{job.ticket_id}/print-result", result.model_dump(mode="json"))

    # --- the loop ------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Follow the event log and print this agent's jobs until `stop` is set."""
        self.name = self._call("GET", "/auth/me")["username"]
        inbox: queue.Queue = queue.Queue()
        client = EventClient(self.server, inbox, token=self.token)
        client.last_seq = self.state.last_seq
        client.start()
        try:
            while not stop.is_set():
                try:
                    message = inbox.get(timeout=0.5)
                except queue.Empty:
                    continue
                self._handle(message)
        finally:
            client.stop()

    def _handle(self, message: Snapshot | EventOut | Connection) -> None:
        if isinstance(message, Connection):
            if not message.connected:
                self.caught_up.clear()
            return
        if isinstance(message, Snapshot):
            # First start, or too long away to replay: older jobs are not printed now (the
            # citizens have long had the number on screen).
            if self.state.last_seq is not None and message.seq > self.state.last_seq:
                log.warning("missed events %d..%d; their jobs are not printed", self.state.last_seq + 1, message.seq)
            self._settle_interrupted()
            self.state.last_seq = message.seq
            self.state.save()
            self.caught_up.set()
            return
        interrupted = self.state.in_flight
        if interrupted is not None and message.seq >= interrupted["seq"]:
            # The job the agent was printing when it stopped comes back in the replay: it may
            # be on paper already, so it is reported, not printed again.
            self._settle_interrupted()
            if message.seq == interrupted["seq"]:
                self.state.last_seq = message.seq
                self.state.save()
                return
        job = message.print_job
        if message.kind == "print.updated" and job and job.state == "queued" and job.agent == self.name:
            self.state.in_flight = {"seq": message.seq, "ticket_id": job.ticket_id}
            self.state.save()  # before the paper moves: a restart must not print it twice
            self._print(job)
            self.state.in_flight = None
        self.state.last_seq = message.seq
        self.state.save()
        self.caught_up.set()

    def _settle_interrupted(self) -> None:
        interrupted = self.state.in_flight
        if interrupted is None:
            return
        log.warning("ticket %s was being printed when the agent stopped; not printing it again", interrupted["ticket_id"])
        job = PrintJobOut(ticket_id=interrupted["ticket_id"], label="", printer="", state="failed", attempts=1)
        try:
            self._report(job, "failed", 1, Messages(**both("print_interrupted")))
        except (urllib.error.URLError, OSError) as exc:
            log.warning("could not report the interrupted job: %s", exc)
        self.state.in_flight = None
        self.state.save()

    def _print(self, job: PrintJobOut) -> None:
        try:
            data = TicketPrint.model_validate(self._call("GET", f"/tickets/{job.ticket_id}/print-data"))
            payload = encode_text(data, self.width_dots) if self.mode == "text" else encode_image(render(data, self.width_dots))
            self._report(job, "printing", 1)
            delivery = self.transport.send(payload)
        except PrinterError as exc:
            log.warning("ticket %s not printed: %s", job.label, exc)
            self._report(job, "failed", 1, Messages(**exc.message))
            return
        except (urllib.error.URLError, OSError) as exc:
            log.warning("ticket %s: server unreachable (%s); left for staff to reprint", job.label, exc)
            return
        self.printed += 1
        self._report(job, delivery.value, 1)  # "printed" when the printer confirmed, else "sent"
