"""A bad network and a busy Telegram: 10% of calls answered 5xx, 5% 429, 1% answered after
the bot stopped waiting. Every reply arrives once, nothing crashes, nothing is lost."""

from __future__ import annotations

import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.sandbox.server import Chaos, Sandbox
from storage.models import Territory
from tests.bot.harness import RunningBot, SandboxServer
from tests.reliability.people import Person, answers_by_person, expected_answers

PEOPLE = 20
CLIENT_TIMEOUT = 2.0


async def test_every_reply_arrives_once_through_faults(
    server: SandboxServer,
    database_url: str,
    territory: Territory,
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    sandbox: Sandbox = server.sandbox
    bot = RunningBot(server.url, database_url, request_timeout=CLIENT_TIMEOUT)
    await bot.start()
    chaos = Chaos(server_errors=0.10, floods=0.05, late=0.01, late_by=CLIENT_TIMEOUT + 1, seed=7)
    sandbox.chaos = chaos
    try:
        people = [
            Person(sandbox.user(30_000 + n, f"P{n}", "en"), n, territory.join_code, patience=60)
            for n in range(PEOPLE)
        ]
        await asyncio.gather(*(p.walk() for p in people))
    finally:
        sandbox.chaos = None
        await bot.stop()
    injected = chaos.injected
    assert injected.get("server_error", 0) > 20 and injected.get("flood", 0) > 5
    assert injected.get("late", 0) >= 1
    by_person = await answers_by_person(sessions)
    for person in people:
        assert by_person[str(person.user.id)] == expected_answers(person.n)
        assert person.stalls == 0, "no reply went missing"
        questions = [m.text for m in person.user.messages if "Question" in m.text]
        assert len(questions) == len(set(questions)) == 8, "each question shown once"
        assert not any("Sorry" in text for text in person.user.texts)
    assert all(sandbox.callbacks.values()), "every press is answered"
    refused = {description for _, description in sandbox.errors}
    assert refused <= {
        "Bad Gateway",
        "Too Many Requests: retry after 1",
        "Bad Request: message is not modified",
        "Bad Request: query is too old and response timeout expired or query ID is invalid",
    }, refused
