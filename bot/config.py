"""Settings from the environment (see the configuration table in the README)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from storage.db import UrlProblem, check_url, database_url

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]+")


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def organisers_from_env() -> frozenset[int]:
    """The organisers' Telegram ids from ADMIN_TELEGRAM_IDS (comma-separated)."""
    raw_ids = os.environ.get("ADMIN_TELEGRAM_IDS", "")
    try:
        return frozenset(int(part) for part in raw_ids.replace(" ", "").split(",") if part)
    except ValueError:
        raise ConfigError(
            "ADMIN_TELEGRAM_IDS must be Telegram user ids separated by commas, e.g. 123,456"
        ) from None


@dataclass(frozen=True)
class Settings:
    telegram_bot_token: str | None = field(repr=False)
    telegram_api_url: str
    database_url: str
    admin_telegram_ids: frozenset[int]

    @classmethod
    def from_env(cls) -> Settings:
        ids = organisers_from_env()
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
        token = (os.environ.get("TELEGRAM_BOT_TOKEN") or "").strip() or None
        if token is not None and not TOKEN_SHAPE.fullmatch(token):
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN does not look like a token from @BotFather "
                "(digits, a colon, then letters, digits, - and _)"
            )
        url = database_url()
        try:
            check_url(url)
        except UrlProblem as problem:
            raise ConfigError(str(problem)) from None
        return cls(
            telegram_bot_token=token,
            telegram_api_url=api_url,
            database_url=url,
            admin_telegram_ids=ids,
        )
