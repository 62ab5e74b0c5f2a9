"""The dispatcher: claims due rows of the outbox, checks each still has its reason (a person who
finished, answered again, stopped, or a session moved or over gets nothing), writes it in the
person's language and sends it through a channel, paced, then records what happened.

Claims are short transactions; no transaction is open while a message is sent. The one window
no system closes: if the process dies after the channel accepted a message and before it is
recorded as sent, the lease runs out and the message is sent again (README, Scheduled
messages; measured in tests/bot/scheduling)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from aiolimiter import AsyncLimiter
from babel.dates import format_date, format_datetime, format_time
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot import texts
from bot.conversations import is_open
from bot.reports.figures import own_scores, territory_figures
from bot.reports.summary_text import esc, pack, progress_text, results_text, summary_sections
from bot.scheduling.pacing import Pace
from bot.scheduling.planner import DIGEST, INVITATION, NUDGE, REMIND, SESSION, SUMMARY, THANKS
from dialogs import engine
from dialogs.i18n import Translator, pick_language, translator
from dialogs.model import Flow
from storage.db import Database
from storage.models import Conversation, Participant, Territory, utcnow
from storage.outbox import Claimed, Outbox
from storage.reports import Reports
from storage.repository import Repository

log = logging.getLogger(__name__)
PER_SECOND = 29.0
"""Scheduled messages per second, at most, evenly spaced: under Telegram's 30 in any second
(with replies, the process keeps to `pacing.PER_SECOND` in all)."""
BATCH = 100
"""Rows claimed at a time."""
PER_CHAT = 1.0
"""Seconds between two scheduled messages to one chat, at least."""
ATTEMPTS = 5
"""Claims of one row, at most, before it is given up as failed."""
BACKOFF = timedelta(minutes=1)


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


class Unreachable(Exception):
    """The person blocked the bot or deleted their account."""


class MayHaveArrived(Exception):
    """The send timed out: it may have reached the person, so it is not sent again."""


class Refused(Exception):
    """The channel refused the message itself (a bug or a deleted chat): not sent again."""


class TryLater(Exception):
    """The channel kept failing (server or network errors, flood control): try later."""


class Channel(Protocol):
    async def send(self, message: Outgoing) -> str | None:
        """Send; the channel's message id. Raises the exceptions above."""
        ...


async def compose(
    session: AsyncSession, row: Claimed, now: datetime, flows: Mapping[str, Flow]
) -> Outgoing | str:
    """The message for a claimed row, or why it is no longer wanted."""
    person = await session.get(Participant, row.participant_id)
    territory = await session.get(Territory, row.territory_id)
    if person is None or territory is None:
        return "person or territory gone"
    if person.stopped_at is not None or person.unreachable_at is not None:
        return "the person stopped reminders or cannot be reached"
    tr = translator(person.language or pick_language(None))
    if row.kind == NUDGE:
        flow = flows.get(row.payload.get("flow", ""))
        conversation = await session.scalar(
            select(Conversation).where(
                Conversation.participant_id == person.id,
                Conversation.territory_id == territory.id,
                Conversation.flow_id == row.payload.get("flow"),
            )
        )
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
        started = await session.scalar(
            select(Conversation.id).where(
                Conversation.participant_id == person.id,
                Conversation.territory_id == territory.id,
            )
        )
        if started is not None:
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
    finished = await session.scalar(
        select(func.count()).where(
            Conversation.participant_id == person.id,
            Conversation.territory_id == territory.id,
            Conversation.finished_at.is_not(None),
        )
    )
    return (finished or 0) < open_block_count(territory, flows)


def session_when(moment: datetime, timezone: str, language: str) -> str:
    """A session's date and time as the language writes them, in the territory's time zone,
    with its offset ("martes, 1 de junio de 2027, 16:15 (GMT+02:00)")."""
    zone = ZoneInfo(timezone)
    day = format_date(moment.astimezone(zone), "full", locale=language)
    hour = format_time(moment, "short", tzinfo=zone, locale=language)
    offset = format_datetime(moment, "ZZZZ", tzinfo=zone, locale=language)
    return f"{day}, {hour} ({offset})"


