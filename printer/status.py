"""What a printer says about itself: ESC/POS real-time status (DLE EOT n), decoded.

Four questions, each answered with one byte:
- n=1 printer status: bit 3 offline;
- n=2 offline cause: bit 2 cover open, bit 3 paper being fed by the button, bit 5 stopped at
  paper end, bit 6 an error occurred;
- n=3 error cause: bit 3 autocutter error, bit 5 unrecoverable error, bit 6 auto-recoverable
  error (head too hot, ...);
- n=4 roll paper sensor: bits 2-3 near end, bits 5-6 paper end.

A job counts as printed only when, after its data, all four answers say the printer is fine
(`verdict`); a printer model that never answers is declared in its address (`?status=none`) and
its jobs end as "sent". `read_status` answers a "test printer" button and is advisory.
"""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

QUERY_ONLINE = b"\x10\x04\x01"
QUERY_OFFLINE_CAUSE = b"\x10\x04\x02"
QUERY_ERROR_CAUSE = b"\x10\x04\x03"
QUERY_PAPER = b"\x10\x04\x04"
# The order a job asks in, after its data.
QUERIES = (QUERY_ONLINE, QUERY_OFFLINE_CAUSE, QUERY_ERROR_CAUSE, QUERY_PAPER)
# Every status byte has bits 1 and 4 set and bits 0 and 7 clear; anything else is not a reply.
_FIXED_MASK, _FIXED_BITS = 0b1001_0011, 0b0001_0010
_OFFLINE = 0b0000_1000  # n=1, bit 3
_COVER_OPEN = 0b0000_0100  # n=2, bit 2
_FEEDING = 0b0000_1000  # n=2, bit 3
_PAPER_STOP = 0b0010_0000  # n=2, bit 5
_ERROR = 0b0100_0000  # n=2, bit 6
_CUTTER = 0b0000_1000  # n=3, bit 3
_UNRECOVERABLE = 0b0010_0000  # n=3, bit 5
_AUTO_RECOVERABLE = 0b0100_0000  # n=3, bit 6
_NEAR_END = 0b0000_1100  # n=4, bits 2-3
_PAPER_OUT = 0b0110_0000  # n=4, bits 5-6


class PaperState(StrEnum):
    OK = "ok"
    NEAR_END = "near_end"
    OUT = "out"
    UNKNOWN = "unknown"


class PrinterStatus(BaseModel):
    model_config = ConfigDict(frozen=True)

    reachable: bool
    online: bool | None = None  # None: the printer did not say
    paper: PaperState = PaperState.UNKNOWN
    cover_open: bool | None = None
    error: bool | None = None
    fault: str | None = None  # a `printer.messages` key when not reachable


def is_status_byte(value: int) -> bool:
    return (value & _FIXED_MASK) == _FIXED_BITS


def _status_byte(reply: bytes | None) -> int | None:
    if not reply or not is_status_byte(reply[0]):
        return None
    return reply[0]


def decode_online(reply: bytes | None) -> bool | None:
    """The reply to DLE EOT 1 -> online, offline, or None when there is no valid reply."""
    status = _status_byte(reply)
    return None if status is None else not status & _OFFLINE


def decode_cover_open(reply: bytes | None) -> bool | None:
    """The reply to DLE EOT 2 -> is the cover open (None: no valid reply)."""
    status = _status_byte(reply)
    return None if status is None else bool(status & _COVER_OPEN)


def decode_error(reply: bytes | None) -> bool | None:
    """The reply to DLE EOT 3 -> does the printer report an error (None: no valid reply)."""
    status = _status_byte(reply)
    return None if status is None else bool(status & (_CUTTER | _UNRECOVERABLE | _AUTO_RECOVERABLE))


def decode_paper(reply: bytes | None) -> PaperState:
    """The reply to DLE EOT 4 -> paper state; no valid reply is UNKNOWN."""
    status = _status_byte(reply)
    if status is None:
        return PaperState.UNKNOWN
    if status & _PAPER_OUT:
        return PaperState.OUT
    if status & _NEAR_END:
        return PaperState.NEAR_END
    return PaperState.OK


def verdict(replies: dict[bytes, bytes | None]) -> str | None:
    """The four replies (query -> reply byte) -> None when the printer says it is fine, else the
    `printer.messages` key of the first thing wrong. Every question must have a valid answer:
    silence, or a byte that is no status reply, is not a confirmation."""
    if any(_status_byte(replies.get(query)) is None for query in QUERIES):
        return "printer_no_reply"
    offline_cause = _status_byte(replies[QUERY_OFFLINE_CAUSE]) or 0
    if offline_cause & _COVER_OPEN:
        return "cover_open"
    if decode_paper(replies[QUERY_PAPER]) is PaperState.OUT or offline_cause & _PAPER_STOP:
        return "paper_out"
    if decode_error(replies[QUERY_ERROR_CAUSE]) or offline_cause & _ERROR:
        return "printer_error"
    if decode_online(replies[QUERY_ONLINE]) is False or offline_cause & _FEEDING:
        return "printer_offline"
    return None


# --- the other side of the wire (simulators and tests) --------------------------------------


def encode_paper(state: PaperState) -> bytes:
    """The byte a printer answers to DLE EOT 4."""
    bits = {PaperState.OK: 0, PaperState.NEAR_END: _NEAR_END, PaperState.OUT: _NEAR_END | _PAPER_OUT}
    return bytes([_FIXED_BITS | bits.get(state, 0)])


def encode_online(online: bool) -> bytes:
    """The byte a printer answers to DLE EOT 1."""
    return bytes([_FIXED_BITS | (0 if online else _OFFLINE)])


def encode_offline_cause(cover_open: bool = False, paper_stop: bool = False, error: bool = False) -> bytes:
    """The byte a printer answers to DLE EOT 2."""
    bits = (_COVER_OPEN if cover_open else 0) | (_PAPER_STOP if paper_stop else 0) | (_ERROR if error else 0)
    return bytes([_FIXED_BITS | bits])


def encode_error_cause(cutter: bool = False, unrecoverable: bool = False) -> bytes:
    """The byte a printer answers to DLE EOT 3."""
    return bytes([_FIXED_BITS | (_CUTTER if cutter else 0) | (_UNRECOVERABLE if unrecoverable else 0)])
