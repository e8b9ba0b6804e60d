"""The print agent against a real server process that restarts: its jobs are rows like the
server's own printers' (the console lists them), claimed over HTTP and printed in order, once
each, across restarts of either side; a failing printer is tried again until it is back; an old
job is expired, not printed late; a job cut off mid-print is reported, not printed again. No
test sleeps: each waits for the virtual printer, or polls the server, with a deadline."""

import io
import json
import subprocess
import threading

import httpx
from escpos_decoder import page
from PIL import Image
from virtual_printer import Fault, VirtualPrinter

from printer.agent import PrintAgent
from server_process import MOTCUA, ServerProcess, poll

PRINTERS = {"MOTCUA_PRINTERS": json.dumps({"kiosk-1": {"url": "agent://print_agent-1"}})}
WAIT = 30  # seconds: only ever reached when a test is failing


class RunningAgent:
    def __init__(self, server: ServerProcess, token: str, printer_url: str, state_file, **options: object) -> None:  # type: ignore[no-untyped-def]
        self.agent = PrintAgent(server.url, token, printer_url, state_file, **options)  # type: ignore[arg-type]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.agent.run, args=(self.stop,), daemon=True)
        self.thread.start()
        assert self.agent.caught_up.wait(WAIT), "the agent did not connect"

    def close(self) -> None:
        self.stop.set()
        self.thread.join(WAIT)


class Center:
    """The demo center's kiosk and staff, against a server process."""

    def __init__(self, server: ServerProcess) -> None:
        self.server = server
        self.kiosk = {"Authorization": f"Bearer {server.token('kiosk')}"}  # before the server starts
        self.staff_token = server.token("staff")
        self.agent_token = server.token("print_agent")

    def issue(self) -> dict:
        r = httpx.post(f"{self.server.url}/api/v1/tickets", json={"category_id": 1}, headers=self.kiosk)
        assert r.status_code == 201, r.text
        job = r.json()["print_job"]
        assert (job["ticket_id"], job["printer"], job["state"], job["agent"]) == (r.json()["id"], "kiosk-1", "queued", "print_agent-1")
        assert job["id"] is not None  # a row, written with the ticket
        return r.json()

    def jobs(self, unprinted: bool = False) -> list[dict]:
        r = httpx.get(
            f"{self.server.url}/api/v1/centers/1/print-jobs",
            params={"unprinted": str(unprinted).lower()},
            headers={"Authorization": f"Bearer {self.staff_token}"},
        )
        assert r.status_code == 200, r.text
        return r.json()

    def preview(self, ticket: dict) -> bytes:
        png = httpx.get(f"{self.server.url}/api/v1/tickets/{ticket['id']}/ticket.png", headers=self.kiosk).content
        return Image.open(io.BytesIO(png)).convert("1").tobytes()


def by_ticket(jobs: list[dict]) -> dict[int, dict]:
    return {job["ticket_id"]: job for job in jobs}


def test_agent_jobs_are_rows_printed_in_order_once_each_across_restarts(tmp_path, virtual_printer):
    printer = virtual_printer()
    server = ServerProcess(tmp_path / "agent.db", env=PRINTERS).prepare()
    center = Center(server)
    server.start()
    try:
        state = tmp_path / "agent-state.json"
        # The agent is offline while tickets are issued: the jobs wait as rows, and staff see them.
        tickets = [center.issue(), center.issue(), center.issue()]
        unprinted = center.jobs(unprinted=True)
        assert sorted((j["ticket_id"], j["state"], j["agent"]) for j in unprinted) == [
            (t["id"], "queued", "print_agent-1") for t in tickets
        ]
        agent = RunningAgent(server, center.agent_token, printer.url, state)
        printer.wait_for_connections(3)
        poll(lambda: center.jobs(unprinted=True) == [], "the three jobs reported printed")
        agent.close()

        # The server restarts, and a ticket is issued while the agent is away.
        server.stop()
        server.start()
        tickets.append(center.issue())
        agent = RunningAgent(server, center.agent_token, printer.url, state)
        printer.wait_for_connections(4)
        tickets.append(center.issue())  # this one the agent hears of from the event log
        jobs = printer.wait_for_connections(5)
        poll(lambda: center.jobs(unprinted=True) == [], "every job reported printed")
        agent.close()

        # Five tickets, five jobs, in order, each exactly the server's preview: none twice.
        assert len(printer.connections) == 5
        for ticket, job in zip(tickets, jobs, strict=True):
            assert page(job.commands).tobytes() == center.preview(ticket), ticket["label"]
        assert agent.agent.printed == 2  # this run: the one issued while away, and the last
        assert {(j["state"], j["attempts"]) for j in center.jobs()} == {("printed", 1)}
        assert json.loads(state.read_text())["in_flight"] is None
    finally:
        server.stop()


