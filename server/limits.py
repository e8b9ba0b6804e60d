"""Limits against a hostile or broken network: request heads that never end, too many
connections or websockets, and request bodies too large to read.

uvicorn has none of the first two (its keep-alive timeout only covers the idle time between
requests; `limit_concurrency` counts requests in flight, not sockets, and answers 503 to
everyone at once). So `motcua serve` runs uvicorn with the two protocol classes made here
(`protocols(settings)`, passed as `http=` and `ws=`):

- each connection must complete a request head within `header_timeout_seconds` of connecting
  or of the first byte of its next request, or it is closed: a client sending one header byte
  every 10 s used to hold its socket for ever, and 21,000 of them took every file descriptor;
- connections are counted per address and in all; over a cap the request is answered 429
  (once its head is in, so the client reads the answer) and the connection closed; well over
  a cap (a flood) it is closed at once, without a word.

These live in the uvicorn process, so only a server started by `motcua serve` (and the
installed service, which runs it) has them; `create_app()` alone (the in-process tests) does
not. The protocol class is httptools' (uvicorn[standard] installs httptools); it leans on
uvicorn's callbacks `on_message_begin`/`on_headers_complete`, which a uvicorn upgrade could
rename: tests/server/test_limits.py tries them against a live server.

Websockets per address and in all, and request bodies, are ASGI middleware in `create_app()`
(`WebsocketCaps`, `BodyLimit`): a websocket over its cap is accepted and closed at once with
1013 (try again later) and a reason in both languages; a body over its cap is answered 413
before it is read (by its Content-Length) or as soon as its streamed chunks pass the cap.
"""

import asyncio
import json
import logging
import resource
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from server.messages import render
from server.settings import Settings

log = logging.getLogger("motcua.limits")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

TRY_AGAIN_LATER = 1013
# Over a cap, a connection is still read until its request head is in, so the client gets its
# 429; beyond its address's cap FLOOD_FACTOR times, or beyond the total by GRACE connections
# (a flood), it is closed at once, which costs nothing.
WITHIN, OVER, FLOOD = "within", "over", "flood"
FLOOD_FACTOR = 2
GRACE = 256
# Besides the connections (and GRACE refused ones), the process keeps files open: the database
# and its journal, logs, the reading threads' connections, printers; these stay free for them.
SPARE_DESCRIPTORS = 128


class Tally:
    """How many of something are open, per address and in all, against two caps."""

    def __init__(self, per_address: int, total: int) -> None:
        self.per_address = per_address
        self.total = total
        self.by_address: Counter[str] = Counter()
        self.count = 0

    def add(self, address: str) -> str:
        """Count one more in; how far over its caps it is: WITHIN, OVER or FLOOD."""
        self.by_address[address] += 1
        self.count += 1
        mine = self.by_address[address]
        if mine <= self.per_address and self.count <= self.total:
            return WITHIN
        return OVER if mine <= FLOOD_FACTOR * self.per_address and self.count <= self.total + GRACE else FLOOD

    def remove(self, address: str) -> None:
        self.count -= 1
        self.by_address[address] -= 1
        if self.by_address[address] <= 0:
            del self.by_address[address]  # an address that left costs nothing


def _error_body(code: str, message: object) -> bytes:
    return json.dumps({"code": code, "message": message}, ensure_ascii=False).encode()


def _json_response(status: int, reason: str, code: str, message: object) -> bytes:
    """A whole HTTP/1.1 answer that closes the connection, for use below the ASGI app."""
    body = _error_body(code, message)
    head = (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
        "retry-after: 10\r\nconnection: close\r\n\r\n"
    )
    return head.encode("latin-1") + body


async def _too_many_connections(scope: Scope, receive: Receive, send: Send) -> None:
    """The ASGI app that answers a connection over its cap instead of the server's."""
    await _answer(send, 429, "too_many_connections", render("too_many_connections"), [(b"retry-after", b"10")])


async def _answer(send: Send, status: int, code: str, message: object, extra: list[tuple[bytes, bytes]]) -> None:
    """An error in the server's shape, closing the connection: what is left of the request
    (a body over its cap, a connection over its cap) is not read."""
    body = _error_body(code, message)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": status, "headers": headers + extra})
    await send({"type": "http.response.body", "body": body})


class GuardedHttp(HttpToolsProtocol):
    """uvicorn's httptools protocol with a deadline for each request head and connection caps.
    `protocols()` makes the subclass that holds the settings and the shared tally."""

    tally: Tally
    header_timeout: float

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._address = self.client[0] if self.client else ""
        self._head_deadline: asyncio.TimerHandle | None = None
        over = self.tally.add(self._address)
        self._counted = True
        if over == FLOOD:
            transport.close()  # connection_lost counts it out
            return
        if over == OVER:
            self.app = _too_many_connections  # answered once its head is in
        self._arm()

    def _arm(self) -> None:
        if self._head_deadline is None:
            self._head_deadline = self.loop.call_later(self.header_timeout, self._head_too_slow)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _head_too_slow(self) -> None:
        self._head_deadline = None
        log.debug("closing a connection from %s: no complete request head in %g s", self._address, self.header_timeout)
        if not self.transport.is_closing():
            self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._arm()  # a keep-alive connection's next request has begun: its head has a deadline too

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def handle_websocket_upgrade(self) -> None:
        if self.app is _too_many_connections:
            self.transport.write(_json_response(429, "Too Many Requests", "too_many_connections", render("too_many_connections")))
            self.transport.close()
            return
        self._counted = False  # the websocket protocol takes the connection, and counts it out
        super().handle_websocket_upgrade()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._counted:
            self._counted = False
            self.tally.remove(self._address)
        super().connection_lost(exc)


