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
