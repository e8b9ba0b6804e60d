"""Transports against real peers: a TCP printer on 127.0.0.1, a serial line on a pseudo-terminal,
a device file. USB is the one thing mocked (no USB printer here): pyusb's device lookup is
replaced by a fake device."""

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import usb.core
import usb.util
from escpos_decoder import Cut, EscposDecoder, Init, StatusQuery, decode, page
from virtual_printer import Fault, VirtualPrinter

from printer.connections import Delivery, DummyTransport, EscposTransport, open_printer, raise_for_status
from printer.errors import (
    CoverOpen,
    PaperOut,
    PrinterFailure,
    PrinterNoReply,
    PrinterDisconnected,
    PrinterError,
    PrinterOffline,
    PrinterTimeout,
    PrinterUnreachable,
)
from printer.escpos_out import encode_ticket
from printer.layout import PAPER_58MM, PAPER_80MM, TicketPrint, render
from printer.status import (
    QUERY_ERROR_CAUSE,
    QUERY_OFFLINE_CAUSE,
    QUERY_ONLINE,
    QUERY_PAPER,
    PaperState,
    PrinterStatus,
    decode_online,
    decode_paper,
    encode_error_cause,
    encode_offline_cause,
    encode_online,
    encode_paper,
    verdict,
)

Start = Callable[..., VirtualPrinter]
FAST = "?timeout=0.5"  # a short attempt deadline keeps fault tests quick
ASK_ALL = b"\x10\x04\x01\x10\x04\x02\x10\x04\x03\x10\x04\x04"


@pytest.mark.parametrize("width", [PAPER_58MM, PAPER_80MM])
def test_ticket_arrives_pixel_for_pixel(virtual_printer: Start, ticket: TicketPrint, width: int) -> None:
    printer = virtual_printer()
    data = encode_ticket(ticket, width)
    assert open_printer(printer.url).send(data) is Delivery.PRINTED
    (job,) = printer.wait_for_connections(1)
    # The four status questions before the ticket and again after it.
    assert bytes(job.received) == ASK_ALL + data + ASK_ALL
    assert job.decoder.pending == 0
    assert page(job.commands).tobytes() == render(ticket, width).tobytes()
    assert [type(command) for command in job.commands[:5]] == [StatusQuery] * 4 + [Init]
    assert Cut(0) in job.commands


def test_every_job_opens_a_fresh_connection(virtual_printer: Start, ticket: TicketPrint) -> None:
    printer = virtual_printer()
    transport = open_printer(printer.url)
    for label in ("A015", "A016", "A017"):
        transport.send(encode_ticket(ticket.model_copy(update={"label": label}), PAPER_58MM))
    jobs = printer.wait_for_connections(3)
    labels = [ticket.model_copy(update={"label": label}) for label in ("A015", "A016", "A017")]
    assert [page(job.commands).tobytes() for job in jobs] == [render(each, PAPER_58MM).tobytes() for each in labels]


def test_nothing_listening_is_unreachable(closed_port: int) -> None:
    transport = open_printer(f"tcp://127.0.0.1:{closed_port}{FAST}")
    with pytest.raises(PrinterUnreachable) as raised:
        transport.send(b"\x1b@")
    assert isinstance(raised.value.__cause__.__context__, ConnectionRefusedError)  # type: ignore[union-attr]
    assert raised.value.message["vi"].startswith("Không kết nối được máy in")
    assert transport.status() == PrinterStatus(reachable=False, fault="printer_unreachable")


def test_the_same_transport_recovers_when_the_printer_comes_back(closed_port: int) -> None:
    """python-escpos's Network never reopens after a failed open (issue 720); ours makes a new
    connection per job, so a printer switched on later prints."""
    transport = open_printer(f"tcp://127.0.0.1:{closed_port}{FAST}")
    with pytest.raises(PrinterUnreachable):
        transport.send(b"\x1b@")
    printer = VirtualPrinter(port=closed_port).start()
    try:
        transport.send(b"\x1b@")
        (job,) = printer.wait_for_connections(1)
        assert Init() in job.commands
    finally:
        printer.stop()


def test_paper_out_stops_the_job_before_any_ticket_bytes(virtual_printer: Start, ticket: TicketPrint) -> None:
    printer = virtual_printer(Fault.PAPER_OUT)
    transport = open_printer(printer.url + FAST)
    with pytest.raises(PaperOut) as raised:
        transport.send(encode_ticket(ticket, PAPER_58MM))
    assert raised.value.message["en"].endswith("is out of paper.")
    (job,) = printer.wait_for_connections(1)
    assert job.commands == [StatusQuery(n) for n in (1, 2, 3, 4)]  # no ticket bytes
    status = transport.status()
    assert status == PrinterStatus(reachable=True, online=False, paper=PaperState.OUT, cover_open=False, error=False)
    with pytest.raises(PaperOut):
        raise_for_status(status, transport.url)