def test_a_failing_agent_printer_is_tried_again_and_prints_in_order_when_back(tmp_path, virtual_printer):
    printer = virtual_printer(Fault.PAPER_OUT)
    server = ServerProcess(tmp_path / "paper.db", env=PRINTERS).prepare()
    center = Center(server)
    server.start()
    try:
        agent = RunningAgent(server, center.agent_token, printer.url, tmp_path / "agent-state.json", retry_max_seconds=1)
        first, second = center.issue(), center.issue()
        # Both wait with the reason: the first was tried, the second waits behind it.
        poll(
            lambda: all(
                j["state"] == "retrying" and "hết giấy" in (j["error"] or {}).get("vi", "")
                for j in by_ticket(center.jobs(unprinted=True)).values()
            )
            and len(center.jobs(unprinted=True)) == 2,
            "both jobs retrying, out of paper",
        )
        printer.wait_for(lambda p: p.accepted >= 2)  # tried again, still out of paper
        assert printer.printed() == []
        printer.recover()  # paper refilled
        printer.wait_for(lambda p: len(p.printed()) >= 2, timeout=WAIT)
        poll(lambda: center.jobs(unprinted=True) == [], "both jobs reported printed")
        agent.close()
        printed = printer.printed()
        assert [page(c.commands).tobytes() for c in printed] == [center.preview(first), center.preview(second)]
        jobs = by_ticket(center.jobs())
        assert jobs[first["id"]]["state"] == "printed" and jobs[first["id"]]["attempts"] >= 2
        assert jobs[second["id"]]["state"] == "printed"
    finally:
        server.stop()


def test_an_old_agent_job_is_expired_not_printed_late(tmp_path, virtual_printer):
    printer = virtual_printer()
    server = ServerProcess(tmp_path / "old.db", env=PRINTERS).prepare()
    center = Center(server)
    server.start()
    try:
        state = tmp_path / "agent-state.json"
        old = center.issue()  # the agent is off
        # Later: the job is past the allowed age (made tiny here rather than waiting ten minutes).
        server.stop()
        server.env["MOTCUA_PRINT_MAX_AGE_MINUTES"] = "0.0001"
        server.start()
        agent = RunningAgent(server, center.agent_token, printer.url, state)
        poll(lambda: by_ticket(center.jobs(unprinted=True))[old["id"]]["state"] == "expired", "the old job expired")
        agent.close()
        # Back to ten minutes: a new ticket prints, and only it; the old one stays expired for staff.
        server.stop()
        del server.env["MOTCUA_PRINT_MAX_AGE_MINUTES"]
        server.start()
        agent = RunningAgent(server, center.agent_token, printer.url, state)
        new = center.issue()
        (job,) = printer.wait_for_connections(1)
        poll(lambda: by_ticket(center.jobs())[new["id"]]["state"] == "printed", "the new job printed")
        agent.close()
        assert page(job.commands).tobytes() == center.preview(new)
        assert [(j["ticket_id"], j["state"]) for j in center.jobs(unprinted=True)] == [(old["id"], "expired")]
        assert len(printer.connections) == 1
    finally:
        server.stop()


def test_a_job_cut_off_mid_print_is_reported_failed_and_not_printed_again(tmp_path, virtual_printer):
    printer: VirtualPrinter = virtual_printer(Fault.STALL)  # takes the connection, never reads
    server = ServerProcess(tmp_path / "cut.db", env=PRINTERS).prepare()
    center = Center(server)
    server.start()
    state = tmp_path / "agent-state.json"
    agent_log = open(tmp_path / "agent.log", "w")  # noqa: SIM115 - read when the test fails
    # The agent in its own process, as on the kiosk PC, so it can lose power mid-print.
    process = subprocess.Popen(
        [MOTCUA, "printer-agent", "--server", server.url, "--token", center.agent_token,
         "--printer", f"{printer.url}?timeout=60", "--state-file", str(state)],
        stdout=subprocess.DEVNULL, stderr=agent_log,
    )  # fmt: skip
    try:
        cut = center.issue()
        printer.wait_for(lambda p: len(p.stalled) == 1, timeout=WAIT)  # the paper is moving
        process.kill()  # the power goes
        process.wait(WAIT)
        assert json.loads(state.read_text())["in_flight"]["result"] is None
        printer.recover()
        agent = RunningAgent(server, center.agent_token, printer.url, state)
        second = center.issue()
        printer.wait_for(lambda p: len(p.printed()) == 1, timeout=WAIT)
        poll(lambda: by_ticket(center.jobs())[second["id"]]["state"] == "printed", "the second job printed")
        agent.close()
        (job,) = printer.printed()  # only the second ticket
        assert page(job.commands).tobytes() == center.preview(second)
        # Staff were told: the cut-off job is failed, with the reason, for them to check and reprint.
        failed = by_ticket(center.jobs(unprinted=True))[cut["id"]]
        assert failed["state"] == "failed" and "gián đoạn" in failed["error"]["vi"]
        assert json.loads(state.read_text())["in_flight"] is None
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(WAIT)
        agent_log.close()
        server.stop()
