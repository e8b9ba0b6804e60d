"""Printer fixtures: a sample ticket, virtual network printers, a closed port."""

import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest
from virtual_printer import Fault, VirtualPrinter

from printer.layout import TicketPrint

VIETNAMESE = "Đăng ký khai sinh, chứng thực, Bảo hiểm y tế"


@pytest.fixture
def ticket() -> TicketPrint:
    return TicketPrint(
        center_name="Trung tâm Phục vụ hành chính công Phường Hoàn Kiếm",
        label="A015",
        category_vi=VIETNAMESE,
        category_en="Birth registration, certification, health insurance",
        # 09:05 in Hà Nội.
        issued_at=datetime(2026, 11, 23, 2, 5, tzinfo=UTC),
        people_ahead=7,
        estimated_wait_minutes=25,
        status_url="https://hanhchinh.hoankiem.gov.vn/s/9f8e7d6c5b4a39281706",
        hotline="1900 1234",
    )


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
