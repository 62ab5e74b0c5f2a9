"""The queries behind facilitators' figures and files: progress counts, each respondent's
current answers (from their conversations), answer rows for exports, anonymous answers.

Counts are aggregated in SQL. Scores need the flows' conditions (what was shown, what does not
apply), so `dialogs.summary` computes them from `Respondent`s: one row per conversation, not
one per answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import AnonymousAnswer, Answer, Conversation, Membership, Participant


def pseudonym(number: int) -> str:
    """What facilitators see of a person in a territory: P-0007, never a name or an id."""
    return f"P-{number:04d}"


@dataclass(frozen=True)
class BlockProgress:
    flow_id: str
    started: int
    finished: int


@dataclass(frozen=True)
class Progress:
    joined: int
    facilitators: int
    blocks: dict[str, BlockProgress]


@dataclass(frozen=True)
class Block:
    """One person's conversation in one flow, as facilitators' figures need it."""

    status: str
    answers: dict[str, Any]
    updated_at: datetime


@dataclass(frozen=True)
class Respondent:
    """A member of a territory with their current answers, by flow id."""

    territory_id: int
    number: int
    role: str
    language: str | None
    blocks: dict[str, Block] = field(default_factory=dict)

    @property
    def pseudonym(self) -> str:
        return pseudonym(self.number)

    @property
    def answers(self) -> dict[str, dict[str, Any]]:
        """Answers by flow id then question id (what `dialogs.scoring` reads)."""
        return {flow_id: block.answers for flow_id, block in self.blocks.items()}


@dataclass(frozen=True)
class AnswerRow:
    """The current answer of one person to one question (for exports)."""

    territory_id: int
    number: int
    role: str
    language: str | None
    flow_id: str
    question_id: str
    value: dict[str, Any]
    answered_at: datetime

    @property
    def pseudonym(self) -> str:
        return pseudonym(self.number)


@dataclass(frozen=True)
class KeptAnswer:
    """A button answer of someone who asked to be forgotten: counted, linked to nothing."""

    territory_id: int
    flow_id: str
    question_id: str
    value: dict[str, Any]


class Reports:
    """Read-only queries over one or more territories."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def progress(self, territory_id: int) -> Progress:
        """Joined people, and per flow how many started and finished, counted in SQL."""
        members = (
            await self.session.execute(
                select(
                    func.count(Membership.id),
                    func.count(Membership.id).filter(Membership.role == "facilitator"),
                ).where(Membership.territory_id == territory_id)
            )
        ).one()
        rows = await self.session.execute(
            select(
                Conversation.flow_id,
                func.count(Conversation.id),
                func.count(Conversation.finished_at),
            )
            .where(Conversation.territory_id == territory_id)
            .group_by(Conversation.flow_id)
        )
        blocks = {flow: BlockProgress(flow, started, done) for flow, started, done in rows}
        return Progress(members[0], members[1], blocks)

    async def respondents(
        self, territory_ids: Sequence[int], flow_ids: Sequence[str] | None = None
    ) -> list[Respondent]:
        """Every member of these territories with their conversations (only in `flow_ids`,
        when given), in pseudonym order."""
        conversations = (Conversation.participant_id == Membership.participant_id) & (
            Conversation.territory_id == Membership.territory_id
        )
        if flow_ids is not None:
            conversations &= Conversation.flow_id.in_(flow_ids)
        rows = await self.session.execute(
            select(
                Membership.territory_id,
                Membership.number,
                Membership.role,
                Participant.language,
                Conversation.flow_id,
                Conversation.state,
                Conversation.updated_at,
            )
            .join(Participant, Participant.id == Membership.participant_id)
            .outerjoin(Conversation, conversations)
            .where(Membership.territory_id.in_(territory_ids))
            .order_by(Membership.territory_id, Membership.number)
        )
        found: dict[tuple[int, int], Respondent] = {}
        for territory_id, number, role, language, flow_id, state, updated_at in rows:
            respondent = found.get((territory_id, number))
            if respondent is None:
                respondent = Respondent(territory_id, number, role, language)
                found[(territory_id, number)] = respondent
            if flow_id is not None:
                respondent.blocks[flow_id] = Block(
                    state.get("status", "new"), state.get("answers", {}), updated_at
                )
        return list(found.values())

    async def answer_rows(self, territory_ids: Sequence[int]) -> list[AnswerRow]:
        """The current answer of every member to every question (withdrawn ones left out),
        by territory, pseudonym, flow and question."""
        latest = (
            select(
                Answer.conversation_id,
                Answer.question_id,
                func.max(Answer.revision).label("revision"),
            )
            .where(Answer.territory_id.in_(territory_ids), Answer.participant_id.is_not(None))
            .group_by(Answer.conversation_id, Answer.question_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(
                Answer.territory_id,
                Membership.number,
                Membership.role,
                Participant.language,
                Answer.flow_id,
                Answer.question_id,
                Answer.value,
                Answer.answered_at,
            )
            .join(
                latest,
                (Answer.conversation_id == latest.c.conversation_id)
                & (Answer.question_id == latest.c.question_id)
                & (Answer.revision == latest.c.revision),
            )
            .join(
                Membership,
                (Membership.participant_id == Answer.participant_id)
                & (Membership.territory_id == Answer.territory_id),
            )
            .join(Participant, Participant.id == Answer.participant_id)
            .order_by(Answer.territory_id, Membership.number, Answer.flow_id, Answer.question_id)
        )
        return [AnswerRow(*row) for row in rows if row.value is not None]  # None: withdrawn

    async def kept_answers(self, territory_ids: Sequence[int]) -> list[KeptAnswer]:
        rows = await self.session.execute(
            select(
                AnonymousAnswer.territory_id,
                AnonymousAnswer.flow_id,
                AnonymousAnswer.question_id,
                AnonymousAnswer.value,
            ).where(AnonymousAnswer.territory_id.in_(territory_ids))
        )
        return [KeptAnswer(*row) for row in rows]

    async def answers_by_member(self, territory_id: int) -> list[dict[str, dict[str, Any]]]:
        """Each member's current answers in the territory, by flow id then question id: only
        the answers of each conversation (not the rest of its state), for scores at scale."""
        rows = await self.session.execute(
            select(
                Conversation.participant_id,
                Conversation.flow_id,
                Conversation.state["answers"],
            ).where(Conversation.territory_id == territory_id)
        )
        found: dict[int, dict[str, dict[str, Any]]] = {}
        for participant_id, flow_id, answers in rows:
            found.setdefault(participant_id, {})[flow_id] = answers or {}
        return list(found.values())
