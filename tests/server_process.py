"""A real motcua server in its own process, started the way users start it (`motcua serve`)."""

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from database_urls import database_url

MOTCUA = str(Path(sys.executable).with_name("motcua"))
CLOCKED = str(Path(__file__).with_name("clocked_server.py"))  # `motcua serve` on a moved clock
READY = "Uvicorn running on"  # logged once the socket listens


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`motcua serve --demo` on 127.0.0.1; restartable on the same database and port."""

    def __init__(
        self, database: Path | str, env: dict[str, str] | None = None, demo: bool = True, clock_file: Path | None = None, workers: int = 1
    ) -> None:
        # A test's database by its path (on PostgreSQL, a database the path names), or a URL.
        self.database_url = database if isinstance(database, str) else database_url(database)
        self.port = free_port()
        # The demo's dossiers (tickets and events of past days) only where a test asks for them.
        self.env = {**os.environ, "MOTCUA_DEMO_DOSSIERS": "0", **(env or {})}
        self.demo = demo
        self.clock_file = clock_file  # the server's time is read from this file (clocked_server.py)
        self.workers = workers  # `--workers`: that many processes on the port (PostgreSQL only)
        self.proc: subprocess.Popen[str] | None = None
        self.log: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> "ServerProcess":
        command = [sys.executable, CLOCKED, str(self.clock_file)] if self.clock_file else [MOTCUA]
        args = [*command, "serve", "--port", str(self.port), "--database-url", self.database_url]
        if self.demo:
            args.append("--demo")
        if self.workers > 1:
            args += ["--workers", str(self.workers)]
        self.proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=self.env
        )
        lines: queue.Queue[str | None] = queue.Queue()

        def pump(stream) -> None:  # type: ignore[no-untyped-def]
            for line in stream:
                self.log.append(line)
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, args=(self.proc.stderr,), daemon=True).start()
        ready = 0  # each process says it once
        while True:
            try:
                line = lines.get(timeout=timeout)
            except queue.Empty:
                raise RuntimeError("server did not start:\n" + "".join(self.log)) from None
            if line is None:
                raise RuntimeError("server exited:\n" + "".join(self.log))
            if READY in line:
                ready += 1
                if ready == self.workers:
                    return self

    def prepare(self) -> "ServerProcess":
        """Make the database before the first start (migrated, the demo center seeded), so
        devices can be registered first: a printer in MOTCUA_PRINTERS must name a kiosk that
        exists when the server starts."""
        from server import demo
        from server.db import Database, make_engine, migrate

        engine = make_engine(self.database_url)
        try:
            migrate(engine)
            if self.demo:
                with Database(engine).write() as session:
                    demo.seed(session)
        finally:
            engine.dispose()
        return self

    def token(self, kind: str, now: datetime | None = None) -> str:
        """A token for the demo center (center 1): a device ("kiosk", "display", "print_agent")
        or a signed-in user ("staff", "leader", "admin", or "province": an account of its
        province, which the center is put in if it has none), made in the server's own
        database; `now` for a server on a moved clock (a session lasts a working day of its time)."""
        from queue_world import register_device, sign_in
        from server import directory, queue
        from server.db import Database, make_engine
        from server.queue import system_clock

        now = now or system_clock()
        engine = make_engine(self.database_url)
        try:
            with Database(engine).write() as session:
                if kind in ("staff", "leader", "admin"):
                    return sign_in(session, now, 1, kind, name=f"{kind}-{len(self.log)}-{free_port()}")
                if kind == "province":
                    center = queue.get_center(session, 1)
                    if center.province_code is None:  # Phường Hòa Bình, Phú Thọ: the demo's name
                        directory.update_center(session, now, 1, ward_code=4795)
                    name = f"{kind}-{len(self.log)}-{free_port()}"
                    return sign_in(session, now, None, kind, name=name, province_code=center.province_code)
                return register_device(session, now, 1, kind)
        finally:
            engine.dispose()

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; what a power cut does."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def many_clients(connections: int) -> dict[str, str]:
    """Settings for a server that a bench drives with `connections` clients from 127.0.0.1:
    the caps per address (server/limits.py) are for a center's devices, not a load generator."""
    caps = str(connections + 256)
    names = ("CONNECTIONS_PER_ADDRESS", "CONNECTIONS_TOTAL", "WEBSOCKETS_PER_ADDRESS", "WEBSOCKETS_TOTAL")
    return {f"MOTCUA_{name}": caps for name in names}


def poll(condition: Callable[[], object], what: str, wait: float = 30) -> object:
    """Ask again until `condition()` is truthy (its value), or fail after `wait` seconds: for
    what the server does on its own time (noticing a disconnect), with nothing to wait on."""
    deadline = time.monotonic() + wait
    while not (value := condition()):
        assert time.monotonic() < deadline, f"not seen in {wait} s: {what}"
        time.sleep(0.1)  # the pace of asking, not a synchronisation
    return value
