"""The framework's floor for bench/journey.py: a minimal aiogram bot, one reply per action."""

from __future__ import annotations

import asyncio
import logging
import os

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message


def keyboard(step: int) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(text="Next", callback_data=f"step:{step}")
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


def build_dispatcher() -> Dispatcher:
    """A message gets one new message; a press gets its answer and one edit (a new text, so
    Telegram never says "message is not modified"). Both keep an inline keyboard."""
    dispatcher = Dispatcher()

    @dispatcher.message()
    async def on_message(message: Message) -> None:
        await message.answer("<b>Step</b> 0", reply_markup=keyboard(0))

    @dispatcher.callback_query()
    async def on_press(query: CallbackQuery) -> None:
        step = int((query.data or "step:0").split(":")[1]) + 1
        await query.answer()
        if isinstance(query.message, Message):
            await query.message.edit_text(f"<b>Step</b> {step}", reply_markup=keyboard(step))

    return dispatcher


async def main() -> None:
    # Logged like `sse-facilitator run`, so the difference is the bot's own work.
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    session = AiohttpSession(api=TelegramAPIServer.from_base(os.environ["TELEGRAM_API_URL"]))
    bot = Bot(
        os.environ["TELEGRAM_BOT_TOKEN"],
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )
    try:
        await build_dispatcher().start_polling(bot, polling_timeout=30, handle_signals=True)
    finally:
        await bot.session.close()


if __name__ == "__main__":
    asyncio.run(main())
