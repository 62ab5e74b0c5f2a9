"""Long polling that loses no update, even to kill -9.

Telegram forgets an update once a later getUpdates confirms it (its `offset`). Here each batch
is written to the database (table `updates`) before that happens, and each update is marked
handled in the transaction that handles it. So an update is either handled, or kept and not
yet handled; on start, those are handled first. A redelivered update is skipped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import timedelta
from functools import partial
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramUnauthorizedError
from aiogram.methods import GetUpdates
from aiogram.types import Update
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.telegram.middlewares import CHANNEL
from storage.db import Database
from storage.models import utcnow
from storage.repository import Repository

log = logging.getLogger(__name__)
KEEP_HANDLED = timedelta(days=2)
"""How long a handled update's id is kept to recognise a redelivery (Telegram redelivers
only what was not confirmed, within a day)."""
PRUNE_EVERY = 3600.0


class Poller:
    def __init__(
        self,
        bot: Bot,
        dispatcher: Dispatcher,
        database: Database,
        context: dict[str, Any],
        *,
        timeout: int = 30,
        allowed_updates: list[str] | None = None,
    ) -> None:
        self.bot = bot
        self.dispatcher = dispatcher
        self.database = database
        self.context = context
        self.timeout = timeout
        self.allowed_updates = allowed_updates
        self.handling: set[asyncio.Task[Any]] = set()
        self.stopping = asyncio.Event()
        self.pruned_at = -PRUNE_EVERY

    async def run(self) -> None:
        """Handle what a previous run kept and did not handle, then poll until `stop()`."""
        await self.recover()
        offset: int | None = None
        failures = 0
        while not self.stopping.is_set():
            try:
                updates = await self._fetch(offset)
                if updates:
                    await self.database.run(partial(self._keep, updates=updates))
            except TelegramUnauthorizedError:
                raise  # the token was revoked: nothing will work until it is replaced
            except Exception as e:  # Telegram, the network or the database: try again later
                failures += 1
                wait = getattr(e, "retry_after", None) or min(30.0, 0.5 * 2 ** min(failures, 6))
                log.warning("polling failed (%s); again in %.1f s", type(e).__name__, wait)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stopping.wait(), wait)
                continue
            failures = 0
            for update in updates:
                self._handle(update)
            if updates:
                offset = updates[-1].update_id + 1
            await self._prune()

    async def _prune(self) -> None:
        """Now and then, forget old handled update ids and wrong join codes."""
        if time.monotonic() - self.pruned_at < PRUNE_EVERY:
            return
        self.pruned_at = time.monotonic()
        await prune(self.database)

    async def _fetch(self, offset: int | None) -> list[Update]:
        """The next updates (waiting up to `timeout`), or none once stopping."""
        method = GetUpdates(
            offset=offset, timeout=self.timeout, allowed_updates=self.allowed_updates
        )
        fetch = asyncio.ensure_future(self.bot(method, request_timeout=self.timeout + 30))
        stop = asyncio.ensure_future(self.stopping.wait())
        try:
            done, _ = await asyncio.wait({fetch, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not fetch.done():  # stopping: what it would bring stays unconfirmed at Telegram
                fetch.cancel()
                fetch.add_done_callback(_consume)
        return fetch.result() if fetch in done else []

    @staticmethod
    async def _keep(session: AsyncSession, *, updates: list[Update]) -> None:
        kept = [
            (u.update_id, storable(u.model_dump(mode="json", exclude_unset=True, by_alias=True)))
            for u in updates
        ]
        await Repository(session).receive_updates(CHANNEL, kept)

    async def recover(self) -> None:
        pending = await self.database.run(
            lambda session: Repository(session).pending_updates(CHANNEL)
        )
        if pending:
            log.info("handling %d update(s) received before the last stop", len(pending))
        for payload in pending:
            try:
                update = Update.model_validate(payload, context={"bot": self.bot})
            except ValidationError:  # kept by an older version, say: never let it block a start
                log.warning("update %s cannot be read any more; dropped", payload.get("update_id"))
                await self.database.run(
                    lambda session, p=payload: Repository(session).claim_update(
                        CHANNEL, int(p.get("update_id", 0))
                    )
                )
                continue
            self._handle(update)

    def _handle(self, update: Update) -> None:
        task = asyncio.create_task(self._feed(update))
        self.handling.add(task)
        task.add_done_callback(self.handling.discard)

    async def _feed(self, update: Update) -> None:
        try:
            await self.dispatcher.feed_update(self.bot, update, **self.context)
        except Exception:  # the middlewares handle failures; this is the last guard
            log.exception("update %s failed", update.update_id)

    async def stop(self, grace: float = 10.0) -> None:
        """Stop fetching and let updates being handled finish (what doesn't is handled at the
        next start)."""
        self.stopping.set()
        if self.handling:
            await asyncio.wait(set(self.handling), timeout=grace)


async def prune(database: Database) -> None:
    """Forget handled update ids and wrong join codes once they no longer matter (a failure
    is only logged: it will be tried again)."""
    now = utcnow()
    try:
        await database.run(
            lambda session: Repository(session).prune(now - KEEP_HANDLED, now - timedelta(days=1))
        )
    except Exception as error:
        log.warning("pruning failed: %s", type(error).__name__)


def storable(value: Any) -> Any:
    """The update's JSON without NUL characters, which PostgreSQL refuses in JSON (one such
    message must not stop the bot from keeping any update at all)."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {key: storable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [storable(item) for item in value]
    return value


def _consume(future: asyncio.Future[Any]) -> None:
    """Retrieve the outcome of a request abandoned on stop, so it is not reported as lost."""
    if not future.cancelled():
        future.exception()
