"""`deploy/install.sh --service` into a temporary root (MOTCUA_ROOT), then run again as an upgrade.

What runs for real: the installer script itself, the user check, the code copied to opt/motcua,
the plain installer there (Debian packages already present, the voice clips), the settings
file, `motcua migrate` and its admin password, the `motcua` wrapper, the units (checked by
`systemd-analyze verify` when it is there), and the server started from its unit's own
ExecStart, EnvironmentFile and WorkingDirectory. What does not: systemd itself (a shim on the
PATH records what systemctl was asked), creating the system user (the test's own user is
named, which exists), and pip: the .venv in opt/motcua is made here in a second from this
one's packages, with the installer's stamp, so the installer finds it up to date.
"""

import hashlib
import os
import re
import shlex
import sqlite3
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command

from server.db import make_engine, migrating
from server_process import free_port, poll

REPO = Path(__file__).resolve().parents[2]
SHIM = '#!/bin/sh\n# stands in for systemctl: records what it is asked\necho "$*" >> "$SYSTEMCTL_LOG"\n'


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """A temporary root whose opt/motcua/.venv is ready: this environment's packages, the
    code of opt/motcua itself (as an editable install would), and the stamp of a finished one."""
    root = tmp_path / "root"
    venv = root / "opt/motcua/.venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin/python"
    site = Path(subprocess.check_output([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], text=True).strip())
    (site / "motcua_test.pth").write_text(f"{root / 'opt/motcua'}\n{sysconfig.get_path('purelib')}\n")
    script = venv / "bin/motcua"
    script.write_text(f"#!{python}\nimport sys\nfrom server.cli import app\nsys.exit(app())\n")
    script.chmod(0o755)
    digest = hashlib.sha256((REPO / "pyproject.toml").read_bytes()).hexdigest()
    (venv / ".motcua-installed").write_text(f"{digest} all\n")
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "systemctl").write_text(SHIM)
    (shims / "systemctl").chmod(0o755)
    return root


def install(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("MOTCUA_")}
    env.update(
        PATH=f"{root.parent / 'shims'}:{env['PATH']}",
        SYSTEMCTL_LOG=str(root.parent / "systemctl.log"),
        MOTCUA_ROOT=str(root),
        MOTCUA_SERVICE_USER=os.environ.get("USER") or subprocess.check_output(["id", "-un"], text=True).strip(),
        MOTCUA_EXTRAS="all",
    )
    return subprocess.run(
        ["bash", str(REPO / "deploy/install.sh"), "--service", *args],
        env=env, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )  # fmt: skip


def systemctl_calls(root: Path) -> list[str]:
    log = root.parent / "systemctl.log"
    return log.read_text().splitlines() if log.exists() else []


def unit_settings(unit: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in unit.read_text().splitlines() if re.match(r"^[A-Z]\w*=", line))


