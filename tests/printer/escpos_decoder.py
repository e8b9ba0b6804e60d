"""An ESC/POS stream decoder for tests: bytes -> commands, raster images back into bitmaps.

It knows the commands motcua sends and the lengths of their arguments, so it can tell a real-time
status query (DLE EOT n) from the same bytes inside raster data, the way a printer must. Any
other control byte is a DecodeError: a test fails on a command we did not mean to send.
"""

from dataclasses import dataclass, field

from PIL import Image

ESC, GS, DLE, EOT, LF = 0x1B, 0x1D, 0x10, 0x04, 0x0A
INVERT = bytes(255 - value for value in range(256))


class DecodeError(ValueError):
    pass


@dataclass(frozen=True)
class Init:
    pass


@dataclass(frozen=True)
class Setting:
    """A one-byte mode command: ESC a (align), ESC E (bold), ESC ! / GS ! (size), ESC t (code page)."""

    command: bytes
    value: int


@dataclass(frozen=True)
class Feed:
    lines: int


@dataclass(frozen=True)
class Cut:
    mode: int


@dataclass(frozen=True)
class TextLine:
    text: str


@dataclass(frozen=True)
class StatusQuery:
    kind: int  # 1 printer, 4 paper


@dataclass(frozen=True)
class Raster:
    density: int
    bitmap: Image.Image = field(compare=False)  # mode "1", black dots 0 like a rendered ticket


@dataclass(frozen=True)
class QrCode:
    data: str
    module_size: int
    error_correction: int


ONE_BYTE_SETTINGS = {
    (ESC, ord("a")),
    (ESC, ord("E")),
    (ESC, ord("!")),
    (ESC, ord("t")),
    (ESC, ord("-")),
    (ESC, ord("M")),
    (GS, ord("!")),
}


class EscposDecoder:
    """Feed bytes as they arrive; `feed` returns the commands completed by them."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.commands: list[object] = []
        self._text = bytearray()
        self._qr: dict[int, bytes] = {}

    def feed(self, data: bytes) -> list[object]:
        self.buffer += data
        done: list[object] = []
        while self.buffer:
            parsed = self._next()
            if parsed is None:
                break  # wait for more bytes
            command, size = parsed
            del self.buffer[:size]
            if command is not None:
                done.append(command)
        self.commands += done
        return done

    @property
    def pending(self) -> int:
        """Bytes of an unfinished command (a job cut off mid-way leaves some)."""
        return len(self.buffer)

    def _next(self) -> tuple[object | None, int] | None:
        buf = self.buffer
        first = buf[0]
        if first == LF:
            line = self._text.decode("cp437")
            self._text.clear()
            return TextLine(line), 1
        if first >= 0x20:
            self._text.append(first)
            return None, 1
        if len(buf) < 2:
            return None
        pair = (first, buf[1])
        if first == DLE and buf[1] == EOT:
            return (StatusQuery(buf[2]), 3) if len(buf) >= 3 else None
        if pair == (ESC, ord("@")):
            return Init(), 2
        if pair in ONE_BYTE_SETTINGS:
            return (Setting(bytes(buf[:2]), buf[2]), 3) if len(buf) >= 3 else None
        if pair == (ESC, ord("d")):
            return (Feed(buf[2]), 3) if len(buf) >= 3 else None
        if pair == (GS, ord("V")):
            if len(buf) < 3:
                return None
            if buf[2] in (65, 66):  # feed n then cut
                return (Cut(buf[2]), 4) if len(buf) >= 4 else None
            return Cut(buf[2]), 3
        if pair == (GS, ord("v")):
            return self._raster()
        if pair == (GS, ord("(")):
            return self._two_d_code()
        raise DecodeError(f"unknown command {bytes(buf[:4])!r}")

    def _raster(self) -> tuple[object, int] | None:
        buf = self.buffer
        if len(buf) < 8:
            return None
        if buf[2] != ord("0"):
            raise DecodeError(f"GS v {buf[2]:#x} is not GS v 0")
        density = buf[3]
        width_bytes = buf[4] | buf[5] << 8
        height = buf[6] | buf[7] << 8
        size = 8 + width_bytes * height
        if len(buf) < size:
            return None
        # Raster bits are 1 for a black dot; a mode "1" image stores 0 for black.
        bitmap = Image.frombytes("1", (width_bytes * 8, height), bytes(buf[8:size]).translate(INVERT))
        return Raster(density, bitmap), size

    def _two_d_code(self) -> tuple[object | None, int] | None:
        buf = self.buffer
        if len(buf) < 5:
            return None
        if buf[2] != ord("k"):
            raise DecodeError(f"GS ( {chr(buf[2])!r} is not GS ( k")
        length = buf[3] | buf[4] << 8
        size = 5 + length
        if len(buf) < size:
            return None
        code_type, function = buf[5], buf[6]
        if code_type != ord("1"):
            raise DecodeError(f"2D code type {code_type} is not QR")
        self._qr[function] = bytes(buf[7:size])
        if function != 81:
            return None, size
        stored = self._qr.get(80, b"0")[1:]  # after the m byte
        return QrCode(stored.decode(), self._qr[67][0], self._qr[69][0] - 48), size


def page(commands: list[object]) -> Image.Image:
    """Every raster command stacked top to bottom: the image as the printer would print it."""
    rasters = [command.bitmap for command in commands if isinstance(command, Raster)]
    if not rasters:
        raise DecodeError("no raster image in the stream")
    width = rasters[0].width
    if any(raster.width != width for raster in rasters):
        raise DecodeError("raster fragments of different widths")
    sheet = Image.new("1", (width, sum(raster.height for raster in rasters)), 255)
    top = 0
    for raster in rasters:
        sheet.paste(raster, (0, top))
        top += raster.height
    return sheet


def decode(data: bytes) -> list[object]:
    decoder = EscposDecoder()
    decoder.feed(data)
    if decoder.pending:
        raise DecodeError(f"{decoder.pending} bytes of an unfinished command at the end")
    return decoder.commands
