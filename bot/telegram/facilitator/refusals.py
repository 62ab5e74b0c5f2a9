"""A facilitator command from someone who does not facilitate their current territory (or
has not joined one): a kind refusal in their language."""

from __future__ import annotations

from aiogram.filters import Command
from aiogram.types import Message

from bot import texts
from bot.telegram.facilitator.common import private_router
from bot.telegram.sending import Replies
from dialogs.i18n import Translator

COMMANDS = (
    "progress",
    "summary",
    "export",
    "briefing",
    "invite",
    "profile",
    "blocks",
    "session",
    "schedule",
    "remind",
    "digest",
)

router = private_router("facilitator-refusals")


@router.message(Command(*COMMANDS))
async def facilitators_only(message: Message, out: Replies, tr: Translator) -> None:
    out.say(tr(texts.FACILITATORS_ONLY))
