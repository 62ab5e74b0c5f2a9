"""Scheduled messages end to end, through the local Bot API server over HTTP, on a
controllable clock: a nudge that resumes the block, a reminder of the session in the person's
language, /stop and /start, a person who blocked the bot, Telegram's 429 and 5xx, and a
dispatcher that died between its claim and its send."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.sandbox.server import Fault, FloodControl, Sandbox, SandboxUser
from bot.scheduling import dispatcher
from bot.scheduling.messages import Outgoing
from bot.scheduling.pacing import Pace
from bot.scheduling.runner import Scheduling
from bot.telegram.app import create_bot
from bot.telegram.scheduled import TelegramChannel
from dialogs.loader import load_flows
from storage import db
from storage.models import Membership, Participant, Territory
from storage.outbox import Outbox
from storage.repository import Repository
from tests.bot.harness import TOKEN, RunningBot, SandboxServer, join, reply_to, tap
from tests.bot.scheduling.helpers import (
    daytime,
    joined_long_ago,
    new_message,
    quiet_for,
    rows,
    scheduling,
)

Sessions = async_sessionmaker[AsyncSession]


class Killed(BaseException):
    """The process dies here: nothing after it runs, nothing catches it."""


async def test_a_nudge_resumes_the_block_and_stop_ends_them(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    await daytime(sessions, territory)
    amina = sandbox.user(701, "Aminata", "fr")
    await join(amina, territory.join_code, "J'accepte")
    await tap(amina, "Cadres juridiques")
    await tap(amina, "Complète (toutes les questions)")
    await tap(amina, "1 · Projet ou discussion")  # then she stops: a customer came
    timer = scheduling(running_bot)
    now = await quiet_for(sessions, 25)
    before = len(amina.messages)
    await timer.plan(now)
    assert await timer.dispatcher.tick(now) == 1
    text = await new_message(amina, before)
    assert text == (
        "Vous avez commencé le bloc «\u00a0Cadres juridiques\u00a0» pour Dakar <Plateau> "
        "& Co. Vous "
        "reprenez là où vous en étiez\u202f? Il ne reste que quelques minutes."
    )
    question = await tap(amina, "Continuer ▶")
    assert "Question 2 sur" in question.text
    [row] = await rows(sessions)
    assert (row.kind, row.status, row.attempts) == ("nudge", "sent", 1)
    assert row.message_id == str(amina.messages[before].message_id)

    # she answered since: the next quiet day brings one more; /stop cancels it and says so
    now = await quiet_for(sessions, 25)
    await timer.plan(now)
    assert [r.status for r in await rows(sessions)] == ["sent", "planned"]
    said = await reply_to(amina, "/stop")
    assert said.text == (
        "C'est noté\u00a0: je ne vous enverrai plus de rappels. Vos réponses sont conservées. "
        "Envoyez /start pour réactiver les rappels."
    )
    assert [r.status for r in await rows(sessions)] == ["sent", "cancelled"]
    await timer.plan(now + timedelta(days=2))
    assert await timer.dispatcher.tick(now + timedelta(days=2)) == 0
    again = await reply_to(amina, "/start")
    assert again.text == "Les rappels sont de nouveau activés."
    stranger = sandbox.user(709, "Sam", "en")
    assert (await reply_to(stranger, "/stop")).text == (
        "I send you no reminders: you have not joined a territory."
    )


async def test_the_session_reminder_in_the_persons_language_and_zone(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    await daytime(sessions, territory)
    session_at = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    async with sessions() as session, session.begin():
        await session.execute(
            update(Territory)
            .where(Territory.id == territory.id)
            .values(session_at=session_at, timezone="America/Argentina/Cordoba")
        )
    carlos = sandbox.user(702, "Carlos", "es-AR")
    await join(carlos, territory.join_code, "Acepto")
    timer = scheduling(running_bot)
    now = session_at - timedelta(hours=3)  # the 3-hour reminder is due
    await timer.plan(now)
    before = len(carlos.messages)
    assert await timer.dispatcher.tick(now) == 1
    text = await new_message(carlos, before)
    local = session_at - timedelta(hours=3)  # Córdoba is UTC-3 all year
    assert text.startswith("Recordatorio: la sesión de Dakar <Plateau> & Co es el ")
    assert f", {local:%H:%M} (GMT-03:00)." in text
    assert text.endswith("Tus respuestas ayudan a prepararla: /menu muestra lo que falta.")


async def test_blocked_flooded_failing_and_a_dispatcher_that_died(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    await daytime(sessions, territory)
    people = [sandbox.user(710 + n, f"P{n}", "en") for n in range(4)]
    for someone in people:
        await join(someone, territory.join_code, "I agree")
    async with sessions() as session, session.begin():  # they joined two days ago
        await session.execute(
            update(Participant).values(created_at=datetime.now(UTC) - timedelta(days=2))
        )
        await session.execute(
            update(Membership).values(joined_at=datetime.now(UTC) - timedelta(days=2))
        )
    timer = scheduling(running_bot)
    now = datetime.now(UTC)
    await timer.plan(now)
    assert [r.kind for r in await rows(sessions)] == ["invitation"] * 4
    sandbox.blocked.add(people[0].id)
    sandbox.faults += [
        Fault("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1),
        Fault("sendMessage", 500, "Internal Server Error", times=2),
    ]
    # a dispatcher claims everything, then dies before sending anything
    async with sessions() as session, session.begin():
        assert len(await Outbox(session).claim(now)) == 4
    assert await timer.dispatcher.tick(now) == 0  # its lease still holds
    later = now + timedelta(minutes=3)
    counts = [len(p.messages) for p in people]
    assert await timer.dispatcher.tick(later) == 4
    for someone, count in zip(people[1:], counts[1:], strict=True):
        text = await new_message(someone, count)
        assert text.startswith("Welcome to Dakar <Plateau> & Co! Each block takes about 5")
        assert len(someone.messages) == count + 1  # once, despite the 429 and the 500s
    found = {r.participant_id: r for r in await rows(sessions)}
    assert sorted(r.status for r in found.values()) == ["cancelled", "sent", "sent", "sent"]
    async with sessions() as session:
        blocked = await session.scalar(
            select(Participant).where(Participant.external_id == str(people[0].id))
        )
        assert blocked is not None and blocked.unreachable_at is not None
    assert {r.attempts for r in found.values()} == {2}


async def test_the_one_window_a_crash_after_the_send_repeats_the_message(
    sandbox: Sandbox,
    running_bot: RunningBot,
    territory: Territory,
    sessions: Sessions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If the process dies after Telegram accepted a message and before it is recorded as
    sent, the lease runs out and the message goes again: the Bot API has no idempotency key.
    The window is one short transaction; it is measured here."""
    await daytime(sessions, territory)
    people = [sandbox.user(720 + n, f"Q{n}", "en") for n in range(5)]
    for someone in people:
        await join(someone, territory.join_code, "I agree")
    async with sessions() as session, session.begin():
        await session.execute(
            update(Membership).values(joined_at=datetime.now(UTC) - timedelta(days=2))
        )
    timer = scheduling(running_bot)
    now = datetime.now(UTC)
    await timer.plan(now)
    accepted: dict[str | None, float] = {}
    recorded: dict[str | None, float] = {}
    crashed: list[str | None] = []
    send, sent = timer.dispatcher.channel.send, Outbox.sent

    async def timed_send(message: Outgoing) -> str | None:
        found = await send(message)
        accepted[found] = time.perf_counter()
        return found

    async def crash_once(self: Outbox, row_id: int, message_id: str | None, now: object) -> None:
        if not crashed:
            crashed.append(message_id)
            raise Killed("after the send")  # what kill -9 leaves behind
        await sent(self, row_id, message_id, now)  # type: ignore[arg-type]
        recorded[message_id] = time.perf_counter()

    monkeypatch.setattr(timer.dispatcher.channel, "send", timed_send)
    monkeypatch.setattr(Outbox, "sent", crash_once)
    counts = [len(p.messages) for p in people]
    with pytest.raises(BaseExceptionGroup) as died:
        await timer.dispatcher.tick(now)
    assert died.group_contains(Killed)
    await timer.dispatcher.tick(now + timedelta(minutes=3))  # the leases have run out
    for someone, count in zip(people, counts, strict=True):
        await someone.wait(lambda s=someone, c=count: len(s.messages) > c)
    got = [len(p.messages) - c for p, c in zip(people, counts, strict=True)]
    # nothing is lost; the message whose record died goes twice, and so may others that were
    # in flight when the process died (at most those: here, the five of the batch)
    assert min(got) == 1 and max(got) == 2
    windows = [recorded[m] - accepted[m] for m in recorded if m in accepted]
    print(f"sent-but-not-recorded window: longest {max(windows) * 1000:.1f} ms")
    assert windows and max(windows) < 0.5


