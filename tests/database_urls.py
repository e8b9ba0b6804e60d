"""Where a test's database lives: a SQLite file by default, or, with MOTCUA_TEST_DATABASE_URL
set to a PostgreSQL server's database (deploy/postgres.sh prints one), a database of its own
on that server, made for the test.

    MOTCUA_TEST_DATABASE_URL=$(bash deploy/postgres.sh start) .venv/bin/python -m pytest tests/server

A test names its database by a path, as it always has (`database_url(tmp_path / "x.db")`):
on PostgreSQL the path picks the database, so the same path is the same database for the
whole run (a restarted server finds its tickets), and a path new to the run is a new, empty
database. Most start migrated: copied from a template migrated once per set of migrations
(CREATE DATABASE ... TEMPLATE takes tens of milliseconds; migrating takes seconds).
The run's databases are dropped when it ends (tests/conftest.py).
"""

import hashlib
import os
import shutil
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.sql import Executable

SERVER = os.environ.get("MOTCUA_TEST_DATABASE_URL", "")
MIGRATIONS = Path(__file__).parent.parent / "server" / "migrations"
_made: set[str] = set()  # the databases this run made: dropped at its end
_template: str | None = None


def on_postgres() -> bool:
    """The tests run on PostgreSQL (MOTCUA_TEST_DATABASE_URL)."""
    return SERVER.startswith("postgresql")


def database_url(path: Path, migrated: bool = True) -> str:
    """The URL of the test's database named by `path`: the SQLite file itself, or a PostgreSQL
    database made the first time the run asks for it (`migrated`: with the newest schema)."""
    if not on_postgres():
        return f"sqlite:///{path}"
    name = _name(path)
    if name not in _made:
        source = _migrated_template() if migrated else "template0"
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        _made.add(name)
    return _url(name)


def copy_database(source: Path, target: Path) -> str:
    """The URL of a new database `target`, a copy of `source` (no connection may be open to
    it): a copied file, or on PostgreSQL a database made with `source` as its template."""
    if not on_postgres():
        shutil.copy(source, target)
        return f"sqlite:///{target}"
    name, template = _name(target), _name(source)
    _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    _made.add(name)
    return _url(name)


def drop(path: Path) -> None:
    """Drop the database `path` names now rather than at the run's end (a test that makes many)."""
    if on_postgres() and (name := _name(path)) in _made:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _made.discard(name)


def query(url: str, statement: "str | Executable") -> list[tuple]:
    """The rows of a statement (SQL text, or SQLAlchemy's for what dialects spell apart) on a
    test's database, read from outside the server, as an administrator would."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(statement) if isinstance(statement, str) else statement)]
    finally:
        engine.dispose()


def drop_all() -> None:
    """Drop every database this run made (servers still connected to one are cut off)."""
    if _made:
        _admin(*(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)' for name in sorted(_made)))
        _made.clear()


def _name(path: Path) -> str:
    return "motcua_t_" + hashlib.sha1(str(Path(path).absolute()).encode()).hexdigest()[:24]


def _url(database: str) -> str:
    return make_url(SERVER).set(database=database).render_as_string(hide_password=False)


def _admin(*statements: str) -> list[tuple]:
    """Run statements on the server's own database, outside a transaction (CREATE DATABASE
    refuses one); the rows of the last."""
    import psycopg

    libpq = make_url(SERVER).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(libpq, autocommit=True) as conn:
        rows: list[tuple] = []
        for statement in statements:
            cursor = conn.execute(statement)  # type: ignore[arg-type]
            rows = cursor.fetchall() if cursor.description else []
        return rows


def _migrated_template() -> str:
    """A database with every migration run, named for the migrations' text (a changed one
    makes a new template); made once, by whichever run gets there first."""
    global _template
    if _template is not None:
        return _template
    digest = hashlib.sha1()
    for file in sorted(MIGRATIONS.rglob("*.py")):
        digest.update(file.read_bytes())
    name = "motcua_template_" + digest.hexdigest()[:16]
    if not _admin(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
        from server.db import make_engine, migrate

        # Made under another name and renamed when complete: a run that dies half-way, or a
        # second run at the same moment, never copies a half-migrated template.
        partial = f"{name}_{os.getpid()}"
        _admin(f'DROP DATABASE IF EXISTS "{partial}"', f'CREATE DATABASE "{partial}" TEMPLATE template0')
        engine = make_engine(_url(partial))
        try:
            migrate(engine)
        finally:
            engine.dispose()
        try:
            _admin(f'ALTER DATABASE "{partial}" RENAME TO "{name}"')
        except Exception:
            if not _admin(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
                raise
            _admin(f'DROP DATABASE IF EXISTS "{partial}"')  # another run's template came first
    _template = name
    return name
