"""Server settings: one pydantic-settings class, read from MOTCUA_* environment variables."""

import difflib
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from printer.urls import parse_printer_url

PAPER_WIDTHS = {384: "58 mm", 576: "80 mm"}


class PrinterConfig(BaseModel):
    """One ticket printer: where it is (printer/urls.py), its paper, and how it prints.

    A mistake here stops the server with a message naming the key and the fix: a printer
    that silently does nothing is worse (the kiosk would tell citizens to take a ticket)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="tcp://10.0.0.5:9100, usb://0x0416:0x5011, serial:///dev/ttyUSB0, file:///dev/usb/lp0")
    width_dots: int = 576  # 58 mm (384) or 80 mm (576) paper
    mode: str = "image"  # text: for printers that cannot print images
    # The counters (by number, as the wall display and the paper show them) whose appointment
    # slips print here: a printer at the counter, or the entrance desk's in a small center.
    counters: list[Annotated[int, Field(ge=1, le=999)]] = Field(default=[], max_length=100)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = list(cls.model_fields)
            for key in data:
                if key not in known:
                    close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.5)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    raise ValueError(f"unknown key {key!r}: {hint}a printer takes {', '.join(known)}")
        return data

    @field_validator("url")
    @classmethod
    def _valid_url(cls, url: str) -> str:
        if not url.startswith("agent://"):
            parse_printer_url(url)  # its ValueError says what is wrong and shows examples
        return url.strip()

    @field_validator("width_dots")
    @classmethod
    def _supported_width(cls, width: int) -> int:
        if width not in PAPER_WIDTHS:
            raise ValueError(f"width_dots {width} is not supported: use 384 (58 mm paper) or 576 (80 mm paper)")
        return width

    @field_validator("mode")
    @classmethod
    def _known_mode(cls, mode: str) -> str:
        if mode not in ("image", "text"):
            raise ValueError(f"mode {mode!r} is not supported: use image, or text for printers that cannot print images")
        return mode


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTCUA_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./motcua.db"
    timezone: str = "Asia/Ho_Chi_Minh"
    # A reconnecting client that missed more events than this gets a fresh snapshot instead.
    event_replay_limit: int = 1000
    # Per websocket client; a client that falls this far behind is dropped and resyncs.
    event_queue_size: int = 1000
    demo: bool = False
    # With `demo`: a few dossiers in each state too (received on past days, so today's
    # numbers still start at 1). The test suite's servers leave them out (tests/server_process.py).
    demo_dossiers: bool = True
    # Threads that run database reads (each holds a connection only while it reads), and how
    # many reads may wait for one before the server answers 503 at once instead of queueing.
    # One by default: with SQLite a read is interpreter work, and more threads only take turns
    # on the interpreter lock with the event loop that every request goes through (a ticket
    # issued among 1,200 concurrent reads took 2.5-3.3 s with four, 0.8-0.9 s with one).
    read_threads: int = Field(default=1, ge=1, le=64)
    read_queue_limit: int = Field(default=2000, ge=1)
    # How long a write waits for the database lock while another program holds it (a backup,
    # `sqlite3` at a prompt) before it answers 503 database_busy with Retry-After: a kiosk's
    # tap should hear "try again" in seconds, not hang. The wait is never on the event loop,
    # so reads go on meanwhile.
    database_lock_wait_seconds: float = Field(default=2, gt=0, le=60)
    # Where citizens' phones reach the server, like http://192.168.1.10:8000: the QR code on the
    # kiosk's screen and on the paper opens {public_url}/t/{token}. Unset, each kiosk's own
    # address for the server is used (and the server warns at start-up).
    public_url: str | None = None
    # Ticket printers by the name of the kiosk device they hang on, or "desk" for the entrance
    # desk; a printer with `counters` prints those counters' appointment slips and may have any
    # name. As JSON: MOTCUA_PRINTERS='{"desk": {"url": "tcp://10.0.0.5:9100", "width_dots": 576}}'
    printers: dict[str, PrinterConfig] = {}
    # A job not printed this long after the ticket was issued is not printed late (the citizen
    # has gone on with the number on screen): it ends "expired", for staff to reprint on request.
    print_max_age_minutes: float = Field(default=10, gt=0)
    # A failing printer is tried again after 1, 2, 4, ... seconds, at most this far apart.
    print_retry_max_seconds: float = Field(default=10, gt=0)
    # Tickets one kiosk may issue per minute (a stuck touchscreen or a prankster).
    issue_rate_per_minute: int = 30
    # Sign-in throttling (server/throttle.py): wrong passwords cost nothing up to these counts,
    # per address (a center's NAT is one address for all its staff) and per user name; each
    # one after that doubles the wait before the next try (1, 2, 4 ... seconds) up to the
    # longest, short enough for an officer to wait out. Failures are forgotten after the quiet
    # time; the counts kept in memory are capped. A browser where the officer signed in before
    # is spared both (its own failures are counted instead, like a name's).
    login_free_failures_per_address: int = Field(default=10, ge=1)
    login_free_failures_per_name: int = Field(default=5, ge=1)
    login_longest_wait_seconds: float = Field(default=30, gt=0)
    login_forget_after_seconds: float = Field(default=900, gt=0)
    login_throttle_keys: int = Field(default=10_000, ge=100)
    # How often the server looks for revocations made outside it (the command line, another
    # server process): a revoked token stops working, and its open streams close, this soon.
    revocation_check_seconds: float = Field(default=1.0, gt=0)
    # Set when the server is reached over HTTPS, so the session cookie is never sent in clear.
    secure_cookies: bool = False
    # The bearer token a Prometheus scraper presents to read /metrics (server/metrics.py);
    # unset, /metrics is not served (404). Long and random: `openssl rand -hex 32`.
    metrics_token: SecretStr | None = Field(default=None, min_length=16)
    # Limits against a hostile or broken network (server/limits.py). A client's request head
    # (request line and headers) must be complete this long after it connects or starts its
    # next request; a slow-header client holding sockets open is closed after it.
    header_timeout_seconds: float = Field(default=10, gt=0)
    # Open connections (HTTP and websocket) from one address, and in all: a center has ~20
    # devices, possibly behind one NAT, each with a few connections; the total stays under the
    # process's open-file limit (`motcua serve` lowers it to fit and says so).
    connections_per_address: int = Field(default=256, ge=1)
    connections_total: int = Field(default=8000, ge=1)
    # Open websockets from one address, and in all: a display, a kiosk or a console each
    # holds one; citizens' phones on the center's Wi-Fi may share one address.
    websockets_per_address: int = Field(default=200, ge=1)
    websockets_total: int = Field(default=6000, ge=1)
    # Request bodies are refused (413) beyond this many bytes, before they are read: every
    # route's body is a small JSON document. A route that needs more (an upload, if one is
    # ever added) gets its own cap here by path prefix, like {"/api/v1/admin/import": 10485760}.
    body_max_bytes: int = Field(default=64 * 1024, ge=1)
    body_max_bytes_by_path: dict[str, Annotated[int, Field(ge=1)]] = {}

    @field_validator("printers")
    @classmethod
    def _one_printer_per_counter(cls, printers: dict[str, PrinterConfig]) -> dict[str, PrinterConfig]:
        seen: dict[int, str] = {}
        for place, config in printers.items():
            for number in config.counters:
                if number in seen:
                    raise ValueError(
                        f"counter {number} is in the counters of both {seen[number]!r} and {place!r}: "
                        "a counter's slips print on one printer"
                    )
                seen[number] = place
        return printers

    @field_validator("public_url")
    @classmethod
    def _absolute(cls, url: str | None) -> str | None:
        if url is None or not url.strip():
            return None
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"public_url {url!r} must start with http:// or https://, like http://192.168.1.10:8000")
        return url.strip().rstrip("/")
