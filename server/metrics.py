"""/metrics: counts for Prometheus, in its text format (prometheus_client writes it).

What it holds, and where each figure comes from:

- `motcua_tickets_issued_total{center}`, `motcua_tickets_called_total{center}`: counted from
  the events each committed transaction publishes (`ticket.issued`; `ticket.called`, by
  call-next or by calling a number), so a ticket is counted once it is on disk, never for a
  request that failed. A recall is not a call.
- `motcua_print_failures_total{printer}`: printing attempts that failed (the server's own
  printers and those print agents report), whatever became of the job after.
- `motcua_websocket_clients`: websockets open now (event streams, status pages), counted by
  the middleware below inside the websocket caps (server.limits): one refused is not counted.
- `motcua_http_request_duration_seconds{method, route, status}`: a histogram of every HTTP
  request's time in the app, from its start to its answer's last byte; `route` is the
  route's path template (`/api/v1/tickets/{ticket_id}/call`), never the path asked for, and
  "unmatched" for a path no route has, so nobody can grow the series by asking for odd paths.
- `motcua_queue_waiting{center, category}`: the citizens waiting now in each active
  category, for the center's service day, read from the database at each scrape.

Only counts: no ticket number, label, name or token appears here.

Cost on the busy path: the counters count events already made (a dict lookup and an
addition under prometheus_client's lock per event); the middleware reads the clock twice and
observes one histogram per request (bench/issue_tickets.py showed no difference beyond the
runs' spread). The queue lengths cost nothing until a scrape, which reads them in a reading
thread (server.db), not on the event loop.

With several server processes (`PROMETHEUS_MULTIPROC_DIR` set, for every process, before
it starts: prometheus_client picks its storage when it is imported): the counters, the
histogram and the websocket gauge ("livesum": the sum over the processes alive) are kept in
files in that folder, one per process, and whichever process answers a scrape adds them all
up (`MultiProcessCollector`). The folder must be emptied before the processes start (or a
dead process's counts stay; a process that ends cleanly takes its websockets out of the sum
itself). The queue lengths come from the database at the scrape, so they
are the same whichever process answers. Without the variable, each process counts its own,
which is right for the one process SQLite runs.
"""

import hmac
import os
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector, mark_process_dead
from sqlalchemy import func, select
from sqlmodel import Session, col
from starlette.exceptions import HTTPException

from server import queue
from server.errors import Unauthorized
from server.models import Category, Center, Ticket, TicketState
from server.protocol import EventOut

Scope = dict[str, Any]
ASGIApp = Callable[..., Any]

router = APIRouter(include_in_schema=False)  # like /docs: for operators, not the API (README)

MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own variable
# From a millisecond (a ticket issued takes about two) to ten seconds (a slow report).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED = "unmatched"
# The text format generate_latest writes (every name here is a classic one), as every
# Prometheus reads it; prometheus_client's newest content type names a version 2.x does not.
TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8"


class Metrics:
    """The process's counters, histogram and gauge, in a registry of their own (one per app:
    tests make many apps in one process)."""

    def __init__(self) -> None:
        # No `_created` series beside each counter and histogram: twice the text, and
        # Prometheus reads a counter's restart from its drop.
        disable_created_metrics()
        self.registry = CollectorRegistry(auto_describe=True)
        self.issued = Counter("motcua_tickets_issued", "Tickets issued (committed)", ["center"], registry=self.registry)
        self.called = Counter("motcua_tickets_called", "Tickets called to a counter", ["center"], registry=self.registry)
        self.print_failures = Counter(
            "motcua_print_failures", "Printing attempts that failed", ["printer"], registry=self.registry
        )
        self.websockets = Gauge(
            "motcua_websocket_clients", "Websockets open now", registry=self.registry, multiprocess_mode="livesum"
        )
        self.latency = Histogram(
            "motcua_http_request_duration_seconds",
            "HTTP requests by route template, from the request's start to its answer's end",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        # Label lookups cost a lock and a tuple each in prometheus_client: done once per key.
        self._events: dict[tuple[str, int], Any] = {}
        self._timers: dict[tuple[str, str, int], Any] = {}
        self._counted = {"ticket.issued": self.issued, "ticket.called": self.called}

    def count_events(self, events: Iterable[EventOut]) -> None:
        """Count a committed transaction's events (Database's on_commit, before they go out)."""
        for event in events:
            key = (event.kind, event.center_id)
            child = self._events.get(key)
            if child is None:
                counter = self._counted.get(event.kind)
                if counter is None:
                    continue
                child = self._events[key] = counter.labels(str(event.center_id))
            child.inc()

    def print_failed(self, printer: str) -> None:
        """A printing attempt failed (server.printing); `printer` is the place's name in the
        settings (a kiosk's name, "desk"), at most a few per center."""
        self.print_failures.labels(printer).inc()

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        key = (method, route, status)
        child = self._timers.get(key)
        if child is None:
            child = self._timers[key] = self.latency.labels(method, route, str(status))
        child.observe(seconds)

    def close(self) -> None:
        """At the process's end: with several processes, its gauge's file goes (the sum is of
        the processes alive); its counters stay in the sum, as counters do."""
        if os.environ.get(MULTIPROCESS_DIR):
            mark_process_dead(os.getpid())

    def exposition(self, waiting: list[tuple[int, int, str, int]]) -> bytes:
        """The text a scrape gets: this process's figures (or every process's), then the
        queue lengths read for this scrape."""
        if os.environ.get(MULTIPROCESS_DIR):
            registry = CollectorRegistry()
            MultiProcessCollector(registry)
            counted = generate_latest(registry)
        else:
            counted = generate_latest(self.registry)
        return counted + generate_latest(_Waiting(waiting))  # type: ignore[arg-type]


class _Waiting:
    """The queue lengths read for one scrape, as a collector prometheus_client can write."""

    def __init__(self, rows: list[tuple[int, int, str, int]]) -> None:
        self.rows = rows

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "motcua_queue_waiting", "Citizens waiting now, per active category, on the center's service day",
            labels=["center", "category", "prefix"],
        )  # fmt: skip
        for center, category, prefix, count in self.rows:
            family.add_metric([str(center), str(category), prefix], count)
        yield family


