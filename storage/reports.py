"""The queries behind facilitators' figures and files: progress counts, each respondent's
current answers (from their conversations), answer rows for exports, anonymous answers.

Counts are aggregated in SQL. Scores need the flows' conditions (what was shown, what does not
apply), so `dialogs.summary` computes them from `Respondent`s: one row per conversation, not
one per answer.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any, NamedTuple

from sqlalchemy import Text, cast, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.models import AnonymousAnswer, Answer, Conversation, Membership, Participant


def pseudonym(number: int) -> str:
    """What facilitators see of a person in a territory: P-0007, never a name or an id."""
    return f"P-{number:04d}"


def pseudonym_number(text: str) -> int | None:
    """The number in a pseudonym ('P-0007' -> 7), or None."""
    digits = text.removeprefix("P-")
    return int(digits) if digits != text and digits.isdigit() else None


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

    @cached_property
    def answers(self) -> dict[str, dict[str, Any]]:
        """Answers by flow id then question id (what `dialogs.scoring` reads); read once all
        blocks are in."""
        return {flow_id: block.answers for flow_id, block in self.blocks.items()}


class AnswerRow(NamedTuple):
    """The current answer of one person to one question (for exports). A named tuple: a
    territory has a hundred thousand of them, and a tuple is made several times faster than a
    frozen dataclass."""

    territory_id: int
    number: int
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


@dataclass(frozen=True)
class VoiceNote:
    file_id: str
    duration: int | None
    language: str | None


@dataclass(frozen=True)
class Changes:
    joined: int
    answering: int
    """People who gave at least one answer."""
    finished: int
    """Blocks finished."""


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

    async def changes_since(self, territory_id: int, since: datetime) -> Changes:
        """What happened in a territory since then: people who joined, people who answered,
        blocks finished (counted in SQL)."""
        joined = await self.session.scalar(
            select(func.count(Membership.id)).where(
                Membership.territory_id == territory_id, Membership.joined_at > since
            )
        )
        answering = await self.session.scalar(
            select(func.count(func.distinct(Answer.participant_id))).where(
                Answer.territory_id == territory_id, Answer.answered_at > since
            )
        )
        finished = await self.session.scalar(
            select(func.count(Conversation.id)).where(
                Conversation.territory_id == territory_id, Conversation.finished_at > since
            )
        )
        return Changes(joined or 0, answering or 0, finished or 0)

    async def respondents(
        self, territory_ids: Sequence[int], flow_ids: Collection[str] | None = None
    ) -> list[Respondent]:
        """Every member of these territories with their conversations (only in `flow_ids`
        when given: a block and the flows its conditions read), in pseudonym order."""
        joined = (Conversation.participant_id == Membership.participant_id) & (
            Conversation.territory_id == Membership.territory_id
        )
        if flow_ids is not None:
            joined &= Conversation.flow_id.in_(list(flow_ids))
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
            .outerjoin(Conversation, joined)
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
        """The current answer of every member to every question (withdrawn ones left out), in
        no particular order.

        Members are read apart (one row each) and joined here, and the answers are read
        without the ORM, with their JSON text decoded once per distinct text: rows with the
        same answer share one (read-only) dict. Most answers are a few button values, so this
        reads a territory's answers about twice as fast as joining and decoding each row. A
        revision is current when no later one exists (an index probe each, on both databases,
        whatever the planner's statistics say)."""
        members = await self.session.execute(
            select(
                Membership.participant_id,
                Membership.territory_id,
                Membership.number,
                Participant.language,
            )
            .join(Participant, Participant.id == Membership.participant_id)
            .where(Membership.territory_id.in_(territory_ids))
        )
        who: dict[int, dict[int, tuple[int, str | None]]] = {}
        for person, place, number, language in members:
            who.setdefault(place, {})[person] = (number, language)
        later = aliased(Answer)
        connection = await self.session.connection()
        rows = await connection.execute(
            select(
                Answer.participant_id,
                Answer.territory_id,
                Answer.flow_id,
                Answer.question_id,
                cast(Answer.value, Text),
                Answer.answered_at,
            ).where(
                Answer.territory_id.in_(territory_ids),
                Answer.participant_id.is_not(None),
                ~exists().where(
                    later.conversation_id == Answer.conversation_id,
                    later.question_id == Answer.question_id,
                    later.revision > Answer.revision,
                ),
            )
        )
        decoded: dict[str, Any] = {}
        out = []
        for person, place, flow_id, question_id, text, at in rows:
            if text is None:
                continue
            value = decoded.get(text)
            if value is None:
                value = decoded[text] = json.loads(text)
                if value is None:  # withdrawn ("null")
                    continue
            member = who.get(place, {}).get(person)
            if member is not None:
                out.append(AnswerRow(place, *member, flow_id, question_id, value, at))
        return out

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

    async def voice_answer(
        self, territory_id: int, number: int, flow_id: str, question_id: str
    ) -> VoiceNote | None:
        """The current voice answer of a member (by pseudonym number) of this territory to a
        question, or None: no such member, no such answer, or it was written or withdrawn."""
        found = (
            await self.session.execute(
                select(Conversation.state, Participant.language)
                .join(
                    Membership,
                    (Membership.participant_id == Conversation.participant_id)
                    & (Membership.territory_id == Conversation.territory_id),
                )
                .join(Participant, Participant.id == Conversation.participant_id)
                .where(
                    Membership.territory_id == territory_id,
                    Membership.number == number,
                    Conversation.flow_id == flow_id,
                )
            )
        ).first()
        if found is None:
            return None
        state, language = found
        answer = ((state or {}).get("answers") or {}).get(question_id) or {}
        voice = answer.get("voice") if isinstance(answer, dict) else None
        if not isinstance(voice, dict) or not isinstance(voice.get("file_id"), str):
            return None
        duration = voice.get("duration")
        seconds = duration if isinstance(duration, int) else None
        return VoiceNote(voice["file_id"], seconds, language)

    async def block_answers(
        self, territory_id: int, flow_id: str, flow_ids: Collection[str]
    ) -> dict[int, dict[str, dict[str, Any]]]:
        """For each person who answered in a block of this territory (by participant id),
        their answers in `flow_ids` (the block and the flows its conditions read)."""
        answered = select(Conversation.participant_id).where(
            Conversation.territory_id == territory_id, Conversation.flow_id == flow_id
        )
        rows = await self.session.execute(
            select(Conversation.participant_id, Conversation.flow_id, Conversation.state).where(
                Conversation.territory_id == territory_id,
                Conversation.flow_id.in_(list(flow_ids)),
                Conversation.participant_id.in_(answered),
            )
        )
        found: dict[int, dict[str, dict[str, Any]]] = {}
        for participant_id, flow, state in rows:
            found.setdefault(participant_id, {})[flow] = state.get("answers", {})
        return found

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
