"""/briefing BLOCK: one block across every territory the person facilitates, as a few short
messages and a self-contained HTML file to open on a laptop or print."""

from __future__ import annotations

from collections.abc import Mapping

from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot import texts
from bot.reports import html
from bot.reports.briefing import (
    block_name,
    chat_messages,
    find_block,
    gather,
    shorten,
)
from bot.reports.summary_text import scored_flows
from bot.telegram.facilitator.common import private_router
from bot.telegram.filters import Facilitates
from bot.telegram.sending import Replies
from dialogs.i18n import Translator
from dialogs.model import Flow
from storage.db import Database
from storage.models import Participant
from storage.reports import Reports
from storage.repository import Repository

router = private_router("facilitator-briefing")


class BriefingCb(CallbackData, prefix="br"):
    flow: str


def _keyboard(flows: Mapping[str, Flow], tr: Translator) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=f"{flow.order} · {block_name(flow, tr)}",
                    callback_data=BriefingCb(flow=flow.id).pack(),
                )
            ]
            for flow in scored_flows(flows)
        ]
    )


def _block_list(flows: Mapping[str, Flow], tr: Translator) -> str:
    return "\n".join(f"{flow.order} · {block_name(flow, tr)}" for flow in scored_flows(flows))


async def _brief(
    flow: Flow,
    repo: Repository,
    database: Database,
    out: Replies,
    tr: Translator,
    participant: Participant,
    flows: Mapping[str, Flow],
) -> None:
    """The briefing on `flow` over the territories this person facilitates, and only those:
    read after the update's transaction, beside the writer; the page made off the loop."""
    territories = await repo.facilitated(participant)

    async def messages_and_page(out: Replies) -> None:
        async with database.snapshot() as session:
            figures = await gather(Reports(session), territories, flows, only=flow.id)
        for text in chat_messages(flow, figures, tr):
            out.say(text)

        def page() -> bytes:
            return html.briefing(flow, figures, tr.language).encode("utf-8")

        out.document(f"briefing-{flow.id}.html", page, tr(texts.BRIEFING_DOCUMENT))

    out.later(messages_and_page, failed=tr(texts.BRIEFING_FAILED))


@router.message(Command("briefing"), Facilitates())
async def briefing(
    message: Message,
    command: CommandObject,
    repo: Repository,
    out: Replies,
    tr: Translator,
    participant: Participant,
    flows: Mapping[str, Flow],
    database: Database,
) -> None:
    given = " ".join((command.args or "").split())
    if not given:
        out.say(tr(texts.BRIEFING_CHOOSE), _keyboard(flows, tr))
        return
    flow = find_block(flows, given)
    if flow is None:
        unknown = tr(
            texts.BRIEFING_UNKNOWN, given=shorten(given, 40), blocks=_block_list(flows, tr)
        )
        out.say(unknown, _keyboard(flows, tr))
        return
    await _brief(flow, repo, database, out, tr, participant, flows)


@router.callback_query(BriefingCb.filter(), Facilitates())
async def briefing_pressed(
    query: CallbackQuery,
    callback_data: BriefingCb,
    repo: Repository,
    out: Replies,
    tr: Translator,
    participant: Participant,
    flows: Mapping[str, Flow],
    database: Database,
) -> None:
    flow = flows.get(callback_data.flow)
    if flow is None or not flow.scored:  # forged or from an older version of the blocks
        out.toast(tr(texts.BUTTON_GONE))
        return
    await _brief(flow, repo, database, out, tr, participant, flows)


@router.callback_query(BriefingCb.filter())
async def not_facilitating(query: CallbackQuery, out: Replies, tr: Translator) -> None:
    out.toast(tr(texts.FACILITATORS_ONLY))
