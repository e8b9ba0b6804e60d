"""Server settings: one pydantic-settings class, read from MOTCUA_* environment variables."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTCUA_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///./motcua.db"
    timezone: str = "Asia/Ho_Chi_Minh"
    # A reconnecting client that missed more events than this gets a fresh snapshot instead.
    event_replay_limit: int = 1000
    # Per websocket client; a client that falls this far behind is dropped and resyncs.
    event_queue_size: int = 1000
    demo: bool = False
    # Tickets one kiosk may issue per minute (a stuck touchscreen or a prankster).
    issue_rate_per_minute: int = 30
    # Sign-in attempts per username, and per address, in 5 minutes.
    login_attempts_per_5_minutes: int = 10
    # Set when the server is reached over HTTPS, so the session cookie is never sent in clear.
    secure_cookies: bool = False
