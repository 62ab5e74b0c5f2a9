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
    """After `per_person` wrong codes from one person, or `overall` from everyone, within
    `window`, codes are not checked until the oldest of those failures is out of the window.

    A person is counted under a keyed one-way hash of their channel id, never the id: this is
    kept before anyone agrees to anything, and only for as long as it counts.
    """

    secret: bytes
    per_person: int = 5
    overall: int = 1000
    window: timedelta = timedelta(minutes=10)

    def who(self, channel_id: int | str) -> str:
        return hmac.new(self.secret, str(channel_id).encode(), hashlib.sha256).hexdigest()[:32]

    async def wait_minutes(self, repo: Repository, channel_id: int | str) -> int:
        """0 when a code may be checked now; else the minutes to wait (at least 1)."""
        now = utcnow()
        since = now - self.window
        mine = await repo.join_failures(self.who(channel_id), since)
        waits = [self._wait(mine, self.per_person, now)]
        if len(mine) < self.per_person:
            waits.append(self._wait(await repo.join_failures_overall(since), self.overall, now))
        return max(waits)

    def _wait(self, failures: list[datetime], limit: int, now: datetime) -> int:
        if len(failures) < limit:
            return 0
        free_at = failures[-limit] + self.window
        return max(1, math.ceil((free_at - now).total_seconds() / 60))

    async def failed(self, repo: Repository, channel_id: int | str) -> None:
        await repo.record_join_failure(self.who(channel_id))
