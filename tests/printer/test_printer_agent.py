"""The print agent against a real server process that restarts: every job printed once."""

import io
import json
import threading

import httpx
from escpos_decoder import page
from PIL import Image

from websockets.sync.client import connect

from printer.agent import PrintAgent
from server.protocol import parse_message
from server_process import ServerProcess


class RunningAgent:
    def __init__(self, server: ServerProcess, token: str, printer_url: str, state_file) -> None:  # type: ignore[no-untyped-def]
        self.agent = PrintAgent(server.url, token, printer_url, state_file)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.agent.run, args=(self.stop,), daemon=True)
        self.thread.start()
        assert self.agent.caught_up.wait(30), "the agent did not connect"

    def close(self) -> None:
        self.stop.set()
        self.thread.join(30)


def test_the_agent_prints_each_job_once_across_restarts(tmp_path, virtual_printer):
    printer = virtual_printer()
    server = ServerProcess(
        tmp_path / "agent.db", env={"MOTCUA_PRINTERS": json.dumps({"kiosk-1": {"url": "agent://print_agent-1"}})}
    ).prepare()
    kiosk = {"Authorization": f"Bearer {server.token('kiosk')}"}  # the kiosk exists before the server starts
    agent_token = server.token("print_agent")
    server.start()
    try:
        state = tmp_path / "agent-state.json"

        def issue() -> dict:
            r = httpx.post(f"{server.url}/api/v1/tickets", json={"category_id": 1}, headers=kiosk)
            assert r.status_code == 201, r.text
            assert r.json()["print_job"] == {
                "ticket_id": r.json()["id"], "label": r.json()["label"], "printer": "kiosk-1",
                "state": "queued", "attempts": 0, "error": None, "agent": "print_agent-1",
                "id": None, "created_at": None, "updated_at": None,
            }  # fmt: skip
            return r.json()

        agent = RunningAgent(server, agent_token, printer.url, state)
        tickets = [issue(), issue()]
        printer.wait_for_connections(2)
        agent.close()

        # The server restarts, and a ticket is issued while the agent is away.
        server.stop()
        server.start()
        tickets.append(issue())
        agent = RunningAgent(server, agent_token, printer.url, state)
        printer.wait_for_connections(3)
        tickets.append(issue())
        jobs = printer.wait_for_connections(4)
        agent.close()

        # Four tickets, four jobs, in order, each exactly the server's preview: none twice.
        for ticket, job in zip(tickets, jobs, strict=True):
            png = httpx.get(f"{server.url}/api/v1/tickets/{ticket['id']}/ticket.png", headers=kiosk).content
            assert page(job.commands).tobytes() == Image.open(io.BytesIO(png)).convert("1").tobytes(), ticket["label"]
        assert agent.agent.printed == 2  # this run: the one issued while away, and the last
        assert json.loads(state.read_text())["in_flight"] is None
    finally:
        server.stop()


def test_an_interrupted_job_is_reported_not_reprinted(tmp_path, virtual_printer):
    printer = virtual_printer()
    server = ServerProcess(
        tmp_path / "cut.db", env={"MOTCUA_PRINTERS": json.dumps({"kiosk-1": {"url": "agent://print_agent-1"}})}
    ).prepare()
    kiosk = {"Authorization": f"Bearer {server.token('kiosk')}"}  # the kiosk exists before the server starts
    agent_token = server.token("print_agent")
    server.start()
    try:
        state = tmp_path / "agent-state.json"
        agent = RunningAgent(server, agent_token, printer.url, state)
        agent.close()
        ticket = httpx.post(f"{server.url}/api/v1/tickets", json={"category_id": 1}, headers=kiosk).json()
        # As if the power went while the paper moved: the state file says what the agent wrote
        # just before sending the job (events: +1 ticket.issued, +2 its print job).
        seen = json.loads(state.read_text())["last_seq"]
        in_flight = {"seq": seen + 2, "ticket_id": ticket["id"]}
        state.write_text(json.dumps({"last_seq": seen + 1, "in_flight": in_flight}))
        agent = RunningAgent(server, agent_token, printer.url, state)
        second = httpx.post(f"{server.url}/api/v1/tickets", json={"category_id": 1}, headers=kiosk).json()
        (job,) = printer.wait_for_connections(1)  # only the second ticket
        agent.close()
        png = httpx.get(f"{server.url}/api/v1/tickets/{second['id']}/ticket.png", headers=kiosk).content
        assert page(job.commands).tobytes() == Image.open(io.BytesIO(png)).convert("1").tobytes()
        with httpx.Client(base_url=server.url, headers=kiosk) as http:
            snapshot = http.get("/api/v1/centers/1/queue").json()
        assert {t["label"] for t in snapshot["tickets"]} == {ticket["label"], second["label"]}  # both valid
        # Staff were told: the interrupted job is reported failed, with the reason.
        with connect(f"{server.ws_url}/ws/events?since=0&token={agent_token}") as ws:
            while True:
                event = parse_message(ws.recv(timeout=10))
                job = getattr(event, "print_job", None)
                if job and job.ticket_id == ticket["id"] and job.state == "failed":
                    break
        assert "gián đoạn" in job.error.vi
    finally:
        server.stop()
