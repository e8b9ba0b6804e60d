"""Soak run of the wall display against a real server that is killed and restarted.

    .venv/bin/python bench/display_soak.py --minutes 30 --call-every 3 --restart-every 5

Starts `motcua serve --demo` on a temporary SQLite file, runs the real display (EventClient on
its thread, DisplayApp loop on the main thread, SDL dummy drivers, real mixer announcements),
issues and calls a ticket every few seconds from another thread, and SIGKILLs + restarts the
server (same database, same port) every few minutes. Prints resident memory each minute, then
checks the board still shows the last call made.
"""

import argparse
import os
import queue
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")  # as display.app.sdl_defaults() does

import httpx  # noqa: E402
import pygame  # noqa: E402

from display.app import DisplayApp, DisplayConfig  # noqa: E402
from display.cli import ensure_voice, make_announcer  # noqa: E402
from display.client import EventClient, Message  # noqa: E402
from display.fonts import Fonts  # noqa: E402

MOTCUA = str(Path(sys.executable).with_name("motcua"))


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Server:
    def __init__(self, database: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.database = database
        self.proc: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        args = [MOTCUA, "serve", "--demo", "--port", str(self.port), "--database-url", f"sqlite:///{self.database}"]
        self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            if "Application startup complete" in line:
                break
        else:
            raise RuntimeError("server exited")
        threading.Thread(target=self.proc.stderr.read, daemon=True).start()  # keep the pipe drained

    def tokens(self) -> tuple[str, str]:
        """A display device token and a staff session token for the demo center, made in the
        server's database (what `motcua device add` and a staff sign-in give)."""
        from server import auth
        from server.db import Database, make_engine
        from server.models import DeviceKind, Role
        from server.queue import system_clock

        engine = make_engine(f"sqlite:///{self.database}")
        try:
            with Database(engine).write() as session:
                now = system_clock()
                _, display = auth.create_device(session, now, 1, DeviceKind.display, "soak display")
                user = auth.create_user(session, now, "soak-staff", "correct horse battery", Role.staff, 1)
                staff, _ = auth.start_session(session, now, user)
        finally:
            engine.dispose()
        return display, staff

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()


class Caller(threading.Thread):
    """A counter at work: issue, call, no-show the previous one; and restart the server now and then."""

    def __init__(
        self, server: Server, staff_token: str, call_every: float, restart_every: float, stop: threading.Event
    ) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.headers = {"Authorization": f"Bearer {staff_token}"}
        self.call_every = call_every
        self.restart_every = restart_every
        self.stop_event = stop
        self.last_label: str | None = None
        self.calls = 0
        self.failed = 0
        self.restarts = 0

    def run(self) -> None:
        previous: int | None = None
        next_restart = time.monotonic() + self.restart_every
        with httpx.Client(base_url=self.server.url, timeout=10, headers=self.headers) as http:
            while not self.stop_event.wait(self.call_every):
                if time.monotonic() >= next_restart:
                    self.server.kill()
                    self.server.start()
                    self.restarts += 1
                    next_restart += self.restart_every
                try:
                    if previous is not None:
                        http.post(f"/api/v1/tickets/{previous}/no-show")
                    http.post("/api/v1/tickets", json={"category_id": 1}).raise_for_status()
                    response = http.post("/api/v1/counters/1/call-next")
                    response.raise_for_status()
                    previous = response.json()["id"]
                    self.last_label = response.json()["label"]
                    self.calls += 1
                except httpx.HTTPError:
                    self.failed += 1


def main() -> None:
    parser = argparse.ArgumentParser(description="display soak run")
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--call-every", type=float, default=3)
    parser.add_argument("--restart-every", type=float, default=5, help="minutes")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="motcua-soak-"))
    server = Server(work / "center.db")
    server.start()
    display_token, staff_token = server.tokens()
    config = DisplayConfig(server=server.url, token=display_token, voice_dir=work / "voice", window_size=(1920, 1080))
    ensure_voice(config.voice_dir, config.language)
    pygame.mixer.pre_init(frequency=22050, size=-16, channels=1, buffer=1024)
    pygame.init()
    pygame.display.set_mode(config.window_size)
    inbox: queue.Queue[Message] = queue.Queue()
    client = EventClient(server.url, inbox, token=display_token)
    app = DisplayApp(pygame.display.get_surface, inbox, Fonts(), make_announcer(config), config, on_resync=client.resync)
    client.start()
    stop = threading.Event()
    caller = Caller(server, staff_token, args.call_every, args.restart_every * 60, stop)
    caller.start()

    start = time.monotonic()
    cpu0 = time.process_time()
    end = start + args.minutes * 60
    next_sample = start
    print(" minute   rss MB   frames  calls  failed  restarts  connections  shown")
    state = {"next": next_sample}

    def until() -> bool:
        now = time.monotonic()
        if now >= state["next"]:
            state["next"] += 60
            latest = app.view.latest.label if app.view.latest else "-"
            print(
                f"{(now - start) / 60:7.1f} {rss_mb():8.1f} {app.frames:8d} {caller.calls:6d} {caller.failed:7d} "
                f"{caller.restarts:9d} {client.connections:12d}  {latest}",
                flush=True,
            )
        return now >= end

    app.run(until=until)
    stop.set()
    caller.join(15)
    # Let the display catch up with the last call, then check it is on the board.
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and (app.view.latest is None or app.view.latest.label != caller.last_label):
        frame = app.step()
        if frame.dirty:
            pygame.display.update(frame.dirty)
        time.sleep(0.05)
    wall = time.monotonic() - start
    shown = app.view.latest.label if app.view.latest else None
    print(f"cpu {100 * (time.process_time() - cpu0) / wall:.1f}% of one core over {wall / 60:.1f} min")
    print(f"last call {caller.last_label}, board shows {shown}, connected {app.connected}: "
          f"{'LIVE' if shown == caller.last_label and app.connected else 'STALE'}")  # fmt: skip
    client.stop()
    server.kill()
    pygame.quit()


if __name__ == "__main__":
    main()
