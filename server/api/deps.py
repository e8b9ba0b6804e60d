"""Typed dependencies the routers share."""

from collections.abc import Iterator
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from server.db import Database
from server.events import Hub
from server.settings import Settings


def get_db(request: Request) -> Database:
    return request.app.state.db


def get_read_session(request: Request) -> Iterator[Session]:
    with request.app.state.db.read() as session:
        yield session


def get_now(request: Request) -> datetime:
    return request.app.state.clock()


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_hub(request: Request) -> Hub:
    return request.app.state.hub


DbDep = Annotated[Database, Depends(get_db)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]
NowDep = Annotated[datetime, Depends(get_now)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
HubDep = Annotated[Hub, Depends(get_hub)]
