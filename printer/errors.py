"""Printer faults: one small family, each raised `from` the I/O error that revealed it.

Each carries the key of its message in `printer.messages`, so the server shows staff the fault in
Vietnamese or English without knowing the driver.
"""

from printer.messages import Message, both


class PrinterError(Exception):
    """A print job could not be delivered to the printer. Worth retrying: paper gets refilled,
    cables get plugged back in."""

    key = "printer_unreachable"

    def __init__(self, printer: str, detail: str = "") -> None:
        self.printer = printer
        self.detail = detail
        super().__init__(f"{printer}: {detail}" if detail else printer)

    @property
    def message(self) -> Message:
        return both(self.key, printer=self.printer)


class PrinterUnreachable(PrinterError):
    """Nothing answers at the printer's address (refused, no route, no such device)."""

    key = "printer_unreachable"


class PrinterTimeout(PrinterError):
    """The printer did not accept the connection or the data in time."""

    key = "printer_timeout"


class PrinterDisconnected(PrinterError):
    """The connection broke while the job was being sent: the ticket may be half printed."""

    key = "printer_disconnected"


class PaperOut(PrinterError):
    """The printer reports its paper roll is empty."""

    key = "paper_out"


class PrinterOffline(PrinterError):
    """The printer reports it is offline (cover open, error state)."""

    key = "printer_offline"


class PrinterNoReply(PrinterError):
    """The printer took the data but did not confirm it (no valid status answer in time): a
    stalled printer, or one that stopped reading. Nothing proves the ticket came out."""

    key = "printer_no_reply"


class CoverOpen(PrinterError):
    """The printer reports its cover is open."""

    key = "cover_open"


class PrinterFailure(PrinterError):
    """The printer reports an error (autocutter, head temperature, mechanism)."""

    key = "printer_error"


# The fault for a `printer.status.verdict` key.
BY_KEY: dict[str, type[PrinterError]] = {
    cls.key: cls for cls in (PrinterNoReply, CoverOpen, PrinterFailure, PaperOut, PrinterOffline)
}
