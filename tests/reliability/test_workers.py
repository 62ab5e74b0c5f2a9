"""Two webhook workers on one PostgreSQL database, the local Bot API server posting each update
to one of them at random, and one worker killed with -9 under load: every update handled once,
every person's answers all stored in order, each scheduled message sent once."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.sandbox.server import Sandbox
from storage.models import OutboxMessage, ReceivedUpdate, Territory
from tests.bot.harness import TOKEN, WEBHOOK_SECRET, SandboxServer, free_port, start
from tests.bot.scheduling.helpers import Sessions, daytime, joined_long_ago
from tests.reliability.people import Person, answers_by_person, expected_answers

PEOPLE = 40
INVITED = 20
"""People who joined two days ago and never opened a block: each is due one invitation."""


async def serve(
    env: dict[str, str], cwd: Path, log: Path, port: int, hook: str
) -> asyncio.subprocess.Process:
    """`sse-facilitator serve` as its own process; returns once its /healthz says ok."""
    with log.open("ab") as output:
        process = await start(
            env,
            cwd,
            output,
            args=("serve", "--port", str(port), "--webhook-url", hook),
        )
    async with aiohttp.ClientSession() as client:
        for _ in range(300):
            try:
                async with client.get(f"http://127.0.0.1:{port}/healthz") as r:
                    if r.status == 200:
                        return process
            except aiohttp.ClientError:
                pass
            assert process.returncode is None, log.read_text()
            await asyncio.sleep(0.1)
    raise AssertionError(f"the worker on {port} never became healthy: {log.read_text()}")


async def test_two_workers_one_killed_under_load(
    server: SandboxServer,
    database_url: str,
    territory: Territory,
    sessions: Sessions,
    tmp_path: Path,
) -> None:
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("several workers share a PostgreSQL database (SQLite: one process)")
    sandbox: Sandbox = server.sandbox
    await daytime(sessions, territory)
    invited = [sandbox.user(50_000 + n, f"I{n}", "en") for n in range(INVITED)]
    await joined_long_ago(sessions, territory, invited)
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_URL": server.url,
        "DATABASE_URL": database_url,
        "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
    }
    ports = [free_port(), free_port()]
    hook = "http://127.0.0.1:9/telegram"  # the load balancer's address: never called here
    sandbox.balance = [f"http://127.0.0.1:{port}/telegram" for port in ports]
    logs = [tmp_path / f"worker{n}.log" for n in (1, 2)]
    workers = [await serve(env, tmp_path, log, p, hook) for log, p in zip(logs, ports, strict=True)]
    chance = random.Random(7)
    people = [
        Person(sandbox.user(60_000 + n, f"P{n}", "en"), n, territory.join_code, patience=15)
        for n in range(PEOPLE)
    ]
    walking = asyncio.gather(*(p.walk() for p in people))
    try:
        target = len(sandbox.calls) + chance.randint(150, 300)
        while len(sandbox.calls) < target:
            await asyncio.sleep(0.05)
        workers[0].kill()  # SIGKILL, mid-update: no clean-up of any kind
        await workers[0].wait()
        await asyncio.sleep(1.0)  # the other worker alone for a while
        workers[0] = await serve(env, tmp_path, logs[0], ports[0], hook)
        await asyncio.wait_for(walking, 240)
        for someone in invited:  # one invitation each, from whichever worker leads
            await someone.wait(lambda s=someone: bool(s.messages), 30)
        await asyncio.sleep(3)  # a second copy would come within a dispatcher tick or two
    finally:
        for worker in workers:
            if worker.returncode is None:
                worker.kill()
                await worker.wait()
    async with sessions() as session:
        handled = Counter(
            (
                await session.scalars(
                    select(ReceivedUpdate.update_id).where(ReceivedUpdate.handled_at.is_not(None))
                )
            ).all()
        )
        unhandled = await session.scalar(
            select(func.count()).where(ReceivedUpdate.handled_at.is_(None))
        )
        statuses = Counter((await session.scalars(select(OutboxMessage.status))).all())
    assert sandbox.delivery is not None
    posted = {a.update_id for a in sandbox.delivery.attempts}
    assert posted == set(handled) and set(handled.values()) == {1} and unhandled == 0
    outcomes = Counter(
        (a.url, a.outcome if isinstance(a.outcome, int) else "failed")
        for a in sandbox.delivery.attempts
    )
    assert all(outcomes[(url, 200)] > 20 for url in sandbox.balance), "both workers served"
    by_person = await answers_by_person(sessions)
    for person in people:
        assert by_person[str(person.user.id)] == expected_answers(person.n)
        assert not any("Sorry" in text for text in person.user.texts)
    for someone in invited:
        assert len(someone.messages) == 1, "each scheduled message sent once"
    assert statuses == {"sent": INVITED}
    failures = sum(n for (_, outcome), n in outcomes.items() if outcome != 200)
    print(f"posts: {dict(outcomes)}; redelivered after the kill: {failures}")
