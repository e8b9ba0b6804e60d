"""PostgreSQL: every server process hears of every center's events, whichever process wrote them.

Several processes may write one PostgreSQL database (`motcua serve --workers N`), and a
websocket client is connected to one of them. Each commit that records events notifies the
channel `server.db.CHANNEL` with each center it changed (delivered by PostgreSQL at commit,
in commit order). Each process listens on a connection of its own, in a thread, and on each
notification reads that center's events after the last it published, from the event table,
in sequence, and hands them to its hub: every client hears every event once and in order.
A center's events commit in sequence (queue.hold_center), so what the table holds after a
notification has no gap. With PostgreSQL this is the only way events reach the websockets,
for the writing process too: one path, nothing delivered twice.

If the connection drops (a restart of PostgreSQL), it is opened again, a second later and
then every second, and whatever was committed meanwhile is read from the table. Clients
meanwhile hear nothing; those that reconnect catch up by their sequence (server.ws).
It costs a read of the new events per commit per process.
"""

import logging
import threading
from collections.abc import Callable

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from server.db import CHANNEL
from server.models import Center, Event
from server.protocol import EventOut

log = logging.getLogger("motcua")
RETRY_SECONDS = 1.0
POLL_SECONDS = 0.5  # how often the thread looks whether it is asked to stop


class Listener:
    """One thread listening on `CHANNEL`, publishing each center's new events in sequence."""

    def __init__(self, engine: Engine, publish: Callable[[list[EventOut]], None]) -> None:
        self.engine = engine
        self.publish = publish
        # libpq's form of the engine's URL (psycopg, not SQLAlchemy, opens the connection).
        self._conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: dict[int, int] = {}  # center -> the last sequence published

    def start(self) -> None:
        """Start from the newest event of each center: what is older, clients read themselves."""
        self._last = self._newest()
        self._thread = threading.Thread(target=self._run, name="motcua-listener", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _newest(self) -> dict[int, int]:
        """Each center's newest sequence: one lookup in the event index per center (a GROUP BY
        over the event table would read all of it)."""
        newest = select(func.max(Event.seq)).where(Event.center_id == Center.id).scalar_subquery()
        with Session(self.engine) as session:
            return {center_id: seq for center_id, seq in session.execute(select(Center.id, newest)) if seq is not None}

    def _run(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True, application_name="motcua-listener") as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    # Anything committed before LISTEN took effect (at start, or while the
                    # connection was down) is read now.
                    self._catch_up([c for c, seq in self._newest().items() if seq > self._last.get(c, 0)])
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=POLL_SECONDS, stop_after=1):
                            self._catch_up([int(note.payload)])
            except Exception as exc:  # the connection dropped, or a read failed: start again
                if self._stop.is_set():
                    return
                log.warning("motcua: listening for events failed (%s); listening again", exc)
                self._stop.wait(RETRY_SECONDS)

    def _catch_up(self, centers: list[int]) -> None:
        """Publish each center's events after the last published, in sequence."""
        from server.queue import event_out  # the domain imports the database; this imports both

        if not centers:
            return
        with Session(self.engine) as session:
            for center_id in centers:
                last = self._last.get(center_id, 0)
                rows = session.execute(
                    select(Event).where(Event.center_id == center_id).where(Event.seq > last).order_by(col(Event.seq))
                ).scalars()
                events = [event_out(row) for row in rows]
                if events:
                    self._last[center_id] = events[-1].seq
                    self.publish(events)
