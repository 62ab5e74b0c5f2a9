"""Settings from the environment (see the configuration table in the README)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from storage.db import database_url

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


@dataclass(frozen=True)
class Settings:
    telegram_bot_token: str | None = field(repr=False)
    telegram_api_url: str
    database_url: str
    admin_telegram_ids: frozenset[int]

    @classmethod
    def from_env(cls) -> Settings:
        raw_ids = os.environ.get("ADMIN_TELEGRAM_IDS", "")
        try:
            ids = frozenset(int(part) for part in raw_ids.replace(" ", "").split(",") if part)
        except ValueError:
            raise ConfigError(
                "ADMIN_TELEGRAM_IDS must be Telegram user ids separated by commas, e.g. 123,456"
            ) from None
        api_url = (os.environ.get("TELEGRAM_API_URL") or DEFAULT_TELEGRAM_API_URL).rstrip("/")
        try:
            parsed = urlsplit(api_url)
            valid = (
                parsed.scheme in ("http", "https") and bool(parsed.hostname) and parsed.port != 0
            )
        except ValueError:
            valid = False
        if not valid:
            raise ConfigError(
                "TELEGRAM_API_URL must be an http(s) address, e.g. https://api.telegram.org"
            )
        return cls(
            telegram_bot_token=os.environ.get("TELEGRAM_BOT_TOKEN") or None,
            telegram_api_url=api_url,
            database_url=database_url(),
            admin_telegram_ids=ids,
        )
