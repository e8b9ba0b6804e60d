"""Printer address -> transport: something that sends one job's bytes and has it confirmed.

Every job opens a fresh python-escpos connection, writes, and closes: a python-escpos `Network`
object never reopens after a failed open (upstream issue 720), and a connection held open goes
stale when the printer is switched off. Each attempt has a deadline (`timeout` in the address);
driver and socket errors become the `printer.errors` family, raised `from` the original.
"""

import errno
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import Any, Protocol

from printer import escpos_lib
from printer.errors import (
    BY_KEY,
    CoverOpen,
    PaperOut,
    PrinterFailure,
    PrinterDisconnected,
    PrinterError,
    PrinterOffline,
    PrinterTimeout,
    PrinterUnreachable,
)
from printer.status import (
    QUERIES,
    QUERY_ERROR_CAUSE,
    QUERY_OFFLINE_CAUSE,
    QUERY_ONLINE,
    QUERY_PAPER,
    PaperState,
    PrinterStatus,
    decode_cover_open,
    decode_error,
    decode_online,
    decode_paper,
    is_status_byte,
    verdict,
)
from printer.urls import PrinterAddress, parse_printer_url

log = logging.getLogger(__name__)

# Bits on the wire per byte on a serial line (start + 8 data + stop).
SERIAL_BITS_PER_BYTE = 10
# Longer than this on the wire and the person at the kiosk has walked away.
SLOW_SERIAL_SECONDS = 5


class Delivery(StrEnum):
    PRINTED = "printed"  # after the data, the printer answered that all is well
    SENT = "sent"  # delivered to a printer that cannot answer (declared `?status=none`)


class Transport(Protocol):
    url: str
    confirms: bool  # does the printer answer status queries

    def send(self, data: bytes) -> Delivery:
        """Deliver one job and, if the printer can, have it confirmed; or raise a PrinterError."""

    def status(self) -> PrinterStatus:
        """Ask the printer how it is; never raises for printer faults."""


class DummyTransport:
    """Keeps every job in memory (dummy://): tests and previews. It cannot confirm paper came out."""

    confirms = False

    def __init__(self, url: str = "dummy://") -> None:
        self.url = url
        self.jobs: list[bytes] = []

    def send(self, data: bytes) -> Delivery:
        self.jobs.append(bytes(data))
        return Delivery.SENT

    def status(self) -> PrinterStatus:
        return PrinterStatus(reachable=True, online=True, paper=PaperState.OK)


def _is_timeout(error: BaseException) -> bool:
    serial = sys.modules.get("serial")
    serial_timeout = getattr(serial, "SerialTimeoutException", ()) if serial else ()
    return (
        isinstance(error, TimeoutError)
        or (serial_timeout and isinstance(error, serial_timeout))
        or getattr(error, "errno", None) == errno.ETIMEDOUT
        or getattr(error, "backend_error_code", None) == -7  # libusb LIBUSB_ERROR_TIMEOUT
    )


