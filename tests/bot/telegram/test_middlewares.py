"""Per-person ordering of updates, in the bot process."""

from __future__ import annotations

import asyncio
from typing import Any

from aiogram.types import User

from bot.telegram.middlewares import OnePerPerson


async def test_one_update_at_a_time_per_person_and_no_lock_left_behind() -> None:
    guard = OnePerPerson()
    order: list[str] = []

    async def handler(event: Any, data: dict[str, Any]) -> None:
        order.append(f"start {event}")
        await asyncio.sleep(0.05)
        order.append(f"end {event}")

    ana = {"event_from_user": User(id=1, is_bot=False, first_name="Ana")}
    ben = {"event_from_user": User(id=2, is_bot=False, first_name="Ben")}
    await asyncio.gather(guard(handler, "a1", ana), guard(handler, "a2", ana),
                         guard(handler, "b1", ben))  # fmt: skip
    assert order.index("end a1") < order.index("start a2")
    assert order.index("start b1") < order.index("end a1"), "other people are not held up"
    assert guard.locks == {} and guard.waiting == {}
