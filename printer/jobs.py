"""Print jobs: retries with exponential backoff, and a per-printer queue worked by one thread.

Pure logic over a transport: no server, no database. The server keeps one `PrintQueue` per
printer, submits a job per ticket and learns every state change through `on_change` (to tell the
kiosk, show staff the fault, and offer a reprint). Submitting never blocks; a fault never loses
a job: it ends `failed` with its error and can be sent again with `reprint`.

The per-attempt timeout is the transport's (`?timeout=` in the printer address): every blocking
call of an attempt shares one deadline.
"""

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum

from printer.connections import Transport
from printer.errors import PrinterError

log = logging.getLogger(__name__)


class JobState(StrEnum):
    QUEUED = "queued"  # waiting for the printer, or for the next try after a fault
    PRINTING = "printing"
    DONE = "done"
    FAILED = "failed"  # every attempt failed; `error` says why


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 3
    first_delay: float = 1.0  # seconds before the second attempt
    factor: float = 2.0
    max_delay: float = 30.0

    def delay(self, failed_attempts: int) -> float:
        """Seconds to wait after `failed_attempts` failures: 1, 2, 4, ... capped."""
        return min(self.max_delay, self.first_delay * self.factor ** (failed_attempts - 1))


@dataclass(frozen=True)
class PrintJob:
    """A snapshot of a job; the queue replaces it on every change, so a snapshot never moves."""

    id: str
    data: bytes
    state: JobState = JobState.QUEUED
    attempts: int = 0
    error: PrinterError | None = None  # the last fault, kept while retrying so staff see it


def print_with_retries(
    transport: Transport,
    data: bytes,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], object] | None = None,
    on_attempt: Callable[[int], object] | None = None,
    on_fault: Callable[[int, PrinterError, bool], object] | None = None,
) -> int:
    """Send `data`, retrying printer faults with backoff. Returns the attempt that succeeded;
    raises the last PrinterError when all failed. `sleep` waits between attempts (inject one
    in tests); `on_fault(attempt, error, will_retry)` sees every fault."""
    if policy.attempts < 1:
        raise ValueError("a print job needs at least one attempt")
    wait = sleep or threading.Event().wait
    for attempt in range(1, policy.attempts + 1):
        if on_attempt:
            on_attempt(attempt)
        try:
            transport.send(data)
            return attempt
        except PrinterError as error:
            will_retry = attempt < policy.attempts
            log.warning("print attempt %d/%d on %s failed: %s", attempt, policy.attempts, transport.url, error)
            if on_fault:
                on_fault(attempt, error, will_retry)
            if not will_retry:
                raise
            wait(policy.delay(attempt))
    raise AssertionError("unreachable")


class _Stopped(Exception):
    """The queue closed while a job waited to retry."""


class PrintQueue:
    """One printer's jobs, printed in order by one worker thread."""

    def __init__(
        self,
        transport: Transport,
        policy: RetryPolicy = RetryPolicy(),
        on_change: Callable[[PrintJob], object] | None = None,
        sleep: Callable[[float], object] | None = None,
    ) -> None:
        self.transport = transport
        self.policy = policy
        self._on_change = on_change
        self._stopping = threading.Event()
        # Default backoff wait ends early when the queue closes.
        self._sleep = sleep or self._stopping.wait
        self._jobs: dict[str, PrintJob] = {}
        self._lock = threading.Lock()
        self._inbox: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self._ids = itertools.count(1)
        self._worker = threading.Thread(target=self._work, name=f"print-queue {transport.url}", daemon=True)
        self._worker.start()

    def submit(self, data: bytes, job_id: str | None = None) -> PrintJob:
        """Queue a job and return at once."""
        job = PrintJob(job_id or f"job-{next(self._ids)}", bytes(data))
        with self._lock:
            if self._stopping.is_set():
                raise RuntimeError("the print queue is closed")
            if job.id in self._jobs and self._jobs[job.id].state in (JobState.QUEUED, JobState.PRINTING):
                raise ValueError(f"print job {job.id} is already queued")
            self._jobs[job.id] = job
        self._notify(job)
        self._inbox.put(job.id)
        return job

    def reprint(self, job_id: str) -> PrintJob:
        """Send a finished or failed job again, with fresh attempts."""
        with self._lock:
            job = self._jobs[job_id]
        return self.submit(job.data, job_id)

    def get(self, job_id: str) -> PrintJob | None:
        with self._lock:
            return self._jobs.get(job_id)

    def close(self, timeout: float = 10.0) -> list[PrintJob]:
        """Stop after the current attempt; returns the jobs left unprinted (still queued)."""
        self._stopping.set()
        self._inbox.put(None)
        self._worker.join(timeout)
        with self._lock:
            return [job for job in self._jobs.values() if job.state in (JobState.QUEUED, JobState.PRINTING)]

    def __enter__(self) -> "PrintQueue":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _update(self, job_id: str, **changes: object) -> None:
        with self._lock:
            job = self._jobs[job_id] = replace(self._jobs[job_id], **changes)  # type: ignore[arg-type]
        self._notify(job)

    def _notify(self, job: PrintJob) -> None:
        if self._on_change is None:
            return
        try:
            self._on_change(job)
        except Exception:  # a broken listener must not stop the printer
            log.exception("print job listener failed for %s", job.id)

    def _wait(self, seconds: float) -> None:
        self._sleep(seconds)
        if self._stopping.is_set():
            raise _Stopped

    def _work(self) -> None:
        while (job_id := self._inbox.get()) is not None:
            if self._stopping.is_set():
                break
            job = self.get(job_id)
            assert job is not None
            try:
                print_with_retries(
                    self.transport,
                    job.data,
                    self.policy,
                    sleep=self._wait,
                    on_attempt=lambda attempt: self._update(job_id, state=JobState.PRINTING, attempts=attempt),
                    on_fault=lambda _, error, retry: self._update(
                        job_id, state=JobState.QUEUED if retry else JobState.FAILED, error=error
                    ),
                )
            except PrinterError:
                continue  # already recorded as failed by on_fault
            except _Stopped:
                break  # left queued: the caller gets it back from close()
            except Exception as error:  # a bug, not a printer fault: fail the job, keep the worker
                log.exception("print job %s crashed", job_id)
                self._update(job_id, state=JobState.FAILED, error=PrinterError(self.transport.url, repr(error)))
                continue
            self._update(job_id, state=JobState.DONE, error=None)