async def test_the_running_bot_plans_and_sends_on_its_own_timer(
    server: SandboxServer, database_url: str, territory: Territory, sessions: Sessions
) -> None:
    await daytime(sessions, territory)
    newcomer = server.sandbox.user(730, "Nadia", "fr")
    async with sessions() as session, session.begin():  # joined two days ago, never started
        repo = Repository(session)
        person = await repo.ensure_participant("telegram", str(newcomer.id))
        await repo.record_consent(person, language="fr", display_name=None)
        place = await session.get(Territory, territory.id)
        assert place is not None
        membership = await repo.join(person, place)
        membership.joined_at = datetime.now(UTC) - timedelta(days=2)
    running = RunningBot(server.url, database_url, scheduled_messages=True)
    await running.start()
    try:
        await newcomer.wait(lambda: bool(newcomer.messages), timeout=15)
        assert newcomer.messages[0].text.startswith(
            "Bienvenue\u202f! Vous participez pour Dakar <Plateau> & Co."
        )
    finally:
        await running.stop()
    [row] = await rows(sessions)
    assert (row.kind, row.status) == ("invitation", "sent")


async def test_a_broadcast_keeps_to_telegrams_limits(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    """The local server refuses more than 30 messages a second, or one a second per chat, as
    Telegram does: a broadcast to 60 people gets no 429."""
    await daytime(sessions, territory)
    people = [sandbox.user(800 + n, f"B{n}", "en") for n in range(60)]
    await joined_long_ago(sessions, territory, people)
    sandbox.flood_control = FloodControl()
    timer = scheduling(running_bot)
    now = datetime.now(UTC)
    await timer.plan(now)
    started = time.perf_counter()
    assert await timer.dispatcher.tick(now) == 60
    took = time.perf_counter() - started
    assert sandbox.flood_control.refused == 0
    assert all(len(p.messages) == 1 for p in people)
    assert {r.status for r in await rows(sessions)} == {"sent"}
    print(f"60 messages in {took:.2f} s: {60 / took:.1f} a second")


async def test_replies_go_first_during_a_broadcast(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    """Sixty invitations go out while five people keep writing: every reply comes, and the
    local server, enforcing Telegram's limits, never has to refuse a message."""
    await daytime(sessions, territory)
    writers = [sandbox.user(900 + n, f"W{n}", "en") for n in range(5)]
    for someone in writers:
        await join(someone, territory.join_code, "I agree")
    people = [sandbox.user(1000 + n, f"B{n}", "en") for n in range(60)]
    await joined_long_ago(sessions, territory, people)
    sandbox.flood_control = FloodControl()
    timer = scheduling(running_bot)
    now = datetime.now(UTC)
    await timer.plan(now)
    broadcast = asyncio.create_task(timer.dispatcher.tick(now))

    async def keep_writing(someone: SandboxUser) -> int:
        replies = 0
        while not broadcast.done():
            said = await reply_to(someone, "/help")
            replies += said.text.startswith("How it works")
            await asyncio.sleep(1.1)  # one message a second per chat, as Telegram asks
        return replies

    answered = await asyncio.gather(*(keep_writing(w) for w in writers))
    assert await broadcast == 60  # the writers joined today: no invitation for them
    assert min(answered) >= 1
    assert sandbox.flood_control.refused == 0
    assert all(len(p.messages) == 1 for p in people)


async def test_two_processes_keep_to_telegrams_limits_together(
    server: SandboxServer,
    database_url: str,
    territory: Territory,
    sessions: Sessions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two processes on one PostgreSQL database, each with its own timer and pace: one leads
    the sending, so 80 invitations keep to Telegram's 30 a second in all (each alone would
    allow itself 26 a second: 52 together)."""
    if db.is_sqlite(database_url):
        pytest.skip("several processes share a PostgreSQL database (SQLite: one process)")
    sandbox = server.sandbox
    await daytime(sessions, territory)
    people = [sandbox.user(1100 + n, f"T{n}", "en") for n in range(80)]
    await joined_long_ago(sessions, territory, people)
    sandbox.flood_control = FloodControl()
    monkeypatch.setattr(dispatcher, "BATCH", 20)  # rows enough for both, if both sent
    settings = Settings(TOKEN, server.url, database_url, frozenset())
    databases = [db.Database(database_url), db.Database(database_url)]
    paces = [Pace(), Pace()]
    bots = [create_bot(settings, 10.0, pace) for pace in paces]
    timers = [
        Scheduling(database, TelegramChannel(bot), load_flows(), pace)
        for database, bot, pace in zip(databases, bots, paces, strict=True)
    ]
    try:
        assert await timers[0].plan() is not None
        started = time.perf_counter()

        async def ticking(timer: Scheduling) -> None:
            while any(not p.messages for p in people):
                await timer._dispatch_logged()
                await asyncio.sleep(0.1)

        await asyncio.wait_for(asyncio.gather(*(ticking(t) for t in timers)), 60)
        took = time.perf_counter() - started
    finally:
        for timer in timers:
            await timer.leadership.release()
        for database, bot in zip(databases, bots, strict=True):
            await bot.session.close()
            await database.dispose()
    assert sandbox.flood_control.refused == 0
    assert all(len(p.messages) == 1 for p in people)
    assert {r.status for r in await rows(sessions)} == {"sent"}
    print(f"80 messages from two processes in {took:.2f} s: {80 / took:.1f} a second")
