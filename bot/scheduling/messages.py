"""What each scheduled message says, in the person's language, or why it is no longer
wanted: a nudge, an invitation, a reminder of the session, a facilitator's reminder, a daily
digest, the summary before the session, thanks after it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.conversations import is_open
from bot.reports.charts import radar
from bot.reports.figures import (
    TerritoryFigures,
    own_scores,
    short_path_blocks,
    territory_figures,
)
from bot.reports.summary_text import (
    esc,
    pack,
    progress_text,
    radar_caption,
    radar_series,
    results_text,
    summary_sections,
)
from bot.scheduling.planner import DIGEST, INVITATION, NUDGE, REMIND, SESSION, SUMMARY, THANKS
from dialogs import engine
from dialogs.i18n import Translator, pick_language, translator
from dialogs.model import Flow
from storage.models import Participant, Territory
from storage.outbox import Claimed, Outbox
from storage.reports import Reports
from storage.repository import Repository


@dataclass(frozen=True)
class Outgoing:
    """A scheduled message as a channel sends it: plain text, maybe a button that resumes a
    block (territory id, flow id)."""

    external_id: str
    text: str
    resume: tuple[int, str] | None = None
    button: str | None = None
    html: bool = False
    """The text (and `more`) is Telegram HTML; else plain text."""
    more: tuple[str, ...] = ()
    """Further messages, sent after it (a summary longer than one message)."""
    picture: Callable[[], bytes] | None = None
    """A PNG drawn when it is sent (a chart), shown after the text with `caption` (HTML)."""
    caption: str = ""


@dataclass(frozen=True)
class Context:
    """What every kind of message is written from."""

    session: AsyncSession
    outbox: Outbox
    row: Claimed
    person: Participant
    territory: Territory
    flows: Mapping[str, Flow]
    tr: Translator
    now: datetime
    figures_cache: dict[int, TerritoryFigures]

    async def figures(self) -> TerritoryFigures:
        """The territory's figures, computed once per dispatcher tick: thanks to a thousand
        people would otherwise read and score the whole territory a thousand times."""
        found = self.figures_cache.get(self.territory.id)
        if found is None:
            found = await territory_figures(self.session, self.territory, self.flows)
            self.figures_cache[self.territory.id] = found
        return found

    def reply(self, text: str, **more: Any) -> Outgoing:
        return Outgoing(self.person.external_id, text, **more)

    def same_session(self) -> bool:
        """The row was planned for the territory's session date as it is now."""
        at = self.territory.session_at
        return at is not None and at.isoformat() == self.row.payload.get("session_at")

    async def has_unfinished(self) -> bool:
        return await has_unfinished(self.session, self.person, self.territory, self.flows)


Composer = Callable[[Context], Awaitable["Outgoing | str"]]


async def compose(
    session: AsyncSession,
    row: Claimed,
    now: datetime,
    flows: Mapping[str, Flow],
    figures_cache: dict[int, TerritoryFigures] | None = None,
) -> Outgoing | str:
    """The message for a claimed row, or why it is no longer wanted (`figures_cache`: the
    territories' figures already computed, shared by the rows of one tick)."""
    outbox = Outbox(session)
    person, territory = await outbox.recipient(row.participant_id, row.territory_id)
    if person is None or territory is None:
        return "person or territory gone"
    if person.stopped_at is not None or person.unreachable_at is not None:
        return "the person stopped reminders or cannot be reached"
    composer = COMPOSERS.get(row.kind)
    if composer is None:
        return f"unknown kind {row.kind!r}"
    tr = translator(person.language or pick_language(None))
    context = Context(
        session,
        outbox,
        row,
        person,
        territory,
        flows,
        tr,
        now,
        {} if figures_cache is None else figures_cache,
    )
    return await composer(context)


async def _nudge(c: Context) -> Outgoing | str:
    """Carry on where you stopped, with a button that opens the block."""
    flow = c.flows.get(c.row.payload.get("flow", ""))
    if flow is None:
        return "block gone"
    conversation = await c.outbox.conversation(c.person.id, c.territory.id, flow.id)
    if conversation is None or conversation.finished_at is not None:
        return "block finished"
    if conversation.updated_at.isoformat() != c.row.payload.get("quiet_since"):
        return "answered since"
    block = c.tr(flow.short_title or flow.title)
    text = c.tr(texts.NUDGE, block=block, territory=c.territory.name)
    return c.reply(text, resume=(c.territory.id, flow.id), button=c.tr(texts.NUDGE_BUTTON))


async def _invitation(c: Context) -> Outgoing | str:
    if await c.outbox.has_started(c.person.id, c.territory.id):
        return "started"
    return c.reply(c.tr(texts.INVITATION, territory=c.territory.name))