def test_connection_closed_mid_job(virtual_printer: Start, ticket: TicketPrint) -> None:
    printer = virtual_printer(Fault.CLOSE_MID_JOB, close_after=5000)
    data = encode_ticket(ticket, PAPER_80MM)
    with pytest.raises(PrinterDisconnected) as raised:
        open_printer(printer.url + FAST).send(data)
    assert isinstance(raised.value.__cause__, ConnectionError)
    (job,) = printer.wait_for_connections(1)
    assert job.reset_by_printer and len(job.received) == 5000 < len(data)
    assert job.decoder.pending > 0  # a raster image cut off half way


def test_printer_that_never_accepts_times_out(virtual_printer: Start) -> None:
    printer = virtual_printer(Fault.HANG)
    transport = open_printer(printer.url + FAST)
    started = time.monotonic()
    with pytest.raises(PrinterTimeout) as raised:
        transport.send(b"\x1b@")
    assert 0.4 <= time.monotonic() - started < 3
    assert isinstance(raised.value.__cause__.__context__, TimeoutError)  # type: ignore[union-attr]
    assert transport.status() == PrinterStatus(reachable=False, fault="printer_timeout")


def test_a_printer_that_never_answers_is_not_confirmed(virtual_printer: Start, ticket: TicketPrint) -> None:
    printer = virtual_printer(Fault.SILENT)
    transport = open_printer(printer.url + FAST)
    with pytest.raises(PrinterNoReply) as raised:
        transport.send(encode_ticket(ticket, PAPER_58MM))
    assert "không xác nhận" in raised.value.message["vi"]
    (job,) = printer.wait_for_connections(1)
    assert job.commands == [StatusQuery(1)]  # no answer to the first question: no ticket sent
    assert transport.status() == PrinterStatus(reachable=True, online=None, paper=PaperState.UNKNOWN)


@pytest.mark.parametrize(
    ("fault", "error", "sent_ticket"),
    [
        (Fault.STALL, PrinterNoReply, False),  # accepts, never reads
        (Fault.STALL_AFTER_STATUS, PrinterNoReply, False),  # answers once, then stops reading
        (Fault.LIAR, PrinterNoReply, False),  # answers, but with no status byte
        (Fault.COVER_OPEN, CoverOpen, False),
        (Fault.CUTTER_ERROR, PrinterFailure, False),
    ],
)
def test_a_printer_that_does_not_confirm_fails_the_job(
    virtual_printer: Start, ticket: TicketPrint, fault: Fault, error: type, sent_ticket: bool
) -> None:
    printer = virtual_printer(fault)
    with pytest.raises(error) as raised:
        open_printer(printer.url + FAST).send(encode_ticket(ticket, PAPER_80MM))
    assert raised.value.message["vi"] and raised.value.message["en"]
    printer.wait_for(lambda p: len(p.connections) + len(p.stalled) >= 1)
    assert not printer.printed()


def test_a_printer_that_stops_reading_mid_ticket_is_not_confirmed(virtual_printer: Start, ticket: TicketPrint) -> None:
    """It answered before the data, took some, then stalled: the answers after the data never come."""
    printer = virtual_printer(Fault.STALL_AFTER_STATUS)
    printer.fault = Fault.NONE  # the first connection is healthy ...
    transport = open_printer(printer.url + FAST)
    assert transport.send(b"\x1b@") is Delivery.PRINTED
    printer.fault = Fault.STALL_AFTER_STATUS
    printer.faulty_connections = None
    with pytest.raises(PrinterNoReply):
        transport.send(encode_ticket(ticket, PAPER_58MM))


def test_a_printer_declared_without_status_gets_sent_not_printed(virtual_printer: Start) -> None:
    printer = virtual_printer(Fault.SILENT)
    assert open_printer(printer.url + "?status=none").send(b"\x1b@") is Delivery.SENT
    (job,) = printer.wait_for_connections(1)
    assert job.commands == [Init()]  # not one question asked


def test_healthy_printer_status(virtual_printer: Start) -> None:
    printer = virtual_printer()
    healthy = PrinterStatus(reachable=True, online=True, paper=PaperState.OK, cover_open=False, error=False)
    assert open_printer(printer.url).status() == healthy
    raise_for_status(open_printer(printer.url).status(), printer.url)


