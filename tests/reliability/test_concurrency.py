"""A room of people answering at the same minute, while their facilitator asks for figures and
files: every answer stored once, every press answered, every command answered, no error."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.server import Sandbox, SandboxUser
from storage.models import ReceivedUpdate, Territory
from tests.bot.harness import RunningBot, join, next_prompt, tap, toggle
from tests.reliability.people import answers_by_person, expected_answers, next_step_of

PEOPLE = 100
WAIT = 60.0


async def answer_the_communication_block(user: SandboxUser, code: str, n: int) -> None:
    """Join, agree, open a block and answer its short path: presses, a multi-select and a
    text."""
    await join(user, code, "I agree")
    await tap(user, "Communication")
    await tap(user, "Short (about 3 minutes)")
    await tap(user, "1 · Some actions")
    await toggle(user, "Fairs")
    await tap(user, "Done ✓")
    for level in ("Don't know", "3 · Reports with figures"):
        await tap(user, level)
    before = len(user.messages)
    await user.send_text(next_step_of(n))
    await next_prompt(user, before, WAIT)
    for choice in ("Both together", "Within 6 months", "Money"):
        await tap(user, choice)


async def ask_for_figures(user: SandboxUser, code: str) -> list[str]:
    """A facilitator who joins and, while the room answers, asks for progress, the summary
    and the export, twice; the first reply to each."""
    await join(user, code, "I agree")
    replies = []
    for command in ("/progress", "/summary", "/export") * 2:
        before = len(user.messages)
        await user.send_text(command)
        await user.wait(lambda n=before: len(user.messages) > n, WAIT)  # type: ignore[misc]
        replies.append(user.messages[before].text or "")
    files = lambda: [m for m in user.messages if m.kind == "document"]  # noqa: E731
    await user.wait(lambda: len(files()) == 4, WAIT)  # both exports' files: all was handled
    return replies


async def test_a_hundred_people_answer_at_once(
    sandbox: Sandbox,
    running_bot: RunningBot,
    territory: Territory,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    people = [sandbox.user(20_000 + n, f"Person {n}", "en") for n in range(PEOPLE)]
    marie = sandbox.user(19_999, "Marie", "en")
    *_, replies = await asyncio.gather(
        *(answer_the_communication_block(p, territory.join_code, n) for n, p in enumerate(people)),
        ask_for_figures(marie, territory.facilitator_code),
    )
    assert len(replies) == 6 and not any("Sorry" in r or "for facilitators" in r for r in replies)
    async with sessions() as session:
        handled = await session.scalar(
            select(func.count()).where(ReceivedUpdate.handled_at.is_not(None))
        )
        waiting = await session.scalar(
            select(func.count()).where(ReceivedUpdate.handled_at.is_(None))
        )
    by_person = await answers_by_person(sessions)
    assert len(by_person) == PEOPLE
    for n, person in enumerate(people):
        assert by_person[str(person.id)] == expected_answers(n)
        assert person.messages[-1].text.endswith("Choose a block. ✅ = finished.")
        assert not any("Sorry" in text for text in person.texts)
    assert all(sandbox.callbacks.values()), "every press is answered"
    assert sandbox.errors == []
    assert handled == len(sandbox.delivered) and waiting == 0
