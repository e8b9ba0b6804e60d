"""The FastAPI application: `create_app()` wires settings, database, event hub and routers."""

from collections.abc import AsyncIterator
import asyncio
import logging
import time
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from server import api_docs, auth, demo, health, invalid, kiosk_pages, metrics, queue, revocation, ws
from server import dossiers as dossiers_domain
from server.api import audit, centers, counters, devices, dossiers, officers, printing, ratings, reports, session, staffing, tickets
from server.api.security import PrincipalCache, RateLimiter
from server.db import DRIVER_ERRORS, Database, database_fault, make_engine, migrate, starting_alone
from server.errors import DomainError, ServiceBusy, TooManyRequests
from server.events import Hub
from server.limits import BodyLimit, WebsocketCaps
from server.listener import Listener
from server.presence import Presence
from server.messages import render
from server.printing import Printing, resolve_places
from server.security_headers import SecurityHeaders
from server.settings import Settings
from server.throttle import SignInThrottle
from server.web import apology, pages
from server.api import admin
from server.api.answers import answers

log = logging.getLogger("motcua")


def _error(status: int, code: str, message: object, **extra: object) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, **extra}, status_code=status)


def _install_error_handlers(app: FastAPI) -> None:
    """Every error a client sees is {"code", "message": {"vi", "en"}}; never a stack trace."""

    @app.exception_handler(DomainError)
    async def domain_error(_: Request, exc: DomainError) -> JSONResponse:
        response = _error(exc.status, exc.code, exc.message)
        if isinstance(exc, (TooManyRequests, ServiceBusy)):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_input(_: Request, exc: RequestValidationError) -> JSONResponse:
        # Each error names its field and says why, in Vietnamese and English (server.invalid).
        errors = [
            {
                "loc": list(e.get("loc", ())),
                "msg": e.get("msg", ""),
                "type": e.get("type", ""),
                "field": invalid.field_of(list(e.get("loc", ()))),
                "message": invalid.explain(dict(e)),
            }
            for e in exc.errors()
        ]
        message = invalid.summary([e["message"] for e in errors])
        return _error(422, "invalid_input", message, errors=jsonable_encoder(errors))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own answers, in our words; their headers kept (405's Allow, RFC 9110).
        if exc.status_code == 404:
            response = _error(404, "not_found", render("not_found"))
        elif exc.status_code == 405:
            allowed = (exc.headers or {}).get("Allow", "")
            response = _error(405, "method_not_allowed", render("method_not_allowed", method=request.method, allowed=allowed))
        elif exc.status_code == 400:  # FastAPI: a body it could not decode
            response = _error(400, "unreadable_body", render("unreadable_body"))
        else:
            response = _error(exc.status_code, "http_error", render("http_error", status=exc.status_code))
        response.headers.update(exc.headers or {})
        return response

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(_: Request, exc: PoolTimeout) -> JSONResponse:
        # By construction every reading thread has its connection (server.db); should the pool
        # still run dry, say so at once rather than a bare 500.
        response = _error(503, "server_busy", render("server_busy"))
        response.headers["Retry-After"] = "1"
        return response

    async def database_error(request: Request, exc: Exception) -> JSONResponse:
        # Database routes raise DatabaseUnavailable (server.db); a read outside them that meets
        # a busy, full, read-only or failing database is answered the same way.
        fault = database_fault(exc)
        if fault is None:
            log.error("motcua: database error", exc_info=exc)
            return _error(500, "internal_error", render("internal_error"))
        return await domain_error(request, fault)

    for driver_error in DRIVER_ERRORS:  # SQLAlchemy's wrapper, and each driver's own errors
        app.add_exception_handler(driver_error, database_error)

    @app.exception_handler(Exception)
    async def internal_error(_: Request, exc: Exception) -> JSONResponse:
        # The server log gets the traceback (uvicorn logs what this handler re-raises).
        return _error(500, "internal_error", render("internal_error"))


async def _purge_hourly(app: FastAPI) -> None:
    """Blank the personal data of closed dossiers past their retention, every hour, even on
    days nobody changes a dossier (each change also purges first: server.dossiers)."""
    while True:
        await asyncio.sleep(3600)
        try:
            await app.state.db.run(lambda session: len(dossiers_domain.purge_due(session, app.state.clock())))
        except Exception:  # the next hour tries again; a stop cancels this task
            log.exception("motcua: purging dossiers' personal data failed")


def create_app(settings: Settings | None = None, clock: queue.Clock = queue.system_clock) -> FastAPI:
    """The server. Nothing happens at import: the database opens in the lifespan."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A connection for every thread that reads: the reading threads and each printer's worker.
        engine = make_engine(settings.database_url, readers=settings.read_threads + len(settings.printers))
        migrate(engine)
        app.state.health = health.Health(engine)

        # SQLite: one process, which publishes its events after each commit. Elsewhere
        # (PostgreSQL, perhaps several processes) every event reaches the hub through the
        # listener, whichever process wrote it (server.listener).
        sqlite = engine.dialect.name == "sqlite"
        listening = None if sqlite else Listener(engine, app.state.hub.publish)

        def committed(events: list) -> None:
            app.state.metrics.count_events(events)
            if sqlite:
                app.state.hub.publish(events)

        app.state.db = Database(
            engine,
            on_commit=committed,
            readers=settings.read_threads,
            read_queue=settings.read_queue_limit,
            lock_wait=settings.database_lock_wait_seconds,
        )
        with app.state.db.read() as db_session:
            # A printer naming no kiosk stops the server here (PrinterSettingsError says why).
            printers, warnings = resolve_places(db_session, settings.printers)
        for warning in warnings:
            log.warning("motcua: %s", warning)
        if settings.printers and not settings.public_url:
            log.warning(
                "motcua: MOTCUA_PUBLIC_URL is not set: the QR codes on tickets open the address each kiosk "
                "reaches this server at; set it to the address phones on the center's network use "
                "(like http://192.168.1.10:8000)"
            )
        app.state.printing = Printing(settings, app.state.db, clock, printers)
        app.state.printing.on_failed = app.state.metrics.print_failed
        tokens: dict[str, str] = {}
        with app.state.db.write() as db_session:
            starting_alone(db_session)  # another process starting on the same database seeds first
            center = demo.seed(db_session) if settings.demo else None
            if center is not None:
                tokens = demo.ensure_devices(db_session, clock(), center)
            password = auth.ensure_first_admin(db_session, clock())
            if center is not None and settings.demo_dossiers:  # received by the first admin, so after it exists
                demo.seed_dossiers(db_session, clock(), center)
            if center is not None:
                demo.seed_ratings(db_session, clock(), center)  # on the demo's done tickets, if any
            dossiers_domain.purge_due(db_session, clock())  # personal data past its retention
        for kind, token in tokens.items():
            log.warning("motcua: demo %s token (shown once): %s", kind, token)
        if password is not None:
            # Shown once, on the very first start; only its argon2 hash is kept.
            log.warning("motcua: first start: sign in as 'admin' with password %s (change it: motcua user passwd admin)", password)
        if listening is not None:
            listening.start()
        app.state.printing.start()  # jobs left unprinted by the last run resume
        purging = asyncio.create_task(_purge_hourly(app))
        watching = asyncio.create_task(revocation.watch(app, settings.revocation_check_seconds))
        try:
            yield
        finally:
            purging.cancel()
            watching.cancel()
            app.state.printing.close()
            if listening is not None:
                listening.close()
            app.state.db.close()
            engine.dispose()
            app.state.metrics.close()

    app = FastAPI(
        title="motcua",
        summary="Hệ thống xếp hàng lấy số một cửa / One-stop-shop queue tickets",
        version="0.1.0",
        lifespan=lifespan,
        responses=answers(429, 503),  # any route: too many connections, a saturated server (server.api.answers)
        # No OpenTelemetry collector in a center (offline first); its per-request checks
        # cost a measurable share of issuing a ticket.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
        docs_url=None,  # served from local files (server/api_docs.py), not a CDN
        redoc_url=None,
    )
    app.add_middleware(SecurityHeaders)
    app.state.settings = settings
    app.state.clock = clock
    app.state.hub = Hub(settings.event_queue_size)
    app.state.metrics = metrics.Metrics()
    app.state.presence = Presence()
    _install_error_handlers(app)
    app.state.principals = PrincipalCache()
    app.state.issue_limiter = RateLimiter(settings.issue_rate_per_minute, 60)
    # Waits in seconds from a steady clock, or from the clock a test moves by hand.
    app.state.login_throttle = SignInThrottle(settings, time.monotonic if clock is queue.system_clock else lambda: clock().timestamp())
    # The busiest request first, as a plain route (see tickets.issue_ticket_route).
    app.router.routes.append(
        Route("/api/v1/tickets", tickets.issue_ticket_route, methods=["POST"], include_in_schema=False)
    )
    # Outside the routes, so the plain issuing route above is capped too (server/limits.py).
    app.add_middleware(BodyLimit, default=settings.body_max_bytes, by_path=settings.body_max_bytes_by_path)
    # Inside the websocket caps: a websocket refused there is not counted open (server.metrics).
    app.add_middleware(metrics.RequestMetrics, metrics=app.state.metrics, routes=app.router.routes)
    app.add_middleware(WebsocketCaps, per_address=settings.websockets_per_address, total=settings.websockets_total)
    for module in (centers, tickets, counters, printing, session, audit, officers, devices, dossiers, reports, ratings, staffing):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(ws.router)
    app.include_router(health.router)  # /healthz
    app.include_router(metrics.router)  # /metrics
    ws.quiet_connection_lines()
    app.include_router(admin.router, prefix="/api/v1")
    app.include_router(pages.router)  # /console, /admin
    app.include_router(apology.router)  # /dossiers/{id}/apology, for staff
    app.include_router(kiosk_pages.router)  # /kiosk, /t/{token}
    api_docs.install(app)  # /docs
    return app
