"""/healthz: may this process take requests? For a load balancer, systemd or a monitor.

Two checks, answered 200 when both pass and 503 with the reason of each failing one:

- `database`: a statement runs on the database (in the token look-up thread, ahead of any
  queue of reads: a saturated server still says whether its database answers), within
  `HEALTH_TIMEOUT_SECONDS`. With SQLite, the file must also still be the one the server
  opened: a database file deleted or replaced under a running server would have it go on
  writing to a file nobody will find again (`database_missing`, `database_replaced`).
- `migrations`: the database's alembic revision is the newest this code knows
  (`migrations_behind` when the database is older, say restored from an old backup, or
  `migrations_unknown` when newer, written by a newer version of motcua).

No authentication and no secrets: the answer is the two checks' names and reasons, nothing
about the center, its tickets or the database's address. It reads one row and, for SQLite,
stats one file: cheap enough to be asked every second. The errors keep the server's error
body ({"code", "message": {"vi", "en"}}, plus the checks). Not in /openapi.json, like /docs:
it is for the machines that run the server, not for the API's clients (README).
"""

import asyncio
import logging
import os
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine, text
from sqlmodel import Session

from server.db import MIGRATIONS
from server.errors import DomainError
from server.messages import render

log = logging.getLogger("motcua")
router = APIRouter(include_in_schema=False)

HEALTH_TIMEOUT_SECONDS = 5.0  # a database that has not answered by then is not answering
OK = "ok"


def migration_heads() -> set[str]:
    """The newest revisions of this code's migrations (read once, at start-up)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return set(ScriptDirectory.from_config(config).get_heads())


def known_revisions() -> set[str]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


def sqlite_file(engine: Engine) -> Path | None:
    """The SQLite database's file, or None (another database, or one in memory)."""
    url = engine.url
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    return Path(url.database).expanduser().resolve()


class Health:
    """What /healthz compares against, taken when the server started."""

    def __init__(self, engine: Engine) -> None:
        self.heads = migration_heads()
        self.known = known_revisions()
        self.file = sqlite_file(engine)
        self.inode = _identity(self.file) if self.file is not None else None

    def file_check(self) -> str:
        """`ok`, or why the server's SQLite file is not where it was (or is not it any more)."""
        if self.file is None:
            return OK
        identity = _identity(self.file)
        if identity is None:
            return "database_missing"
        return OK if identity == self.inode else "database_replaced"

    def migrations_check(self, session: Session) -> str:
        revisions = set(session.execute(text("SELECT version_num FROM alembic_version")).scalars())
        if revisions == self.heads:
            return OK
        return "migrations_unknown" if revisions - self.known else "migrations_behind"


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_dev, stat.st_ino


@router.get("/healthz")
async def healthz(request: Request) -> JSONResponse:
    """200 {"status": "ok", "checks": {...}} or 503 with the failing checks' reasons."""
    health: Health = request.app.state.health
    checks = {"database": health.file_check(), "migrations": "not_checked"}
    if checks["database"] == OK:
        try:
            checks["migrations"] = await asyncio.wait_for(
                request.app.state.db.reading(health.migrations_check, lookup=True), HEALTH_TIMEOUT_SECONDS
            )
        except TimeoutError:
            checks["database"] = "database_timeout"
        except DomainError as exc:  # busy, full, read-only, I/O (server.db), or reads saturated
            checks["database"] = exc.code
        except Exception:  # whatever else keeps the database from answering is the answer
            log.warning("motcua: /healthz: the database did not answer", exc_info=True)
            checks["database"] = "database_unreachable"
    if all(value == OK for value in checks.values()):
        return JSONResponse({"status": OK, "checks": checks}, headers={"Cache-Control": "no-store"})
    failing = next(value for value in checks.values() if value != OK)
    body = {"code": "unhealthy", "message": render(failing), "status": "failing", "checks": checks}
    return JSONResponse(body, status_code=503, headers={"Cache-Control": "no-store", "Retry-After": "5"})
