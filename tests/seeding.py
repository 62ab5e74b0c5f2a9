"""Seed territories with people who answered blocks, through the real engine and storage
(the way the bot stores answers), for tests of facilitators' figures and files."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.conversations import Conversations
from dialogs import engine
from dialogs.loader import load_flows
from dialogs.model import FULL, PATH, Flow, Question
from storage.models import Participant, Territory
from storage.repository import Repository

Sessions = async_sessionmaker[AsyncSession]
Pick = Callable[[Question], engine.Input]
"""What a person answers to a question (a `Choose`, `Text`, `Voice`, `Skip`...); a `Toggle`
on a multi-select is followed by Done."""


def first_choice(question: Question) -> engine.Input:
    """Level 1 or the first choice; words for an open question; 5 for a number; the full
    path of a block."""
    if question.id == PATH:
        return engine.Choose(FULL)
    if question.kind == "scale":
        return engine.Choose("1")
    if question.kind == "multi":
        return engine.Toggle(question.choices[0].id)
    if question.kind == "choice":
        return engine.Choose(question.choices[0].id)
    if question.kind == "number":
        return engine.Number(5)
    return engine.Text(f"Idea for {question.id}")


def level(value: str) -> Pick:
    """The same level (or 'dk'/'na' when offered) for every scale; else `first_choice`."""

    def pick(question: Question) -> engine.Input:
        if question.kind == "scale" and value in question.buttons:
            return engine.Choose(value)
        return first_choice(question)

    return pick


def context(role: str, **choices: str) -> Pick:
    """Context answers: a role ('official', 'sse_org'...), other choices by question id."""

    def pick(question: Question) -> engine.Input:
        if question.id == "role":
            return engine.Choose(role)
        if question.id in choices:
            return engine.Choose(choices[question.id])
        if question.kind == "multi":
            return engine.Choose("dk") if question.dont_know else first_choice(question)
        return first_choice(question)

    return pick


async def answer_block(conversations: Conversations, flow: Flow, pick: Pick) -> None:
    """Open a block and answer every question it asks until it is finished."""
    outputs = await conversations.step(flow.id, engine.Start())
    for _ in range(100):
        if any(isinstance(o, engine.Finished) for o in outputs):
            return
        asks = [o for o in outputs if isinstance(o, engine.Ask)]
        assert asks, f"{flow.id}: no question and not finished: {outputs}"
        question = flow.question(asks[-1].question)
        assert question is not None
        given = pick(question)
        outputs = await conversations.step(flow.id, given)
        if isinstance(given, engine.Toggle):  # a multi-select: one choice, then Done
            outputs = await conversations.step(flow.id, engine.Done(question.id))
    raise AssertionError(f"{flow.id} did not finish")


@dataclass
class Seeder:
    """Adds people to a territory, each answering the blocks they are given."""

    sessions: Sessions
    flows: Mapping[str, Flow]
    next_id: int = 10_000

    @classmethod
    def for_(cls, sessions: Sessions) -> Seeder:
        return cls(sessions, load_flows())

    async def person(
        self,
        territory: Territory,
        blocks: Mapping[str, Pick],
        *,
        language: str = "en",
        role: str = "participant",
    ) -> Participant:
        """A person who agreed, joined and answered `blocks` (flow id -> how), in order."""
        self.next_id += 1
        async with self.sessions() as session, session.begin():
            repo = Repository(session)
            participant = await repo.ensure_participant("telegram", str(self.next_id))
            await repo.record_consent(participant, language=language, display_name="Secret Name")
            await repo.join(participant, territory, role)
            conversations = Conversations(repo, self.flows, participant, territory)
            for flow_id, pick in blocks.items():
                await answer_block(conversations, self.flows[flow_id], pick)
        return participant
