"""Cross-cutting work for every update: one at a time per person, a database transaction
that also records the update as processed, and the person's language and territory."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiogram import BaseMiddleware
from aiogram.exceptions import TelegramAPIError
from aiogram.types import TelegramObject, Update, User
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversations import Conversations
from dialogs.i18n import pick_language, translator
from dialogs.model import Flow
from storage.repository import Repository

log = logging.getLogger(__name__)
CHANNEL = "telegram"
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class OnePerPerson(BaseMiddleware):
    """A person's updates are handled one after the other (their presses can't race)."""

    def __init__(self) -> None:
        self.locks: dict[int, asyncio.Lock] = {}
        self.waiting: defaultdict[int, int] = defaultdict(int)

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        if user is None:
            return await handler(event, data)
        lock = self.locks.setdefault(user.id, asyncio.Lock())
        self.waiting[user.id] += 1
        try:
            async with lock:
                return await handler(event, data)
        finally:
            self.waiting[user.id] -= 1
            if not self.waiting[user.id]:  # nobody else queued: forget the lock
                del self.waiting[user.id], self.locks[user.id]


class Transaction(BaseMiddleware):
    """One database transaction per update; an update seen before is skipped.

    Handlers call `checkpoint()` after storing an answer and before replying, so an answer
    is kept even if the process stops while sending. When only the delivery of a reply
    failed (a Telegram error), what was stored is still right, so it is committed too.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession], flows: Mapping[str, Flow]):
        self.sessions = sessions
        self.flows = flows

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        async with self.sessions() as session:
            repo = Repository(session)
            if not await repo.claim_update(CHANNEL, event.update_id):
                await session.rollback()
                log.info("update %s was already processed; skipped", event.update_id)
                return None
            data["repo"] = repo
            data["conversations"] = Conversations(repo, self.flows)
            data["checkpoint"] = session.commit
            try:
                result = await handler(event, data)
            except TelegramAPIError:
                await session.commit()
                raise
            except BaseException:
                await session.rollback()
                raise
            await session.commit()
            return result


class Person(BaseMiddleware):
    """The participant (None until they agree), their territory and their language."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        repo: Repository = data["repo"]
        participant = territory = None
        if user is not None:
            found = await repo.participant(CHANNEL, str(user.id))
            if found is not None and found.consent_at is not None:
                participant = found
                memberships = await repo.memberships(found)
                territory = memberships[0].territory if memberships else None
        language = (participant.language if participant else None) or pick_language(
            user.language_code if user else None
        )
        data.update(participant=participant, territory=territory, tr=translator(language))
        return await handler(event, data)