def env_file(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


@pytest.fixture
def unit_server(root: Path) -> Iterator:
    """Start the server the way systemd would from the installed unit; stopped afterwards."""
    started: list[subprocess.Popen] = []

    def start() -> tuple[str, Callable[[], None]]:
        unit = unit_settings(root / "etc/systemd/system/motcua-server.service")
        env = {key: value for key, value in os.environ.items() if not key.startswith("MOTCUA_")}
        env.update(env_file(Path(unit["EnvironmentFile"])))
        argv = [re.sub(r"\$\{(\w+)\}", lambda m: env[m[1]], word) for word in shlex.split(unit["ExecStart"])]
        proc = subprocess.Popen(argv, cwd=unit["WorkingDirectory"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(proc)
        url = f"http://127.0.0.1:{env['MOTCUA_PORT']}"

        def up() -> bool:
            assert proc.poll() is None, "the server exited"
            try:
                return httpx.get(f"{url}/kiosk").status_code == 200
            except httpx.TransportError:
                return False

        poll(up, "the server from its unit answering")

        def stop() -> None:
            proc.terminate()
            proc.wait(timeout=30)

        return url, stop

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


def sign_in(url: str, password: str) -> int:
    return httpx.post(f"{url}/api/v1/auth/login", json={"username": "admin", "password": password}).status_code


def test_install_as_a_service_then_upgrade_in_place(root, unit_server):
    port = free_port()
    first = install(root, "--public-url", "http://10.20.30.40:8123", "--port", str(port), "--display", "--kiosk")
    assert first.returncode == 0, first.stdout + first.stderr

    # The admin password, shown once.
    password = re.search(r"as admin, password: (\S+)", first.stdout)
    assert password, first.stdout
    password = password[1]

    # The settings file: the public address, the port, the database under var/lib.
    settings_file = root / "etc/motcua/motcua.env"
    settings = env_file(settings_file)
    assert settings["MOTCUA_PUBLIC_URL"] == "http://10.20.30.40:8123"
    assert settings["MOTCUA_PORT"] == str(port)
    database = root / "var/lib/motcua/motcua.db"
    assert settings["MOTCUA_DATABASE_URL"] == f"sqlite:///{database}"
    assert settings_file.stat().st_mode & 0o777 == 0o640
    assert password not in settings_file.read_text()

    # The units, with this installation's paths; systemd asked to load, enable and start them.
    server_unit = root / "etc/systemd/system/motcua-server.service"
    unit = unit_settings(server_unit)
    assert unit["ExecStart"] == f"{root}/opt/motcua/.venv/bin/motcua serve --host ${{MOTCUA_HOST}} --port ${{MOTCUA_PORT}}"
    assert unit["EnvironmentFile"] == str(settings_file)
    display_unit = root / "etc/systemd/user/motcua-display.service"
    kiosk_unit = root / "etc/systemd/user/motcua-kiosk.service"
    assert f"ExecStart={root}/opt/motcua/.venv/bin/motcua display" in display_unit.read_text()
    assert f"Environment=MOTCUA_SERVER=http://127.0.0.1:{port}" in kiosk_unit.read_text()
    assert f"ExecStart={root}/opt/motcua/deploy/kiosk-launcher.sh" in kiosk_unit.read_text()
    assert systemctl_calls(root)[-4:] == [
        "enable motcua-server motcua-backup.timer",
        "restart motcua-server motcua-backup.timer",
        "--global enable motcua-display",
        "--global enable motcua-kiosk",
    ]
    # systemd-analyze: Debian's systemd package (deploy/packages.txt); it needs no running systemd.
    runtime = root.parent / "runtime"  # what a user manager would have
    runtime.mkdir(mode=0o700)
    units = [*(root / "etc/systemd/system").glob("motcua-backup.*"), server_unit, display_unit, kiosk_unit]
    assert len(units) == 5
    for path in units:
        user = ["--user"] if "user" in path.parts else []
        verify = subprocess.run(
            ["systemd-analyze", "verify", *user, str(path)],
            capture_output=True, text=True, env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)},
        )  # fmt: skip
        # A setting it cannot parse is only a warning: no output at all is the pass.
        assert (verify.returncode, verify.stderr) == (0, ""), path

    # The server, started from its unit, knows the password shown.
    url, stop = unit_server()
    assert sign_in(url, password) == 200

    # `motcua` on the PATH has the service's settings: a backup of the running server.
    backup = subprocess.run([root / "usr/local/bin/motcua", "backup"], capture_output=True, text=True, env={"PATH": os.environ["PATH"]})
    assert backup.returncode == 0, backup.stderr
    assert f"backup: {root}/var/lib/motcua/backups/motcua-" in backup.stdout

    # --- run again: an upgrade in place --------------------------------------------------------
    stop()  # what `systemctl stop` does on the box
    engine = make_engine(f"sqlite:///{database}")
    with migrating(engine) as (config, conn):
        head = conn.exec_driver_sql("select version_num from alembic_version").scalar_one()
        command.downgrade(config, "-1")  # as a database left by the previous version
    engine.dispose()
    stale = root / "opt/motcua/server/gone_in_this_version.py"
    stale.write_text("")
    settings_before = settings_file.read_bytes()
    calls_before = len(systemctl_calls(root))

    again = install(root)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "as admin, password" not in again.stdout
    assert "password are unchanged" in again.stdout
    assert settings_file.read_bytes() == settings_before
    with sqlite3.connect(database) as raw:
        assert raw.execute("select version_num from alembic_version").fetchone() == (head,)
    assert not stale.exists()
    assert list((root / "var/lib/motcua/backups").glob("before-upgrade-*.db"))
    calls = systemctl_calls(root)[calls_before:]
    assert calls.index("stop motcua-server") < calls.index("restart motcua-server motcua-backup.timer")
    assert "--global enable motcua-display" in calls  # kept without being asked again

    url, _ = unit_server()
    assert sign_in(url, password) == 200
