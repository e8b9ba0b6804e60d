"""Typed dependencies the routers share.

They are `async def` although they do no I/O: FastAPI runs a plain `def` dependency in a worker
thread, and that hop costs more than the whole dependency. There is no session dependency: a
route reads with `await db.reading(job)`, so no connection is held past the read itself.
"""

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request

from server.db import Database
from server.events import Hub
from server.settings import Settings


async def get_db(request: Request) -> Database:
    return request.app.state.db


async def get_now(request: Request) -> datetime:
    return request.app.state.clock()


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_hub(request: Request) -> Hub:
    return request.app.state.hub


DbDep = Annotated[Database, Depends(get_db)]
NowDep = Annotated[datetime, Depends(get_now)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
HubDep = Annotated[Hub, Depends(get_hub)]
# An id in a path: a database integer, so a huge one is a 422, not an overflow deep inside.
ApiId = Annotated[int, Path(gt=0, le=2**63 - 1)]
# A ticket's public token in a path (secrets.token_urlsafe(16) is 22 characters).
TicketToken = Annotated[str, Path(min_length=1, max_length=64)]
