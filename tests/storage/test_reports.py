"""Facilitators' queries: pseudonym numbers, codes, progress counts, respondents, answer rows."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dialogs import engine
from dialogs.model import Question
from storage.models import Territory
from storage.reports import Reports, VoiceNote, pseudonym, pseudonym_number
from storage.repository import Repository
from tests.seeding import Seeder, context, level

Sessions = async_sessionmaker[AsyncSession]


async def test_codes_give_a_role_and_people_a_pseudonym_each(
    sessions: Sessions, territory: Territory
) -> None:
    async with sessions() as session, session.begin():
        repo = Repository(session)
        by_join = await repo.territory_by_code(territory.join_code.lower())
        by_facilitator = await repo.territory_by_code(territory.facilitator_code)
        assert by_join is not None and by_join.role == "participant"
        assert by_facilitator is not None and by_facilitator.role == "facilitator"
        assert by_facilitator.territory.id == territory.id
        people = [await repo.ensure_participant("telegram", str(n)) for n in range(3)]
        numbers = [(await repo.join(p, territory)).number for p in people]
        again = await repo.join(people[0], territory, "facilitator")
    assert numbers == [1, 2, 3]
    assert again.number == 1 and again.role == "facilitator"
    assert pseudonym(7) == "P-0007"


async def test_progress_respondents_and_answer_rows(
    sessions: Sessions, territory: Territory
) -> None:
    seed = Seeder.for_(sessions)
    await seed.person(territory, {"context": context("official"), "legal": level("2")})
    await seed.person(territory, {"context": context("sse_org")}, language="fr")
    await seed.person(territory, {}, role="facilitator")
    async with sessions() as session:
        reports = Reports(session)
        progress = await reports.progress(territory.id)
        people = await reports.respondents([territory.id])
        rows = await reports.answer_rows([territory.id])
    assert (progress.joined, progress.facilitators) == (3, 1)
    assert progress.blocks["context"].started == 2 and progress.blocks["context"].finished == 2
    assert progress.blocks["legal"].finished == 1
    assert [p.pseudonym for p in people] == ["P-0001", "P-0002", "P-0003"]
    assert people[0].answers["context"]["role"] == {"choice": "official"}
    assert people[1].language == "fr" and people[2].blocks == {}
    legal = [r for r in rows if r.flow_id == "legal"]
    assert {r.pseudonym for r in legal} == {"P-0001"}
    assert all(r.value for r in rows)


async def test_a_voice_answer_by_pseudonym_and_answers_of_one_block(
    sessions: Sessions, territory: Territory
) -> None:
    def voice(question: Question) -> engine.Input:
        if question.kind == "text":
            return engine.Voice("VOICE-1", 7)
        return level("2")(question)

    seed = Seeder.for_(sessions)
    first = await seed.person(territory, {"context": context("official"), "data": voice})
    await seed.person(
        territory, {"context": context("sse_org"), "legal": level("1")}, language="fr"
    )
    async with sessions() as session:
        reports = Reports(session)
        found = await reports.voice_answer(territory.id, 1, "data", "strength")
        assert found == VoiceNote("VOICE-1", 7, "en")
        assert await reports.voice_answer(territory.id + 1, 1, "data", "strength") is None
        assert await reports.voice_answer(territory.id, 2, "data", "strength") is None
        assert await reports.voice_answer(territory.id, 1, "data", "register") is None
        people = await reports.respondents([territory.id], {"context"})
        assert [set(p.blocks) for p in people] == [{"context"}, {"context"}]
        answers = await reports.block_answers(territory.id, "data", {"data", "context"})
    assert list(answers) == [first.id] and set(answers[first.id]) == {"data", "context"}
    assert pseudonym_number("P-0012") == 12