def queue_lengths(session: Session, now: datetime) -> list[tuple[int, int, str, int]]:
    """(center, category, prefix, waiting) for every active category of every center: one
    grouped count over the waiting tickets' index (ix_ticket_queue), whatever the queues' size."""
    days = {center.id: queue.service_day(center, now) for center in session.exec(select(Center)).scalars()}  # type: ignore[call-overload]
    counts: dict[int, int] = {}
    if days:
        rows = session.execute(
            select(Ticket.center_id, Ticket.service_day, Ticket.category_id, func.count())
            .where(col(Ticket.service_day).in_(set(days.values())), Ticket.state == TicketState.waiting)
            .group_by(Ticket.center_id, Ticket.service_day, Ticket.category_id)
        )
        counts = {category: n for center, day, category, n in rows if days.get(center) == day}
    categories = session.execute(
        select(Category.center_id, Category.id, Category.prefix).where(col(Category.active)).order_by(Category.center_id, Category.id)
    )
    return [(center, category, prefix, counts.get(category, 0)) for center, category, prefix in categories]


class RequestMetrics:
    """ASGI middleware: each HTTP request's time into the histogram, and the open websockets.

    Plain ASGI, not BaseHTTPMiddleware (like server.security_headers): one wrapped `send` per
    request and two clock readings."""

    def __init__(self, app: ASGIApp, metrics: Metrics, routes: list) -> None:
        self.app = app
        self.metrics = metrics
        self.route_of = RouteNames(routes)  # the app's routes
        self.route_of.read()

    async def __call__(self, scope: Scope, receive: Callable, send: Callable) -> None:
        kind = scope["type"]
        if kind == "websocket":
            self.metrics.websockets.inc()
            try:
                await self.app(scope, receive, send)
            finally:
                self.metrics.websockets.dec()
            return
        if kind != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # unless an answer starts: an error the server's outer handler answers

        async def timed(message: dict) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, timed)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "other"
            self.metrics.observe(method, self.route_of(scope), status, time.perf_counter() - start)


class RouteNames:
    """Each route's full path template, by what the router leaves in the request's scope: a
    FastAPI route itself (as declared in its router, without the prefix it was included
    under), a plain Starlette route or mount only its endpoint (the issuing route, /docs'
    files). Read from the app's routes when the middleware stack is built (at the start-up
    event, the app's first call: every route is there by then), or else at the first request."""

    def __init__(self, routes: list) -> None:
        self.routes = routes
        self._names: dict[int, str] | None = None

    def read(self) -> None:
        """Read the routes now (at start-up: 10-50 ms that the first request should not wait)."""
        self._names = self._read()

    def _read(self) -> dict[int, str]:
        names: dict[int, str] = {}
        try:
            from fastapi.routing import iter_route_contexts  # FastAPI 0.16x: routers included in place
        except ImportError:  # before: included routes are copies, with their full path
            contexts = [(route, getattr(route, "path", None)) for route in self.routes]
        else:
            contexts = [(context.original_route, context.path) for context in iter_route_contexts(self.routes)]
        for route, path in contexts:
            if isinstance(path, str):
                names[id(route)] = path
                endpoint = getattr(route, "endpoint", None) or getattr(route, "app", None)
                names.setdefault(id(endpoint), path)
        return names

    def __call__(self, scope: Scope) -> str:
        """The template of the route that answered, or "unmatched"."""
        names = self._names
        if names is None:
            names = self._names = self._read()
        route = scope.get("route")
        if route is None:
            route = scope.get("endpoint")
        return names.get(id(route), UNMATCHED) if route is not None else UNMATCHED


def _allowed(request: Request) -> None:
    """Only with the metrics token (MOTCUA_METRICS_TOKEN) as a bearer token; without the
    setting, /metrics is not there (404): see the README."""
    token = request.app.state.settings.metrics_token
    if token is None:
        raise HTTPException(404)
    presented = request.headers.get("authorization", "")
    scheme, _, value = presented.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), token.get_secret_value().encode()):
        raise Unauthorized("unauthorized")


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """The counts in Prometheus's text format, for a scraper holding the metrics token."""
    _allowed(request)
    now = request.app.state.clock()
    waiting = await request.app.state.db.reading(lambda session: queue_lengths(session, now))
    body = request.app.state.metrics.exposition(waiting)
    return Response(body, media_type=TEXT_FORMAT, headers={"Cache-Control": "no-store"})
