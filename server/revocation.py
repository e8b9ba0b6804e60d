"""Revocations made outside this process take effect within a second.

The admin API revokes at once in its own process (server/api/admin.py, session.py). The command
line (`motcua user disable`, `user passwd`, `device revoke`) and, at province scale, the other
server processes change the database only; without this the principal cache kept a revoked
token working for its few seconds and an open event stream went on for good. Once a second one
small read compares who may be signed in (sessions, active devices, accounts and their roles)
and the centers' provinces (what province accounts see) with the last look; only when that
changed is the cache emptied and every open stream's session or device checked, and those no
longer valid closed like an admin's revocation.
"""

import asyncio
import logging
from datetime import datetime

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlmodel import Session, col

from server.errors import ServiceBusy
from server.models import Center, Device, User, WebSession

log = logging.getLogger("motcua.revocation")
Look = tuple[object, ...]


def _look(session: Session) -> Look:
    """What changes when anyone's right to be signed in changes (a sign-in changes it too)."""
    sessions = session.execute(select(func.count(), func.max(WebSession.id))).one()
    devices = session.execute(select(func.count()).where(col(Device.active))).scalar_one()
    users = session.execute(select(User.id, User.role, User.active).order_by(col(User.id))).all()
    # A center made or moved to another province by another process: the province accounts'
    # remembered centers are out of date (a few hundred rows at most).
    centers = session.execute(select(Center.id, Center.province_code).order_by(col(Center.id))).all()
    return (tuple(sessions), devices, tuple(map(tuple, users)), tuple(map(tuple, centers)))


def _ended(session: Session, now: datetime, owners: set[tuple[str, object]]) -> list[tuple[tuple[str, object], str]]:
    """The open streams' owners that are no longer valid, with the reason each is closed with."""
    hashes = [key for kind, key in owners if kind == "session"]
    devices = [key for kind, key in owners if kind == "device"]
    valid_sessions = set(
        session.execute(
            select(WebSession.token_hash)
            .join(User, col(User.id) == WebSession.user_id)
            .where(col(WebSession.token_hash).in_(hashes), col(User.active), WebSession.expires_at > now)
        ).scalars()
    )
    valid_devices = set(session.execute(select(Device.id).where(col(Device.id).in_(devices), col(Device.active))).scalars())
    return [(("session", h), "session_ended") for h in hashes if h not in valid_sessions] + [
        (("device", d), "device_revoked") for d in devices if d not in valid_devices
    ]


async def watch(app: FastAPI, every: float) -> None:
    """Run for the server's life (cancelled at its stop)."""
    db, hub = app.state.db, app.state.hub
    last = await db.reading(_look, lookup=True)
    while True:
        await asyncio.sleep(every)
        try:
            now = await db.reading(_look, lookup=True)
            if now == last:
                continue
            app.state.principals.clear()
            roles = {user[0]: user[1] for user in last[2]}  # type: ignore[index, attr-defined]
            changed = [user[0] for user in now[2] if user[0] in roles and roles[user[0]] != user[1]]  # type: ignore[attr-defined]
            last = now
            for user_id in changed:  # a new role: the console reconnects with it
                hub.revoke(("user", user_id), "session_ended")
            owners = hub.owners()
            if owners:
                clock = app.state.clock()
                for owner, because in await db.reading(lambda session: _ended(session, clock, owners), lookup=True):
                    hub.revoke(owner, because)
        except ServiceBusy:  # the read queue full or the database sick: look again next time
            log.debug("motcua: revocation check skipped, the database is busy")
        except Exception:  # anything else is a bug worth its traceback; look again next time
            log.warning("motcua: could not check for revocations", exc_info=True)
