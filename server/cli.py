"""The `motcua` command. Imports are inside commands, so a display PC without the server
extras can still run its own subcommands."""

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
) -> None:
    """Run the queue server (migrates the database on start)."""
    import uvicorn

    from server.app import create_app
    from server.settings import Settings

    overrides: dict[str, object] = {}
    if database_url is not None:
        overrides["database_url"] = database_url
    if demo:
        overrides["demo"] = True
    settings = Settings(**overrides)  # type: ignore[arg-type]
    typer.echo(f"motcua: http://{host}:{port}  database: {settings.database_url}")
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info", access_log=False)


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
    role: Annotated[str, typer.Option(help="admin, leader or staff")] = "staff",
    center: Annotated[str | None, typer.Option(help="center code; none: every center")] = None,
    full_name: Annotated[str, typer.Option(help="Họ và tên")] = "",
    password_stdin: Annotated[bool, typer.Option(help="read the password from stdin")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Add a staff account; prints a random password unless --password-stdin."""
    from server import auth, queue
    from server.models import Role

    if role not in Role.__members__:
        raise typer.BadParameter("role must be admin, leader or staff")
    password, generated = _password(password_stdin)
    with _database(database_url).write() as session:
        center_id = _center_id(session, center)
        _run(lambda: auth.create_user(session, queue.system_clock(), username, password, Role(role), center_id, full_name))
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
    kind: Annotated[str, typer.Option(help="kiosk, display or print_agent")] = "kiosk",
    center: Annotated[str, typer.Option(help="center code")] = "DEMO",
    database_url: DatabaseOption = None,
) -> None:
    """Register a device; prints its token once."""
    from server import auth, queue
    from server.models import DeviceKind

    if kind not in DeviceKind.__members__:
        raise typer.BadParameter("kind must be kiosk, display or print_agent")
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
