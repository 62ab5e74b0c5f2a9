"""The facilitator's side of scheduled messages: /session sets or changes the session date (the
reminders follow), /digest a daily digest, /schedule says what will be sent, when and to how
many, and /remind sends a reminder to everyone who has not finished, after a button that says
how many people."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from babel.dates import format_datetime, format_time

from bot import territories, texts
from bot.scheduling.messages import open_block_count, session_when
from bot.scheduling.planner import REMIND
from bot.scheduling.rules import Schedule
from bot.telegram.facilitator.common import private_router
from bot.telegram.filters import Facilitates
from bot.telegram.sending import Replies
from dialogs.i18n import Translator
from dialogs.model import Flow
from storage.models import Participant, Territory, utcnow
from storage.outbox import Outbox, Planned
from storage.reports import Reports
from storage.repository import Repository

router = private_router("facilitator-scheduling")


class RemindCb(CallbackData, prefix="rm"):
    """Confirm /remind in a territory (checked against the current one)."""

    territory: int


def _when(moment: datetime, territory: Territory, tr: Translator) -> str:
    return session_when(moment, territory.timezone, tr.language)


@router.message(Command("session"), Facilitates())
async def session(
    message: Message,
    command: CommandObject,
    repo: Repository,
    out: Replies,
    tr: Translator,
    territory: Territory,
) -> None:
    given = " ".join((command.args or "").split())
    how = tr(texts.SESSION_HOW, timezone=territory.timezone)
    if not given:
        if territory.session_at is None:
            now = tr(texts.SESSION_NONE, territory=territory.name)
        else:
            when = _when(territory.session_at, territory, tr)
            now = tr(texts.SESSION_NOW, territory=territory.name, when=when)
        out.say(f"{now}\n{how}")
        return
    try:
        moment = territories.session_at(given, territory.timezone)
    except territories.Invalid:
        out.say(tr(texts.SESSION_UNREADABLE, given=given[:40]))
        return
    if moment <= utcnow():
        out.say(tr(texts.SESSION_PAST))
        return
    await repo.set_session_at(territory, moment)
    out.say(tr(texts.SESSION_SET, territory=territory.name, when=_when(moment, territory, tr)))


@router.message(Command("digest"), Facilitates())
async def digest(
    message: Message,
    command: CommandObject,
    repo: Repository,
    out: Replies,
    tr: Translator,
    participant: Participant,
    territory: Territory,
) -> None:
    """/digest HH:MM: a daily digest at that time in the territory's zone; /digest off."""
    mine = next(m for m in await repo.memberships(participant) if m.territory_id == territory.id)
    given = " ".join((command.args or "").split()).lower()
    zone = territory.timezone
    if not given:
        if mine.digest_time is None:
            out.say(tr(texts.DIGEST_HOW))
        else:
            now = tr(
                texts.DIGEST_NOW, territory=territory.name, time=mine.digest_time, timezone=zone
            )
            out.say(now)
        return
    if given in ("off", "no", "non", "0", "stop"):
        await repo.set_digest(mine, None)
        out.say(tr(texts.DIGEST_OFF, territory=territory.name))
        return
    match = re.fullmatch(r"([01]?\d|2[0-3])(?:[:h.]([0-5]\d)|h)", given)  # 18:00, 18h30, 18h
    if match is None:
        out.say(tr(texts.DIGEST_UNREADABLE, given=given[:20]))
        return
    at = f"{int(match[1]):02d}:{match[2] or '00'}"
    await repo.set_digest(mine, at)
    out.say(tr(texts.DIGEST_SET, time=at, timezone=zone, territory=territory.name))


@router.message(Command("schedule"), Facilitates())
async def schedule(
    message: Message, repo: Repository, out: Replies, tr: Translator, territory: Territory
) -> None:
    rules = Schedule.of(territory.timezone, territory.schedule)
    waiting = await Outbox(repo.session).waiting_in(territory.id)
    zone = ZoneInfo(territory.timezone)
    lines = []
    for kind, due, count in waiting[:20]:
        when = format_datetime(due, "EEE d MMM, HH:mm", tzinfo=zone, locale=tr.language)
        what = tr(texts.SCHEDULED_KINDS.get(kind, kind))
        lines.append(tr.text(texts.schedule_line(when, what, count)))
    if lines:
        lines.insert(0, tr(texts.SCHEDULE_HEADER, territory=territory.name))
    else:
        lines.append(tr(texts.SCHEDULE_NOTHING, territory=territory.name))
    start, end = (
        format_time(t, "short", locale=tr.language) for t in (rules.quiet_start, rules.quiet_end)
    )
    lines.append(tr(texts.SCHEDULE_QUIET, start=start, end=end, timezone=territory.timezone))
    out.say("\n".join(lines))


@router.message(Command("remind"), Facilitates())
async def remind(
    message: Message,
    repo: Repository,
    out: Replies,
    tr: Translator,
    territory: Territory,
    flows: Mapping[str, Flow],
) -> None:
    people = await Outbox(repo.session).unfinished_members(
        territory.id, open_block_count(territory, flows)
    )
    if not people:
        counts = await Reports(repo.session).progress(territory.id)
        nobody = counts.joined == counts.facilitators  # no participant has joined yet
        out.say(
            tr(
                texts.REMIND_NO_PARTICIPANTS if nobody else texts.REMIND_NOBODY,
                territory=territory.name,
            )
        )
        return
    button = InlineKeyboardButton(
        text=tr.text(texts.remind_button(len(people))),
        callback_data=RemindCb(territory=territory.id).pack(),
    )
    out.say(
        tr.text(texts.remind_confirm(len(people), territory.name)),
        InlineKeyboardMarkup(inline_keyboard=[[button]]),
    )


@router.callback_query(RemindCb.filter(), Facilitates())
async def remind_confirmed(
    query: CallbackQuery,
    callback_data: RemindCb,
    repo: Repository,
    out: Replies,
    tr: Translator,
    territory: Territory,
    flows: Mapping[str, Flow],
) -> None:
    if callback_data.territory != territory.id or query.message is None:
        out.toast(tr(texts.BUTTON_GONE))
        return
    outbox = Outbox(repo.session)
    people = await outbox.unfinished_members(territory.id, open_block_count(territory, flows))
    now = utcnow()
    due = Schedule.of(territory.timezone, territory.schedule).allowed(now)
    asked = query.message.message_id  # one reminder per confirmation, whatever the taps
    planned = await outbox.plan(
        (
            Planned(
                f"{REMIND}:{territory.id}:{person}:{asked}", REMIND, person, territory.id, {}, due
            )
            for person in people
        ),
        now,
    )
    if not planned:
        out.toast(tr(texts.REMIND_ALREADY))
        return
    if due - now < timedelta(minutes=1):
        when = tr(texts.REMIND_NOW)
    else:
        local = format_time(due, "short", tzinfo=ZoneInfo(territory.timezone), locale=tr.language)
        when = tr(texts.REMIND_AT, time=local)
    out.edit(asked, None)  # the button goes
    out.say(tr.text(texts.remind_planned(planned, when)))


@router.callback_query(RemindCb.filter())
async def not_facilitating(query: CallbackQuery, out: Replies, tr: Translator) -> None:
    out.toast(tr(texts.FACILITATORS_ONLY))
