"""The error answers a route documents in /openapi.json, beside its success.

Every error has one body, {"code", "message": {"vi", "en"}} (server.app's handlers); a 422 adds
the fields at fault. A route lists the statuses it can answer with `answers(...)`: its router
gives what all its routes share (401 and 403 where each needs a permission), the route adds its
own (404 for an id it looks up, 409 for a change the queue's state may refuse), and the app
gives 429 (too many connections from one address: server.limits) and 503 (a read queue full, a
sick database) to all. tests/server/test_openapi_fuzz.py holds the schema to what the server
really answers, for every kind of caller.
"""

from typing import Any

from pydantic import BaseModel

from server.protocol import Messages


class ErrorOut(BaseModel):
    code: str  # stable, for programs: "ticket_not_found", "forbidden", ...
    message: Messages  # for people, Vietnamese and English


class FieldErrorOut(BaseModel):
    loc: list[str | int]
    msg: str
    type: str
    field: str | None  # the body's field at fault, if any
    message: Messages


class InvalidOut(ErrorOut):
    errors: list[FieldErrorOut]


_WHY = {
    400: "the body is not readable JSON",
    401: "nobody signed in, or a token unknown, revoked or expired",
    403: "signed in without the permission this needs (or a browser change without its CSRF token)",
    404: "no such thing, or one of another center",
    409: "valid, but the queue's state does not allow it now",
    413: "the body is larger than the server takes (MOTCUA_BODY_MAX_BYTES)",
    422: "an input is not valid: each field at fault, and why",
    429: "too many requests or connections from this address; Retry-After says when to try again",
    503: "the server is saturated; Retry-After says when to try again",
}


def answers(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for these statuses, each with the error body."""
    return {status: {"model": InvalidOut if status == 422 else ErrorOut, "description": _WHY[status]} for status in statuses}


# What every route with inputs may answer (the app adds 503 to all).
INPUT = answers(422)
# A route that needs a permission (server.api.security.require), with inputs.
PERMITTED = answers(401, 403, 422)
# A route that takes a JSON body: it may be unreadable, or too large (server.limits).
BODY = answers(400, 413, 422)
