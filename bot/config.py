"""Settings from the environment (see the configuration table in the README)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from storage.db import UrlProblem, check_url, database_url

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
TOKEN_SHAPE = re.compile(r"\d+:[A-Za-z0-9_-]+")
WEBHOOK_SECRET_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,256}")
WEBHOOK_PORTS = (443, 80, 88, 8443)
"""The ports Telegram sends webhooks to."""


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


def webhook_secret_from_env() -> str:
    """TELEGRAM_WEBHOOK_SECRET, checked: Telegram accepts 1 to 256 letters, digits, _ and -;
    fewer than 16 would be guessable."""
    secret = (os.environ.get("TELEGRAM_WEBHOOK_SECRET") or "").strip()
    if not secret:
        raise ConfigError(
            "TELEGRAM_WEBHOOK_SECRET is not set: choose a long random one, e.g. "
            "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    if not WEBHOOK_SECRET_SHAPE.fullmatch(secret):
        raise ConfigError(
            "TELEGRAM_WEBHOOK_SECRET must be 16 to 256 letters, digits, - and _ (Telegram's "
            "rule); e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))'"
        )
    return secret


def check_webhook_url(url: str, api_url: str) -> None:
    """Raise `ConfigError` unless Telegram can send updates to `url`: https on port 443, 80,
    88 or 8443. A local Bot API server (another TELEGRAM_API_URL) may use http and any port."""
    try:
        parsed = urlsplit(url)
        port = parsed.port
    except ValueError:
        parsed, port = None, None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError("--webhook-url must be an address, e.g. https://bot.example.org/telegram")
    if api_url != DEFAULT_TELEGRAM_API_URL:
        return
    if parsed.scheme != "https":
        raise ConfigError("Telegram sends updates only to https:// addresses: fix --webhook-url")
    if port is not None and port not in WEBHOOK_PORTS:
        raise ConfigError(
            "Telegram sends updates only to ports 443, 80, 88 or 8443: fix --webhook-url"
        )


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
