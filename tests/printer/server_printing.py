"""The server with printers, in process, on a database prepared first (a printer names a kiosk
that must exist when the server starts). Not conftest: tests import it."""

import queue
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from database_urls import database_url
from queue_world import World, build_world, register_device, sign_in
from server.app import create_app
from server.db import Database, make_engine, migrate
from server.protocol import EventOut
from server.settings import PrinterConfig, Settings

WAIT = 30  # seconds: only ever reached when a test is failing


@dataclass
class Prepared:
    url: str
    world: World
    kiosk: str  # the kiosk device "kiosk-1"'s token
    staff: str


def prepare(tmp_path) -> Prepared:  # type: ignore[no-untyped-def]
    url = database_url(tmp_path / "p.db")
    engine = make_engine(url)
    migrate(engine)
    now = datetime.now(UTC)
    with Database(engine).write() as session:
        world = build_world(session)
        kiosk = register_device(session, now, world.center.id, "kiosk")
        staff = sign_in(session, now, world.center.id, "staff")
    engine.dispose()
    return Prepared(url, world, kiosk, staff)


class Clock:
    """Time running from noon of today in Vietnam (05:00 UTC: moving it on never crosses the
    center's midnight, whatever hour the tests run), plus however far a test moved it on."""

    def __init__(self) -> None:
        self.ahead = timedelta()
        self._origin = datetime.now(UTC).replace(hour=5, minute=0, second=0, microsecond=0)
        self._started = time.monotonic()

    def __call__(self) -> datetime:
        return self._origin + timedelta(seconds=time.monotonic() - self._started) + self.ahead


def make_app(prepared: Prepared, printers: dict[str, PrinterConfig], clock=None, **settings: object):  # type: ignore[no-untyped-def]
    kw = {"clock": clock} if clock else {}
    return create_app(Settings(database_url=prepared.url, printers=printers, **settings), **kw)  # type: ignore[arg-type]


class PrintEvents:
    """Every print.updated event the server publishes, as it commits."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.found: queue.Queue[EventOut] = queue.Queue()
        self.seen: list[EventOut] = []
        publish = app.state.db.on_commit

        def tap(events: list[EventOut]) -> None:
            publish(events)
            for event in events:
                if event.kind == "print.updated":
                    self.found.put(event)

        app.state.db.on_commit = tap

    def until(self, state: str, label: str | None = None, printer: str | None = None) -> EventOut:
        """The next event (from now on) of a job reaching `state`."""
        while True:
            event = self.found.get(timeout=WAIT)
            self.seen.append(event)
            job = event.print_job
            if job.state == state and label in (None, job.label) and printer in (None, job.printer):
                return event
