"""/territory: a person who belongs to several territories chooses the current one; an
organiser sees every territory, and choosing one makes them a facilitator there."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message, User

from bot import texts
from bot.conversations import Conversations
from bot.telegram.callbacks import TerritoryCb
from bot.telegram.facilitator.common import private_router
from bot.telegram.participant import consent_reply, menu_of
from bot.telegram.render import with_answer
from bot.telegram.sending import Replies
from dialogs.i18n import Translator
from dialogs.model import Flow
from storage.models import Participant, Territory
from storage.repository import Repository

BUTTON_LIMIT = 100
"""Telegram shows at most 100 buttons under a message."""

router = private_router("territory-switch")


def is_organiser(user: User | None, organisers: frozenset[int]) -> bool:
    return user is not None and user.id in organisers


def choices_keyboard(
    territories: Sequence[Territory], current: Territory | None
) -> InlineKeyboardMarkup:
    rows = [
        [
            InlineKeyboardButton(
                text=("✓ " if current is not None and t.id == current.id else "")
                + f"{t.name} · {t.country}",
                callback_data=TerritoryCb(id=t.id).pack(),
            )
        ]
        for t in sorted(territories, key=lambda t: (t.name.casefold(), t.id))[:BUTTON_LIMIT]
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


@router.message(Command("territory"))
async def territories(
    message: Message,
    repo: Repository,
    out: Replies,
    tr: Translator,
    participant: Participant | None,
    territory: Territory | None,
    organisers: frozenset[int],
) -> None:
    if is_organiser(message.from_user, organisers):
        choices = list(await repo.territories())
        if not choices:
            out.say(tr(texts.TERRITORY_NONE_YET))
            return
    elif participant is None or territory is None:
        out.say(tr(texts.TERRITORY_NONE))
        return
    else:
        choices = [m.territory for m in await repo.memberships(participant)]
    if len(choices) == 1 and territory is not None and choices[0].id == territory.id:
        out.say(tr(texts.TERRITORY_ONLY, territory=territory.name))
        return
    out.say(tr(texts.TERRITORY_CHOOSE), choices_keyboard(choices, territory))


@router.callback_query(TerritoryCb.filter())
async def switch(
    query: CallbackQuery,
    callback_data: TerritoryCb,
    repo: Repository,
    out: Replies,
    tr: Translator,
    participant: Participant | None,
    flows: Mapping[str, Flow],
    organisers: frozenset[int],
) -> None:
    """Make the chosen territory the current one, if the person may: a member of it, or an
    organiser (who becomes a facilitator there, after the consent notice if they are new)."""
    shown = query.message if isinstance(query.message, Message) else None
    memberships = await repo.memberships(participant) if participant is not None else []
    member = next((m for m in memberships if m.territory_id == callback_data.id), None)
    organiser = is_organiser(query.from_user, organisers)
    chosen = await repo.territory(callback_data.id) if organiser or member else None
    if chosen is None or shown is None:
        out.toast(tr(texts.BUTTON_GONE))
        return
    if participant is None:  # an organiser who never agreed to the notice
        out.send(consent_reply(chosen, chosen.facilitator_code, tr.language))
        return
    promoted = organiser and (member is None or member.role != "facilitator")
    role = "facilitator" if organiser else member.role if member else "participant"
    await repo.join(participant, chosen, role)
    out.edit(shown.message_id, with_answer(shown.html_text, chosen.name))
    said = texts.JOINED_FACILITATOR if promoted else texts.TERRITORY_SWITCHED
    conversations = Conversations(repo, flows, participant, chosen)
    out.send(await menu_of(conversations, tr, tr(said, territory=chosen.name)))
