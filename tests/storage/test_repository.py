"""The repository against a real SQLite database made by the migrations."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from alembic import command
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import db
from storage.models import Answer, Participant, Territory
from storage.repository import (
    JOIN_CODE_ALPHABET,
    ConversationConflict,
    NewAnswer,
    Repository,
    normalise_join_code,
)

Sessions = async_sessionmaker[AsyncSession]


async def make_territory(repo: Repository, **overrides: Any) -> Territory:
    fields = {"name": "Córdoba", "country": "AR", "timezone": "America/Argentina/Cordoba"}
    fields.update({"language": "es", **overrides})
    return await repo.create_territory(**fields)


def test_migrations_match_the_models(database_url: str) -> None:
    command.check(db.alembic_config(database_url))  # raises when a migration is missing


async def test_territory_join_codes(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        repo = Repository(session)
        session_at = datetime(2027, 6, 1, 16, 15, tzinfo=timezone(timedelta(hours=2)))
        first = await make_territory(repo, session_at=session_at)
        others = [await make_territory(repo, name=f"T{i}") for i in range(20)]
    codes = {t.join_code for t in [first, *others]}
    assert len(codes) == 21
    assert all(len(c) >= 8 and set(c) <= set(JOIN_CODE_ALPHABET) for c in codes)
    async with sessions() as session:
        repo = Repository(session)
        typed = f" {first.join_code[:4].lower()}-{first.join_code[4:]} "
        found = await repo.territory_by_join_code(typed)
        assert found is not None and found.id == first.id
        assert found.session_at == datetime(2027, 6, 1, 14, 15, tzinfo=UTC)
        assert await repo.territory_by_join_code("NOPE") is None
        assert [t.name for t in await repo.territories()][:2] == ["Córdoba", "T0"]


def test_normalise_join_code() -> None:
    assert normalise_join_code("abcd efgh") == "ABCDEFGH"
    assert normalise_join_code("ABCDEFG0") is None  # 0 is not in the alphabet
    assert normalise_join_code("ABC") is None


async def test_participant_is_created_with_nothing_but_its_id(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        repo = Repository(session)
        first = await repo.ensure_participant("telegram", "42")
        again = await repo.ensure_participant("telegram", "42")
        other = await repo.ensure_participant("whatsapp", "42")
    assert first.id == again.id != other.id
    assert (first.display_name, first.language, first.consent_at) == (None, None, None)


async def test_memberships(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        repo = Repository(session)
        person = await repo.ensure_participant("telegram", "7")
        territory = await make_territory(repo)
        await repo.join(person, territory)
        await repo.join(person, territory)
        await repo.join(person, territory, "facilitator")
        memberships = await repo.memberships(person)
        assert [(m.territory.name, m.role) for m in memberships] == [("Córdoba", "facilitator")]
        other = await make_territory(repo, name="Rosario")
        await repo.join(person, other)
        assert [m.territory.name for m in await repo.memberships(person)] == ["Rosario", "Córdoba"]
        await repo.join(person, territory)
        assert [m.territory.name for m in await repo.memberships(person)] == ["Córdoba", "Rosario"]


async def test_answers_are_appended_and_the_latest_is_current(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        repo = Repository(session)
        person = await repo.ensure_participant("telegram", "1")
        territory = await make_territory(repo)
        state = {"status": "active", "answers": {}}
        await repo.save_step(
            person, territory, "legal", state, [NewAnswer("legal", "instrument", {"choice": "1"})]
        )
        await repo.save_step(
            person,
            territory,
            "legal",
            {"status": "finished"},
            [
                NewAnswer("legal", "instrument", {"choice": "3"}),
                NewAnswer("legal", "budget", {"dk": True}),
            ],
        )
        await repo.save_step(
            person, territory, "legal", state, [NewAnswer("legal", "budget", None)]
        )
        current = await repo.current_answers(person, territory)
        history = await repo.answer_history(person, territory)
        conversation = await repo.conversation(person, territory, "legal")
    assert current == {"legal": {"instrument": {"choice": "3"}}}
    assert [(a.question_id, a.revision, a.value) for a in history] == [
        ("budget", 1, {"dk": True}),
        ("budget", 2, None),
        ("instrument", 1, {"choice": "1"}),
        ("instrument", 2, {"choice": "3"}),
    ]
    assert conversation is not None and conversation.version == 3
    assert conversation.finished_at is None  # re-opened after finishing


async def test_optimistic_locking(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        repo = Repository(session)
        person = await repo.ensure_participant("telegram", "1")
        territory = await make_territory(repo)
        await repo.save_step(person, territory, "legal", {"n": 1}, expected_version=0)
    async with sessions() as session, session.begin():
        repo = Repository(session)
        await repo.save_step(person, territory, "legal", {"n": 2}, expected_version=1)
    async with sessions() as session:
        repo = Repository(session)
        with pytest.raises(ConversationConflict):
            await repo.save_step(person, territory, "legal", {"n": 3}, expected_version=1)


async def test_concurrent_writers_do_not_both_win(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        repo = Repository(session)
        person = await repo.ensure_participant("telegram", "1")
        territory = await make_territory(repo)
        await repo.save_step(person, territory, "legal", {"n": 1})

    async def write(n: int) -> bool:
        async with sessions() as session:
            repo = Repository(session)
            conversation = await repo.conversation(person, territory, "legal")
            assert conversation is not None
            await asyncio.sleep(0.01)
            try:
                await repo.save_step(
                    person, territory, "legal", {"n": n}, expected_version=conversation.version
                )
                await session.commit()
                return True
            except ConversationConflict:
                await session.rollback()
                return False

    results = await asyncio.gather(write(2), write(3))
    assert sorted(results) == [False, True]


async def test_a_redelivered_update_is_claimed_once(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        repo = Repository(session)
        assert await repo.claim_update("telegram", 1001) is True
        assert await repo.claim_update("telegram", 1001) is False
        assert await repo.claim_update("telegram", 1002) is True
        assert await repo.claim_update("whatsapp", 1001) is True


async def test_forgotten_participant_leaves_anonymous_answers(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        repo = Repository(session)
        person = await repo.ensure_participant("telegram", "9")
        territory = await make_territory(repo)
        await repo.save_step(
            person, territory, "legal", {}, [NewAnswer("legal", "lead", {"choice": "2"})]
        )
        await session.delete(await session.get(Participant, person.id))
    async with sessions() as session:
        rows = (await session.scalars(select(Answer))).all()
    assert [(a.participant_id, a.conversation_id, a.value) for a in rows] == [
        (None, None, {"choice": "2"})
    ]


async def test_forgetting_leaves_button_answers_that_nothing_links(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        repo = Repository(session)
        territory = await make_territory(repo)
        stays = await repo.ensure_participant("telegram", "1")
        leaves = await repo.ensure_participant("telegram", "2")
        for person in (stays, leaves):
            await repo.save_step(person, territory, "legal", {}, [
                NewAnswer("legal", "instrument", {"choice": "1"}),
                NewAnswer("legal", "entities", {"choices": ["cooperatives"]}),
                NewAnswer("legal", "strength", {"text": "We meet every month."}),
            ])  # fmt: skip
            await repo.save_step(person, territory, "legal", {}, [
                NewAnswer("legal", "instrument", {"choice": "2"}),
                NewAnswer("legal", "lead", {"voice": {"file_id": "v", "duration": 3}}),
                NewAnswer("legal", "budget", {"dk": True}),
            ])  # fmt: skip
        await repo.forget_participant(leaves)
    async with sessions() as session:
        repo = Repository(session)
        left = await repo.anonymous_answers(territory)
        answers = (await session.scalars(select(Answer))).all()
        assert await repo.participant("telegram", "2") is None
    assert {a.participant_id for a in answers} == {stays.id}, "the other person's stay whole"
    assert sorted((a.question_id, str(a.value)) for a in left) == [
        ("budget", "{'dk': True}"),
        ("entities", "{'choices': ['cooperatives']}"),
        ("instrument", "{'choice': '2'}"),
    ], "the latest button answers only: no text, no voice, no earlier revision"
    assert all(a.answered_on == datetime.now(UTC).date() for a in left), "the day only"
    assert all(len(a.id) == 32 and int(a.id, 16) >= 0 for a in left), "random ids"
    assert not hasattr(left[0], "participant_id") and not hasattr(left[0], "conversation_id")


async def test_old_update_ids_and_wrong_codes_are_pruned(sessions: Sessions) -> None:
    now = datetime.now(UTC)
    async with sessions() as session, session.begin():
        repo = Repository(session)
        await repo.receive_updates("telegram", [(1, {"update_id": 1}), (2, {"update_id": 2})])
        assert await repo.claim_update("telegram", 1)
        await repo.record_join_failure("someone")
        await repo.prune(now + timedelta(seconds=1), now + timedelta(seconds=1))
        assert await repo.pending_updates("telegram") == [{"update_id": 2}], "unhandled stay"
        assert await repo.join_failures("someone", now - timedelta(hours=1)) == []
        assert await repo.claim_update("telegram", 2)


def test_migration_0005_goes_down_and_up_keeping_the_territories(database_url: str) -> None:
    async def add(closed: bool) -> str:
        engine = db.create_engine(database_url)
        try:
            async with db.session_factory(engine)() as session, session.begin():
                repo = Repository(session)
                territory = await make_territory(repo)
                await repo.replace_code(territory)
                await repo.set_closed(territory, closed)
                return territory.join_code
        finally:
            await engine.dispose()

    code = asyncio.run(add(True))
    config = db.alembic_config(database_url)
    command.downgrade(config, "0004")
    command.upgrade(config, "head")

    async def read() -> tuple[str, datetime | None]:
        engine = db.create_engine(database_url)
        try:
            async with db.session_factory(engine)() as session:
                territory = (await session.scalars(select(Territory))).one()
                return territory.join_code, territory.closed_at
        finally:
            await engine.dispose()

    assert asyncio.run(read()) == (code, None)
    asyncio.run(add(False))  # and the new table works again


async def test_replaced_codes_and_closed_territories(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        repo = Repository(session)
        territory = await make_territory(repo)
        link = await repo.add_group_link(territory, ["legal"])
        old_join, old_facilitator = territory.join_code, territory.facilitator_code
        new_join = await repo.replace_code(territory)
        new_facilitator = await repo.replace_code(territory, "facilitator")
        assert (territory.join_code, territory.facilitator_code) == (new_join, new_facilitator)
        assert len({old_join, old_facilitator, new_join, new_facilitator}) == 4
        for old, role in ((old_join, "participant"), (old_facilitator, "facilitator")):
            assert await repo.territory_by_code(old) is None
            retired = await repo.retired_code(old.lower())
            assert retired is not None
            assert (retired.territory_id, retired.role) == (territory.id, role)
        assert await repo.retired_code(new_join) is None
        assert await repo.retired_code("nonsense") is None
        taken = {old_join, old_facilitator, new_join, new_facilitator, link.code}
        assert taken.isdisjoint(await repo.new_codes(50))
        with pytest.raises(ValueError, match="unknown role"):
            await repo.replace_code(territory, "organiser")

        await repo.set_closed(territory, True)
        codes = (new_join, link.code, new_facilitator)
        found = [await repo.territory_by_code(code) for code in codes]
        assert [m.closed if m else None for m in found] == [True, True, False]
        await repo.set_closed(territory, False)
        assert not any(m.closed for m in [await repo.territory_by_code(c) for c in codes] if m)

        person = await repo.ensure_participant("telegram", "41")
        assert not await repo.is_member("telegram", "41", territory)
        await repo.join(person, territory)
        assert await repo.is_member("telegram", "41", territory)
        assert not await repo.is_member("telegram", "42", territory)


async def test_territories_named_ignores_letter_case_and_spaces(sessions: Sessions) -> None:
    async with sessions() as session, session.begin():
        repo = Repository(session)
        first = await make_territory(repo, name="San José  de Mayo")
        await make_territory(repo, name="San José de Mayo", country="UY")
        found = await repo.territories_named(" san JOSÉ de   mayo", "ar")
        assert [t.id for t in found] == [first.id]
        assert await repo.territories_named("San José", "AR") == []
