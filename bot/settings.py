"""Configuration from environment variables or a `.env` file.

Kept in one place so the CLI, the bot and the tests agree on what each variable means.
"""

from __future__ import annotations

from datetime import time
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

Language = Literal["fi", "sv", "en"]
LANGUAGES: tuple[Language, ...] = ("fi", "sv", "en")

OFFICIAL_API_BASE_URL = "https://api.telegram.org/bot"


class MissingTokenError(RuntimeError):
    """Raised when the bot is started without TELEGRAM_BOT_TOKEN."""


class Settings(BaseSettings):
    """Everything an operator may set; names match the environment variables."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    telegram_bot_token: SecretStr | None = Field(
        default=None, validation_alias="TELEGRAM_BOT_TOKEN"
    )
    telegram_api_base_url: str = Field(
        default=OFFICIAL_API_BASE_URL, validation_alias="TELEGRAM_API_BASE_URL"
    )
    bot_username: str | None = Field(default=None, validation_alias="COACHBOT_BOT_USERNAME")
    # The coaching provider's name, told to a client when their period starts [002 §3.4.2].
    provider_name: str | None = Field(
        default=None, max_length=120, validation_alias="COACHBOT_PROVIDER_NAME"
    )
    data_dir: Path = Field(default=Path("data"), validation_alias="COACHBOT_DATA_DIR")
    database_url_setting: str | None = Field(default=None, validation_alias="DATABASE_URL")
    timezone: str = Field(default="Europe/Helsinki", validation_alias="COACHBOT_TIMEZONE")
    default_language: Language = Field(default="fi", validation_alias="COACHBOT_DEFAULT_LANGUAGE")
    webhook_url: str | None = Field(default=None, validation_alias="COACHBOT_WEBHOOK_URL")
    webhook_listen: str = Field(default="127.0.0.1", validation_alias="COACHBOT_WEBHOOK_LISTEN")
    webhook_port: int = Field(default=8443, validation_alias="COACHBOT_WEBHOOK_PORT")
    webhook_secret: SecretStr | None = Field(
        default=None, validation_alias="COACHBOT_WEBHOOK_SECRET"
    )
    invite_days: int = Field(default=7, ge=1, le=90, validation_alias="COACHBOT_INVITE_DAYS")
    log_level: str = Field(default="INFO", validation_alias="COACHBOT_LOG_LEVEL")
    telegram_rate: float = Field(default=30.0, ge=0, validation_alias="COACHBOT_TELEGRAM_RATE")
    telegram_timeout: float = Field(
        default=10.0, gt=0, validation_alias="COACHBOT_TELEGRAM_TIMEOUT"
    )
    telegram_patience: float = Field(
        default=20.0, ge=0, validation_alias="COACHBOT_TELEGRAM_PATIENCE"
    )
    outbox_interval: float = Field(default=2.0, gt=0, validation_alias="COACHBOT_OUTBOX_INTERVAL")
    outbox_batch: int = Field(default=100, ge=1, validation_alias="COACHBOT_OUTBOX_BATCH")
    outbox_concurrency: int = Field(
        default=16, ge=1, validation_alias="COACHBOT_OUTBOX_CONCURRENCY"
    )
    outbox_lease: float = Field(default=60.0, gt=0, validation_alias="COACHBOT_OUTBOX_LEASE")
    quiet_hours: str = Field(default="21:00-08:00", validation_alias="COACHBOT_QUIET_HOURS")
    inbox_concurrency: int = Field(default=16, ge=1, validation_alias="COACHBOT_INBOX_CONCURRENCY")

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Settings:
        # Without Telegram's secret header anyone who finds the URL could post updates.
        if self.webhook_url and not (
            self.webhook_secret and self.webhook_secret.get_secret_value()
        ):
            raise ValueError(
                "COACHBOT_WEBHOOK_URL is set but COACHBOT_WEBHOOK_SECRET is not: webhook mode "
                "needs a secret (1-256 characters A-Z a-z 0-9 _ -), "
                "e.g. from `openssl rand -hex 32`"
            )
        return self

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone, so a typo fails at start, not at 3 a.m.
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/") if value.endswith("/bot/") else value

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours_shape(cls, value: str) -> str:
        start, _, end = value.partition("-")
        time.fromisoformat(start.strip())
        time.fromisoformat(end.strip())
        return value

    @property
    def quiet_window(self) -> tuple[time, time]:
        """Client reminders wait through this local window (caseworker alerts never do)."""
        start, _, end = self.quiet_hours.partition("-")
        return time.fromisoformat(start.strip()), time.fromisoformat(end.strip())

    @property
    def database_url(self) -> str:
        """The configured URL, or an SQLite file in the data folder."""
        if self.database_url_setting:
            return self.database_url_setting
        return f"sqlite:///{(self.data_dir / 'coachbot.sqlite3').resolve()}"

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_file_url(self) -> str:
        """Telegram serves files under /file/bot<token>; derive it from the API base URL."""
        base = self.telegram_api_base_url
        if base.endswith("/bot"):
            return base[: -len("/bot")] + "/file/bot"
        return base.rstrip("/") + "/file/bot"

    def require_token(self) -> str:
        if self.telegram_bot_token is None or not self.telegram_bot_token.get_secret_value():
            raise MissingTokenError(
                "TELEGRAM_BOT_TOKEN is not set: open Telegram, talk to @BotFather, send /newbot, "
                "and put the token it gives you in the .env file as TELEGRAM_BOT_TOKEN=... "
                "(or try `coachbot console`, which needs no token)."
            )
        return self.telegram_bot_token.get_secret_value()
