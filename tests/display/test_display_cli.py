"""The display's settings: the token never on a command line, ticket numbers read as the center
chooses, the systemd unit as shipped."""

import logging
import subprocess
from pathlib import Path

import pytest

from display.app import DisplayConfig
from display.cli import TICKET_DIGITS_ENV, TOKEN_ENV, TOKEN_FILE_ENV, TokenError, env_choice, make_announcer, resolve_token

UNIT = Path(__file__).resolve().parents[2] / "deploy" / "motcua-display.service"


def test_the_token_comes_from_the_environment_or_a_file(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    secret = tmp_path / "display-token"
    secret.write_text("tok-from-file\n", "utf-8")
    with caplog.at_level(logging.WARNING, "motcua.display"):
        assert resolve_token(None, {TOKEN_FILE_ENV: str(secret)}) == "tok-from-file"
        assert resolve_token(None, {TOKEN_ENV: " tok-env ", TOKEN_FILE_ENV: str(secret)}) == "tok-env"
        assert resolve_token(None, {}) is None
    assert caplog.records == []
    with caplog.at_level(logging.WARNING, "motcua.display"):
        assert resolve_token("tok-cli", {TOKEN_ENV: "tok-env"}) == "tok-cli"  # still works...
    assert ["visible to every user in ps" in r.getMessage() for r in caplog.records] == [True]  # ...warned
    with pytest.raises(TokenError, match="cannot read"):
        resolve_token(None, {TOKEN_FILE_ENV: str(tmp_path / "missing")})
    (tmp_path / "empty").write_text("\n", "utf-8")
    with pytest.raises(TokenError, match="empty"):
        resolve_token(None, {TOKEN_FILE_ENV: str(tmp_path / "empty")})


def test_the_systemd_unit_keeps_the_token_off_the_command_line() -> None:
    unit = UNIT.read_text("utf-8")
    start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert "--token" not in start and "TOKEN" not in start
    assert f"Environment={TOKEN_FILE_ENV}=%h/.config/motcua/display-token" in unit
    # How ticket numbers are read is the center's setting: the unit as shipped does not override it.
    assert not any(line.startswith(f"Environment={TICKET_DIGITS_ENV}") for line in unit.splitlines())
    assert f"#Environment={TICKET_DIGITS_ENV}=1" in unit
    verify = subprocess.run(["systemd-analyze", "--user", "verify", str(UNIT)], capture_output=True, text=True)
    assert "Unknown key" not in verify.stderr and "Invalid" not in verify.stderr, verify.stderr


def test_ticket_digits_is_the_centers_unless_the_display_overrides_it(tmp_path: Path) -> None:
    assert env_choice(TICKET_DIGITS_ENV, {TICKET_DIGITS_ENV: "1"}) is True
    assert env_choice(TICKET_DIGITS_ENV, {TICKET_DIGITS_ENV: " off"}) is False  # numbers, whatever the center says
    assert env_choice(TICKET_DIGITS_ENV, {}) is None and env_choice(TICKET_DIGITS_ENV, {TICKET_DIGITS_ENV: ""}) is None
    assert make_announcer(DisplayConfig(voice_dir=tmp_path, ticket_digits=True)).ticket_digits
    assert not make_announcer(DisplayConfig(voice_dir=tmp_path)).ticket_digits  # until the center says
