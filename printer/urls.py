"""Printer addresses as URL-like strings, the way settings and the admin write them:

    tcp://10.0.0.5:9100            network printer (port 9100 if left out)
    usb://0x0416:0x5011            USB vendor:product id, hexadecimal
    serial:///dev/ttyUSB0?baudrate=19200
    file:///dev/usb/lp0            a device file
    dummy://                       records jobs in memory

Every kind takes `?timeout=SECONDS` (per attempt, default 4) and `?status=none` for printer
models that never answer status queries (DLE EOT): their jobs end as "sent", not "printed", since
nothing confirms the paper came out. A device file (file://) cannot answer, so it is `none` too.
"""

from dataclasses import dataclass
from typing import Literal
from urllib.parse import parse_qsl, urlsplit

Kind = Literal["tcp", "usb", "serial", "file", "dummy"]
KINDS: tuple[Kind, ...] = ("tcp", "usb", "serial", "file", "dummy")
BAUD_RATES = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)
DEFAULT_TIMEOUT = 4.0
EXAMPLES = (
    "tcp://10.0.0.5:9100, usb://0x0416:0x5011, serial:///dev/ttyUSB0?baudrate=19200, file:///dev/usb/lp0, dummy://"
)


@dataclass(frozen=True)
class PrinterAddress:
    kind: Kind
    url: str
    host: str = ""
    port: int = 9100
    vendor_id: int = 0
    product_id: int = 0
    path: str = ""
    baudrate: int = 9600
    timeout: float = DEFAULT_TIMEOUT
    query_status: bool = True


def _invalid(url: str, why: str) -> ValueError:
    return ValueError(f"invalid printer address {url!r}: {why}. Examples: {EXAMPLES}")


def _usb_id(url: str, text: str, what: str) -> int:
    try:
        value = int(text, 16)
    except ValueError:
        raise _invalid(url, f"USB {what} id {text!r} is not hexadecimal (like 0x0416)") from None
    if not 0 <= value <= 0xFFFF:
        raise _invalid(url, f"USB {what} id {text!r} is out of range")
    return value


def _options(url: str, query: str, allowed: set[str]) -> dict[str, str]:
    options = dict(parse_qsl(query, keep_blank_values=True))
    unknown = set(options) - allowed
    if unknown:
        raise _invalid(url, f"unknown option(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(allowed))}")
    return options


def _common(url: str, options: dict[str, str]) -> dict[str, object]:
    common: dict[str, object] = {}
    if "timeout" in options:
        try:
            common["timeout"] = float(options["timeout"])
        except ValueError:
            raise _invalid(url, "timeout must be a number of seconds") from None
        if not 0 < common["timeout"] <= 60:  # type: ignore[operator]
            raise _invalid(url, "timeout must be more than 0 and at most 60 seconds")
    if "status" in options:
        # 0 and 1 are the older spelling.
        if options["status"] not in ("none", "dle_eot", "0", "1"):
            raise _invalid(url, "status must be none (the printer never answers status queries) or dle_eot")
        common["query_status"] = options["status"] in ("dle_eot", "1")
    return common


def parse_printer_url(url: str) -> PrinterAddress:
    """Parse a printer address; a clear ValueError says what is wrong and shows examples."""
    url = url.strip()
    if "://" not in url:
        # "10.0.0.5:9100" or "printer.local:9100": the kind was left out.
        raise _invalid(url, f"it has no kind: write it as tcp://{url} for a network printer")
    parts = urlsplit(url)
    kind = parts.scheme.lower()
    if kind not in KINDS:
        raise _invalid(url, f"unknown kind {parts.scheme!r}; use one of {', '.join(KINDS)}")
    allowed = {"timeout", "status"} | ({"baudrate"} if kind == "serial" else set())
    options = _options(url, parts.query, allowed)
    common = _common(url, options)

    if kind == "tcp":
        try:
            port = parts.port or 9100
        except ValueError:
            raise _invalid(url, "the port must be a number from 1 to 65535") from None
        if not parts.hostname:
            raise _invalid(url, "a network printer needs a host, like tcp://10.0.0.5:9100")
        return PrinterAddress("tcp", url, host=parts.hostname, port=port, **common)  # type: ignore[arg-type]
    if kind == "usb":
        ids = parts.netloc.split(":")
        if len(ids) != 2 or not all(ids):
            raise _invalid(url, "a USB printer needs vendor:product ids, like usb://0x0416:0x5011")
        vendor, product = (_usb_id(url, text, what) for text, what in zip(ids, ("vendor", "product"), strict=True))
        return PrinterAddress("usb", url, vendor_id=vendor, product_id=product, **common)  # type: ignore[arg-type]
    if kind in ("serial", "file"):
        if parts.netloc or not parts.path.startswith("/"):
            raise _invalid(url, f"a {kind} printer needs an absolute device path after {kind}:// (three slashes)")
        baudrate = 9600
        if "baudrate" in options:
            if not options["baudrate"].isdigit() or int(options["baudrate"]) not in BAUD_RATES:
                raise _invalid(url, f"baudrate must be one of {', '.join(map(str, BAUD_RATES))}")
            baudrate = int(options["baudrate"])
        if kind == "file":
            common["query_status"] = False  # a device file carries nothing back
        return PrinterAddress(kind, url, path=parts.path, baudrate=baudrate, **common)  # type: ignore[arg-type]
    if parts.netloc or parts.path:
        raise _invalid(url, "dummy:// takes no address")
    return PrinterAddress("dummy", url, **common)  # type: ignore[arg-type]
