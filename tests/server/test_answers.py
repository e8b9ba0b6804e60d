"""What the API answers to inputs it cannot take, against a live server: ids past any row
(2^63 overflowed SQLite's driver: a 500), undeclared methods (405 with Allow), unreadable
bodies; and what /openapi.json says it answers."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from server.app import create_app
from server.ids import MAX_ID
from server.settings import Settings
from server_process import ServerProcess

HUGE = 2**63  # one past SQLite's INTEGER


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[ServerProcess]:
    proc = ServerProcess(tmp_path_factory.mktemp("answers") / "answers.db").start()
    yield proc
    proc.stop()


@pytest.fixture(scope="module")
def schema(server: ServerProcess) -> dict[str, Any]:
    return httpx.get(f"{server.url}/openapi.json").json()


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].split("/")[-1]]
    return node


def _integers(schema: dict[str, Any], node: dict[str, Any], path: tuple) -> Iterator[tuple[tuple, dict]]:
    """Every integer in a request body's schema: (where, its schema)."""
    node = _resolve(schema, node)
    for option in node.get("anyOf", []) + node.get("allOf", []):
        yield from _integers(schema, option, path)
    if node.get("type") == "integer":
        yield path, node
    for name, sub in node.get("properties", {}).items():
        yield from _integers(schema, sub, (*path, name))
    if "items" in node:
        yield from _integers(schema, node["items"], (*path, 0))


def integer_inputs(schema: dict[str, Any]) -> Iterator[tuple[str, str, str, tuple, dict]]:
    """(method, path, where: path/query/body, the input's place, its schema), every operation."""
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                for _, node in _integers(schema, parameter["schema"], ()):
                    yield method, path, parameter["in"], (parameter["name"],), node
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                for where, node in _integers(schema, body["schema"], ()):
                    yield method, path, "body", where, node


def _nest(where: tuple, value: object) -> object:
    for part in reversed(where):
        value = [value] if part == 0 else {part: value}
    return value


def test_every_integer_input_is_bounded_in_the_schema() -> None:
    schema = create_app(Settings(database_url="sqlite://")).openapi()
    unbounded = [
        (method, path, where)
        for method, path, _, where, node in integer_inputs(schema)
        if "enum" not in node and node.get("maximum", HUGE) > MAX_ID
    ]
    assert unbounded == []


def test_an_id_past_any_row_is_refused_naming_its_field(server: ServerProcess, schema: dict[str, Any]) -> None:
    # The center's admin, then a province account (creating a center), then the print agent's routes.
    tokens = {kind: {"Authorization": f"Bearer {server.token(kind)}"} for kind in ("admin", "province", "print_agent")}
    inputs = list(integer_inputs(schema))
    assert len(inputs) > 60  # the walk found the API's ids
    refused_badly = []  # (operation, input, status): each should be a 422 naming the input in words
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for method, path, place, where, node in inputs:
            if "enum" in node:  # a choice: refused as one (paper widths)
                continue
            url = path
            for name in [p.strip("{}") for p in path.split("/") if p.startswith("{")]:
                url = url.replace(f"{{{name}}}", str(HUGE) if (place, where) == ("path", (name,)) else "1")
            params = {where[0]: HUGE} if place == "query" else None
            body = _nest(where, HUGE) if place == "body" else None
            for headers in tokens.values():
                answer = http.request(method, url, params=params, json=body, headers=headers)
                if answer.status_code != 403:  # the print agent's routes: the admin may not
                    break
            errors = answer.json().get("errors", []) if answer.status_code == 422 else []
            said = next((e["message"] for e in errors if e["loc"][0] == place and e["loc"][-1] == where[-1]), None)
            # In words, field first: "Trung tâm: không được quá 2147483647", not "center_id: ...".
            label, most = str(where[-1]), int(node.get("maximum", -1))
            if (
                said is None
                or not said["vi"].endswith(f"không được quá {most}") or said["vi"].startswith(label)
                or not said["en"].endswith(f"must be at most {most}") or said["en"].startswith(label)
            ):  # fmt: skip
                refused_badly.append((f"{method.upper()} {path}", ".".join(map(str, (place, *where))), answer.status_code, said))
    assert refused_badly == []


def test_an_undeclared_method_answers_405_with_allow(server: ServerProcess) -> None:
    answer = httpx.delete(f"{server.url}/api/v1/centers")
    assert answer.status_code == 405
    assert answer.headers["allow"] == "GET"
    assert answer.json()["code"] == "method_not_allowed"
    assert answer.json()["message"]["vi"] == "Địa chỉ này không nhận phương thức DELETE; chỉ nhận: GET."


def test_an_unreadable_body_answers_400_in_both_languages(server: ServerProcess) -> None:
    staff = {"Authorization": f"Bearer {server.token('staff')}", "Content-Type": "application/json"}
    answer = httpx.post(f"{server.url}/api/v1/counters/1/claim", content=b"\xc9\x9c\xff", headers=staff)
    assert answer.status_code == 400
    assert answer.json() == {
        "code": "unreadable_body",
        "message": {
            "vi": "Không đọc được nội dung gửi lên (cần JSON hợp lệ, mã hóa UTF-8).",
            "en": "The request's body could not be read (it must be valid JSON, in UTF-8).",
        },
    }
