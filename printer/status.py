"""What a printer says about itself: ESC/POS real-time status (DLE EOT n), decoded.

Status is advisory. Many cheap printers never answer, and a printer that does not answer still
prints, so no answer reads as "unknown", which does not stop a job; only a clear "paper out" or
"offline" does.
"""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict

# DLE EOT n: transmit real-time status. n=1 printer status, n=4 roll paper sensor status.
QUERY_ONLINE = b"\x10\x04\x01"
QUERY_PAPER = b"\x10\x04\x04"
# Every status byte has bits 1 and 4 set and bits 0 and 7 clear; anything else is not a reply.
_FIXED_MASK, _FIXED_BITS = 0b1001_0011, 0b0001_0010
_OFFLINE = 0b0000_1000  # n=1, bit 3
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
    fault: str | None = None  # a `printer.messages` key when not reachable


def _status_byte(reply: bytes | None) -> int | None:
    if not reply or (reply[0] & _FIXED_MASK) != _FIXED_BITS:
        return None
    return reply[0]


def decode_online(reply: bytes | None) -> bool | None:
    """The reply to DLE EOT 1 -> online, offline, or None when there is no valid reply."""
    status = _status_byte(reply)
    return None if status is None else not status & _OFFLINE


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


def encode_paper(state: PaperState) -> bytes:
    """The byte a printer answers to DLE EOT 4 (for simulators and tests)."""
    bits = {PaperState.OK: 0, PaperState.NEAR_END: _NEAR_END, PaperState.OUT: _NEAR_END | _PAPER_OUT}
    return bytes([_FIXED_BITS | bits.get(state, 0)])


def encode_online(online: bool) -> bytes:
    """The byte a printer answers to DLE EOT 1 (for simulators and tests)."""
    return bytes([_FIXED_BITS | (0 if online else _OFFLINE)])
