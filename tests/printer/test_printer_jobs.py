"""Print jobs: states, retries and backoff, against the virtual printer where a fault is involved.

No test sleeps to synchronise: backoff waits are injected (recorded, not slept) and tests wait on
queues and events with a timeout.
"""

import queue
import threading
import time
from collections.abc import Callable

import pytest
from escpos_decoder import page
from virtual_printer import Fault, VirtualPrinter

from printer.connections import DummyTransport, open_printer
from printer.errors import PaperOut, PrinterDisconnected, PrinterError, PrinterTimeout, PrinterUnreachable
from printer.escpos_out import encode_ticket
from printer.jobs import JobState, PrintJob, PrintQueue, RetryPolicy, print_with_retries
from printer.layout import PAPER_58MM, PAPER_80MM, TicketPrint, render

Start = Callable[..., VirtualPrinter]
FAST = "?timeout=0.5"
WAIT = 15  # seconds: only ever reached when a test is failing


class Recorder:
    """on_change listener: every job snapshot, in order, and a way to wait for a state."""

    def __init__(self) -> None:
        self.changes: queue.Queue[PrintJob] = queue.Queue()
        self.seen: list[PrintJob] = []

    def __call__(self, job: PrintJob) -> None:
        self.changes.put(job)

    def until(self, state: JobState, job_id: str | None = None) -> PrintJob:
        deadline = time.monotonic() + WAIT
        while True:
            job = self.changes.get(timeout=max(0.01, deadline - time.monotonic()))
            self.seen.append(job)
            if job.state is state and (job_id is None or job.id == job_id):
                return job

    def trail(self) -> list[tuple[JobState, int, type | None]]:
        return [(job.state, job.attempts, type(job.error) if job.error else None) for job in self.seen]


