"""Printer fixtures: a sample ticket, virtual network printers, a closed port."""

import socket
from collections.abc import Callable, Iterator

import pytest
from printer_samples import sample_ticket
from virtual_printer import Fault, VirtualPrinter

from printer.layout import TicketPrint


@pytest.fixture
def ticket() -> TicketPrint:
    return sample_ticket()


@pytest.fixture
def virtual_printer() -> Iterator[Callable[..., VirtualPrinter]]:
    """Start virtual printers (`virtual_printer(Fault.PAPER_OUT)`); all stop after the test."""
    started: list[VirtualPrinter] = []

    def start(fault: Fault = Fault.NONE, **options: object) -> VirtualPrinter:
        printer = VirtualPrinter(fault, **options).start()  # type: ignore[arg-type]
        started.append(printer)
        return printer

    yield start
    for printer in started:
        printer.stop()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