def test_cover_open_status(virtual_printer: Start) -> None:
    printer = virtual_printer(Fault.COVER_OPEN)
    status = open_printer(printer.url).status()
    assert status.cover_open is True and status.online is False
    with pytest.raises(CoverOpen):
        raise_for_status(status, printer.url)


def test_status_bytes() -> None:
    assert decode_paper(b"\x12") is PaperState.OK
    assert decode_paper(b"\x1e") is PaperState.NEAR_END
    assert decode_paper(b"\x72") is PaperState.OUT
    assert decode_paper(b"\x7e") is PaperState.OUT
    assert decode_paper(b"") is PaperState.UNKNOWN
    assert decode_paper(None) is PaperState.UNKNOWN
    assert decode_paper(b"A") is PaperState.UNKNOWN  # not a status byte: fixed bits wrong
    assert decode_online(b"\x12") is True and decode_online(b"\x1a") is False and decode_online(b"") is None
    for state in (PaperState.OK, PaperState.NEAR_END, PaperState.OUT):
        assert decode_paper(encode_paper(state)) is state
    assert decode_online(encode_online(True)) is True and decode_online(encode_online(False)) is False
    fine = {QUERY_ONLINE: encode_online(True), QUERY_OFFLINE_CAUSE: encode_offline_cause(), QUERY_ERROR_CAUSE: encode_error_cause(), QUERY_PAPER: encode_paper(PaperState.OK)}
    assert verdict(fine) is None
    assert verdict({**fine, QUERY_PAPER: encode_paper(PaperState.NEAR_END)}) is None  # still prints
    assert verdict({**fine, QUERY_PAPER: None}) == "printer_no_reply"
    assert verdict({**fine, QUERY_ERROR_CAUSE: b"\xff"}) == "printer_no_reply"
    assert verdict({**fine, QUERY_OFFLINE_CAUSE: encode_offline_cause(cover_open=True)}) == "cover_open"
    assert verdict({**fine, QUERY_PAPER: encode_paper(PaperState.OUT)}) == "paper_out"
    assert verdict({**fine, QUERY_ERROR_CAUSE: encode_error_cause(cutter=True)}) == "printer_error"
    assert verdict({**fine, QUERY_ONLINE: encode_online(False)}) == "printer_offline"


def test_file_printer(tmp_path: Path, ticket: TicketPrint) -> None:
    device = tmp_path / "lp0"
    data = encode_ticket(ticket, PAPER_58MM)
    assert open_printer(f"file://{device}").send(data) is Delivery.SENT
    assert device.read_bytes() == data  # a device file cannot answer: no status queries
    with pytest.raises(PrinterUnreachable) as raised:
        open_printer(f"file://{tmp_path}/missing/lp0").send(data)
    assert isinstance(raised.value.__cause__.__context__, FileNotFoundError)  # type: ignore[union-attr]


@pytest.fixture
def serial_line() -> Iterator[tuple[str, EscposDecoder]]:
    """A pseudo-terminal standing in for a serial printer: reads and decodes what arrives,
    answers paper status queries."""
    master, slave = os.openpty()
    decoder = EscposDecoder()

    def printer() -> None:
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the test closed the line
                return
            for command in decoder.feed(chunk):
                if isinstance(command, StatusQuery):
                    os.write(master, encode_paper(PaperState.OK) if command.kind == 4 else encode_online(True))

    thread = threading.Thread(target=printer, daemon=True)
    thread.start()
    yield os.ttyname(slave), decoder
    os.close(slave)
    os.close(master)
    thread.join(5)


def test_serial_printer(serial_line: tuple[str, EscposDecoder], ticket: TicketPrint) -> None:
    path, decoder = serial_line
    transport = open_printer(f"serial://{path}?baudrate=115200")
    assert transport.send(encode_ticket(ticket, PAPER_58MM)) is Delivery.PRINTED
    # send() returned after the printer answered the query that follows the ticket, so every
    # byte before it has been decoded.
    assert decoder.commands[-1] == StatusQuery(4)
    assert page(decoder.commands).tobytes() == render(ticket, PAPER_58MM).tobytes()


def test_serial_deadline_allows_for_a_slow_line(caplog: pytest.LogCaptureFixture) -> None:
    fast, slow = (open_printer(f"serial:///dev/ttyS0?baudrate={rate}") for rate in (115200, 9600))
    assert isinstance(fast, EscposTransport) and isinstance(slow, EscposTransport)
    now = time.monotonic()
    # 32 kB at 9600 baud is 33 s on the wire; the deadline leaves room for it, and says so.
    assert slow._deadline(32_000) - now > 1.5 * 32_000 * 10 / 9600
    assert "use text mode or a faster line" in caplog.text
    caplog.clear()
    assert fast._deadline(32_000) - now < 1.5 * 32_000 * 10 / 9600
    assert caplog.text == ""


