"""Sending replies: new messages, in-place edits, and retiring the keyboard of the question
a person has moved past, so an old question can't be answered twice by accident."""

from __future__ import annotations

import contextlib

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import Message

from bot.telegram.render import Reply


class Sender:
    def __init__(self) -> None:
        self.open_question: dict[int, int] = {}
        """Per chat, the message that shows the current question with its keyboard."""

    async def retire(self, bot: Bot, chat_id: int) -> None:
        message_id = self.open_question.pop(chat_id, None)
        if message_id is not None:
            with contextlib.suppress(TelegramBadRequest):
                await bot.edit_message_reply_markup(
                    chat_id=chat_id, message_id=message_id, reply_markup=None
                )

    def forget(self, chat_id: int, message_id: int) -> None:
        if self.open_question.get(chat_id) == message_id:
            del self.open_question[chat_id]

    async def send(
        self, bot: Bot, chat_id: int, replies: list[Reply], pressed: Message | None = None
    ) -> None:
        for reply in replies:
            if reply.refresh and pressed is not None:
                with contextlib.suppress(TelegramBadRequest):  # "message is not modified"
                    await pressed.edit_text(reply.text, reply_markup=reply.keyboard)
                continue
            if reply.question is not None:
                await self.retire(bot, chat_id)
            sent = await bot.send_message(chat_id, reply.text, reply_markup=reply.keyboard)
            if reply.question is not None:
                self.open_question[chat_id] = sent.message_id