async def _session_reminder(c: Context) -> Outgoing | str:
    if not c.same_session():
        return "session date changed"
    session_at = c.territory.session_at
    assert session_at is not None
    if session_at <= c.now:
        return "session over"
    when = session_when(session_at, c.territory.timezone, c.tr.language)
    text = c.tr(texts.SESSION_REMINDER, territory=c.territory.name, when=when)
    if await c.has_unfinished():
        text += "\n" + c.tr(texts.SESSION_REMINDER_UNFINISHED)
    return c.reply(text)


async def _remind(c: Context) -> Outgoing | str:
    """A facilitator's reminder (/remind), to people who have not finished."""
    if not await c.has_unfinished():
        return "finished every block"
    return c.reply(c.tr(texts.REMIND_TEXT, territory=c.territory.name))


async def _digest(c: Context) -> Outgoing | str:
    """Progress, and what changed since the last digest (or the last day)."""
    reports = Reports(c.session)
    since = await c.outbox.last_sent(c.person.id, c.territory.id, DIGEST)
    changes = await reports.changes_since(c.territory.id, since or c.now - timedelta(days=1))
    progress = await reports.progress(c.territory.id)
    counts = texts.digest_changes(changes.answering, changes.finished, changes.joined)
    text = progress_text(progress, c.flows, c.territory.name, c.tr)
    return c.reply(f"{text}\n\n{esc(c.tr.text(counts))}", html=True)


async def _summary(c: Context) -> Outgoing | str:
    """The day before the session: the territory's summary as /summary gives it, the radar
    chart, then the figures and open answers of each block."""
    if not c.same_session():
        return "session date changed"
    if c.territory.session_at is not None and c.territory.session_at <= c.now:
        return "session over"
    figures = await c.figures()
    if not figures.answered:
        return "nobody answered"
    head = esc(c.tr(texts.SUMMARY_TOMORROW, territory=c.territory.name))
    chunks = [chunk.html for chunk in pack(summary_sections(figures, c.flows, c.tr))]
    axes, series = radar_series(figures, c.flows, c.tr)
    return c.reply(
        head,
        html=True,
        more=tuple(chunks),
        picture=partial(radar, axes, series),
        caption=radar_caption(c.territory.name, series, c.tr),
    )


async def _thanks(c: Context) -> Outgoing | str:
    """After the session: thanks, and the person's scores beside the territory's."""
    if not c.same_session():
        return "session date changed"
    stored = await Repository(c.session).conversations(c.person, c.territory)
    finished = {s.flow_id for s in stored if engine.is_finished(s.state)}
    answers = {s.flow_id: s.state.get("answers", {}) for s in stored}
    mine = own_scores(answers, finished, c.flows, c.territory.profile)
    if not mine:
        return "no finished block"
    figures = await c.figures()
    short = short_path_blocks(answers, c.territory.profile)
    results = results_text(mine, figures.blocks, c.flows, c.territory.name, c.tr, short)
    head = esc(c.tr(texts.THANKS, territory=c.territory.name))
    return c.reply(f"{head}\n\n{results}", html=True)


COMPOSERS: dict[str, Composer] = {
    NUDGE: _nudge,
    INVITATION: _invitation,
    SESSION: _session_reminder,
    REMIND: _remind,
    DIGEST: _digest,
    SUMMARY: _summary,
    THANKS: _thanks,
}
"""How each kind of scheduled message is written."""


def open_block_count(territory: Territory, flows: Mapping[str, Flow]) -> int:
    """How many blocks the territory's participants can answer."""
    return sum(1 for flow_id in flows if is_open(flow_id, territory.open_blocks))


async def has_unfinished(
    session: AsyncSession, person: Participant, territory: Territory, flows: Mapping[str, Flow]
) -> bool:
    """The person has not finished every open block of the territory."""
    finished = await Outbox(session).finished_blocks(person.id, territory.id)
    return finished < open_block_count(territory, flows)


def session_when(moment: datetime, timezone: str, language: str) -> str:
    """A session's date and time as the language writes them, in the territory's time zone,
    with its offset ("martes, 1 de junio de 2027, 16:15 (GMT+02:00)")."""
    zone = ZoneInfo(timezone)
    local = moment.astimezone(zone)
    day = format_date(local, "full", locale=language)
    if language == "fr" and local.day == 1:  # French writes the first of the month "1er"
        day = day.replace(" 1 ", " 1er ", 1)
    hour = format_time(moment, "short", tzinfo=zone, locale=language)
    offset = format_datetime(moment, "ZZZZ", tzinfo=zone, locale=language)
    return f"{day}, {hour} ({offset})"
