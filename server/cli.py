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
