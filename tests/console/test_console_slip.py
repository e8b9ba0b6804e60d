"""A dossier's appointment slip that has not printed yet is on the console's printing panel,
named by its dossier code, beside the tickets; it leaves when the counter's printer prints it.

The slip's job is written before the server starts with `Printing.add_slip`, never
`print_slip`: that one also wakes the printer's worker, here a thread in the test's own
process, which went on claiming and retrying the job (and writing its events) beside the
server. Two writers of one center's events: each process keeps the next event sequence in
memory (server/kept.py), so one of them wrote a sequence the other had taken, and its step
failed on UNIQUE(event.center_id, event.seq).
"""

import json
import logging
import sys
import threading
from pathlib import Path

from playwright.sync_api import expect

import browser as real_browser


def test_an_unprinted_slip_is_listed_by_its_dossier_code_until_it_prints(tmp_path, new_page, caplog):
    from console_server import ConsoleServer, sign_in
    from server_process import free_port

    from server import queue
    from server.db import Database, make_engine
    from server.printing import Printing
    from server.settings import Settings

    sys.path.insert(0, str(Path(__file__).parent.parent / "printer"))
    from printer_samples import sample_slip
    from virtual_printer import VirtualPrinter

    port = free_port()
    printers = {"desk": {"url": f"tcp://127.0.0.1:{port}?timeout=1", "counters": [1]}}
    server = ConsoleServer(
        tmp_path / "slip.db", env={"MOTCUA_PRINTERS": json.dumps(printers), "MOTCUA_PRINT_RETRY_MAX_SECONDS": "1"}
    ).prepare()
    slip = sample_slip()
    # Counter 1 received a dossier from ticket A001; its slip waits for the counter's printer
    # (written before the server starts: one process writes at a time here).
    engine = make_engine(server.database_url)
    try:
        db = Database(engine)
        with db.write() as session:
            ticket, _ = queue.issue_ticket(session, queue.system_clock(), category_id=1)
        printing = Printing(Settings(database_url=server.database_url, printers=printers), db, queue.system_clock)  # type: ignore[arg-type]
        with db.write() as session:
            queued = printing.add_slip(session, queue.system_clock(), queue.get_ticket(session, ticket.id), printing.counter_place(1), slip)  # type: ignore[arg-type]
        assert queued.state == "queued"
    finally:
        engine.dispose()
    # The server's worker is the only one that prints it: none runs in this process.
    assert [t.name for t in threading.enumerate() if t.name.startswith("printer ")] == []
    caplog.set_level(logging.WARNING, logger="motcua.printing")
    server.start()
    printer = None
    try:
        page = new_page()
        sign_in(page, f"{server.url}/console", server.add_user("thu"))
        page.locator('#counter-list button[data-counter-id="1"]').click()
        row = page.locator("#print-unprinted li")
        expect(row).to_have_count(1)
        expect(row).to_be_visible()
        expect(row).to_contain_text(f"A001 · Phiếu hẹn {slip.dossier_code} · Bàn tiếp đón")
        expect(row.get_by_role("button")).to_have_count(0)  # a slip is printed again from its dossier
        real_browser.screenshot(page, "console", "unprinted-slip")
        printer = VirtualPrinter(port=port).start()
        expect(page.locator("#print-none")).to_be_visible(timeout=30_000)
        printer.wait_for(lambda p: len(p.printed()) == 1)
        assert page.errors == []
        # Every step of the server's worker went through, and nothing here wrote beside it.
        assert not [line for line in server.log if "worker step failed" in line or "IntegrityError" in line]
        assert [r.getMessage() for r in caplog.records if r.name == "motcua.printing"] == []
    finally:
        if printer is not None:
            printer.stop()
        server.stop()
