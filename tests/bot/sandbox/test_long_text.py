"""A text longer than a Telegram message, typed on the page, reaches the bot in parts (as
Telegram apps send it) and is kept whole."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.sandbox.app import start_sandbox
from storage.models import Answer
from tests.bot.harness import free_port, join, next_prompt, tap
from tests.bot.sandbox.test_restart import add_person


async def test_a_long_text_from_the_page_is_sent_in_parts_and_kept_whole(tmp_path: Path) -> None:
    database_url = f"sqlite+aiosqlite:///{tmp_path / 'sandbox.db'}"
    running = await start_sandbox("127.0.0.1", free_port(), database_url, None)
    try:
        ama = await add_person(running, "Ama", "en")
        await join(ama, running.join_code, "I agree")
        await tap(ama, "Communication")
        await tap(ama, "Full (all questions)")
        for _ in range(6):
            await tap(ama, "Skip ▶")
        long = " ".join(f"Practice {n}: a market day for SSE producers." for n in range(130))
        assert 4096 < len(long) < 8192
        before = len(ama.messages)
        async with aiohttp.ClientSession() as http:
            url = f"{running.url}/sandbox/api/users/{ama.id}/send"
            async with http.post(url, json={"text": long}) as response:
                assert response.status == 200
        await ama.wait(lambda: any("I joined them" in t for t in ama.texts[before:]))
        asked = (await next_prompt(ama, before)).text
        assert "Question 8 of 11" in asked and "next step" in asked
        sent = [w["text"] for w in running.sandbox.written[ama.id]][-2:]
        assert [len(part) for part in sent] == [4096, len(long) - 4096]

        async def latest(session: AsyncSession) -> object:
            query = select(Answer.value).where(Answer.question_id == "strength")
            return (await session.scalars(query.order_by(Answer.id.desc()))).first()

        assert await running.database.run(latest) == {"text": long}, "nothing lost or added"
    finally:
        await running.stop()
