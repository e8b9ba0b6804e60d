"""Schemathesis over the whole /openapi.json of a live server, once for each kind of caller.

Every operation gets schema-made and schema-breaking requests (boundary values, wrong types,
huge ids, undeclared methods); each answer must not be a 5xx, must be a status the schema
documents for that operation, with the documented body, content type and headers, and a 405
must say what it allows. Against a real `motcua serve` (not in-process ASGI): the same uvicorn,
routing and error handlers a kiosk or a browser meets, over real TCP.

Each role runs the operations it may use (the written policy of test_authorization.py) and the
public ones; nobody (no credential) runs them all, so every operation's 401 and its undeclared
methods are tried too. Bounded in time: `EXAMPLES` generated requests an operation and role
besides the boundary cases, deterministic generation (the same requests every run: CI stays
stable). The admin and the province account go last: their runs revoke devices and edit
accounts, which would only turn the other roles' runs into 401s.
"""

import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from server_process import ServerProcess
from test_authorization import MAY, POLICY

SCHEMATHESIS = str(Path(sys.executable).with_name("schemathesis"))
EXAMPLES = 5  # per operation and role, besides the boundary cases: 200 s in all at load 10 on 2 cores
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",  # every status answered is documented
        "response_schema_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "unsupported_method",  # an undeclared method answers 405 with Allow
    )
)  # Not positive_data_acceptance: the schema cannot state every rule (a working Saturday must be a
# Saturday, a rating comes by token or by counter), so a request it admits may be a documented 422.
# Every kind of caller (server.auth.ROLE_PERMISSIONS) and nobody; the admin last (see above).
# The province account after the admin: it may disable the center's admin too.
ROLES = ("anonymous", "kiosk", "display", "print_agent", "rating", "staff", "leader", "admin", "province")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("fuzz") / "fuzz.db").prepare()
    proc.start()
    # Something to find: tickets waiting, one called, so ids 1..n lead somewhere.
    staff = {"Authorization": f"Bearer {proc.token('staff')}"}
    with httpx.Client(base_url=proc.url, headers=staff, timeout=30) as http:
        for category in (1, 1, 2, 3):
            assert http.post("/api/v1/tickets", json={"category_id": category}).status_code == 201
        assert http.post("/api/v1/counters/1/claim").status_code == 200
        assert http.post("/api/v1/counters/1/call-next").status_code == 200
    yield proc
    proc.stop()


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_documented(server: ServerProcess, role: str, tmp_path: Path) -> None:
    token = None if role == "anonymous" else server.token(role)
    if token is None:
        headers, selected = [], []
    else:
        headers = ["-H", f"Authorization: Bearer {token}"]
        may = [name for name, need in POLICY.items() if need == "public" or role in MAY[need]]
        selected = [option for name in may for option in ("--include-name", name)]
    run = subprocess.run(
        [
            SCHEMATHESIS, "run", f"{server.url}/openapi.json", *headers, *selected,
            "--checks", CHECKS,
            "--phases", "examples,coverage,fuzzing",
            "--max-examples", str(EXAMPLES),
            "--generation-deterministic",
            "--no-shrink",
            "--workers", "1",
            "--no-color",
            "--report-dir", str(tmp_path),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,  # no report or cache left in the checkout
    )  # fmt: skip
    assert run.returncode == 0, f"schemathesis as {role}:\n{run.stdout[-20000:]}\n{run.stderr[-2000:]}"
    tested = re.search(r"Selected: (\d+)/(\d+)\s+Tested: (\d+)", run.stdout)
    assert tested is not None, run.stdout
    chosen, everything, done = map(int, tested.groups())
    assert done == chosen == (everything if role == "anonymous" else len(selected) // 2), run.stdout
    if token is not None:  # the run did not lock itself out (a password reset of its own account)
        assert httpx.get(f"{server.url}/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