class GuardedWebsocket(WebSocketsSansIOProtocol):
    """uvicorn's websocket protocol, counting its connection out of the tally when it ends
    (it was counted in as an HTTP connection before the upgrade)."""

    tally: Tally

    def connection_lost(self, exc: Exception | None) -> None:
        address = self.client[0] if self.client else ""
        if not getattr(self, "_counted_out", False):
            self._counted_out = True
            self.tally.remove(address)
        super().connection_lost(exc)


def raise_open_files(wanted: int) -> int | None:
    """Raise this process's soft open-file limit to `wanted`, as far as the hard limit allows
    (processes it starts inherit it); the limit now, None when unlimited."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        soft = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    return None if soft == resource.RLIM_INFINITY else soft


def connections_cap(settings: Settings) -> int:
    """The total connections this process can hold: the setting, or less when the open-file
    limit is lower (raised first as far as the system allows, as servers do)."""
    soft = raise_open_files(settings.connections_total + GRACE + SPARE_DESCRIPTORS)
    if soft is None:
        return settings.connections_total
    return max(1, min(settings.connections_total, soft - GRACE - SPARE_DESCRIPTORS))


def protocols(settings: Settings, total: int) -> tuple[type[GuardedHttp], type[GuardedWebsocket]]:
    """The `http=` and `ws=` classes for uvicorn, sharing one tally of the process's
    connections, at most `total` (connections_cap)."""
    tally = Tally(settings.connections_per_address, total)
    http = type("MotcuaHttp", (GuardedHttp,), {"tally": tally, "header_timeout": settings.header_timeout_seconds})
    ws = type("MotcuaWebsocket", (GuardedWebsocket,), {"tally": tally})
    return http, ws


class WebsocketCaps:
    """Open websockets per address and in all; one over a cap is accepted and closed at once
    with 1013 and a reason in both languages (a browser cannot read a refused handshake)."""

    def __init__(self, app: ASGIApp, per_address: int, total: int) -> None:
        self.app = app
        self.tally = Tally(per_address, total)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        address = scope["client"][0] if scope.get("client") else ""
        try:
            if self.tally.add(address) != WITHIN:
                await _refuse_websocket(receive, send)
                return
            await self.app(scope, receive, send)
        finally:
            self.tally.remove(address)


async def _refuse_websocket(receive: Receive, send: Send) -> None:
    message = await receive()
    if message["type"] != "websocket.connect":
        return
    reason = render("too_many_websockets")
    await send({"type": "websocket.accept"})
    await send({"type": "websocket.close", "code": TRY_AGAIN_LATER, "reason": f"{reason['vi']} / {reason['en']}"})


class BodyLimit:
    """Request bodies capped before they are read: by Content-Length at once, and by counting
    the chunks of a body streamed without one. The app's own answer to a body cut off is
    replaced by the 413, so every route (the plain issuing route too) answers alike."""

    def __init__(self, app: ASGIApp, default: int, by_path: dict[str, int]) -> None:
        self.app = app
        self.default = default
        # The longest prefix first, so a specific route wins over a general one.
        self.by_path = sorted(by_path.items(), key=lambda item: -len(item[0]))

    def limit(self, path: str) -> int:
        return next((cap for prefix, cap in self.by_path if path.startswith(prefix)), self.default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limit(scope["path"])
        length = next((value for name, value in scope["headers"] if name == b"content-length"), None)
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _too_large(send, limit)
            return
        received = 0
        over = False
        started = False
        read_whole = length == b"0" or scope["method"] in ("GET", "HEAD")

        async def counted() -> Message:
            nonlocal received, over, read_whole
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    over = True  # the rest is never read: the connection closes after the 413
                    return {"type": "http.disconnect"}
                read_whole = not message.get("more_body", False)
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if over:
                return  # the app's answer to a body cut short; the 413 goes instead
            if message["type"] == "http.response.start" and not read_whole:
                # Answered before its body was read (a 401 at once): close rather than have
                # the server read and throw away whatever the client still sends.
                message["headers"] = [*message.get("headers", []), (b"connection", b"close")]
            started = True
            await send(message)

        try:
            await self.app(scope, counted, guarded)
        except Exception:
            if not over:
                raise
        if over and not started:
            await _too_large(send, limit)


async def _too_large(send: Send, limit: int) -> None:
    await _answer(send, 413, "body_too_large", render("body_too_large", limit=limit), [])
