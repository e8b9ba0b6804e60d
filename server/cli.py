"""The `motcua` command. Imports are inside commands, so a display PC without the server
extras can still run its own subcommands."""

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="motcua: hệ thống xếp hàng lấy số một cửa / one-stop-shop queue tickets", no_args_is_help=True)


@app.callback()
def main() -> None:
    """motcua command line."""


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    database_url: Annotated[
        str | None, typer.Option(help="SQLAlchemy URL; default MOTCUA_DATABASE_URL or sqlite:///./motcua.db")
    ] = None,
    demo: Annotated[bool, typer.Option("--demo", help="Seed a demo commune center")] = False,
    workers: Annotated[
        int, typer.Option(min=1, max=64, help="Server processes on one port; more than 1 needs PostgreSQL")
    ] = 1,
) -> None:
    """Run the queue server (migrates the database on start)."""
    overrides: dict[str, object] = {}
    if database_url is not None:
        overrides["database_url"] = database_url
    if demo:
        overrides["demo"] = True
    settings = _settings_or_exit(overrides)
    if workers > 1 and not settings.database_url.startswith("postgresql"):
        # SQLite has one writer: a second process would only wait for its lock.
        from server.messages import render

        message = render("workers_need_postgres", workers=workers)
        typer.echo(f"motcua: {message['vi']}\nmotcua: {message['en']}", err=True)
        raise typer.Exit(2)
    _check_printers_or_exit(settings)
    typer.echo(f"motcua: http://{host}:{port}  database: {settings.database_url}" + (f"  processes: {workers}" if workers > 1 else ""))
    if workers > 1:
        _serve_processes(settings, workers, host, port)
        return
    _serve_one(settings, host, port)


def _serve_one(settings, host: str, port: int, sockets: list | None = None) -> None:  # type: ignore[no-untyped-def]
    """One server process: on its own socket, or on `sockets` it shares with others."""
    import gc

    import uvicorn

    from server.app import create_app

    app = create_app(settings)
    # What the process has made so far (modules, the app) lives as long as it: keep the
    # garbage collector from walking it again and again (full collections took 50-70 ms each
    # under load). Here and not in the app, which tests create by the hundred in one process.
    gc.collect()
    gc.freeze()
    # Collect the youngest generation after 20,000 new objects, not 700: with a hundred
    # requests in flight that made the open-loop p99 at 1,000 tickets/s 15 against 18 ms
    # (8 interleaved runs of bench/issue_tickets.py's open-loop level).
    gc.set_threshold(20_000, 20, 20)
    # uvicorn has no deadline for a request head and no cap on connections: the protocol
    # classes of server/limits.py add both (a slow-header client is closed, one address or
    # everyone over the caps gets 429). The total fits the open-file limit, raised if it can.
    from server.limits import connections_cap, protocols

    total = connections_cap(settings)
    if total < settings.connections_total:
        typer.echo(f"motcua: the open-file limit allows {total} connections (MOTCUA_CONNECTIONS_TOTAL={settings.connections_total})", err=True)
    http, ws = protocols(settings, total)
    # No proxy stands in front of a center's server: X-Forwarded-For from 127.0.0.1 (uvicorn
    # trusts it by default) would let a local client choose its address for the sign-in limit.
    # Websocket messages go uncompressed: on a center's LAN they are small, and compressing
    # each event once per client was a seventh of the server's CPU with 400 consoles
    # (bench/staff_load.py, py-spy).
    # Clients send nothing but a close over a websocket: a message of 4 KiB is plenty (uvicorn
    # buffers up to 16 MiB by default, per connection).
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        access_log=False,
        proxy_headers=False,
        ws_per_message_deflate=False,
        http=http,
        ws=ws,
        ws_max_size=4096,
    )
    server = uvicorn.Server(config) if sockets is None else _shared_socket_server()(config)
    server.run(sockets=sockets)


def _shared_socket_server():  # type: ignore[no-untyped-def]
    import uvicorn

    class SharedSocketServer(uvicorn.Server):
        """uvicorn's server on a socket shared by several processes, saying when it is ready
        (uvicorn says it only for a socket it binds itself): each process says it once."""

        async def startup(self, sockets=None) -> None:  # type: ignore[no-untyped-def]
            await super().startup(sockets=sockets)
            if sockets and self.started:
                self._log_started_message(sockets)

    return SharedSocketServer


