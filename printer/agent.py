"""The print agent: drives a printer attached to a kiosk PC (USB, serial) for the server.

Its jobs are rows on the server, like those of the printers the server drives itself: tickets,
and the appointment slips of the counters whose printer it drives. The
agent claims the oldest one (POST /print-agent/jobs/claim), prints it and reports what became
of it (POST /tickets/{id}/print-result). It claims when the event log it follows (/ws/events)
names it in a queued "print.updated" event, and also on a capped backoff (1, 2, 4, ... s), so a
missed event or a night offline loses nothing; after a printer fault the same job is tried
again on that backoff, and events do not hurry it. Jobs too old to print late are expired by
the server, never handed out.

Each job is printed once across restarts of either side: before the paper moves, the agent
writes the job to a small state file, and after the printer answered, the result; it clears
the file only once the server has the result. A job found in the file at start was cut off
mid-print (power cut): it may be on paper, so it is reported "failed" (interrupted), not printed
again. A job the server handed out but the agent never wrote down never reached the printer:
the server hands it back at the next claim.
"""

import json
import logging
import os
import queue
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from display.client import Connection, EventClient  # the same reconnecting event-log client
from printer.connections import Transport, open_printer
from printer.errors import PrinterError
from printer.escpos_out import encode
from printer.layout import TicketPrint
from printer.messages import both
from printer.slip import SlipContent
from server.protocol import EventOut, Messages, PrintJobOut, Snapshot

log = logging.getLogger("motcua.print_agent")
UNREACHABLE = (urllib.error.URLError, OSError)  # HTTPError is a URLError: look at .code first


