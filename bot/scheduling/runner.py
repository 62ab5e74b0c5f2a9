"""APScheduler drives the planner and the dispatcher in the bot's process; it holds no jobs of
its own (the outbox does), so a restart loses nothing. With several processes on one
PostgreSQL database, one plans at a time (an advisory lock per pass), and one sends scheduled
messages (an advisory lock it holds while it lives), so that their pace holds for all
processes together; if it dies, another takes over at its next tick."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from sqlalchemy.ext.asyncio import AsyncSession

from bot.scheduling.dispatcher import Channel, Dispatcher
from bot.scheduling.pacing import Pace
from bot.scheduling.planner import Plan, plan
from dialogs.model import Flow
from storage.db import Database
from storage.models import utcnow
from storage.outbox import Leadership, Outbox

log = logging.getLogger(__name__)
PLAN_EVERY = 60
"""Seconds between two planning passes."""
DISPATCH_EVERY = 2
"""Seconds between two dispatcher ticks."""


class Scheduling:
    """The planner and the dispatcher, on a timer."""

    def __init__(
        self,
        database: Database,
        channel: Channel,
        flows: Mapping[str, Flow],
        pace: Pace | None = None,
    ) -> None:
        self.database = database
        self.dispatcher = Dispatcher(database, channel, flows, pace=pace)
        self.leadership = Leadership(database.engine)
        self.scheduler = AsyncIOScheduler(timezone=UTC)

    async def plan(self, now: datetime | None = None) -> Plan | None:
        """One planning pass; None when another process is planning."""
        moment = now or utcnow()

        async def work(session: AsyncSession) -> Plan | None:
            outbox = Outbox(session)
            if not await outbox.planning_lock():
                return None
            return await plan(outbox, moment)

        return await self.database.run(work)

    async def _plan_logged(self) -> None:
        try:
            done = await self.plan()
        except Exception:
            log.exception("planning scheduled messages failed; next pass in %s s", PLAN_EVERY)
            return
        if done is not None and (done.planned or done.cancelled):
            log.info("scheduled messages: %d planned, %d cancelled", done.planned, done.cancelled)

    async def _dispatch_logged(self) -> None:
        try:
            if await self.leadership.held():
                await self.dispatcher.tick()
        except Exception:
            log.exception("sending scheduled messages failed; next tick in %s s", DISPATCH_EVERY)

    def start(self) -> None:
        now = datetime.now(UTC)
        for job, seconds in (
            (self._plan_logged, PLAN_EVERY),
            (self._dispatch_logged, DISPATCH_EVERY),
        ):
            self.scheduler.add_job(
                job, "interval", seconds=seconds, next_run_time=now, max_instances=1, coalesce=True
            )
        self.scheduler.start()

    async def stop(self, patience: float = 30.0) -> None:
        """No more ticks; a tick under way finishes first (what it sent is recorded), unless
        it takes longer than `patience` seconds (Telegram's retries)."""
        if not self.scheduler.running:
            return
        self.scheduler.pause()  # shutting down would cancel the tick under way
        try:
            await asyncio.wait_for(self.dispatcher.running.acquire(), patience)
        except TimeoutError:
            log.warning("a dispatcher tick was still running at shutdown")
        else:
            self.dispatcher.running.release()
        self.scheduler.shutdown(wait=False)
        await self.leadership.release()