class Dispatcher:
    """Sends what is due, paced for the whole process."""

    def __init__(
        self,
        database: Database,
        channel: Channel,
        flows: Mapping[str, Flow],
        per_second: float = PER_SECOND,
        pace: Pace | None = None,
    ) -> None:
        self.database = database
        self.channel = channel
        self.flows = flows
        self.pace = pace or Pace()
        """What the whole process sends (the channel notes every message): replies first."""
        self.limiter = AsyncLimiter(1, 1 / per_second)  # no bursts: even spacing
        self.last_sent: dict[str, float] = {}
        self.running = asyncio.Lock()

    async def tick(self, now: datetime | None = None) -> int:
        """Claim what is due and send it, batch after batch until nothing is due; how many
        rows were handled. One tick at a time; sends overlap (a send to Telegram takes a
        tenth of a second or more), paced by the limiter."""
        async with self.running:
            moment = now or utcnow()
            handled = 0
            while True:
                claimed = await self.database.run(lambda s, at=moment: Outbox(s).claim(at, BATCH))
                async with asyncio.TaskGroup() as sending:
                    for row in claimed:
                        outgoing = await self._compose(row, moment)
                        if outgoing is not None:
                            await self._pace(outgoing.external_id)
                            sending.create_task(self._send(row, outgoing, moment))
                handled += len(claimed)
                if len(claimed) < BATCH:
                    return handled
                if now is None:
                    moment = utcnow()

    async def _compose(self, row: Claimed, now: datetime) -> Outgoing | None:
        """The message of a row; None when it is no longer wanted (then cancelled) or could
        not be written (then tried again later)."""
        try:
            outgoing = await self.database.run(lambda s: compose(s, row, now, self.flows))
        except Exception:
            log.exception("could not compose scheduled message %s", row.key)
            await self._record(row, "again", "could not compose", now)
            return None
        if isinstance(outgoing, str):
            await self.database.run(lambda s: Outbox(s).cancelled(row.id, outgoing))
            return None
        return outgoing

    async def _send(self, row: Claimed, outgoing: Outgoing, now: datetime) -> None:
        try:
            message_id = await self.channel.send(outgoing)
        except Unreachable:
            await self.database.run(lambda s: _unreachable(s, row.participant_id))
        except MayHaveArrived:
            await self._record(row, "failed", "timed out: it may have arrived; not sent again", now)
        except Refused as error:
            await self._record(row, "failed", f"refused: {error}", now)
        except TryLater as error:
            await self._record(row, "again", f"try later: {error}", now)
        else:  # recorded even if the tick is cancelled now: the window stays one transaction
            await asyncio.shield(
                self.database.run(lambda s: Outbox(s).sent(row.id, message_id, utcnow()))
            )

    async def _pace(self, chat: str) -> None:
        """At most `per_second` messages a second, evenly spaced; one a second per chat; and
        room left for replies (the process's messages of the last second, counted)."""
        last = self.last_sent.get(chat)
        if last is not None and (wait := PER_CHAT - (time.monotonic() - last)) > 0:
            await asyncio.sleep(wait)
        await self.limiter.acquire()
        await self.pace.room()
        self.last_sent[chat] = time.monotonic()
        if len(self.last_sent) > 10_000:
            horizon = time.monotonic() - PER_CHAT
            self.last_sent = {c: t for c, t in self.last_sent.items() if t > horizon}

    async def _record(self, row: Claimed, outcome: str, error: str, now: datetime) -> None:
        async def write(session: AsyncSession) -> None:
            outbox = Outbox(session)
            if outcome == "again" and row.attempts < ATTEMPTS:
                await outbox.again(row.id, now + BACKOFF * 2 ** (row.attempts - 1), error)
            else:
                await outbox.failed(row.id, error)

        await self.database.run(write)


async def _unreachable(session: AsyncSession, participant_id: int) -> None:
    """A person the channel cannot reach: marked so, and nothing more is planned for them."""
    person = await session.get(Participant, participant_id)
    if person is not None and person.unreachable_at is None:
        person.unreachable_at = utcnow()
    await Outbox(session).cancel_waiting(participant_id, "unreachable")