def test_backoff_doubles_up_to_a_cap() -> None:
    policy = RetryPolicy(attempts=8, first_delay=1, factor=2, max_delay=30)
    assert [policy.delay(n) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


class Scripted:
    """A transport that fails as told, then succeeds."""

    url = "scripted://"

    def __init__(self, *faults: PrinterError) -> None:
        self.faults = list(faults)
        self.sent: list[bytes] = []

    def send(self, data: bytes) -> None:
        if self.faults:
            raise self.faults.pop(0)
        self.sent.append(data)


def test_print_with_retries_waits_between_attempts() -> None:
    transport = Scripted(PrinterTimeout("p"), PaperOut("p"))
    waits: list[float] = []
    faults: list[tuple[int, str, bool]] = []
    attempt = print_with_retries(
        transport,
        b"job",
        RetryPolicy(attempts=3, first_delay=0.5),
        sleep=waits.append,
        on_fault=lambda n, error, retry: faults.append((n, type(error).__name__, retry)),
    )
    assert attempt == 3 and transport.sent == [b"job"]
    assert waits == [0.5, 1.0]
    assert faults == [(1, "PrinterTimeout", True), (2, "PaperOut", True)]


def test_print_with_retries_gives_up_with_the_last_fault() -> None:
    transport = Scripted(PrinterTimeout("p"), PrinterUnreachable("p"), PaperOut("p"))
    waits: list[float] = []
    with pytest.raises(PaperOut):
        print_with_retries(transport, b"job", RetryPolicy(attempts=3), sleep=waits.append)
    assert waits == [1.0, 2.0] and transport.sent == []
    with pytest.raises(ValueError):
        print_with_retries(transport, b"job", RetryPolicy(attempts=0))


def test_paper_out_then_refilled(virtual_printer: Start, ticket: TicketPrint) -> None:
    printer = virtual_printer(Fault.PAPER_OUT, faulty_connections=1)
    changes, waits = Recorder(), []
    with PrintQueue(open_printer(printer.url + FAST), RetryPolicy(attempts=3), changes, sleep=waits.append) as jobs:
        job = jobs.submit(encode_ticket(ticket, PAPER_58MM), "A015")
        done = changes.until(JobState.DONE)
    assert job.state is JobState.QUEUED
    assert done.attempts == 2 and done.error is None
    assert changes.trail() == [
        (JobState.QUEUED, 0, None),
        (JobState.PRINTING, 1, None),
        (JobState.QUEUED, 1, PaperOut),  # staff see "out of paper" while it waits to retry
        (JobState.PRINTING, 2, PaperOut),  # ... and until a try succeeds
        (JobState.DONE, 2, None),
    ]
    assert waits == [1.0]
    first, second = printer.wait_for_connections(2)
    assert len(first.received) == 3  # only the status query: no half ticket
    assert page(second.commands).tobytes() == render(ticket, PAPER_58MM).tobytes()


def test_connection_lost_mid_job_is_printed_again_whole(virtual_printer: Start, ticket: TicketPrint) -> None:
    printer = virtual_printer(Fault.CLOSE_MID_JOB, close_after=3000, faulty_connections=1)
    changes = Recorder()
    with PrintQueue(open_printer(printer.url + FAST), RetryPolicy(attempts=3), changes, sleep=lambda _: None) as jobs:
        jobs.submit(encode_ticket(ticket, PAPER_80MM), "B002")
        done = changes.until(JobState.DONE)
    assert done.attempts == 2
    assert (JobState.QUEUED, 1, PrinterDisconnected) in changes.trail()
    cut_off, whole = printer.wait_for_connections(2)
    assert len(cut_off.received) == 3000 and cut_off.reset_by_printer
    assert page(whole.commands).tobytes() == render(ticket, PAPER_80MM).tobytes()


def test_printer_that_never_answers_fails_the_job_but_keeps_it(virtual_printer: Start, ticket: TicketPrint) -> None:
    printer = virtual_printer(Fault.HANG)
    changes, waits = Recorder(), []
    data = encode_ticket(ticket, PAPER_58MM)
    with PrintQueue(
        open_printer(printer.url + FAST), RetryPolicy(attempts=3, first_delay=2), changes, sleep=waits.append
    ) as jobs:
        jobs.submit(data, "C003")
        failed = changes.until(JobState.FAILED)
        assert jobs.get("C003") == failed
    assert failed.attempts == 3 and isinstance(failed.error, PrinterTimeout)
    assert failed.data == data  # nothing lost: it can be printed again
    assert failed.error.message["vi"].endswith("không phản hồi.")
    assert waits == [2.0, 4.0]
    assert [state for state, _, _ in changes.trail()].count(JobState.PRINTING) == 3


def test_reprint_after_the_printer_is_switched_on(closed_port: int, ticket: TicketPrint) -> None:
    changes = Recorder()
    transport = open_printer(f"tcp://127.0.0.1:{closed_port}{FAST}")
    with PrintQueue(transport, RetryPolicy(attempts=2), changes, sleep=lambda _: None) as jobs:
        jobs.submit(encode_ticket(ticket, PAPER_58MM), "A015")
        failed = changes.until(JobState.FAILED)
        assert isinstance(failed.error, PrinterUnreachable)
        printer = VirtualPrinter(port=closed_port).start()
        try:
            again = jobs.reprint("A015")
            assert again.state is JobState.QUEUED and again.attempts == 0 and again.error is None
            done = changes.until(JobState.DONE)
            (job,) = printer.wait_for_connections(1)
        finally:
            printer.stop()
    assert done.id == "A015" and done.attempts == 1
    assert page(job.commands).tobytes() == render(ticket, PAPER_58MM).tobytes()


class Gate:
    """A transport that holds every job until the test opens the gate."""

    url = "gate://"

    def __init__(self) -> None:
        self.open = threading.Event()
        self.sent: list[bytes] = []

    def send(self, data: bytes) -> None:
        if not self.open.wait(WAIT):
            raise PrinterTimeout(self.url, "the test never opened the gate")
        self.sent.append(data)


def test_submit_never_waits_for_the_printer() -> None:
    gate, changes = Gate(), Recorder()
    jobs = PrintQueue(gate, on_change=changes)
    first = jobs.submit(b"one")
    changes.until(JobState.PRINTING)  # the worker is now stuck in send()
    started = time.monotonic()
    second = jobs.submit(b"two")
    assert time.monotonic() - started < 0.5
    assert (first.state, second.state) == (JobState.QUEUED, JobState.QUEUED)
    assert jobs.get(second.id).state is JobState.QUEUED  # type: ignore[union-attr]
    gate.open.set()
    changes.until(JobState.DONE, second.id)
    jobs.close()
    assert gate.sent == [b"one", b"two"]  # in order


def test_close_hands_back_unprinted_jobs() -> None:
    gate, changes = Gate(), Recorder()
    jobs = PrintQueue(gate, on_change=changes)
    jobs.submit(b"one", "A001")
    jobs.submit(b"two", "A002")
    changes.until(JobState.PRINTING, "A001")
    left: list[list[PrintJob]] = []
    closer = threading.Thread(target=lambda: left.append(jobs.close()))
    closer.start()
    gate.open.set()
    closer.join(WAIT)
    assert [job.id for job in left[0]] == ["A002"]
    assert jobs.get("A001").state is JobState.DONE  # type: ignore[union-attr]
    with pytest.raises(RuntimeError):
        jobs.submit(b"three")


def test_close_cuts_a_backoff_wait_short(closed_port: int) -> None:
    changes = Recorder()
    # Real waiting this time (no injected sleep): a 60 s backoff that close() must interrupt.
    jobs = PrintQueue(
        open_printer(f"tcp://127.0.0.1:{closed_port}{FAST}"), RetryPolicy(attempts=3, first_delay=60), changes
    )
    jobs.submit(b"\x1b@", "A001")
    changes.until(JobState.QUEUED, "A001")  # submitted
    waiting = changes.until(JobState.QUEUED, "A001")  # failed once, now backing off
    assert isinstance(waiting.error, PrinterUnreachable)
    started = time.monotonic()
    left = jobs.close()
    assert time.monotonic() - started < 5
    assert [(job.id, job.state, job.attempts) for job in left] == [("A001", JobState.QUEUED, 1)]


def test_a_failing_listener_does_not_stop_printing() -> None:
    transport, seen = DummyTransport(), Recorder()

    def listener(job: PrintJob) -> None:
        seen(job)
        raise RuntimeError("listener bug")

    with PrintQueue(transport, on_change=listener) as jobs:
        jobs.submit(b"one")
        jobs.submit(b"two")
        seen.until(JobState.DONE)
        seen.until(JobState.DONE)
    assert transport.jobs == [b"one", b"two"]


def test_a_crashing_transport_fails_the_job_not_the_worker() -> None:
    class Broken:
        url = "broken://"

        def send(self, data: bytes) -> None:
            raise KeyError("driver bug")

    changes = Recorder()
    with PrintQueue(Broken(), on_change=changes, sleep=lambda _: None) as jobs:
        jobs.submit(b"one", "A001")
        failed = changes.until(JobState.FAILED)
        jobs.submit(b"two", "A002")
        assert changes.until(JobState.FAILED, "A002").id == "A002"
    assert isinstance(failed.error, PrinterError) and "driver bug" in str(failed.error)


def test_the_same_job_cannot_be_queued_twice() -> None:
    gate = Gate()
    jobs = PrintQueue(gate)
    jobs.submit(b"one", "A001")
    with pytest.raises(ValueError, match="already queued"):
        jobs.submit(b"one", "A001")
    gate.open.set()
    jobs.close()
