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
from datetime import datetime, timedelta
from typing import Protocol

from aiolimiter import AsyncLimiter
from sqlalchemy.ext.asyncio import AsyncSession

from bot.reports.figures import TerritoryFigures
from bot.scheduling import pacing
from bot.scheduling.messages import Outgoing, compose
from bot.scheduling.pacing import Pace
from dialogs.model import Flow
from storage.db import Database
from storage.models import utcnow
from storage.outbox import Claimed, Outbox

log = logging.getLogger(__name__)
PER_SECOND = float(pacing.PER_SECOND - pacing.REPLY_ROOM)
"""Scheduled messages per second, at most, evenly spaced: what the process's pace leaves
them beside replies (26: under Telegram's 30 in any second, replies included)."""
BATCH = 100
"""Rows claimed at a time."""
PER_CHAT = 1.0
"""Seconds between two scheduled messages to one chat, at least."""
ATTEMPTS = 5
"""Claims of one row, at most, before it is given up as failed."""
BACKOFF = timedelta(minutes=1)


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
        self.figures: dict[int, TerritoryFigures] = {}
        self.running = asyncio.Lock()

    async def tick(self, now: datetime | None = None) -> int:
        """Claim what is due and send it, batch after batch until nothing is due; how many
        rows were handled. One tick at a time; sends overlap (a send to Telegram takes a
        tenth of a second or more), paced by the limiter."""
        async with self.running:
            moment = now or utcnow()
            handled = 0
            self.figures = {}  # a territory's figures, once per tick
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
            outgoing = await self.database.run(
                lambda s: compose(s, row, now, self.flows, self.figures)
            )
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
    outbox = Outbox(session)
    await outbox.mark_unreachable(participant_id, utcnow())
    await outbox.cancel_waiting(participant_id, "unreachable")
