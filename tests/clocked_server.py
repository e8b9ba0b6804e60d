"""`motcua serve` on a clock the test moves: a simulated working day in seconds of real time.

    python tests/clocked_server.py CLOCK_FILE serve --port 8123 --database-url sqlite:///...

The server is the one users run (the same `serve` command: settings, printers' check, gc
settings, uvicorn), except that create_app is given a clock reading the time from CLOCK_FILE,
which the test writes before each step of its day (FileClock.set). `motcua serve` itself has
only the wall clock, and a test hook in the product would be a way to move a center's time.
Timers that count real seconds (print retries, websocket pings) still do.
"""

import os
import sys
from datetime import datetime
from pathlib import Path


class FileClock:
    """The time written in a file: set by the test, read by the server at each clock() call."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def set(self, when: datetime) -> None:
        # Written aside and renamed: the server never reads half a timestamp.
        aside = self.path.with_suffix(".next")
        aside.write_text(when.isoformat())
        os.replace(aside, self.path)

    def __call__(self) -> datetime:
        return datetime.fromisoformat(self.path.read_text())


def main() -> None:
    import server.app
    from server.cli import app as command

    clock = FileClock(Path(sys.argv[1]))
    create_app = server.app.create_app
    # `serve` imports create_app from server.app when it runs: this is the one it finds.
    server.app.create_app = lambda settings: create_app(settings, clock=clock)  # type: ignore[assignment]
    command(sys.argv[2:], prog_name="motcua")


if __name__ == "__main__":
    main()
