"""/invite: the territory's two links, and its poster with a QR code to print (PNG and SVG)."""

from __future__ import annotations

from functools import partial

from aiogram.filters import Command
from aiogram.types import Message

from bot import texts
from bot.reports.qr import file_stem, invite_poster, poster_png, poster_svg
from bot.telegram.facilitator.common import private_router
from bot.telegram.filters import Facilitates
from bot.telegram.sending import Replies
from bot.territories import deep_link
from dialogs.i18n import Translator, language_in
from storage.models import Territory

router = private_router("facilitator-invite")


@router.message(Command("invite"), Facilitates())
async def invite(
    message: Message, out: Replies, tr: Translator, territory: Territory, bot_link: str
) -> None:
    """The links in the facilitator's language; the poster in the territory's (the files are
    drawn after the commit, see `sending.Document`)."""
    participant_link = deep_link(bot_link, territory.join_code)
    out.say(
        tr(
            texts.INVITE,
            territory=territory.name,
            participant_link=participant_link,
            facilitator_link=deep_link(bot_link, territory.facilitator_code),
        )
    )
    poster = invite_poster(territory.name, territory.language, participant_link)
    stem = f"poster-{file_stem(territory.name)}"
    caption = tr(texts.INVITE_POSTER, language=language_in(territory.language, tr.language))
    out.document(f"{stem}.png", partial(poster_png, poster), caption)
    out.document(f"{stem}.svg", partial(poster_svg, poster), tr(texts.INVITE_POSTER_SVG))
