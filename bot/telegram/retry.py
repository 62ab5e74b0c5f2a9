"""Retry what Telegram asks to retry: 429 after `retry_after`, 5xx and network errors with a
short back-off. A send that timed out is not sent again: it may have arrived, and a message
twice is worse than a reply missing (the person's next action shows where they are). A refusal
(400, 403) is never retried. getUpdates is left to the poller."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiogram import Bot
from aiogram.client.session.middlewares.base import (
    BaseRequestMiddleware,
    NextRequestMiddlewareType,
)
from aiogram.exceptions import TelegramNetworkError, TelegramRetryAfter, TelegramServerError
from aiogram.methods import (
    GetUpdates,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendVoice,
    TelegramMethod,
)
from aiogram.methods.base import Response

from bot.scheduling.pacing import Pace

log = logging.getLogger(__name__)
SENDS = (SendMessage, SendDocument, SendPhoto, SendVoice)
"""Calls that show a message: they count in Telegram's messages-per-second limit, and done
twice (after a timeout: the first may have arrived) they would show it twice."""


class RetryTransient(BaseRequestMiddleware):
    """Up to `attempts` tries: waits of 0.5, 1, 2, 4, then 5 s between server or network
    errors (about 23 s in all), or what a 429 asks for, up to `longest_wait`."""

    def __init__(
        self,
        attempts: int = 8,
        backoff: float = 0.5,
        longest_backoff: float = 5.0,
        longest_wait: float = 60.0,
    ):
        self.attempts = attempts
        self.backoff = backoff
        self.longest_backoff = longest_backoff
        self.longest_wait = longest_wait

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        if isinstance(method, GetUpdates):
            return await make_request(bot, method)
        for attempt in range(1, self.attempts + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as exc:
                if attempt == self.attempts or exc.retry_after > self.longest_wait:
                    raise
                log.warning(
                    "%s: flood control, retrying in %s s", method.__api_method__, exc.retry_after
                )
                await asyncio.sleep(exc.retry_after)
            except (TelegramServerError, TelegramNetworkError) as exc:
                timed_out = isinstance(exc.__cause__, TimeoutError)
                if attempt == self.attempts or (timed_out and isinstance(method, SENDS)):
                    raise
                wait = min(self.backoff * 2 ** (attempt - 1), self.longest_backoff)
                log.warning(
                    "%s failed (%s), retrying in %s s",
                    method.__api_method__,
                    type(exc).__name__,
                    wait,
                )
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")


class NoteSends(BaseRequestMiddleware):
    """Notes every message sent (replies and scheduled ones) in the process's `Pace`, so that
    scheduled messages leave room for replies within Telegram's limit, and pauses them all
    when Telegram answers 429."""

    def __init__(self, pace: Pace) -> None:
        self.pace = pace

    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[Any],
        bot: Bot,
        method: TelegramMethod[Any],
    ) -> Response[Any]:
        if isinstance(method, SENDS):
            self.pace.note()
        try:
            return await make_request(bot, method)
        except TelegramRetryAfter as flood:
            self.pace.pause(flood.retry_after)  # the retries above wait for this one
            raise
