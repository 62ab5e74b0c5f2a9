"""Telegram's overall limit (about 30 messages a second per bot) shared between replies and
scheduled messages: every message the process sends is noted; replies never wait, scheduled
messages wait for room, and all of them wait after Telegram answers 429. Per process (with
several workers, see the issue on scaling)."""

from __future__ import annotations

import asyncio
import time
from collections import deque

PER_SECOND = 29
"""Messages a second the process keeps to, replies included."""
REPLY_ROOM = 3
"""Of those, what scheduled messages leave free at all times: replies sent at the same
instant as a scheduled message (and the time a request takes to reach Telegram, which counts
the second from its side) never push the total past Telegram's 30."""


class Pace:
    """The process's messages of the last second."""

    def __init__(self, per_second: int = PER_SECOND, reply_room: int = REPLY_ROOM) -> None:
        self.scheduled_limit = max(1, per_second - reply_room)
        """A scheduled message goes only while fewer than this were sent in the last second."""
        self.sent: deque[float] = deque()
        self.paused_until = 0.0
        """After a 429, no scheduled message goes before this (monotonic seconds)."""

    def pause(self, seconds: float) -> None:
        """Telegram asked to wait (429, `retry_after`): scheduled messages all wait."""
        self.paused_until = max(self.paused_until, time.monotonic() + seconds)

    def _trim(self, now: float) -> None:
        while self.sent and now - self.sent[0] >= 1.0:
            self.sent.popleft()

    def note(self) -> None:
        """A message was sent (a reply, or a scheduled one)."""
        now = time.monotonic()
        self._trim(now)
        self.sent.append(now)

    async def room(self) -> None:
        """Wait until a scheduled message may go without passing the limit with replies."""
        while True:
            now = time.monotonic()
            if now < self.paused_until:
                await asyncio.sleep(self.paused_until - now)
                continue
            self._trim(now)
            if len(self.sent) < self.scheduled_limit:
                return
            await asyncio.sleep(self.sent[0] + 1.0 - now)
