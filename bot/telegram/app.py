"""Build the aiogram bot and dispatcher, and run them by long polling."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import signal
from collections.abc import Coroutine
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram import methods as telegram_methods
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import (
    ClientDecodeError,
    TelegramAPIError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramUnauthorizedError,
)
from aiogram.methods import GetMe, Response, TelegramMethod
from aiogram.types import BotCommand, BotCommandScopeAllPrivateChats, ErrorEvent

from bot import texts
from bot.config import Settings
from bot.join_guard import JoinGuard
from bot.reports.figures import BlockScores
from bot.scheduling.pacing import Pace
from bot.scheduling.runner import Scheduling
from bot.telegram import facilitator, groups, organiser, participant, switching
from bot.telegram.middlewares import OnePerPerson, Person, UnitOfWork
from bot.telegram.polling import Poller
from bot.telegram.retry import NoteSends, RetryTransient
from bot.telegram.scheduled import TelegramChannel
from bot.telegram.sending import Sender
from dialogs.i18n import SOURCE_LANGUAGE, available_languages, translator
from dialogs.loader import load_flows
from storage import db

log = logging.getLogger(__name__)
UPDATE_TYPES = ["message", "edited_message", "callback_query", "my_chat_member"]
REQUEST_TIMEOUT = 30.0
"""Seconds to wait for the Bot API; a send that times out is not sent again (it may have
arrived), see `retry.py`."""


class BotError(Exception):
    """The bot cannot start or go on; the message says why in one line (never the token)."""


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


_RESPONSE_TYPES: list[type] = []


def keep_response_types_alive() -> None:
    """aiogram reads every answer with a `Response[T]` class; pydantic keeps those generic
    classes only weakly, so after each garbage collection the next call builds them again
    (about 3 ms, a quarter of the bot's time under load). Hold one of each, once."""
    if _RESPONSE_TYPES:
        return
    for name in dir(telegram_methods):
        method = getattr(telegram_methods, name)
        if (
            isinstance(method, type)
            and issubclass(method, TelegramMethod)
            and method is not TelegramMethod
        ):
            _RESPONSE_TYPES.append(Response[method.__returning__])  # type: ignore[name-defined]


def create_bot(
    settings: Settings, request_timeout: float = REQUEST_TIMEOUT, pace: Pace | None = None
) -> Bot:
    """The Bot: Telegram's passing failures retried; with `pace`, every message noted in it."""
    assert settings.telegram_bot_token
    keep_response_types_alive()
    session = AiohttpSession(
        api=TelegramAPIServer.from_base(settings.telegram_api_url), timeout=request_timeout
    )
    session.middleware(RetryTransient())
    if pace is not None:
        session.middleware(NoteSends(pace))  # inside the retries: every attempt counts
    return Bot(
        settings.telegram_bot_token,
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def build_dispatcher() -> Dispatcher:
    """Routers and middlewares. What handlers receive by name comes with each update (see
    `PollingBot.context`): `database`, `sender`, `flows`, `guard`, `bot_link`, `organisers`;
    then, from the middlewares, `repo`, `out`, `participant`, `territory`, `role`, `tr`,
    `conversations`."""
    dispatcher = Dispatcher(disable_fsm=True)  # conversations live in the database
    dispatcher.update.outer_middleware(OnePerPerson())
    dispatcher.update.outer_middleware(UnitOfWork())
    dispatcher.update.outer_middleware(Person())
    dispatcher.include_routers(
        groups.router, facilitator.router, organiser.router, switching.router, participant.router
    )

    @dispatcher.errors()
    async def on_error(event: ErrorEvent) -> None:
        log.exception("update %s failed", event.update.update_id, exc_info=event.exception)

    return dispatcher


DISPATCHER = build_dispatcher()
"""One per process: a router belongs to one dispatcher; each bot passes its own context."""


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


async def check_telegram(bot: Bot, api_url: str) -> str:
    """The bot's link (https://t.me/<username>), or a `BotError` saying what is wrong."""
    try:  # once, without the retries of normal calls: at start, a clear answer is better
        me = await bot.session.make_request(bot, GetMe(), timeout=15)
    except (TelegramUnauthorizedError, TelegramNotFound):
        raise BotError(
            "Telegram refused the bot token: check TELEGRAM_BOT_TOKEN (from @BotFather)"
        ) from None
    except TelegramNetworkError:
        raise BotError(
            f"cannot reach the Telegram Bot API at {api_url}: check TELEGRAM_API_URL and the "
            "network"
        ) from None
    except (TelegramAPIError, ClientDecodeError):
        raise BotError(
            f"the server at {api_url} does not answer as the Telegram Bot API: check "
            "TELEGRAM_API_URL"
        ) from None
    return f"https://t.me/{me.username}"


class BotProcess:
    """What polling and webhook modes share: the bot and its pace, the scheduled messages, the
    checks at start, and what handlers receive with every update."""

    def __init__(
        self,
        settings: Settings,
        database: db.Database,
        *,
        request_timeout: float = REQUEST_TIMEOUT,
        scheduled_messages: bool = True,
    ) -> None:
        assert settings.telegram_bot_token
        self.settings = settings
        self.database = database
        self.pace = Pace()
        """Every message this process sends: scheduled ones leave room for replies."""
        self.bot = create_bot(settings, request_timeout, self.pace)
        self.scheduling = (
            Scheduling(database, TelegramChannel(self.bot), load_flows(), self.pace)
            if scheduled_messages
            else None
        )
        """Plans and sends nudges and reminders (off in tests of other things, whose clock
        would make them appear at random)."""

    async def prepare(self) -> str:
        """Check the token and the Bot API, and set the command menu; the bot's link."""
        bot_link = await check_telegram(self.bot, self.settings.telegram_api_url)
        await self.bot.me()  # cached from now on: filters read it, never a call mid-update
        await register_commands(self.bot)
        return bot_link

    def context(self, bot_link: str) -> dict[str, Any]:
        """What this bot's handlers and middlewares receive with every update."""
        assert self.settings.telegram_bot_token
        secret = hashlib.sha256(self.settings.telegram_bot_token.encode()).digest()
        return {
            "database": self.database,
            "sender": Sender(),
            "flows": load_flows(),
            "guard": JoinGuard(secret),
            "bot_link": bot_link,
            "organisers": self.settings.admin_telegram_ids,
            "scores": BlockScores(),
        }

    async def close(self) -> None:
        """No more scheduled messages (a tick under way finishes), then the Bot API session."""
        if self.scheduling is not None:
            await self.scheduling.stop()
        await self.bot.session.close()


class PollingBot(BotProcess):
    """The bot: checks, then polls until stopped; every update is kept before it is handled."""

    poller: Poller | None = None
    task: asyncio.Task[None] | None = None

    async def start(self, polling_timeout: int = 30) -> None:
        bot_link = await self.prepare()
        await self.bot.delete_webhook(drop_pending_updates=False)
        self.poller = Poller(
            self.bot,
            DISPATCHER,
            self.database,
            self.context(bot_link),
            timeout=polling_timeout,
            allowed_updates=UPDATE_TYPES,
        )
        self.task = asyncio.create_task(self.poller.run())
        if self.scheduling is not None:
            self.scheduling.start()

    async def wait(self) -> None:
        """Until polling ends: stopped, or the token was revoked (a `BotError`)."""
        assert self.task is not None
        try:
            await asyncio.shield(self.task)
        except TelegramUnauthorizedError:
            raise BotError("Telegram refused the bot token while running") from None

    async def stop(self) -> None:
        if self.poller is not None:
            await self.poller.stop()
        if self.task is not None:
            await asyncio.wait({self.task}, timeout=5)
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)
        await self.close()


async def run_polling(settings: Settings, *, polling_timeout: int = 30) -> None:
    """Run the bot until stopped (Ctrl+C or SIGTERM); the database is checked first (an SQLite
    one upgraded). Raises `BotError` with one clear line when it cannot start."""
    assert settings.telegram_bot_token
    protect_logs(settings.telegram_bot_token)
    for noisy in ("aiogram.event", "alembic"):  # a line per update, per migration step
        logging.getLogger(noisy).setLevel(logging.WARNING)
    database = await open_database(settings.database_url)
    polling = PollingBot(settings, database)
    try:
        await polling.start(polling_timeout)
        log.info("polling; stop with Ctrl+C")
        await wait_for_stop(polling.wait())
    finally:
        await polling.stop()
        await database.dispose()


async def open_database(url: str) -> db.Database:
    """The database, checked as every command checks it (`db.open_checked`: an SQLite file is
    upgraded; any database must answer and be current); else `BotError` saying what to do."""
    try:
        await db.open_checked(url)
    except db.DatabaseProblem as problem:
        raise BotError(str(problem)) from None
    return db.Database(url)


async def wait_for_stop(running: Coroutine[Any, Any, None]) -> None:
    """Until SIGINT/SIGTERM, or `running` ends by itself (its error is raised)."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    waiting = asyncio.ensure_future(running)
    stopped = asyncio.ensure_future(stop.wait())
    done, _ = await asyncio.wait({waiting, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if waiting in done:
        waiting.result()
    else:
        waiting.cancel()
