"""Printer address -> transport: something that sends one job's bytes and reads the status.

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
from typing import Any, Protocol

from printer import escpos_lib
from printer.errors import (
    PaperOut,
    PrinterDisconnected,
    PrinterError,
    PrinterOffline,
    PrinterTimeout,
    PrinterUnreachable,
)
from printer.status import QUERY_ONLINE, QUERY_PAPER, PaperState, PrinterStatus, decode_online, decode_paper
from printer.urls import PrinterAddress, parse_printer_url

log = logging.getLogger(__name__)

# How long to wait for a status answer. Short: many printers never answer, and they still print.
STATUS_WAIT = 0.5
# Bits on the wire per byte on a serial line (start + 8 data + stop).
SERIAL_BITS_PER_BYTE = 10
# Longer than this on the wire and the person at the kiosk has walked away.
SLOW_SERIAL_SECONDS = 5


class Transport(Protocol):
    url: str

    def send(self, data: bytes) -> None:
        """Deliver one job, or raise a PrinterError."""

    def status(self) -> PrinterStatus:
        """Ask the printer how it is; never raises for printer faults."""


class DummyTransport:
    """Keeps every job in memory (dummy://): tests, previews, and a kiosk with no printer."""

    def __init__(self, url: str = "dummy://") -> None:
        self.url = url
        self.jobs: list[bytes] = []

    def send(self, data: bytes) -> None:
        self.jobs.append(bytes(data))

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

    def __init__(
        self, address: PrinterAddress, make_printer: Callable[[float], Any], status_wait: float = STATUS_WAIT
    ) -> None:
        self.address = address
        self.url = address.url
        self._make_printer = make_printer  # seconds allowed -> an unopened escpos printer
        self._status_wait = status_wait

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

    def _ask(self, printer: Any, query: bytes, deadline: float) -> bytes | None:
        """Send a real-time status query; None when the printer does not answer in time."""
        if not self.address.query_status or self.address.kind == "file":
            return None
        self._arm(printer, deadline - time.monotonic())
        printer._raw(query)
        wait = min(self._status_wait, deadline - time.monotonic())
        self._arm(printer, wait)
        try:
            if self.address.kind == "serial":
                # python-escpos reads 16 bytes, and pyserial waits for all 16 or the timeout;
                # a status answer is one byte.
                return bytes(printer.device.read(1))
            if self.address.kind == "usb":
                # python-escpos reads with pyusb's default timeout (1 s); ours is shorter.
                return bytes(printer.device.read(printer.in_ep, 16, max(1, int(wait * 1000))))
            return bytes(printer._read())
        except NotImplementedError:
            return None
        except OSError as error:
            if _is_timeout(error):
                return None  # silence is not a fault: many printers never answer
            raise

    def _check_paper(self, printer: Any, deadline: float) -> bool:
        """Raise PaperOut if the printer says so; False if it did not answer at all."""
        reply = self._ask(printer, QUERY_PAPER, deadline)
        if decode_paper(reply) is PaperState.OUT:
            raise PaperOut(self.url, "the printer reports no paper")
        return bool(reply)

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

    def send(self, data: bytes) -> None:
        """Open, check paper, write the job, ask again (a round trip proves the printer took the
        bytes and shows whether the roll ran out mid-ticket), close."""
        deadline = self._deadline(len(data))
        with self._connection(deadline) as printer:
            answers = self._check_paper(printer, deadline)
            self._arm(printer, deadline - time.monotonic())
            printer._raw(data)
            if answers:  # a printer that stayed silent once will not answer now either
                self._check_paper(printer, deadline)

    def status(self) -> PrinterStatus:
        deadline = self._deadline()
        try:
            with self._connection(deadline) as printer:
                online = decode_online(self._ask(printer, QUERY_ONLINE, deadline))
                paper = decode_paper(self._ask(printer, QUERY_PAPER, deadline))
        except PrinterError as error:
            return PrinterStatus(reachable=False, fault=error.key)
        return PrinterStatus(reachable=True, online=online, paper=paper)


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


def open_printer(url: str | PrinterAddress, status_wait: float = STATUS_WAIT) -> Transport:
    """The transport for a printer address (see `printer.urls`). Nothing is opened until a job."""
    address = url if isinstance(url, PrinterAddress) else parse_printer_url(url)
    if address.kind == "dummy":
        return DummyTransport(address.url)
    return EscposTransport(address, _factory(address), status_wait)


def raise_for_status(status: PrinterStatus, url: str) -> None:
    """Turn a status reading into the fault it shows, if any (for a 'test printer' button)."""
    if not status.reachable:
        raise PrinterUnreachable(url, status.fault or "")
    if status.online is False:
        raise PrinterOffline(url, "the printer reports it is offline")
    if status.paper is PaperState.OUT:
        raise PaperOut(url, "the printer reports no paper")
