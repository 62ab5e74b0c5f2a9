"""/blocks: which blocks are open in the territory (a closed one leaves participants' menus), a
link for a break-out group whose blocks come first in the menu of who joins with it, and one
or two blocks first for one participant (`/blocks P-0007 markets legal`, or buttons)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message

from bot import texts
from bot.conversations import ALWAYS_OPEN, is_open
from bot.reports.briefing import find_block
from bot.telegram.callbacks import BlocksCb, PickCb
from bot.telegram.facilitator.common import private_router
from bot.telegram.filters import Facilitates
from bot.telegram.sending import Replies
from dialogs.i18n import Translator
from dialogs.model import Flow
from storage.models import Membership, Territory
from storage.reports import pseudonym
from storage.repository import Repository

router = private_router("facilitator-blocks")
MAX_FIRST = 2
"""A break-out group works on one or two blocks."""
PSEUDONYM = re.compile(r"^P-?0*(\d{1,9})$", re.IGNORECASE)


def choosable(flows: Mapping[str, Flow]) -> list[Flow]:
    """The blocks a facilitator may close or put first: all but the context block."""
    return sorted((f for f in flows.values() if f.id != ALWAYS_OPEN), key=lambda f: f.order)


def open_ones(flows: Mapping[str, Flow], territory: Territory) -> list[Flow]:
    return [f for f in choosable(flows) if is_open(f.id, territory.open_blocks)]


def parse_pseudonym(text: str) -> int | None:
    found = PSEUDONYM.match(text.strip())
    return int(found.group(1)) if found else None


def names(blocks: Sequence[Flow], tr: Translator) -> str:
    titles = [tr(f.short_title) for f in blocks]
    if len(titles) == 2:
        return tr(texts.TWO_BLOCKS, first=titles[0], second=titles[1])
    return ", ".join(titles)


def block_list(flows: Mapping[str, Flow], tr: Translator) -> str:
    return "\n".join(f"{f.order} – {tr(f.short_title)} ({f.id})" for f in choosable(flows))


def _button(text: str, data: BlocksCb | PickCb) -> list[InlineKeyboardButton]:
    return [InlineKeyboardButton(text=text, callback_data=data.pack())]


def blocks_keyboard(
    flows: Mapping[str, Flow], territory: Territory, tr: Translator
) -> InlineKeyboardMarkup:
    rows = [
        _button(
            ("✅ " if is_open(f.id, territory.open_blocks) else "⛔ ") + tr(f.short_title),
            BlocksCb(territory=territory.id, action="toggle", block=f.id),
        )
        for f in choosable(flows)
    ]
    rows.append(
        _button(
            tr(texts.BLOCKS_GROUP_BUTTON),
            BlocksCb(territory=territory.id, action="group", block=""),
        )
    )
    rows.append(
        _button(
            tr(texts.BLOCKS_PERSON_BUTTON),
            BlocksCb(territory=territory.id, action="person", block=""),
        )
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def pick_keyboard(
    flows: Mapping[str, Flow],
    territory: Territory,
    target: int,
    picked: Sequence[Flow],
    tr: Translator,
) -> InlineKeyboardMarkup:
    """The open blocks to tick (at most two), then Create link (a group) or Save (a person)."""
    now = ".".join(str(f.order) for f in picked)
    rows = [
        _button(
            ("✓ " if f in picked else "") + tr(f.short_title),
            PickCb(territory=territory.id, target=target, picked=now, action="t", block=f.order),
        )
        for f in open_ones(flows, territory)
    ]
    done = texts.PICK_CREATE if target == 0 else texts.PICK_SAVE
    rows.append(
        _button(
            tr(done),
            PickCb(territory=territory.id, target=target, picked=now, action="ok", block=0),
        )
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def read_picked(text: str, flows: Mapping[str, Flow], territory: Territory) -> list[Flow] | None:
    """The blocks a pick button carries; None when one is unknown, closed, or repeated."""
    by_order = {str(f.order): f for f in open_ones(flows, territory)}
    parts = [p for p in text.split(".") if p]
    picked = [by_order.get(p) for p in parts]
    if len(parts) > MAX_FIRST or len(set(parts)) != len(parts) or None in picked:
        return None
    return [f for f in picked if f is not None]


@router.message(Command("blocks"), Facilitates())
async def blocks(
    message: Message,
    command: CommandObject,
    repo: Repository,
    out: Replies,
    tr: Translator,
    territory: Territory,
    flows: Mapping[str, Flow],
) -> None:
    """The blocks with their open/closed buttons; with a pseudonym, that person's first
    blocks (given after it, or picked with buttons)."""
    args = (command.args or "").split()
    if not args:
        out.say(
            tr(texts.BLOCKS_HEAD, territory=territory.name), blocks_keyboard(flows, territory, tr)
        )
        return
    number = parse_pseudonym(args[0])
    if number is None:
        out.say(tr(texts.BAD_PSEUDONYM))
        return
    member = await repo.member(territory, number)
    if member is None:
        out.say(tr(texts.NO_SUCH_MEMBER, territory=territory.name, pseudonym=pseudonym(number)))
        return
    if len(args) == 1:
        current = [f for f in open_ones(flows, territory) if f.id in (member.first_blocks or [])]
        out.say(
            tr(texts.PICK_PERSON, pseudonym=pseudonym(number)),
            pick_keyboard(flows, territory, number, current[:MAX_FIRST], tr),
        )
        return
    if len(args) > 1 + MAX_FIRST:
        out.say(tr(texts.TOO_MANY_BLOCKS))
        return
    chosen: list[Flow] = []
    for name in args[1:]:
        flow = find_block(flows, name)
        if flow is None:
            out.say(tr(texts.UNKNOWN_BLOCK, block=name, blocks=block_list(flows, tr)))
            return
        if not is_open(flow.id, territory.open_blocks):
            out.say(tr(texts.BLOCK_NOT_OPEN, block=tr(flow.short_title)))
            return
        if flow not in chosen:
            chosen.append(flow)
    await set_first(repo, out, tr, member, chosen)


async def set_first(
    repo: Repository, out: Replies, tr: Translator, member: Membership, chosen: Sequence[Flow]
) -> None:
    await repo.set_first_blocks(member, [f.id for f in chosen])
    who = pseudonym(member.number)
    if chosen:
        out.say(tr(texts.FIRST_BLOCKS_SET, pseudonym=who, blocks=names(chosen, tr)))
    else:
        out.say(tr(texts.FIRST_BLOCKS_CLEARED, pseudonym=who))


@router.callback_query(BlocksCb.filter(), Facilitates())
async def blocks_pressed(
    query: CallbackQuery,
    callback_data: BlocksCb,
    repo: Repository,
    out: Replies,
    tr: Translator,
    territory: Territory,
    flows: Mapping[str, Flow],
) -> None:
    """Open or close a block (the buttons show the change), or start a pick."""
    message = query.message if isinstance(query.message, Message) else None
    if message is None or callback_data.territory != territory.id:
        out.toast(tr(texts.BLOCKS_STALE))
        return
    if callback_data.action == "group":
        out.say(tr(texts.PICK_GROUP), pick_keyboard(flows, territory, 0, [], tr))
        return
    if callback_data.action == "person":
        out.say(tr(texts.BLOCKS_PERSON_HOW, blocks=block_list(flows, tr)))
        return
    flow = find_block(flows, callback_data.block)
    if callback_data.action != "toggle" or flow is None or flow.id != callback_data.block:
        out.toast(tr(texts.BLOCKS_STALE))
        return
    now_open = [f.id for f in open_ones(flows, territory)]
    if flow.id in now_open:
        now_open.remove(flow.id)
        out.toast(tr(texts.BLOCK_CLOSED, block=tr(flow.short_title)))
    else:
        now_open.append(flow.id)
        out.toast(tr(texts.BLOCK_OPENED, block=tr(flow.short_title)))
    everything = {f.id for f in choosable(flows)}
    await repo.set_open_blocks(territory, None if set(now_open) == everything else now_open)
    out.edit(message.message_id, None, blocks_keyboard(flows, territory, tr))


@router.callback_query(PickCb.filter(), Facilitates())
async def picked(
    query: CallbackQuery,
    callback_data: PickCb,
    repo: Repository,
    out: Replies,
    tr: Translator,
    territory: Territory,
    flows: Mapping[str, Flow],
    bot_link: str,
) -> None:
    """Tick or untick a block; then create the group's link, or save the person's blocks."""
    message = query.message if isinstance(query.message, Message) else None
    chosen = read_picked(callback_data.picked, flows, territory)
    target = callback_data.target
    member = await repo.member(territory, target) if target > 0 else None
    if (
        message is None
        or chosen is None
        or callback_data.territory != territory.id
        or target < 0
        or (target > 0 and member is None)
    ):
        out.toast(tr(texts.BLOCKS_STALE))
        return
    if callback_data.action == "t":
        flow = next(
            (f for f in open_ones(flows, territory) if f.order == callback_data.block), None
        )
        if flow is None:
            out.toast(tr(texts.BLOCKS_STALE))
            return
        if flow in chosen:
            chosen.remove(flow)
        elif len(chosen) >= MAX_FIRST:
            out.toast(tr(texts.PICK_AT_MOST))
            return
        else:
            chosen.append(flow)
        out.edit(message.message_id, None, pick_keyboard(flows, territory, target, chosen, tr))
        return
    if callback_data.action != "ok":
        out.toast(tr(texts.BLOCKS_STALE))
        return
    if member is not None:
        out.edit(message.message_id, None, closes=True)
        await set_first(repo, out, tr, member, chosen)
        return
    if not chosen:
        out.toast(tr(texts.PICK_NONE))
        return
    link = await repo.add_group_link(territory, [f.id for f in chosen])
    out.edit(message.message_id, None, closes=True)
    out.say(
        tr(
            texts.GROUP_LINK,
            blocks=names(chosen, tr),
            link=f"{bot_link}?start={link.code}",
            territory=territory.name,
        )
    )
