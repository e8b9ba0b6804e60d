"""Typed dependencies the routers share.

They are `async def` although they do no I/O: FastAPI runs a plain `def` dependency in a worker
thread, and that hop costs more than the whole dependency. There is no session dependency: a
route reads with `await db.reading(job)`, so no connection is held past the read itself.
"""

from datetime import datetime
from typing import Annotated

from collections.abc import Callable

from fastapi import Depends, Path, Request, Response
from pydantic import BaseModel
from sqlmodel import Session

from server.db import Database
from server.events import Hub
from server.ids import ApiId  # noqa: F401 (re-exported: the routers take their id type from here)
from server.settings import Settings


def json_answer(model: BaseModel | list[BaseModel], status_code: int = 200) -> Response:
    """A model (or a list of them) as the JSON answer, serialised once. A route that returns
    this (with its `response_model` for the docs) skips FastAPI validating the model again,
    which for a change of the queue cost more than the change itself."""
    body = "[" + ",".join(m.model_dump_json() for m in model) + "]" if isinstance(model, list) else model.model_dump_json()
    return Response(body, status_code, media_type="application/json")


async def read_answer(db: Database, job: Callable[[Session], BaseModel | list[BaseModel]]) -> Response:
    """`job`'s answer, read and encoded in a reading thread (Database.reading): the event
    loop, which every request and every ticket issued goes through, only passes it on. A
    burst of heavy reads then does not hold back the light requests behind it."""
    return await db.reading(lambda session: json_answer(job(session)))


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
# A ticket's public token in a path (secrets.token_urlsafe(16) is 22 characters).
TicketToken = Annotated[str, Path(min_length=1, max_length=64)]
