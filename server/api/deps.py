"""Typed dependencies the routers share.

They are `async def` although they do no I/O: FastAPI runs a plain `def` dependency in a worker
thread, and that hop costs more than the whole dependency.
"""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from server.db import Database
from server.events import Hub
from server.settings import Settings


async def get_db(request: Request) -> Database:
    return request.app.state.db


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    with request.app.state.db.read() as session:
        yield session


async def get_now(request: Request) -> datetime:
    return request.app.state.clock()


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_hub(request: Request) -> Hub:
    return request.app.state.hub


DbDep = Annotated[Database, Depends(get_db)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
NowDep = Annotated[datetime, Depends(get_now)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
HubDep = Annotated[Hub, Depends(get_hub)]