def _serve_processes(settings, workers: int, host: str, port: int) -> None:  # type: ignore[no-untyped-def]
    """`workers` server processes accepting on one listening socket (PostgreSQL: the database
    keeps them right, server.db). This process only binds the socket, migrates the database,
    forks them and waits: a signal to stop is passed on to them, and should one of them end,
    the others are stopped too and this exits non-zero (systemd starts it all again)."""
    import os
    import signal
    import socket

    from server.db import make_engine, migrate

    listening = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listening.bind((host, port))
    except OSError as exc:
        typer.echo(f"motcua: {host}:{port}: {exc.strerror}", err=True)
        raise typer.Exit(1) from None
    listening.listen(2048)
    listening.set_inheritable(True)
    engine = make_engine(settings.database_url)
    migrate(engine)  # once, before the processes start
    engine.dispose()  # no connection crosses the fork
    children: list[int] = []
    for _ in range(workers):
        pid = os.fork()
        if pid == 0:  # a server process
            code = 0
            try:
                _serve_one(settings, host, port, sockets=[listening])
            except BaseException:
                code = 1
                raise
            finally:
                os._exit(code)
        children.append(pid)
    listening.close()
    stopping = False

    def stop(_signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            try:
                os.kill(child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    failed = False
    while children:
        pid, status = os.wait()
        children.remove(pid)
        if not stopping and status != 0:
            failed = True
            typer.echo(f"motcua: server process {pid} ended (status {status}); stopping the others", err=True)
            stop(signal.SIGTERM, None)
    raise typer.Exit(1 if failed else 0)


def _settings_or_exit(overrides: dict[str, object]):  # type: ignore[no-untyped-def]
    """The settings, or a message naming each wrong setting and its fix, and exit code 2."""
    from pydantic import ValidationError

    from server.settings import Settings

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        for error in exc.errors():
            loc = [str(part) for part in error["loc"]]
            where = f"MOTCUA_{loc[0].upper()}" + (f" [{' / '.join(repr(part) for part in loc[1:])}]" if loc[1:] else "")
            typer.echo(f"motcua: bad setting {where}: {error['msg'].removeprefix('Value error, ')}", err=True)
        raise typer.Exit(2) from None


def _check_printers_or_exit(settings) -> None:  # type: ignore[no-untyped-def]
    """Each printer names a kiosk that exists (or "desk"), before the server starts."""
    if not settings.printers:
        return
    from server.db import make_engine, migrate
    from server.printing import PrinterSettingsError, resolve_places
    from sqlmodel import Session

    engine = make_engine(settings.database_url)
    try:
        migrate(engine)
        with Session(engine) as session:
            resolve_places(session, settings.printers)  # the server logs the warnings itself
    except PrinterSettingsError as exc:
        typer.echo(f"motcua: {exc}", err=True)
        raise typer.Exit(2) from None
    finally:
        engine.dispose()


user_app = typer.Typer(help="Staff accounts / tài khoản cán bộ", no_args_is_help=True)
device_app = typer.Typer(help="Kiosks, displays, print agents / thiết bị", no_args_is_help=True)
app.add_typer(user_app, name="user")
app.add_typer(device_app, name="device")

DatabaseOption = Annotated[str | None, typer.Option(help="SQLAlchemy URL; default MOTCUA_DATABASE_URL")]


def _database(database_url: str | None):  # type: ignore[no-untyped-def]
    """The migrated database of the settings (the same one `motcua serve` uses)."""
    from server.db import Database, make_engine, migrate
    from server.settings import Settings

    settings = Settings(**({"database_url": database_url} if database_url else {}))  # type: ignore[arg-type]
    engine = make_engine(settings.database_url)
    migrate(engine)
    return Database(engine)


def _center_id(session, code: str | None) -> int | None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from server.models import Center

    if code is None:
        return None
    center_id = session.execute(select(Center.id).where(Center.code == code)).scalar_one_or_none()
    if center_id is None:
        raise typer.BadParameter(f"no center with code {code}")
    return center_id


def _run(action):  # type: ignore[no-untyped-def]
    """Domain errors as a clear message and exit code 1, not a traceback."""
    from server.errors import DomainError

    try:
        return action()
    except DomainError as exc:
        typer.echo(f"{exc.message['vi']} / {exc.message['en']}", err=True)
        raise typer.Exit(1) from None


def _password(password_stdin: bool) -> tuple[str, bool]:
    """(password, generated): read one line from stdin, or make a random one to show once."""
    import secrets
    import sys

    if password_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return secrets.token_urlsafe(12), True


@user_app.command("add")
def user_add(
    username: str,
    role: Annotated[str, typer.Option(help="admin, leader, staff, or province (with --province)")] = "staff",
    center: Annotated[str | None, typer.Option(help="center code; none: every center")] = None,
    province: Annotated[int | None, typer.Option(help="a province account's province code (official list)")] = None,
    full_name: Annotated[str, typer.Option(help="Họ và tên")] = "",
    password_stdin: Annotated[bool, typer.Option(help="read the password from stdin")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Add a staff account; prints a random password unless --password-stdin. A province
    account (--role province --province CODE) sees and administers that province's centers."""
    from server import auth, directory, queue
    from server.models import Role

    if role not in Role.__members__:
        raise typer.BadParameter("role must be admin, leader, staff or province")
    if province is not None:
        _run(lambda: directory.province_name(province))
    password, generated = _password(password_stdin)
    with _database(database_url).write() as session:
        center_id = _center_id(session, center)
        _run(
            lambda: auth.create_user(
                session, queue.system_clock(), username, password, Role(role), center_id, full_name, province_code=province
            )
        )
    typer.echo(f"user {username} ({role}) added" + (f"; password: {password}" if generated else ""))


@user_app.command("passwd")
def user_passwd(
    username: str,
    password_stdin: Annotated[bool, typer.Option(help="read the password from stdin")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Set a new password (random and printed unless --password-stdin); signs the user out."""
    from server import auth

    password, generated = _password(password_stdin)
    with _database(database_url).write() as session:
        _run(lambda: auth.set_password(session, username, password))
    typer.echo(f"password of {username} changed" + (f": {password}" if generated else ""))


@user_app.command("disable")
def user_disable(username: str, database_url: DatabaseOption = None) -> None:
    """Disable an account and end its sessions."""
    from server import auth

    with _database(database_url).write() as session:
        _run(lambda: auth.set_active(session, username, False))
    typer.echo(f"user {username} disabled")


@device_app.command("add")
def device_add(
    name: str,
    kind: Annotated[str, typer.Option(help="kiosk, display, print_agent or rating (a counter's rating screen)")] = "kiosk",
    center: Annotated[str, typer.Option(help="center code")] = "DEMO",
    database_url: DatabaseOption = None,
) -> None:
    """Register a device; prints its token once."""
    from server import auth, queue
    from server.models import DeviceKind

    if kind not in DeviceKind.__members__:
        raise typer.BadParameter("kind must be kiosk, display, print_agent or rating")
    with _database(database_url).write() as session:
        center_id = _center_id(session, center)
        device, token = _run(lambda: auth.create_device(session, queue.system_clock(), center_id, DeviceKind(kind), name))
    typer.echo(f"device {device.id} {name} ({kind}) token: {token}")


@device_app.command("revoke")
def device_revoke(device_id: int, database_url: DatabaseOption = None) -> None:
    """Revoke a device's token."""
    from server import auth

    with _database(database_url).write() as session:
        _run(lambda: auth.revoke_device(session, device_id))
    typer.echo(f"device {device_id} revoked")


@app.command("migrate")
def migrate_database(database_url: DatabaseOption = None) -> None:
    """Bring the database to this version's schema (the server does it too, at start); on a
    database with no account yet, create `admin` and print its password, once."""
    from server import auth, queue

    with _database(database_url).write() as session:
        password = auth.ensure_first_admin(session, queue.system_clock())
    typer.echo("database migrated")
    if password is not None:
        typer.echo(f"admin password (shown once): {password}")


@app.command()
def backup(
    destination: Annotated[
        Path | None,
        typer.Argument(help="the backup file; default backups/<name>-<UTC time>.db beside the database (PostgreSQL: backups/<database>-<UTC time>.dump here)"),
    ] = None,
    database_url: DatabaseOption = None,
    keep: Annotated[
        int | None, typer.Option(min=1, help="then delete all but the newest N backups of the default folder (not before-upgrade-*)")
    ] = None,
) -> None:
    """Copy the database while the server runs (SQLite's online backup, or PostgreSQL's pg_dump;
    checked before it is kept)."""
    from server import backup as backups

    if keep is not None and destination is not None:
        raise typer.BadParameter("--keep is for the default folder: leave out the file name")
    url = _settings_or_exit({"database_url": database_url} if database_url else {}).database_url
    done = _run(lambda: backups.backup(url, destination, keep))
    typer.echo(f"backup: {done.path} ({done.size} bytes, schema {done.revision})")
    for path in done.deleted:
        typer.echo(f"deleted the older backup {path}")


@app.command()
def restore(
    backup_file: Annotated[Path, typer.Argument(help="a file made by motcua backup")],
    database_url: DatabaseOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="even while something has the database open (a server that runs on keeps writing the old file)")
    ] = False,
) -> None:
    """Put a backup back in place of the database (stop the server first): the backup is
    checked first, the database it replaces is kept aside, and it is migrated to this version.
    PostgreSQL: a pg_dump file (.dump), loaded in one transaction by pg_restore and psql."""
    from server import backup as backups

    url = _settings_or_exit({"database_url": database_url} if database_url else {}).database_url
    done = _run(lambda: backups.restore(backup_file, url, force))
    typer.echo(f"restored {backup_file} into {done.path} (schema {done.revision}, now {done.head})")
    if done.kept_aside is not None:
        typer.echo(f"the database it replaced: {done.kept_aside}")


@app.command()
def display(
    server: Annotated[str, typer.Option(help="the motcua server, e.g. http://192.168.1.10:8000")] = "http://127.0.0.1:8000",
    token: Annotated[str | None, typer.Option(help="this display's device token (motcua device add --kind display)")] = None,
    windowed: Annotated[bool, typer.Option("--windowed", help="a window instead of full screen")] = False,
    center_id: Annotated[int | None, typer.Option(help="center to show; default the token's")] = None,
    language: Annotated[str, typer.Option(help="announcement language (a folder of clips)")] = "vi",
    volume: Annotated[float, typer.Option(min=0.0, max=1.0)] = 1.0,
    repeat: Annotated[int, typer.Option(min=1, max=5, help="times each call is announced")] = 2,
    voice_dir: Annotated[Path | None, typer.Option(help="voice clips folder (default var/voice)")] = None,
    notice: Annotated[str | None, typer.Option(help="scrolling notice line when the admin has set none")] = None,
) -> None:
    """Run the waiting-room wall display (needs the display extra)."""
    from display.cli import run

    run(
        server, token, windowed, center_id=center_id, language=language, volume=volume, repeat=repeat,
        voice_dir=voice_dir, notice=notice,
    )  # fmt: skip


printer_app = typer.Typer(help="Ticket printers / máy in số", no_args_is_help=True)
app.add_typer(printer_app, name="printer")


@printer_app.command("test")
def printer_test(
    url: Annotated[str, typer.Argument(help="tcp://10.0.0.5:9100, usb://0x0416:0x5011, serial:///dev/ttyUSB0, file:///dev/usb/lp0")],
    width_dots: Annotated[int, typer.Option(help="384 (58 mm) or 576 (80 mm)")] = 576,
) -> None:
    """Print a test ticket (Vietnamese text, a large number, a QR code) and report the printer's state."""
    from datetime import UTC, datetime

    from printer.connections import open_printer
    from printer.errors import PrinterError
    from printer.escpos_out import encode_ticket
    from printer.layout import TicketPrint

    try:
        transport = open_printer(url)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    sample = TicketPrint(
        center_name="In thử / Test print",
        label="A000",
        category_vi="Đăng ký khai sinh, chứng thực, Bảo hiểm y tế",
        category_en="Test page",
        issued_at=datetime.now(UTC),
        people_ahead=0,
        estimated_wait_minutes=0,
        status_url="http://127.0.0.1:8000/",
    )
    try:
        delivery = transport.send(encode_ticket(sample, width_dots))
    except PrinterError as exc:
        typer.echo(f"{exc.message['vi']} / {exc.message['en']} ({exc})", err=True)
        raise typer.Exit(1) from None
    # "sent": a printer declared ?status=none (or a device file) cannot confirm the paper came out.
    typer.echo(f"{delivery.value} on {url}; status: {transport.status()}")


@app.command("printer-agent")
def printer_agent(
    server: Annotated[str, typer.Option(help="the motcua server, e.g. http://192.168.1.10:8000")],
    token: Annotated[str, typer.Option(help="this agent's device token (motcua device add --kind print_agent)")],
    printer: Annotated[str, typer.Option(help="usb://0x0416:0x5011, serial:///dev/ttyUSB0, tcp://...")],
    state_file: Annotated[Path, typer.Option(help="where the agent remembers what it printed")] = Path(
        "~/.local/state/motcua/print-agent.json"
    ),
    width_dots: Annotated[int, typer.Option(help="384 (58 mm) or 576 (80 mm)")] = 576,
    text_mode: Annotated[bool, typer.Option("--text-mode", help="for printers that cannot print images")] = False,
) -> None:
    """Print the tickets of a kiosk on a printer attached to this PC (in the server's settings,
    that kiosk's printer is agent://<this agent's name>)."""
    import logging
    import threading

    from printer.agent import PrintAgent

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        agent = PrintAgent(server, token, printer, state_file.expanduser(), width_dots, "text" if text_mode else "image")
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    stop = threading.Event()
    try:
        agent.run(stop)
    except KeyboardInterrupt:
        stop.set()
