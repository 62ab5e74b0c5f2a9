"""/summary for a facilitator: a radar of the blocks, then each block's figures and open
answers in messages that fit Telegram; buttons forward a voice answer or show every open
answer of a block. Buttons name the territory, and the handlers check it is the facilitator's
current one: a button from elsewhere, or forged, changes nothing."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial

from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot import texts
from bot.reports.charts import radar
from bot.reports.figures import block_figures, territory_figures
from bot.reports.summary_text import (
    ALL_QUOTES,
    Chunk,
    Section,
    block_section,
    esc,
    pack,
    radar_caption,
    radar_series,
    short_title,
    summary_sections,
    title,
    voice_button,
)
from bot.telegram.facilitator.common import private_router
from bot.telegram.filters import Facilitates
from bot.telegram.render import Reply
from bot.telegram.sending import Replies
from dialogs.i18n import Translator
from dialogs.model import Flow
from storage.db import Database
from storage.models import Territory
from storage.reports import Reports, pseudonym, pseudonym_number
from storage.repository import Repository

CALLBACK_DATA_LIMIT = 64

router = private_router("facilitator-summary")


class VoiceCb(CallbackData, prefix="vo"):
    """Forward a member's current voice answer to a question (by pseudonym number)."""

    territory: int
    number: int
    flow: str
    question: str


class MoreCb(CallbackData, prefix="su"):
    """Show every open answer of a block."""

    territory: int
    flow: str


@router.message(Command("summary"), Facilitates())
async def summary(
    message: Message,
    repo: Repository,
    out: Replies,
    tr: Translator,
    territory: Territory,
    flows: Mapping[str, Flow],
    database: Database,
) -> None:
    async def figures_and_radar(out: Replies) -> None:
        async with database.snapshot() as session:  # a whole territory: beside the writer
            figures = await territory_figures(session, territory, flows)
        if not figures.answered:
            out.say(tr(texts.SUMMARY_NO_ANSWERS, territory=territory.name))
            return
        axes, series = radar_series(figures, flows, tr)
        caption = radar_caption(territory.name, series, tr)
        out.photo("summary.png", partial(radar, axes, series), caption)
        send(out, summary_sections(figures, flows, tr), territory, flows, tr)

    out.later(figures_and_radar, failed=tr(texts.SUMMARY_FAILED))


@router.callback_query(MoreCb.filter(), Facilitates())
async def every_answer(
    query: CallbackQuery,
    callback_data: MoreCb,
    repo: Repository,
    out: Replies,
    tr: Translator,
    territory: Territory,
    flows: Mapping[str, Flow],
) -> None:
    flow = flows.get(callback_data.flow)
    if callback_data.territory != territory.id or flow is None or not flow.scored:
        out.toast(tr(texts.BUTTON_GONE))
        return
    block = await block_figures(repo.session, territory, flows, flow.id)
    section = block_section(block, flow, tr, ALL_QUOTES, offer_more=False)
    send(out, [section], territory, flows, tr)


@router.callback_query(VoiceCb.filter(), Facilitates())
async def forward_voice(
    query: CallbackQuery,
    callback_data: VoiceCb,
    repo: Repository,
    out: Replies,
    tr: Translator,
    territory: Territory,
    flows: Mapping[str, Flow],
) -> None:
    flow = flows.get(callback_data.flow)
    question = flow.question(callback_data.question) if flow is not None else None
    note = None
    if callback_data.territory == territory.id and flow is not None and question is not None:
        note = await Reports(repo.session).voice_answer(
            territory.id, callback_data.number, flow.id, question.id
        )
    if flow is None or question is None or note is None:
        out.toast(tr(texts.BUTTON_GONE))
        return
    caption = tr(
        texts.VOICE_FROM,
        pseudonym=pseudonym(callback_data.number),
        language=note.language or "?",
        block=title(flow, tr),
    )
    out.voice(note.file_id, f"{esc(caption)}\n<i>{esc(tr(question.text))}</i>", note.duration)


def send(
    out: Replies,
    sections: Sequence[Section],
    territory: Territory,
    flows: Mapping[str, Flow],
    tr: Translator,
) -> None:
    for chunk in pack(sections):
        out.send(Reply(chunk.html, keyboard(chunk, territory.id, flows, tr)))


def keyboard(
    chunk: Chunk, territory_id: int, flows: Mapping[str, Flow], tr: Translator
) -> InlineKeyboardMarkup | None:
    """A button per voice answer in the message (one a row: the label names the block), and
    one per block whose open answers were cut."""
    voices: list[InlineKeyboardButton] = []
    more: list[list[InlineKeyboardButton]] = []
    for line in chunk.lines:
        number = pseudonym_number(line.voice.pseudonym) if line.voice is not None else None
        flow = flows.get(line.flow_id) if line.flow_id is not None else None
        if line.voice is not None and flow is not None and number is not None:
            data = VoiceCb(
                territory=territory_id,
                number=number,
                flow=line.flow_id,
                question=line.voice.question_id,
            ).pack()
            if len(data.encode()) <= CALLBACK_DATA_LIMIT:
                label = voice_button(line.voice, flow, tr)
                voices.append(InlineKeyboardButton(text=label, callback_data=data))
        if line.more is not None and line.more in flows:
            label = tr(texts.MORE_BUTTON, block=short_title(flows[line.more], tr))
            data = MoreCb(territory=territory_id, flow=line.more).pack()
            more.append([InlineKeyboardButton(text=label, callback_data=data)])
    rows = [[button] for button in voices] + more
    return InlineKeyboardMarkup(inline_keyboard=rows) if rows else None
