"""Printer addresses as admins write them."""

import pytest

from printer.urls import DEFAULT_TIMEOUT, PrinterAddress, parse_printer_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("tcp://10.0.0.5:9100", {"kind": "tcp", "host": "10.0.0.5", "port": 9100}),
        ("tcp://printer-kiosk-2", {"kind": "tcp", "host": "printer-kiosk-2", "port": 9100}),
        ("TCP://[fe80::1]:9101?timeout=2.5", {"kind": "tcp", "host": "fe80::1", "port": 9101, "timeout": 2.5}),
        ("usb://0x0416:0x5011", {"kind": "usb", "vendor_id": 0x0416, "product_id": 0x5011}),
        ("usb://04b8:0e15?status=0", {"kind": "usb", "vendor_id": 0x04B8, "product_id": 0x0E15, "query_status": False}),
        ("serial:///dev/ttyUSB0?baudrate=19200", {"kind": "serial", "path": "/dev/ttyUSB0", "baudrate": 19200}),
        ("serial:///dev/ttyS0", {"kind": "serial", "path": "/dev/ttyS0", "baudrate": 9600}),
        ("tcp://10.0.0.5?status=none", {"kind": "tcp", "query_status": False}),
        ("tcp://10.0.0.5?status=dle_eot", {"kind": "tcp", "query_status": True}),
        ("file:///dev/usb/lp0", {"kind": "file", "path": "/dev/usb/lp0", "query_status": False}),
        ("dummy://", {"kind": "dummy"}),
        ("  tcp://10.0.0.5  ", {"kind": "tcp", "host": "10.0.0.5", "url": "tcp://10.0.0.5"}),
    ],
)
def test_valid_addresses(url: str, expected: dict[str, object]) -> None:
    address = parse_printer_url(url)
    assert isinstance(address, PrinterAddress)
    for name, value in expected.items():
        assert getattr(address, name) == value, name
    if "timeout" not in expected:
        assert address.timeout == DEFAULT_TIMEOUT
    if "query_status" not in expected:
        assert address.query_status is True


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("10.0.0.5:9100", "write it as tcp://10.0.0.5:9100"),
        ("printer.local:9100", "write it as tcp://printer.local:9100"),
        ("http://10.0.0.5", "unknown kind 'http'"),
        ("tcp://", "needs a host"),
        ("tcp://10.0.0.5:99999", "port must be a number"),
        ("tcp://10.0.0.5:abc", "port must be a number"),
        ("usb://0x0416", "vendor:product"),
        ("usb://0x0416:zz", "product id 'zz' is not hexadecimal"),
        ("usb://0x10000:0x1", "vendor id '0x10000' is out of range"),
        ("serial://dev/ttyUSB0", "absolute device path"),
        ("serial:///dev/ttyUSB0?baudrate=1234", "baudrate must be one of"),
        ("file://lp0", "absolute device path"),
        ("tcp://10.0.0.5?baudrate=9600", "unknown option(s) baudrate"),
        ("tcp://10.0.0.5?timeout=0", "timeout must be more than 0"),
        ("tcp://10.0.0.5?timeout=soon", "timeout must be a number"),
        ("tcp://10.0.0.5?status=yes", "status must be none"),
        ("dummy://somewhere", "takes no address"),
    ],
)
def test_invalid_addresses_say_what_is_wrong(url: str, says: str) -> None:
    with pytest.raises(ValueError) as raised:
        parse_printer_url(url)
    message = str(raised.value)
    assert says in message
    assert repr(url.strip()) in message and "tcp://10.0.0.5:9100" in message  # shows an example
