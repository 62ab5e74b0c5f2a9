"""Slowing down the guessing of join codes, per person and overall, counted in the database
(so the count survives a restart and holds across processes)."""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from storage.models import utcnow
from storage.repository import Repository


@dataclass(frozen=True)
class JoinGuard:
    """A person may type `per_person` wrong codes freely; after that, each wrong code makes
    them wait before the next is checked: `first_wait`, then twice as long each time, at most
    `longest_wait` (a person typing off a poster gets in after a minute; a guesser gets a few
    tries an hour). A person's failures count for `memory`. After `overall` wrong codes from
    everyone within `window`, codes are not checked until the oldest is out of it.

    A person is counted under a keyed one-way hash of their channel id, never the id: this is
    kept before anyone agrees to anything, and only for as long as it counts.
    """

    secret: bytes
    per_person: int = 5
    first_wait: timedelta = timedelta(minutes=1)
    longest_wait: timedelta = timedelta(minutes=15)
    memory: timedelta = timedelta(hours=1)
    overall: int = 1000
    window: timedelta = timedelta(minutes=10)

    def who(self, channel_id: int | str) -> str:
        return hmac.new(self.secret, str(channel_id).encode(), hashlib.sha256).hexdigest()[:32]

    async def wait_minutes(self, repo: Repository, channel_id: int | str) -> int:
        """0 when a code may be checked now; else the minutes to wait (at least 1)."""
        now = utcnow()
        mine = await repo.join_failures(self.who(channel_id), now - self.memory)
        own = self._own_wait(mine, now)
        if own:
            return own
        overall = await repo.join_failures_overall(now - self.window)
        if len(overall) < self.overall:
            return 0
        return _minutes(overall[-self.overall] + self.window - now)

    def _own_wait(self, failures: list[datetime], now: datetime) -> int:
        beyond = len(failures) - self.per_person
        if beyond < 0:
            return 0
        wait = min(self.first_wait * 2**beyond, self.longest_wait)
        return _minutes(failures[-1] + wait - now)

    async def failed(self, repo: Repository, channel_id: int | str) -> None:
        await repo.record_join_failure(self.who(channel_id))


def _minutes(left: timedelta) -> int:
    """A wait in whole minutes, rounded up; 0 when it is over."""
    seconds = left.total_seconds()
    return math.ceil(seconds / 60) if seconds > 0 else 0