def test_missing_serial_device(tmp_path: Path) -> None:
    with pytest.raises(PrinterUnreachable):
        open_printer(f"serial://{tmp_path}/ttyUSB9").send(b"\x1b@")


class FakeBackend:
    """Not libusb1: python-escpos then leaves the kernel driver alone."""


class FakeUsbDevice:
    """Just enough of a pyusb device for python-escpos's Usb printer."""

    backend = FakeBackend()

    def __init__(self, paper: PaperState = PaperState.OK, fail_write: Exception | None = None) -> None:
        self.written = bytearray()
        self.paper = paper
        self.fail_write = fail_write
        self.timeouts: list[int] = []
        self.asked = 0

    def set_configuration(self) -> None: ...

    def reset(self) -> None: ...

    def write(self, endpoint: int, data: bytes, timeout: int) -> int:
        self.timeouts.append(timeout)
        if self.fail_write:
            raise self.fail_write
        self.written += data
        if data[:2] == b"\x10\x04":
            self.asked = data[2]
        return len(data)

    def read(self, endpoint: int, size: int, timeout: int | None = None) -> bytes:
        self.timeouts.append(timeout)
        if self.asked == 4:
            return encode_paper(self.paper)
        if self.asked == 2:
            return encode_offline_cause(paper_stop=self.paper is PaperState.OUT)
        return encode_online(self.paper is not PaperState.OUT) if self.asked == 1 else encode_error_cause()


@pytest.fixture
def usb_bus(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[int, int], FakeUsbDevice]:
    devices: dict[tuple[int, int], FakeUsbDevice] = {}
    monkeypatch.setattr(usb.core, "find", lambda idVendor, idProduct, **_: devices.get((idVendor, idProduct)))
    monkeypatch.setattr(usb.util, "dispose_resources", lambda device: None)
    return devices


def test_usb_printer(usb_bus: dict, ticket: TicketPrint) -> None:
    device = usb_bus[(0x0416, 0x5011)] = FakeUsbDevice()
    data = encode_ticket(ticket, PAPER_58MM)
    assert open_printer("usb://0x0416:0x5011?timeout=3").send(data) is Delivery.PRINTED
    assert bytes(device.written) == ASK_ALL + data + ASK_ALL
    assert page(decode(bytes(device.written))).tobytes() == render(ticket, PAPER_58MM).tobytes()
    assert len(device.timeouts) == 17  # 8 queries and the ticket: nine writes; eight reads
    assert all(0 < timeout <= 3000 for timeout in device.timeouts)


def test_usb_faults(usb_bus: dict) -> None:
    with pytest.raises(PrinterUnreachable):  # unplugged
        open_printer("usb://0x0416:0x5011").send(b"\x1b@")
    usb_bus[(0x0416, 0x5011)] = FakeUsbDevice(paper=PaperState.OUT)
    with pytest.raises(PaperOut):
        open_printer("usb://0x0416:0x5011").send(b"\x1b@")
    usb_bus[(0x0416, 0x5011)] = FakeUsbDevice(fail_write=usb.core.USBTimeoutError("Operation timed out", -7, 110))
    with pytest.raises(PrinterTimeout):
        open_printer("usb://0x0416:0x5011").send(b"\x1b@")
    usb_bus[(0x0416, 0x5011)] = FakeUsbDevice(fail_write=usb.core.USBError("No such device", -4, 19))
    with pytest.raises(PrinterDisconnected):  # unplugged mid-job
        open_printer("usb://0x0416:0x5011").send(b"\x1b@")


def test_dummy_records_jobs() -> None:
    transport = open_printer("dummy://")
    assert isinstance(transport, DummyTransport)
    assert transport.send(b"one") is Delivery.SENT  # nothing confirms a dummy's paper
    transport.send(b"two")
    assert transport.jobs == [b"one", b"two"]
    assert transport.status().paper is PaperState.OK


def test_every_fault_is_a_printer_error() -> None:
    for fault in (PrinterUnreachable, PrinterTimeout, PrinterDisconnected, PaperOut, PrinterOffline, PrinterNoReply, CoverOpen, PrinterFailure):
        error = fault("tcp://10.0.0.5:9100", "detail")
        assert isinstance(error, PrinterError)
        assert "tcp://10.0.0.5:9100" in error.message["vi"] and "tcp://10.0.0.5:9100" in error.message["en"]
