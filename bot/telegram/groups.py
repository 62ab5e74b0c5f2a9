"""Groups: the bot answers only commands addressed to it, and its own addition to a group, by
asking people to write to it privately; a button pressed in a group gets an answer. Every
other message and service message in a group is left alone."""

from __future__ import annotations

import re

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, ChatMemberUpdated, Message

from bot import texts
from bot.telegram.filters import Added, ChatType
from bot.telegram.sending import Replies
from dialogs.i18n import Translator

router = Router(name="groups")
for observer in (router.message, router.callback_query, router.my_chat_member):
    observer.filter(ChatType("group", "supergroup"))


@router.message(Command(re.compile(r".+")))
async def command(message: Message, out: Replies, tr: Translator, bot_link: str) -> None:
    """A command meant for this bot (`/start` or `/start@this_bot`, not another bot's)."""
    out.say(tr(texts.GROUP, link=bot_link))


@router.my_chat_member(Added())
async def added(event: ChatMemberUpdated, out: Replies, tr: Translator, bot_link: str) -> None:
    out.say(tr(texts.GROUP, link=bot_link))


@router.callback_query()
async def pressed(query: CallbackQuery, out: Replies, tr: Translator, bot_link: str) -> None:
    out.toast(tr(texts.GROUP, link=bot_link))
