"""Image and text tickets as ESC/POS bytes, decoded back."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from escpos_decoder import Cut, Feed, Init, QrCode, Raster, Setting, StatusQuery, TextLine, decode, page

from printer import escpos_lib
from printer.escpos_out import FRAGMENT_ROWS, encode_image, encode_text, encode_ticket, fold_vietnamese
from printer.layout import PAPER_58MM, PAPER_80MM, TicketPrint, render


@pytest.mark.parametrize("width", [PAPER_58MM, PAPER_80MM])
def test_image_ticket_decodes_to_the_rendered_pixels(ticket: TicketPrint, width: int) -> None:
    commands = decode(encode_ticket(ticket, width))
    assert commands[0] == Init()
    rasters = [command for command in commands if isinstance(command, Raster)]
    assert all(raster.bitmap.height <= FRAGMENT_ROWS and raster.density == 0 for raster in rasters)
    assert len(rasters) == -(-render(ticket, width).height // FRAGMENT_ROWS)
    assert page(commands).tobytes() == render(ticket, width).tobytes()
    assert page(commands).size == render(ticket, width).size
    # Feed past the tear bar, then a full cut, and nothing after it.
    assert commands[-2:] == [Feed(6), Cut(0)]
    assert not any(isinstance(command, StatusQuery) for command in commands)


def test_a_ticket_changes_the_bytes(ticket: TicketPrint) -> None:
    other = ticket.model_copy(update={"label": "A016"})
    assert encode_ticket(ticket, PAPER_58MM) == encode_ticket(ticket, PAPER_58MM)
    assert encode_ticket(other, PAPER_58MM) != encode_ticket(ticket, PAPER_58MM)


def test_no_cut_when_asked(ticket: TicketPrint) -> None:
    commands = decode(encode_image(render(ticket, PAPER_58MM), cut=False))
    assert not any(isinstance(command, Cut) for command in commands)


def test_named_profiles_are_never_changed(ticket: TicketPrint) -> None:
    escpos = escpos_lib.load()
    shared = escpos.capabilities.get_profile_class("POS-5890").profile_data
    before = repr(shared)
    assert shared["features"]["paperFullCut"] is False  # the named 58 mm profile has no cutter
    commands = decode(encode_ticket(ticket, PAPER_58MM))
    assert Cut(0) in commands  # ours does: queue-ticket printers cut
    assert repr(shared) == before
    assert escpos.printer.Dummy(profile="POS-5890").profile.supports("paperFullCut") is False


def test_fold_vietnamese() -> None:
    assert (
        fold_vietnamese("Đăng ký khai sinh, chứng thực, Bảo hiểm y tế")
        == "Dang ky khai sinh, chung thuc, Bao hiem y te"
    )
    assert fold_vietnamese("ĐƯỜNG đời ỹ Ữ ặ") == "DUONG doi y U a"
    assert fold_vietnamese("Số 5 – “A”") == "So 5 ? ?A?"
    assert fold_vietnamese("plain ASCII 123") == "plain ASCII 123"


@pytest.mark.parametrize("width", [PAPER_58MM, PAPER_80MM])
def test_text_ticket(ticket: TicketPrint, width: int) -> None:
    data = encode_text(ticket, width)
    assert all(byte < 0x80 for byte in data), "text mode sends plain ASCII in code page 437"
    commands = decode(data)
    assert commands[0] == Init()
    assert Setting(b"\x1bt", 0) in commands  # code page 437
    assert not any(isinstance(command, Raster) for command in commands)
    lines = [command.text for command in commands if isinstance(command, TextLine)]
    columns = width // 12
    assert all(len(line) <= columns for line in lines)
    assert "A015" in lines
    text = " ".join(lines)
    assert "Dang ky khai sinh, chung thuc," in text and "Bao hiem y te" in text
    assert "So nguoi cho truoc: 7" in text and "09:05 23/11/2026" in text
    assert commands[-1] == Cut(0)
    qr = [command for command in commands if isinstance(command, QrCode)]
    if width == PAPER_80MM:  # the 80 mm profile has a native QR code
        assert qr == [QrCode(ticket.status_url, 6, 0)]
    else:  # the 58 mm one does not: the address is printed instead
        assert qr == [] and ticket.status_url in "".join(lines)


def test_importing_escpos_leaves_no_temp_folder_and_no_log_handler(tmp_path: Path) -> None:
    """In a fresh process, as a print agent starts."""
    temp, cache = tmp_path / "tmp", tmp_path / "cache"
    temp.mkdir()
    program = "import logging, printer.escpos_lib as lib; lib.load();print(len(logging.getLogger().handlers))"
    env = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    env.update(TMPDIR=str(temp), XDG_CACHE_HOME=str(cache))
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True, check=True)
        assert done.stdout.strip() == "0"
    assert list(temp.iterdir()) == []
    assert [path.name for path in (cache / "motcua" / "escpos").iterdir()] == [
        f"{sys.version.split()[0]}.capabilities.pickle"
    ]


def test_importing_the_printer_package_does_not_import_escpos() -> None:
    program = "import printer.layout, printer.connections, printer.status, sys; print('escpos' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_printer_package_imports_nothing_from_the_server() -> None:
    """Device code knows the wire protocol (server.protocol, pydantic only) and nothing else."""
    root = Path(escpos_lib.__file__).parent
    for module in root.glob("*.py"):
        for line in module.read_text().splitlines():
            if line.startswith(("from server", "import server")):
                assert line.startswith("from server.protocol import"), (module.name, line)
