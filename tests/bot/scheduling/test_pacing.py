"""The process's pace: scheduled messages wait for room beside replies, and all wait after
a 429."""

from __future__ import annotations

import time

from bot.scheduling.pacing import Pace


async def test_scheduled_messages_wait_for_room_and_after_a_flood() -> None:
    pace = Pace(per_second=3)
    for _ in range(3):
        pace.note()  # three replies this second
    start = time.monotonic()
    await pace.room()
    assert 0.9 < time.monotonic() - start < 3  # the oldest left the window
    pace.pause(0.5)
    start = time.monotonic()
    await pace.room()
    assert 0.45 < time.monotonic() - start < 3
