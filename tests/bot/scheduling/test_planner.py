"""Planning on a controllable clock: nudges after a quiet day and never at night, at most three
per block, one invitation, reminders before the session replanned when its date moves, /stop
honoured, planning twice adds nothing, and two dispatchers claim each row once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.scheduling.planner import plan
from storage import db
from storage.models import Conversation, Membership, OutboxMessage, Participant, Territory
from storage.outbox import Leadership, Outbox
from storage.repository import Repository

Sessions = async_sessionmaker[AsyncSession]
START = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)  # 09:00 in Córdoba, 14:00 in Kigali


async def territory(sessions: Sessions, zone: str, session_at: datetime | None = None) -> int:
    async with sessions() as session, session.begin():
        made = await Repository(session).create_territory(
            name=zone, country="AR", timezone=zone, language="es", session_at=session_at
        )
        return made.id


async def person(
    sessions: Sessions, territory_id: int, name: str, joined: datetime, role: str = "participant"
) -> int:
    async with sessions() as session, session.begin():
        repo = Repository(session)
        someone = await repo.ensure_participant("telegram", name)
        await repo.record_consent(someone, language="es", display_name=None)
        place = await session.get(Territory, territory_id)
        assert place is not None
        membership = await repo.join(someone, place, role)
        membership.joined_at = joined
        return someone.id


async def started(
    sessions: Sessions, person_id: int, territory_id: int, flow: str, last: datetime
) -> None:
    """The person opened a block and last answered in it at `last`."""
    async with sessions() as session, session.begin():
        session.add(
            Conversation(
                participant_id=person_id,
                territory_id=territory_id,
                flow_id=flow,
                state={"status": "active"},
                version=1,
                started_at=last,
                updated_at=last,
            )
        )


async def planning(sessions: Sessions, now: datetime) -> None:
    async with sessions() as session, session.begin():
        await plan(Outbox(session), now)


async def outbox(sessions: Sessions) -> list[OutboxMessage]:
    async with sessions() as session:
        rows = await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return list(rows.all())


def waiting(rows: list[OutboxMessage], kind: str) -> list[OutboxMessage]:
    return [r for r in rows if r.kind == kind and r.status == "planned"]


async def test_nudge_after_a_quiet_day_never_at_night_three_at_most(sessions: Sessions) -> None:
    cordoba = await territory(sessions, "America/Argentina/Cordoba")
    kigali = await territory(sessions, "Africa/Kigali")
    ana = await person(sessions, cordoba, "ana", START - timedelta(days=3))
    ben = await person(sessions, kigali, "ben", START - timedelta(days=3))
    await started(sessions, ana, cordoba, "legal", START - timedelta(hours=23))
    await started(sessions, ben, kigali, "legal", START - timedelta(hours=23))
    await planning(sessions, START)
    assert waiting(await outbox(sessions), "nudge") == []  # quiet for 23 hours only
    # 20:00 UTC: 17:00 in Córdoba (send now), 22:00 in Kigali (quiet: wait for 08:00)
    evening = START + timedelta(hours=8)
    await planning(sessions, evening)
    await planning(sessions, evening)  # planning again adds nothing
    nudges = {r.participant_id: r for r in waiting(await outbox(sessions), "nudge")}
    assert set(nudges) == {ana, ben} and len(waiting(await outbox(sessions), "nudge")) == 2
    assert nudges[ana].due_at == evening
    assert nudges[ben].due_at == datetime(2027, 1, 16, 6, 0, tzinfo=UTC)  # 08:00 in Kigali
    assert nudges[ana].payload["flow"] == "legal"

    # each new quiet spell may bring one more nudge, three in all for the block
    async with sessions() as session, session.begin():
        await session.execute(update(OutboxMessage).values(status="sent"))
    for day in range(1, 5):
        last = evening + timedelta(days=day)
        async with sessions() as session, session.begin():
            await session.execute(
                update(Conversation)
                .where(Conversation.participant_id == ana)
                .values(updated_at=last - timedelta(hours=25))
            )
        await planning(sessions, last)
    sent_or_waiting = [r for r in await outbox(sessions) if r.participant_id == ana]
    assert len(sent_or_waiting) == 3


async def test_finished_stopped_and_facilitators_get_no_nudge_newcomers_one_invitation(
    sessions: Sessions,
) -> None:
    place = await territory(sessions, "America/Argentina/Cordoba")
    old = START - timedelta(days=2)
    done = await person(sessions, place, "done", old)
    stopped = await person(sessions, place, "stopped", old)
    newcomer = await person(sessions, place, "new", old)
    fresh = await person(sessions, place, "fresh", START - timedelta(hours=2))
    await person(sessions, place, "marie", old, role="facilitator")
    for who in (done, stopped):
        await started(sessions, who, place, "legal", old)
    async with sessions() as session, session.begin():
        await session.execute(
            update(Conversation).where(Conversation.participant_id == done).values(finished_at=old)
        )
        repo = Repository(session)
        quitter = await session.get(Participant, stopped)
        assert quitter is not None
        await repo.set_stopped(quitter, True)
    await planning(sessions, START)
    await planning(sessions, START + timedelta(days=1))
    rows = await outbox(sessions)
    # one each, the newcomer first (the fresh one a day later), none for the others
    assert [(r.kind, r.participant_id) for r in rows] == [
        ("invitation", newcomer),
        ("invitation", fresh),
    ]
    assert rows[1].created_at == START + timedelta(days=1)


async def test_reminders_before_the_session_replanned_when_it_moves(sessions: Sessions) -> None:
    session_at = datetime(2027, 6, 1, 14, 15, tzinfo=UTC)  # 16:15 in Paris
    place = await territory(sessions, "Europe/Paris", session_at)
    ana = await person(sessions, place, "ana", START)
    marie = await person(sessions, place, "marie", START, role="facilitator")
    now = datetime(2027, 5, 30, 8, 0, tzinfo=UTC)  # 2 days and 6 hours before
    await planning(sessions, now)
    rows = waiting(await outbox(sessions), "session")
    # 7 days before is already past: not sent late; 2 days and 3 hours before are planned
    assert sorted({r.due_at for r in rows}) == [
        session_at - timedelta(hours=48),
        session_at - timedelta(hours=3),
    ]
    assert {r.participant_id for r in rows} == {ana, marie}

    moved = datetime(2027, 6, 2, 5, 0, tzinfo=UTC)  # 07:00 in Paris
    async with sessions() as session, session.begin():
        await session.execute(update(Territory).values(session_at=moved))
    await planning(sessions, now)
    rows = await outbox(sessions)
    old = [r for r in rows if r.kind == "session" and r.payload["session_at"] != moved.isoformat()]
    assert len(old) == 4 and {r.status for r in old} == {"cancelled"}
    new = waiting(rows, "session")
    # 3 hours before 07:00 is 04:00 in Paris, in the quiet hours: moved to 08:00, after the
    # session, so it is dropped; 2 days before is 07:00, also quiet: it waits until 08:00
    assert {r.due_at for r in new} == {datetime(2027, 5, 31, 6, 0, tzinfo=UTC)}
    assert len(new) == 2


async def test_two_dispatchers_claim_each_row_once_and_a_lost_claim_comes_back(
    database_url: str, sessions: Sessions
) -> None:
    place = await territory(sessions, "America/Argentina/Cordoba")
    people = [await person(sessions, place, f"p{n}", START - timedelta(days=2)) for n in range(40)]
    await planning(sessions, START)
    assert len(waiting(await outbox(sessions), "invitation")) == len(people)
    first, second = db.Database(database_url), db.Database(database_url)
    try:
        claims = await asyncio.gather(
            *(
                database.run(lambda s: Outbox(s).claim(START, limit=7))
                for _ in range(4)
                for database in (first, second)
            )
        )
        ids = [row.id for claim in claims for row in claim]
        assert len(ids) == len(set(ids)) == len(people)  # each once, all of them
        # a claimer that died: its lease runs out and the row is claimed again
        later = START + timedelta(minutes=3)
        again = await first.run(lambda s: Outbox(s).claim(later, limit=100))
        assert len(again) == len(people) and {r.attempts for r in again} == {2}
    finally:
        await first.dispose()
        await second.dispose()


async def test_membership_rows_are_what_the_planner_reads(sessions: Sessions) -> None:
    """Joining later still gets the reminders (planned at the next pass)."""
    session_at = START + timedelta(days=10)
    place = await territory(sessions, "America/Argentina/Cordoba", session_at)
    await planning(sessions, START)
    assert await outbox(sessions) == []
    late = await person(sessions, place, "late", START + timedelta(days=1))
    await planning(sessions, START + timedelta(days=1))
    rows = waiting(await outbox(sessions), "session")
    assert {r.participant_id for r in rows} == {late} and len(rows) == 3
    async with sessions() as session:
        assert await session.scalar(select(Membership.number)) == 1


async def test_each_territory_waits_its_own_time_before_an_invitation(sessions: Sessions) -> None:
    quick = await territory(sessions, "America/Argentina/Cordoba")
    patient = await territory(sessions, "America/Argentina/Cordoba")
    async with sessions() as session, session.begin():
        for place, hours in ((quick, 1), (patient, 48)):
            found = await session.get(Territory, place)
            assert found is not None
            found.schedule = {"nudge_after_hours": hours}
    two_hours_ago = START - timedelta(hours=2)
    eager = await person(sessions, quick, "eager", two_hours_ago)
    await person(sessions, patient, "calm", two_hours_ago)
    await planning(sessions, START)
    assert [(r.kind, r.participant_id) for r in await outbox(sessions)] == [("invitation", eager)]


async def test_what_was_cancelled_comes_back_when_its_reason_does(sessions: Sessions) -> None:
    """The same session date set again, /start after /stop: the reminders are planned again;
    and the thanks planned for a session survive it starting."""
    session_at = START + timedelta(days=3)
    place = await territory(sessions, "America/Argentina/Cordoba", session_at)
    ana = await person(sessions, place, "ana", START)
    await started(sessions, ana, place, "legal", START)
    async with sessions() as session, session.begin():
        await session.execute(update(Conversation).values(finished_at=START))
    await planning(sessions, START)
    kinds = sorted(r.kind for r in waiting(await outbox(sessions), "session"))
    assert kinds == ["session", "session"]  # 2 days and 3 hours before; 7 days is past

    async with sessions() as session, session.begin():  # /session with the same date
        await Outbox(session).cancel_session_reminders(place, "session date changed")
    assert waiting(await outbox(sessions), "session") == []
    await planning(sessions, START)
    assert len(waiting(await outbox(sessions), "session")) == 2

    async with sessions() as session, session.begin():  # /stop, then /start
        someone = await session.get(Participant, ana)
        assert someone is not None
        await Repository(session).set_stopped(someone, True)
    await planning(sessions, START)
    assert waiting(await outbox(sessions), "session") == []
    async with sessions() as session, session.begin():
        someone = await session.get(Participant, ana)
        assert someone is not None
        await Repository(session).set_stopped(someone, False)
    await planning(sessions, START)
    assert len(waiting(await outbox(sessions), "session")) == 2

    await planning(sessions, session_at + timedelta(minutes=30))  # the session has begun
    [thanks] = waiting(await outbox(sessions), "thanks")
    assert thanks.due_at == session_at + timedelta(hours=2)


async def test_one_process_plans_at_a_time(sessions: Sessions) -> None:
    """On PostgreSQL, planning takes an advisory lock for its transaction: a second planner
    (another process) skips its pass meanwhile. On SQLite the single writer does this."""
    async with sessions() as first, first.begin():
        assert await Outbox(first).planning_lock()
        async with sessions() as second, second.begin():
            other = await Outbox(second).planning_lock()
            assert other is (first.bind.dialect.name != "postgresql")
    async with sessions() as again, again.begin():  # released with the first transaction
        assert await Outbox(again).planning_lock()


async def test_one_process_sends_scheduled_messages_and_another_takes_over_when_it_dies(
    database_url: str,
) -> None:
    """On PostgreSQL one process at a time leads the sending (so the pace holds for all
    together); when its connection dies with it, the next to ask leads. On SQLite, always."""
    first, second = db.Database(database_url), db.Database(database_url)
    leader, other = Leadership(first.engine), Leadership(second.engine)
    try:
        assert await leader.held()
        if first.is_sqlite:
            assert await other.held()
            return
        assert not await other.held() and await leader.held(), "one leads, and keeps leading"
        assert leader.connection is not None
        pid = await leader.connection.scalar(text("SELECT pg_backend_pid()"))
        await leader.connection.commit()
        async with second.engine.connect() as admin:  # as when the leading process dies
            await admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
            await admin.commit()
        await asyncio.sleep(0.2)
        assert await other.held(), "the next to ask takes over"
        assert not await leader.held(), "the old leader sees it lost the lead"
        await other.release()
        assert await leader.held(), "given up, the lead is free again"
    finally:
        await leader.release()
        await other.release()
        await first.dispose()
        await second.dispose()
