"""What each scheduled message says, in the person's language, or why it is no longer
wanted: a nudge, an invitation, a reminder of the session, a facilitator's reminder, a daily
digest, the summary before the session, thanks after it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.conversations import is_open
from bot.reports.figures import own_scores, territory_figures
from bot.reports.summary_text import esc, pack, progress_text, results_text, summary_sections
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


async def compose(
    session: AsyncSession, row: Claimed, now: datetime, flows: Mapping[str, Flow]
) -> Outgoing | str:
    """The message for a claimed row, or why it is no longer wanted."""
    outbox = Outbox(session)
    person, territory = await outbox.recipient(row.participant_id, row.territory_id)
    if person is None or territory is None:
        return "person or territory gone"
    if person.stopped_at is not None or person.unreachable_at is not None:
        return "the person stopped reminders or cannot be reached"
    tr = translator(person.language or pick_language(None))
    if row.kind == NUDGE:
        flow = flows.get(row.payload.get("flow", ""))
        conversation = await outbox.conversation(person.id, territory.id, flow.id) if flow else None
        if flow is None or conversation is None or conversation.finished_at is not None:
            return "block finished or gone"
        if conversation.updated_at.isoformat() != row.payload.get("quiet_since"):
            return "answered since"
        block = tr(flow.short_title or flow.title)
        return Outgoing(
            person.external_id,
            tr(texts.NUDGE, block=block, territory=territory.name),
            (territory.id, flow.id),
            tr(texts.NUDGE_BUTTON),
        )
    if row.kind == INVITATION:
        if await outbox.has_started(person.id, territory.id):
            return "started"
        return Outgoing(person.external_id, tr(texts.INVITATION, territory=territory.name))
    if row.kind == SESSION:
        session_at = territory.session_at
        if session_at is None or session_at.isoformat() != row.payload.get("session_at"):
            return "session date changed"
        if session_at <= now:
            return "session over"
        when = session_when(session_at, territory.timezone, tr.language)
        text = tr(texts.SESSION_REMINDER, territory=territory.name, when=when)
        if await has_unfinished(session, person, territory, flows):
            text += "\n" + tr(texts.SESSION_REMINDER_UNFINISHED)
        return Outgoing(person.external_id, text)
    if row.kind == DIGEST:
        return await _digest(session, row, person, territory, flows, tr, now)
    if row.kind in (SUMMARY, THANKS):
        session_at = territory.session_at
        if session_at is None or session_at.isoformat() != row.payload.get("session_at"):
            return "session date changed"
        if row.kind == SUMMARY:
            return await _summary(session, person, territory, flows, tr)
        return await _thanks(session, person, territory, flows, tr)
    if row.kind == REMIND:
        if not await has_unfinished(session, person, territory, flows):
            return "finished every block"
        return Outgoing(person.external_id, tr(texts.REMIND_TEXT, territory=territory.name))
    return f"unknown kind {row.kind!r}"


async def _digest(
    session: AsyncSession,
    row: Claimed,
    person: Participant,
    territory: Territory,
    flows: Mapping[str, Flow],
    tr: Translator,
    now: datetime,
) -> Outgoing | str:
    """Progress, and what changed since the last digest (or the last day)."""
    reports = Reports(session)
    since = await Outbox(session).last_sent(person.id, territory.id, DIGEST)
    since = since or now - timedelta(days=1)
    changes = await reports.changes_since(territory.id, since)
    progress = progress_text(await reports.progress(territory.id), flows, territory.name, tr)
    changed = esc(
        tr.text(texts.digest_changes(changes.answering, changes.finished, changes.joined))
    )
    return Outgoing(person.external_id, f"{progress}\n\n{changed}", html=True)


async def _summary(
    session: AsyncSession,
    person: Participant,
    territory: Territory,
    flows: Mapping[str, Flow],
    tr: Translator,
) -> Outgoing | str:
    """The day before the session: the territory's summary, as /summary writes it (the chart
    is one /summary away)."""
    figures = await territory_figures(session, territory, flows)
    if not figures.answered:
        return "nobody answered"
    head = esc(tr(texts.SUMMARY_TOMORROW, territory=territory.name))
    chunks = [chunk.html for chunk in pack(summary_sections(figures, flows, tr))]
    return Outgoing(person.external_id, head, html=True, more=tuple(chunks))


async def _thanks(
    session: AsyncSession,
    person: Participant,
    territory: Territory,
    flows: Mapping[str, Flow],
    tr: Translator,
) -> Outgoing | str:
    """After the session: thanks, and the person's scores beside the territory's."""
    stored = await Repository(session).conversations(person, territory)
    finished = {c.flow_id for c in stored if engine.is_finished(c.state)}
    answers = {c.flow_id: c.state.get("answers", {}) for c in stored}
    mine = own_scores(answers, finished, flows, territory.profile)
    if not mine:
        return "no finished block"
    figures = await territory_figures(session, territory, flows)
    results = results_text(mine, figures.blocks, flows, territory.name, tr)
    head = esc(tr(texts.THANKS, territory=territory.name))
    return Outgoing(person.external_id, f"{head}\n\n{results}", html=True)


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
    day = format_date(moment.astimezone(zone), "full", locale=language)
    hour = format_time(moment, "short", tzinfo=zone, locale=language)
    offset = format_datetime(moment, "ZZZZ", tzinfo=zone, locale=language)
    return f"{day}, {hour} ({offset})"