class EscposTransport:
    """A printer reached through a python-escpos printer class, one connection per job."""

    def __init__(self, address: PrinterAddress, make_printer: Callable[[float], Any]) -> None:
        self.address = address
        self.url = address.url
        self._make_printer = make_printer  # seconds allowed -> an unopened escpos printer

    @contextmanager
    def _connection(self, deadline: float) -> Iterator[Any]:
        escpos = escpos_lib.load()
        printer = self._make_printer(max(0.05, deadline - time.monotonic()))
        try:
            printer.open()
        except escpos.exceptions.DeviceNotFoundError as error:
            cause = error.__context__ or error  # the OSError or USBError python-escpos caught
            fault = PrinterTimeout if _is_timeout(cause) else PrinterUnreachable
            raise fault(self.url, repr(cause)) from error
        except (OSError, AssertionError) as error:
            fault = PrinterTimeout if _is_timeout(error) else PrinterUnreachable
            raise fault(self.url, repr(error)) from error
        try:
            yield printer
        except PrinterError:
            raise
        except (OSError, AssertionError) as error:
            # The connection was open: whatever breaks now broke mid-job.
            fault = PrinterTimeout if _is_timeout(error) else PrinterDisconnected
            raise fault(self.url, repr(error)) from error
        finally:
            try:
                printer.close()
            except (OSError, AssertionError) as error:
                log.debug("closing %s: %r", self.url, error)

    def _arm(self, printer: Any, seconds: float) -> None:
        """Bound the next blocking call by what is left of the attempt's deadline (sockets and
        serial ports; pyusb takes its timeout per transfer, set when the printer is made)."""
        device, seconds = printer.device, max(0.01, seconds)
        if hasattr(device, "settimeout"):
            device.settimeout(seconds)
        elif hasattr(device, "write_timeout"):
            device.timeout = device.write_timeout = seconds

    @property
    def confirms(self) -> bool:
        return self.address.query_status

    def _read(self, printer: Any, seconds: float) -> bytes:
        """Whatever the printer sent back within `seconds` (b"" on a serial or USB timeout)."""
        self._arm(printer, seconds)
        if self.address.kind == "serial":
            # python-escpos reads 16 bytes, and pyserial waits for all 16 or the timeout;
            # a status answer is one byte.
            return bytes(printer.device.read(1))
        if self.address.kind == "usb":
            # python-escpos reads with pyusb's default timeout (1 s); ours is shorter.
            try:
                return bytes(printer.device.read(printer.in_ep, 16, max(1, int(seconds * 1000))))
            except OSError as error:  # pyusb's USBTimeoutError is an OSError
                if _is_timeout(error):
                    return b""
                raise
        chunk = printer.device.recv(1)
        if not chunk:
            raise ConnectionResetError("the printer closed the connection")
        return chunk

    def _ask(self, printer: Any, query: bytes, deadline: float) -> bytes | None:
        """Send a real-time status query; its one-byte answer, or None when no valid answer
        comes by the deadline. Bytes that are no status reply are skipped."""
        self._arm(printer, deadline - time.monotonic())
        printer._raw(query)
        while (left := deadline - time.monotonic()) > 0:
            try:
                chunk = self._read(printer, left)
            except OSError as error:
                if _is_timeout(error):
                    return None
                raise
            for value in chunk:
                if is_status_byte(value):
                    return bytes([value])
        return None

    def _replies(self, printer: Any, deadline: float) -> dict[bytes, bytes | None]:
        """The four status answers; stops at the first question left unanswered."""
        replies: dict[bytes, bytes | None] = {}
        for query in QUERIES:
            replies[query] = self._ask(printer, query, deadline)
            if replies[query] is None:
                break
        return replies

    def _require_ready(self, printer: Any, deadline: float) -> None:
        """Raise the fault the printer's answers show (no answer is a fault too)."""
        fault = verdict(self._replies(printer, deadline))
        if fault is not None:
            raise BY_KEY[fault](self.url, fault.replace("_", " "))

    def _deadline(self, data_size: int = 0) -> float:
        seconds = self.address.timeout
        if self.address.kind == "serial":
            # A serial line is slow (a 32 kB image takes 33 s at 9600 baud): allow for the transfer.
            transfer = data_size * SERIAL_BITS_PER_BYTE / self.address.baudrate
            if transfer > SLOW_SERIAL_SECONDS:
                log.warning(
                    "%s: a %d-byte job takes %.0f s at %d baud; use text mode or a faster line for this printer",
                    self.url,
                    data_size,
                    transfer,
                    self.address.baudrate,
                )
            seconds += 1.5 * transfer
        return time.monotonic() + seconds

    def send(self, data: bytes) -> Delivery:
        """Open; ask the status (no ticket goes into an open cover or an empty roll); write the
        job; ask again: only answers that all say "fine", after the data, make it printed. The
        printer answers a real-time query once it has read everything before it, so the second
        round also proves the bytes arrived. Close."""
        deadline = self._deadline(len(data))
        with self._connection(deadline) as printer:
            if self.confirms:
                self._require_ready(printer, deadline)
            self._arm(printer, deadline - time.monotonic())
            printer._raw(data)
            if not self.confirms:
                return Delivery.SENT
            self._require_ready(printer, deadline)
            return Delivery.PRINTED

    def status(self) -> PrinterStatus:
        deadline = self._deadline()
        try:
            with self._connection(deadline) as printer:
                if not self.confirms:
                    return PrinterStatus(reachable=True)
                replies = {query: self._ask(printer, query, deadline) for query in QUERIES}
        except PrinterError as error:
            return PrinterStatus(reachable=False, fault=error.key)
        return PrinterStatus(
            reachable=True,
            online=decode_online(replies[QUERY_ONLINE]),
            cover_open=decode_cover_open(replies[QUERY_OFFLINE_CAUSE]),
            error=decode_error(replies[QUERY_ERROR_CAUSE]),
            paper=decode_paper(replies[QUERY_PAPER]),
        )


def _factory(address: PrinterAddress) -> Callable[[float], Any]:
    printers = escpos_lib.load().printer
    if address.kind == "tcp":
        return lambda seconds: printers.Network(address.host, address.port, timeout=seconds)
    if address.kind == "usb":
        # pyusb takes milliseconds; 0 would mean "wait forever".
        return lambda seconds: printers.Usb(address.vendor_id, address.product_id, timeout=max(1, int(seconds * 1000)))
    if address.kind == "serial":
        return lambda seconds: printers.Serial(address.path, baudrate=address.baudrate, timeout=seconds)
    return lambda seconds: printers.File(address.path)


def open_printer(url: str | PrinterAddress) -> Transport:
    """The transport for a printer address (see `printer.urls`). Nothing is opened until a job."""
    address = url if isinstance(url, PrinterAddress) else parse_printer_url(url)
    if address.kind == "dummy":
        return DummyTransport(address.url)
    return EscposTransport(address, _factory(address))


def raise_for_status(status: PrinterStatus, url: str) -> None:
    """Turn a status reading into the fault it shows, if any (for a 'test printer' button)."""
    if not status.reachable:
        raise PrinterUnreachable(url, status.fault or "")
    # The cause first, as `verdict` does: offline is what cover open and paper out look like.
    if status.cover_open:
        raise CoverOpen(url, "the printer reports its cover is open")
    if status.paper is PaperState.OUT:
        raise PaperOut(url, "the printer reports no paper")
    if status.error:
        raise PrinterFailure(url, "the printer reports an error")
    if status.online is False:
        raise PrinterOffline(url, "the printer reports it is offline")
