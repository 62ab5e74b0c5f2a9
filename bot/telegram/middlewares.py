"""Cross-cutting work for every update: one at a time per person; one short transaction that
claims the update, runs the handler and gathers its replies (done again from the start after a
passing failure); the replies, sent after the commit; the person's language and territory."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiogram import BaseMiddleware, Bot
from aiogram.types import TelegramObject, Update, User
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.conversations import Conversations
from bot.telegram.sending import Delivery, Replies, Sender
from dialogs.i18n import Translator, pick_language, translator
from dialogs.model import Flow
from storage.db import Database
from storage.repository import Repository

log = logging.getLogger(__name__)
CHANNEL = "telegram"
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]


class OnePerPerson(BaseMiddleware):
    """A person's updates are handled one after the other, in the order they arrived, in this
    process (across processes, `UnitOfWork` holds the person's lock in the database)."""

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


@dataclass(frozen=True)
class Origin:
    """Where an update came from, so that its replies (and a failure notice) can go back."""

    chat_id: int | None
    private: bool
    callback_query_id: str | None
    user: User | None

    @classmethod
    def of(cls, update: Update, user: User | None) -> Origin:
        query = update.callback_query
        message = update.message or update.edited_message
        if query is not None:
            chat = query.message.chat if query.message is not None else None
            return cls(
                chat.id if chat else None, bool(chat and chat.type == "private"), query.id, user
            )
        chat = message.chat if message is not None else None
        if chat is None and update.my_chat_member is not None:
            chat = update.my_chat_member.chat
        return cls(chat.id if chat else None, bool(chat and chat.type == "private"), None, user)

    def replies(self) -> Replies:
        return Replies(self.chat_id, self.callback_query_id)


class UnitOfWork(BaseMiddleware):
    """Store, commit, then send: the handler runs in one short transaction that first takes
    the person's lock (two workers never handle one person at once), then claims the update
    (a redelivered one is skipped, by whichever worker comes second) and gathers its replies
    in `out`; after a passing failure (database busy, connection lost, a conflict) all of it
    is done again from the start, before anything was said. Replies are sent after the
    commit, outside any transaction. A person who blocked the bot is marked unreachable."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        database: Database = data["database"]
        sender: Sender = data["sender"]
        origin = Origin.of(event, data.get("event_from_user"))
        attempt: dict[str, Any] = {}

        async def work(session: AsyncSession) -> Replies | None:
            repo = Repository(session)
            if origin.user is not None:  # another worker may hold this person's next update
                await repo.lock_person(CHANNEL, origin.user.id)
            if not await repo.claim_update(CHANNEL, event.update_id):
                return None
            out = origin.replies()
            attempt.clear()
            attempt.update(data, repo=repo, out=out)
            await handler(event, attempt)
            return out

        try:
            out = await database.run(work)
        except Exception:
            log.exception("update %s failed; nothing of it was stored", event.update_id)
            out = self._failure_notice(origin, attempt.get("tr"))
            await self._claim_failed(database, event.update_id)
        if out is None:
            log.info("update %s was handled before; skipped", event.update_id)
            return None
        bot: Bot = data["bot"]
        if await sender.deliver(bot, out) is Delivery.BLOCKED and origin.user is not None:
            await self._unreachable(database, origin.user.id)
        return None

    @staticmethod
    def _failure_notice(origin: Origin, tr: Translator | None) -> Replies:
        """Tell the person, truthfully, that what they sent was not saved."""
        if tr is None:
            tr = translator(pick_language(origin.user.language_code if origin.user else None))
        out = origin.replies()
        out.toast(tr(texts.NOT_SAVED))
        if origin.private:
            out.say(tr(texts.NOT_SAVED))
        return out

    @staticmethod
    async def _claim_failed(database: Database, update_id: int) -> None:
        """Mark a failed update handled, so it is not replayed later, after the person was
        told to try again (if even this fails, a restart will try the update once more)."""
        try:
            await database.run(
                lambda session: Repository(session).claim_update(CHANNEL, update_id), attempts=2
            )
        except Exception as error:  # the database is down: nothing more can be done now
            log.warning("could not mark update %s as handled: %s", update_id, type(error).__name__)

    @staticmethod
    async def _unreachable(database: Database, user_id: int) -> None:
        try:
            await database.run(
                lambda session: Repository(session).set_reachable(CHANNEL, str(user_id), False)
            )
        except Exception as error:
            log.warning("could not mark user as unreachable: %s", type(error).__name__)


class Person(BaseMiddleware):
    """The participant (None until they agree), their territory, role and language, and their
    conversations there."""

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user: User | None = data.get("event_from_user")
        repo: Repository = data["repo"]
        flows: Mapping[str, Flow] = data["flows"]
        found = await repo.person(CHANNEL, str(user.id)) if user is not None else None
        participant = territory = role = first_blocks = None
        if found is not None and found.participant.consent_at is not None:
            participant, territory, role = found.participant, found.territory, found.role
            first_blocks = found.first_blocks
            if participant.unreachable_at is not None:  # they write again: reachable again
                await repo.set_reachable(CHANNEL, participant.external_id, True)
        language = (participant.language if participant else None) or pick_language(
            user.language_code if user else None
        )
        conversations = (
            Conversations(repo, flows, participant, territory, first_blocks)
            if participant is not None and territory is not None
            else None
        )
        data.update(
            participant=participant,
            territory=territory,
            role=role,
            tr=translator(language),
            conversations=conversations,
        )
        return await handler(event, data)
