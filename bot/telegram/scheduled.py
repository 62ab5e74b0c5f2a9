"""Scheduled messages through Telegram: the dispatcher's channel. The bot's own retries (429,
5xx, network) run first; what remains becomes the dispatcher's exceptions."""

from __future__ import annotations

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.scheduling.dispatcher import MayHaveArrived, Outgoing, Refused, TryLater, Unreachable
from bot.telegram.callbacks import MenuCb
from bot.telegram.render import esc


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
        try:
            sent = await self.bot.send_message(
                int(message.external_id), esc(message.text), reply_markup=keyboard
            )
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
