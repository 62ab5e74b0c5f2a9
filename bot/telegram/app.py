"""Build the aiogram bot and dispatcher, and run them by long polling."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, ErrorEvent
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import texts
from bot.config import Settings
from bot.telegram.middlewares import OnePerPerson, Person, Transaction
from bot.telegram.participant import JoinGuard, build_group_router, build_router
from bot.telegram.render import esc
from bot.telegram.retry import RetryTransient
from bot.telegram.sending import Sender
from dialogs.i18n import SOURCE_LANGUAGE, available_languages, pick_language, translator
from dialogs.loader import load_flows
from storage import db

log = logging.getLogger(__name__)


class RedactToken(logging.Filter):
    """Replace the bot token wherever it would appear in a log line."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), None
        if record.exc_info and record.exc_info[1] is not None:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_info, record.exc_text = None, text.replace(self.token, "<token>")
        return True


def protect_logs(token: str) -> None:
    redact = RedactToken(token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)
    logging.getLogger().addFilter(redact)


def create_bot(settings: Settings) -> Bot:
    assert settings.telegram_bot_token
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    session.middleware(RetryTransient())
    return Bot(
        settings.telegram_bot_token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def create_dispatcher(
    sessions: async_sessionmaker[AsyncSession], guard: JoinGuard | None = None
) -> Dispatcher:
    flows = load_flows()
    dispatcher = Dispatcher()
    dispatcher.update.outer_middleware(OnePerPerson())
    dispatcher.update.outer_middleware(Transaction(sessions, flows))
    dispatcher.update.outer_middleware(Person())
    dispatcher.include_router(build_group_router())
    dispatcher.include_router(build_router(Sender(), guard))

    @dispatcher.errors()
    async def on_error(event: ErrorEvent, bot: Bot) -> None:
        log.exception("update %s failed", event.update.update_id, exc_info=event.exception)
        chat = _chat_of(event)
        if chat is None:
            return
        user = event.update.event.from_user if hasattr(event.update.event, "from_user") else None
        tr = translator(pick_language(getattr(user, "language_code", None)))
        try:
            await bot.send_message(chat, esc(tr(texts.ERROR)))
        except Exception:  # the person is told when possible; never a second failure
            log.warning("could not tell chat %s about the error", chat)

    return dispatcher


def _chat_of(event: ErrorEvent) -> int | None:
    update: Any = event.update
    if update.message:
        return int(update.message.chat.id)
    if update.callback_query and update.callback_query.message:
        return int(update.callback_query.message.chat.id)
    return None


async def register_commands(bot: Bot) -> None:
    """The command menu, in each language (Telegram picks by the user's app language)."""
    scope = BotCommandScopeAllPrivateChats()
    for language in available_languages():
        tr = translator(language)
        commands = [
            BotCommand(command=name, description=tr(text)) for name, text in texts.COMMANDS.items()
        ]
        code = None if language == SOURCE_LANGUAGE else language
        await bot.set_my_commands(commands, scope=scope, language_code=code)


async def run_polling(settings: Settings, *, polling_timeout: int = 30) -> None:
    """Run the bot until stopped; the database is upgraded first when it is SQLite."""
    assert settings.telegram_bot_token
    protect_logs(settings.telegram_bot_token)
    if db.is_sqlite(settings.database_url):
        await asyncio.to_thread(db.upgrade, settings.database_url)
    engine = db.create_engine(settings.database_url)
    bot = create_bot(settings)
    try:
        dispatcher = create_dispatcher(db.session_factory(engine))
        await bot.delete_webhook(drop_pending_updates=False)
        await register_commands(bot)
        await dispatcher.start_polling(bot, polling_timeout=polling_timeout, handle_signals=True)
    finally:
        await bot.session.close()
        await engine.dispose()


class PollingBot:
    """The bot polling in this process, started and stopped like a process would be."""

    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        guard: JoinGuard | None = None,
    ) -> None:
        self.bot = create_bot(settings)
        self.dispatcher = create_dispatcher(sessions, guard)
        self.task: asyncio.Task[None] | None = None

    async def start(self, polling_timeout: int = 10) -> None:
        await register_commands(self.bot)
        self.task = asyncio.create_task(
            self.dispatcher.start_polling(
                self.bot, polling_timeout=polling_timeout, handle_signals=False
            )
        )

    async def stop(self) -> None:
        if self.task is not None:
            with contextlib.suppress(RuntimeError):
                await self.dispatcher.stop_polling()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self.task, 10)
        await self.bot.session.close()