class AgentState:
    """{"in_flight": {"job_id", "ticket_id", "result"} | null}, written atomically.

    `result` is None while the paper may be moving, then what the printer said, until the
    server has it. (A file of an older agent also has "last_seq"; it is not needed now.)"""

    def __init__(self, path: Path) -> None:
        self.path = path
        data = json.loads(path.read_text()) if path.exists() else {}
        self.in_flight: dict | None = data.get("in_flight")

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temporary = self.path.with_suffix(".tmp")
        with open(temporary, "w") as file:
            json.dump({"in_flight": self.in_flight}, file)
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
        retry_max_seconds: float = 10.0,
    ) -> None:
        self.server = server.rstrip("/")
        self.token = token
        self.transport = open_printer(printer) if isinstance(printer, str) else printer
        self.state = AgentState(state_file)
        self.width_dots = width_dots
        self.mode = mode
        self.retry_max_seconds = retry_max_seconds
        self.name: str | None = None
        self.printed = 0
        self.caught_up = threading.Event()  # set once connected and following the log
        self._failures = 0  # printer or server failures in a row
        self._idle = 0  # claims in a row that found nothing

    # --- talking to the server ---------------------------------------------------------------

    def _call(self, method: str, path: str, body: dict | None = None) -> dict | None:
        """The server's JSON answer; None for 204 (no content)."""
        request = urllib.request.Request(
            f"{self.server}/api/v1{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read()) if response.status != 204 else None

    def _claim(self) -> PrintJobOut | None:
        answer = self._call("POST", "/print-agent/jobs/claim")
        return PrintJobOut.model_validate(answer) if answer is not None else None

    # --- the loop ------------------------------------------------------------------------------

    def run(self, stop: threading.Event) -> None:
        """Claim and print this agent's jobs until `stop` is set."""
        self.name = self._call("GET", "/auth/me")["username"]  # type: ignore[index]
        inbox: queue.Queue = queue.Queue()
        client = EventClient(self.server, inbox, token=self.token)
        client.start()
        due = 0.0  # time.monotonic() of the next claim
        try:
            while not stop.is_set():
                left = due - time.monotonic()
                if left <= 0:
                    due = time.monotonic() + self._step()
                    continue
                try:
                    message = inbox.get(timeout=min(left, 0.5))
                except queue.Empty:
                    continue
                if self._wakes(message) and self._failures == 0:
                    due = 0.0  # a failing printer or server keeps its backoff
        finally:
            client.stop()

    def _wakes(self, message: Snapshot | EventOut | Connection) -> bool:
        """Does this message mean there may be a job to claim now?"""
        if isinstance(message, Connection):
            if not message.connected:
                self.caught_up.clear()
            return False
        self.caught_up.set()
        if isinstance(message, Snapshot):
            return True  # (re)connected: whatever was issued meanwhile is waiting
        job = message.print_job
        return message.kind == "print.updated" and job is not None and job.state == "queued" and job.agent == self.name

    def backoff(self, count: int) -> float:
        """1, 2, 4, ... seconds, at most `retry_max_seconds`."""
        return min(self.retry_max_seconds, 2.0 ** max(0, count - 1))

    def _step(self) -> float:
        """Settle the job in flight, then claim and print the next one; seconds until the next claim."""
        try:
            if not self._settle():
                raise ConnectionError("the server did not take the result")
            job = self._claim()
        except UNREACHABLE as exc:
            self._failures += 1
            log.warning("server unreachable (%s); next try in %.0f s", exc, self.backoff(self._failures))
            return self.backoff(self._failures)
        if job is None:
            self._idle += 1
            if self._failures:  # nothing left to try: the printer's fault no longer holds anyone up
                self._failures = 0
            return self.backoff(self._idle)
        self._idle = 0
        if self._print(job):
            self._failures = 0
            return 0.0
        self._failures += 1
        return self.backoff(self._failures)

    def _settle(self) -> bool:
        """Report the job in flight, if any: its result, or "failed" (interrupted) when the agent
        stopped while the paper may have moved. False while the server cannot be told."""
        flight = self.state.in_flight
        if flight is None:
            return True
        result = flight.get("result")
        if result is None:
            log.warning("ticket %s was being printed when the agent stopped; not printing it again", flight["ticket_id"])
            result = {"state": "failed", "error": both("print_interrupted")}
        report = PrintJobOut(
            id=flight.get("job_id"), ticket_id=flight["ticket_id"], label=flight.get("label", ""), printer="",
            state=result["state"], attempts=0, error=Messages(**result["error"]) if result.get("error") else None,
        )  # fmt: skip
        try:
            self._call("POST", f"/tickets/{report.ticket_id}/print-result", report.model_dump(mode="json"))
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                return False
            # 4xx: the server knows no such claim (a job of an older agent, or one it settled
            # itself after the claim ran out): nothing more to tell.
            log.warning("ticket %s: the server refused the result (%s)", report.ticket_id, exc.code)
        except UNREACHABLE:
            return False
        self.state.in_flight = None
        self.state.save()
        return True

    def _print(self, job: PrintJobOut) -> bool:
        """Print a claimed job and report it; True when the printer took it."""
        try:
            if job.kind == "slip":
                data: TicketPrint | SlipContent = SlipContent.model_validate(self._call("GET", f"/print-jobs/{job.id}/slip"))
            else:
                data = TicketPrint.model_validate(self._call("GET", f"/tickets/{job.ticket_id}/print-data"))
        except UNREACHABLE as exc:  # nothing sent: the server hands the claimed job back next time
            log.warning("ticket %s: server unreachable (%s)", job.label, exc)
            return False
        payload = encode(data, self.width_dots, self.mode)
        self.state.in_flight = {"job_id": job.id, "ticket_id": job.ticket_id, "label": job.label, "result": None}
        self.state.save()  # before the paper moves: a restart must not print it twice
        try:
            delivery = self.transport.send(payload)
            result: dict = {"state": delivery.value}  # "printed" when the printer confirmed, else "sent"
        except PrinterError as exc:
            log.warning("ticket %s not printed: %s", job.label, exc)
            result = {"state": "retrying", "error": dict(exc.message)}
        self.state.in_flight = {**self.state.in_flight, "result": result}
        self.state.save()  # what the printer said, kept until the server has it
        ok = result["state"] != "retrying"
        if ok:
            self.printed += 1
        self._settle()  # if the server is away now, the next step tells it first
        return ok
