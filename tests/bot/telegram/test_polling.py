"""Long polling keeps what Telegram delivered until it is handled: what a crash left is
handled at the next start, once, in order; a redelivery is skipped."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.server import Sandbox
from storage.models import Answer, ReceivedUpdate, Territory
from storage.repository import Repository
from tests.bot.harness import RunningBot, SandboxServer

Sessions = async_sessionmaker[AsyncSession]


async def test_updates_kept_before_a_crash_are_handled_at_the_next_start(
    server: SandboxServer, database_url: str, territory: Territory, sessions: Sessions
) -> None:
    sandbox: Sandbox = server.sandbox
    user = sandbox.user(801, "Kept", "en")
    # As a bot killed after keeping a batch and before handling it leaves things: the updates
    # are in the database, and Telegram (told by the next getUpdates) no longer has them.
    kept = [
        {"update_id": 9001, "message": sandbox.user_message(801, user.chat, text="/help")},
        {"update_id": 9002, "message": sandbox.user_message(801, user.chat, text="/about")},
    ]
    async with sessions() as session, session.begin():
        await Repository(session).receive_updates("telegram", [(u["update_id"], u) for u in kept])
    bot = RunningBot(server.url, database_url)
    await bot.start()
    try:
        await user.wait(lambda: len(user.messages) == 2)
        assert user.texts[0].startswith("How it works") and "UNRISD" in user.texts[1]
        sandbox.updates.append(kept[0])  # Telegram delivers one of them again
        await user.send_text("/menu")
        await user.wait(lambda: len(user.messages) == 3)
    finally:
        await bot.stop()
    assert user.texts[2].startswith("Hello!"), "the redelivered /help was skipped"
    async with sessions() as session:
        rows = (await session.execute(select(ReceivedUpdate.update_id, ReceivedUpdate.payload,
                                             ReceivedUpdate.handled_at))).all()  # fmt: skip
    assert {r.update_id for r in rows} >= {9001, 9002}
    assert all(r.handled_at is not None and r.payload is None for r in rows), "payloads dropped"


async def test_a_nul_character_stops_nothing(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    user = sandbox.user(802, "Nul\x00l", "en")
    await user.send_text(f"/start {territory.join_code}")
    await user.wait(lambda: bool(user.messages))
    await user.press("I agree")
    await user.wait(lambda: len(user.messages) == 2)
    await user.press("Legal frameworks")
    await user.wait(lambda: len(user.messages) == 3)
    await user.press("Full (all questions)")
    await user.wait(lambda: len(user.messages) == 4)
    for _ in range(6):  # no act: the questions about it are not asked
        count = len(user.messages)
        await user.press("Skip ▶")
        await user.wait(lambda c=count: len(user.messages) > c)
    count = len(user.messages)
    await user.send_text("Zero\x00width and NUL")
    await user.wait(lambda: len(user.messages) > count)
    assert "What is one concrete next step" in user.texts[-1]
    async with sessions() as session:
        [stored] = (
            await session.scalars(select(Answer.value).where(Answer.question_id == "strength"))
        ).all()
    assert stored == {"text": "Zerowidth and NUL"}


async def test_a_kept_update_that_cannot_be_read_never_blocks_a_start(
    server: SandboxServer, database_url: str, sessions: Sessions
) -> None:
    junk = {"update_id": 9100, "message": {"text": "no chat, no date"}}
    async with sessions() as session, session.begin():
        await Repository(session).receive_updates("telegram", [(9100, junk)])
    bot = RunningBot(server.url, database_url)
    await bot.start()
    try:
        user = server.sandbox.user(803, "After", "en")
        await user.send_text("/help")
        await user.wait(lambda: bool(user.messages))
    finally:
        await bot.stop()
    async with sessions() as session:
        assert await Repository(session).pending_updates("telegram") == []
