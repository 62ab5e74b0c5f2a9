"""Scheduled messages through Telegram: the dispatcher's channel. The bot's own retries (429,
5xx, network) run first; what remains becomes the dispatcher's exceptions."""

from __future__ import annotations

import asyncio

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import BufferedInputFile, InlineKeyboardButton, InlineKeyboardMarkup

from bot.scheduling.dispatcher import PER_CHAT, MayHaveArrived, Refused, TryLater, Unreachable
from bot.scheduling.messages import Outgoing
from bot.telegram.callbacks import MenuCb
from bot.telegram.render import esc
from bot.telegram.sending import DRAWING


class TelegramChannel:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, message: Outgoing) -> str | None:
        keyboard = None
        if message.resume is not None and message.button:
            territory, flow = message.resume
            button = InlineKeyboardButton(
                text=message.button, callback_data=MenuCb(territory=territory, flow=flow).pack()
            )
            keyboard = InlineKeyboardMarkup(inline_keyboard=[[button]])
        chat = int(message.external_id)
        texts = [message.text, *message.more]
        if not message.html:
            texts = [esc(text) for text in texts]
        try:
            sent = await self.bot.send_message(chat, texts[0], reply_markup=keyboard)
            if message.picture is not None:  # drawn off the event loop, as replies' charts
                image = await asyncio.get_running_loop().run_in_executor(DRAWING, message.picture)
                await asyncio.sleep(PER_CHAT)  # one message a second per chat, as Telegram asks
                await self.bot.send_photo(
                    chat, BufferedInputFile(image, "chart.png"), caption=message.caption or None
                )
            for more in texts[1:]:
                await asyncio.sleep(PER_CHAT)
                await self.bot.send_message(chat, more)
        except TelegramForbiddenError as error:
            raise Unreachable(error.message) from None
        except TelegramBadRequest as error:
            raise Refused(error.message) from None
        except TelegramNetworkError as error:
            if isinstance(error.__cause__, TimeoutError):
                raise MayHaveArrived(error.message) from None
            raise TryLater(error.message) from None
        except (TelegramServerError, TelegramRetryAfter) as error:
            raise TryLater(error.message) from None
        return str(sent.message_id)
