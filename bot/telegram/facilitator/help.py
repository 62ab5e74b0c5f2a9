"""/help for a facilitator: the participant's help, then their own commands."""

from __future__ import annotations

from aiogram.filters import Command
from aiogram.types import Message

from bot import texts
from bot.telegram.facilitator.common import private_router
from bot.telegram.filters import Facilitates
from bot.telegram.sending import Replies
from dialogs.i18n import Translator
from storage.models import Territory

router = private_router("facilitator-help")


@router.message(Command("help"), Facilitates())
async def help_(message: Message, out: Replies, tr: Translator, territory: Territory) -> None:
    out.say(f"{tr(texts.HELP)}\n\n{tr(texts.FACILITATOR_HELP, territory=territory.name)}")
