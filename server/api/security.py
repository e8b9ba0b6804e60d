"""Authentication and authorization at the HTTP edge.

A request is made by a principal: a device presenting its token (`Authorization: Bearer ...`, or
`?token=` where a browser cannot set headers, as on a websocket), or a staff member signed in
with a session cookie. Every route states the permission it needs with `require(...)`, and
tests/server/test_authorization.py holds every route to a written policy. A cookie-authenticated change must carry the
session's CSRF token in `X-CSRF-Token` (the cookie is also SameSite=Strict).
"""

import asyncio
import secrets
import threading
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.requests import HTTPConnection

from server import auth
from server.auth import Permission, Principal
from server.errors import Forbidden, NotFound, TooManyRequests, Unauthorized

COOKIE = "motcua_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def presented_token(request: HTTPConnection) -> tuple[str | None, bool]:
    """(token, from_cookie): what the request authenticates with, if anything."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip(), False
    if token := request.query_params.get("token"):
        return token, False
    if cookie := request.cookies.get(COOKIE):
        return cookie, True
    return None, False


class PrincipalCache:
    """Who a token belongs to, remembered for a few seconds: a kiosk's every tap and a
    console's every click need not look its token up again. The admin API empties it when it
    revokes; changes made outside the process (the command line) empty it within a second
    (server/revocation.py), and `ttl` bounds what is remembered should that fail."""

    def __init__(self, ttl: float = 5.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._entries: dict[tuple[str, bool], tuple[float, Principal | None]] = {}
        self._lock = threading.Lock()
        self._loading: dict[tuple[str, bool], asyncio.Future[Principal | None]] = {}
        self._generation = 0  # a clear() during a load must not let the load store stale news

    async def get(self, key: tuple[str, bool], load: Callable[[], Awaitable[Principal | None]]) -> Principal | None:
        """The remembered principal, else `await load()`. One load per token at a time: a
        hundred taps arriving together wait for the same lookup."""
        with self._lock:
            hit = self._entries.get(key)
        if hit is not None and hit[0] > self.clock():
            return hit[1]
        loading = self._loading.get(key)
        if loading is None:
            loading = self._loading[key] = asyncio.ensure_future(self._load(key, load))
        return await asyncio.shield(loading)

    async def _load(self, key: tuple[str, bool], load: Callable[[], Awaitable[Principal | None]]) -> Principal | None:
        generation = self._generation
        try:
            principal = await load()
        finally:
            del self._loading[key]
        with self._lock:
            if generation != self._generation:
                return principal
            if len(self._entries) > 10_000:  # forged tokens must not grow it without bound
                self._entries.clear()
            self._entries[key] = (self.clock() + self.ttl, principal)
        return principal

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._generation += 1


async def resolve_principal(request: HTTPConnection, token: str | None, from_cookie: bool) -> Principal | None:
    """The token's principal, from the cache without a thread or a query when it can be;
    the event loop never waits on the database."""
    if not token:
        return None
    return await request.app.state.principals.get(
        (token, from_cookie),
        lambda: request.app.state.db.reading(
            lambda session: _load_principal(request, session, token, from_cookie), lookup=True
        ),
    )


def _load_principal(request: HTTPConnection, session: Session, token: str, from_cookie: bool) -> Principal | None:
    now = request.app.state.clock()
    if from_cookie:
        return auth.principal_from_session(session, now, token)
    principal = auth.principal_from_device_token(session, token)
    if principal is None:  # a script or test signed in as a user, with its session token
        found = auth.principal_from_session(session, now, token)
        principal = found and found.without_csrf()
    return principal


async def get_principal(request: Request) -> Principal | None:
    token, from_cookie = presented_token(request)
    return await resolve_principal(request, token, from_cookie)


def allowed(permission: Permission) -> Callable[[Request], Awaitable[Principal]]:
    """A check: the request's principal, if allowed `permission`; 401 if nobody, 403 if not."""

    async def check(request: Request) -> Principal:
        principal = await get_principal(request)
        if principal is None:
            raise Unauthorized("unauthorized")
        if not principal.can(permission):
            raise Forbidden("forbidden")
        check_csrf(request, principal)
        return principal

    return check


def check_csrf(request: Request, principal: Principal) -> None:
    """A change made with a session cookie must carry that session's CSRF token."""
    if principal.csrf_token is not None and request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER, "")
        if not secrets.compare_digest(sent, principal.csrf_token):
            raise Forbidden("csrf_failed")


def require(permission: Permission) -> Any:
    """`allowed` as one dependency, not two nested: FastAPI's resolving costs a share of
    every request."""
    return Depends(allowed(permission))


def guard_center(principal: Principal, center_id: int | None) -> None:
    """Another center's things do not exist for this principal (404, not 403: no probing)."""
    if not principal.sees(center_id):
        raise NotFound("not_found")


ReadQueue = Annotated[Principal, require(Permission.queue_read)]
IssueTickets = Annotated[Principal, require(Permission.ticket_issue)]
OperateCounter = Annotated[Principal, require(Permission.counter_operate)]
AdminCenter = Annotated[Principal, require(Permission.center_admin)]
CreateCenter = Annotated[Principal, require(Permission.center_create)]
ReadAudit = Annotated[Principal, require(Permission.audit_read)]
PrintAgent = Annotated[Principal, require(Permission.print_agent)]


class RateLimiter:
    """At most `limit` hits per key in any `window` seconds (a sliding window, in memory)."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        """Count one hit; TooManyRequests if the key is over its limit."""
        now = self.clock()
        with self._lock:
            hits = self._hits[key]
            while hits and hits[0] <= now - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                raise TooManyRequests(retry_after=max(1, int(hits[0] + self.window - now) + 1))
            hits.append(now)
