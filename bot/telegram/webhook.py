"""Webhook mode (`sse-facilitator serve`): Telegram POSTs each update to this worker, which
answers only once the update is handled and stored; identical workers share one database.

Why answer after handling, not before (aiogram's `SimpleRequestHandler` answers first when
`handle_in_background` is on, its default): Telegram sends a chat's next update only after the
previous one was answered, so answering after handling keeps each person's updates in order,
across workers; and an update whose worker dies before storing it is never answered, so
Telegram delivers it again, to any worker, and nothing is lost. Telegram waits up to 60 s for
an answer; an update takes milliseconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from urllib.parse import urlsplit

from aiogram.types import Update
from aiohttp import web
from pydantic import ValidationError

from bot.config import Settings
from bot.telegram.app import (
    DISPATCHER,
    REQUEST_TIMEOUT,
    UPDATE_TYPES,
    BotError,
    BotProcess,
    open_database,
    protect_logs,
    wait_for_stop,
)
from bot.telegram.polling import PRUNE_EVERY, prune
from storage import db

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SHUTDOWN_GRACE = 30.0
"""Seconds that updates being handled get to finish when the worker stops."""
MAX_CONNECTIONS = 40
"""Telegram's connections to the webhook at once (its default); each is one update."""
HEALTH_TIMEOUT = 3.0
"""Seconds the database gets to answer a health check."""


class WebhookBot(BotProcess):
    """A worker: serves Telegram's POSTs and `/healthz` over HTTP; sends scheduled messages
    when it leads (see `bot/scheduling/runner.py`)."""

    def __init__(
        self,
        settings: Settings,
        database: db.Database,
        *,
        webhook_url: str,
        secret: str,
        request_timeout: float = REQUEST_TIMEOUT,
        scheduled_messages: bool = True,
    ) -> None:
        super().__init__(
            settings,
            database,
            request_timeout=request_timeout,
            scheduled_messages=scheduled_messages,
        )
        self.webhook_url = webhook_url
        self.secret = secret
        self.runner: web.AppRunner | None = None
        self.pruning: asyncio.Task[None] | None = None
        self.handler_context: dict[str, object] = {}

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post(urlsplit(self.webhook_url).path or "/", self.receive)
        app.router.add_get("/healthz", self.healthz)
        return app

    async def start(self, host: str, port: int) -> None:
        """Check Telegram, listen, then ask Telegram to send updates here."""
        self.handler_context = self.context(await self.prepare())
        self.runner = web.AppRunner(self.app(), shutdown_timeout=SHUTDOWN_GRACE, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, host, port).start()
        await self.bot.set_webhook(  # every worker does it at start: the same call each time
            self.webhook_url,
            secret_token=self.secret,
            allowed_updates=UPDATE_TYPES,
            max_connections=MAX_CONNECTIONS,
            drop_pending_updates=False,
        )
        if self.scheduling is not None:
            self.scheduling.start()
        self.pruning = asyncio.create_task(self._prune_hourly())

    async def receive(self, request: web.Request) -> web.Response:
        """One update: 401 without the secret (nothing read), 400 if it is not an update, 200
        once it is handled (a redelivered one is recognised and skipped)."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret.encode()):
            return web.Response(status=401, text="wrong or missing secret token")
        try:
            update = Update.model_validate(await request.json(), context={"bot": self.bot})
        except (ValueError, ValidationError):  # not JSON, or JSON that is no update
            return web.Response(status=400, text="not a Telegram update")
        try:
            await DISPATCHER.feed_update(self.bot, update, **self.handler_context)
        except Exception:  # the middlewares handle failures; this is the last guard
            log.exception("update %s failed", update.update_id)
        return web.Response(status=200)

    async def healthz(self, _: web.Request) -> web.Response:
        """200 when this worker can use the database; 503 when it cannot."""
        if await self.database.reachable(HEALTH_TIMEOUT):
            return web.Response(text="ok")
        return web.Response(status=503, text="database unreachable")

    async def _prune_hourly(self) -> None:
        while True:
            await prune(self.database)
            await asyncio.sleep(PRUNE_EVERY)

    async def stop(self) -> None:
        """Stop listening; updates being handled finish (up to `SHUTDOWN_GRACE`); the webhook
        stays set, for the other workers."""
        if self.runner is not None:
            await self.runner.cleanup()
        if self.pruning is not None:
            self.pruning.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.pruning
        await self.close()


async def run_webhook(
    settings: Settings, *, host: str, port: int, webhook_url: str, secret: str
) -> None:
    """Serve until SIGINT/SIGTERM. The database must answer and be current (an SQLite file
    is upgraded); raises `BotError` with one clear line when the worker cannot start."""
    assert settings.telegram_bot_token
    protect_logs(settings.telegram_bot_token)
    protect_logs(secret)
    for noisy in ("aiogram.event", "alembic"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    database = await open_database(settings.database_url)
    worker = WebhookBot(settings, database, webhook_url=webhook_url, secret=secret)
    try:
        try:
            await worker.start(host, port)
        except OSError as error:  # the port is taken, or the host is not this machine's
            raise BotError(f"cannot listen on {host}:{port}: {error.strerror}") from None
        log.info("serving updates on %s:%d; stop with Ctrl+C", host, port)
        await wait_for_stop(asyncio.Event().wait())  # a worker serves until it is signalled
    finally:
        await worker.stop()
        await database.dispose()
