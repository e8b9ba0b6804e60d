"""Server settings: one pydantic-settings class, read from MOTCUA_* environment variables."""

from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PrinterConfig(BaseModel):
    """One ticket printer: where it is (printer/urls.py), its paper, and how it prints."""

    url: str = Field(description="tcp://10.0.0.5:9100, usb://0x0416:0x5011, serial:///dev/ttyUSB0, file:///dev/usb/lp0")
    width_dots: Literal[384, 576] = 576  # 58 mm or 80 mm paper
    mode: Literal["image", "text"] = "image"  # text: for printers that cannot print images


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTCUA_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./motcua.db"
    timezone: str = "Asia/Ho_Chi_Minh"
    # A reconnecting client that missed more events than this gets a fresh snapshot instead.
    event_replay_limit: int = 1000
    # Per websocket client; a client that falls this far behind is dropped and resyncs.
    event_queue_size: int = 1000
    demo: bool = False
    # Threads that run database reads (each holds a connection only while it reads), and how
    # many reads may wait for one before the server answers 503 at once instead of queueing.
    # One by default: with SQLite a read is interpreter work, and more threads only take turns
    # on the interpreter lock with the event loop that every request goes through (a ticket
    # issued among 1,200 concurrent reads took 2.5-3.3 s with four, 0.8-0.9 s with one).
    read_threads: int = Field(default=1, ge=1, le=64)
    read_queue_limit: int = Field(default=2000, ge=1)
    # Where citizens' phones reach the server: the QR code on a ticket opens {public_url}/t/{token}.
    public_url: str = "http://127.0.0.1:8000"
    # Ticket printers by the name of the kiosk device they hang on, or "desk" for the entrance
    # desk. As JSON: MOTCUA_PRINTERS='{"desk": {"url": "tcp://10.0.0.5:9100", "width_dots": 576}}'
    printers: dict[str, PrinterConfig] = {}
    print_attempts: int = 3
    # Tickets one kiosk may issue per minute (a stuck touchscreen or a prankster).
    issue_rate_per_minute: int = 30
    # Sign-in attempts per username, and per address, in 5 minutes.
    login_attempts_per_5_minutes: int = 10
    # Set when the server is reached over HTTPS, so the session cookie is never sent in clear.
    secure_cookies: bool = False
