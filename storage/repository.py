"""Every query the application needs, behind one small API over an `AsyncSession`.

The caller owns the transaction (commit or rollback); methods only flush.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from storage.models import (
    ROLES,
    Answer,
    Conversation,
    Membership,
    Participant,
    ProcessedUpdate,
    Territory,
    utcnow,
)

JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""No 0/O, 1/I/L: easy to read aloud and to type from a poster."""
JOIN_CODE_LENGTH = 8


class ConversationConflict(Exception):
    """The conversation was changed by someone else since it was read (optimistic locking)."""


def new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(text: str) -> str | None:
    """The code as stored, from what a person typed ('abcd-efgh' -> 'ABCDEFGH'); None if it
    cannot be a code."""
    code = "".join(ch for ch in text.upper() if ch not in " -_")
    if len(code) != JOIN_CODE_LENGTH or any(ch not in JOIN_CODE_ALPHABET for ch in code):
        return None
    return code


@dataclass(frozen=True)
class NewAnswer:
    flow_id: str
    question_id: str
    value: dict[str, Any] | None


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # ------------------------------------------------------------ territories

    async def create_territory(
        self,
        *,
        name: str,
        country: str,
        timezone: str,
        language: str,
        session_at: datetime | None = None,
    ) -> Territory:
        taken = set((await self.session.scalars(select(Territory.join_code))).all())
        code = new_join_code()
        while code in taken:
            code = new_join_code()
        territory = Territory(
            name=name,
            country=country.upper(),
            timezone=timezone,
            language=language,
            session_at=session_at,
            join_code=code,
        )
        self.session.add(territory)
        await self.session.flush()
        return territory

    async def territories(self) -> Sequence[Territory]:
        return (await self.session.scalars(select(Territory).order_by(Territory.id))).all()

    async def territory_by_join_code(self, text: str) -> Territory | None:
        code = normalise_join_code(text)
        if code is None:
            return None
        return await self.session.scalar(select(Territory).where(Territory.join_code == code))

    # ------------------------------------------------------------ participants

    async def participant(self, channel: str, external_id: str) -> Participant | None:
        return await self.session.scalar(
            select(Participant).where(
                Participant.channel == channel, Participant.external_id == external_id
            )
        )

    async def ensure_participant(self, channel: str, external_id: str) -> Participant:
        """The participant for a channel's user id, created with nothing else stored."""
        found = await self.participant(channel, external_id)
        if found is not None:
            return found
        participant = Participant(channel=channel, external_id=external_id)
        self.session.add(participant)
        await self.session.flush()
        return participant

    async def record_consent(
        self, participant: Participant, *, language: str, display_name: str | None
    ) -> None:
        participant.consent_at = utcnow()
        participant.language = language
        participant.display_name = (display_name or "")[:200] or None
        await self.session.flush()

    async def set_language(self, participant: Participant, language: str) -> None:
        participant.language = language
        await self.session.flush()

    async def forget_participant(self, participant: Participant) -> None:
        """Delete a person's data. Written and spoken answers go; choices stay in the
        territory's figures, with no link to the person (see README, Data)."""
        history = (
            await self.session.scalars(
                select(Answer).where(Answer.participant_id == participant.id)
            )
        ).all()
        for answer in history:
            if answer.value and ("text" in answer.value or "voice" in answer.value):
                await self.session.delete(answer)
        await self.session.flush()
        await self.session.delete(participant)
        await self.session.flush()

    async def join(
        self, participant: Participant, territory: Territory, role: str = "participant"
    ) -> Membership:
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        membership = await self.session.scalar(
            select(Membership).where(
                Membership.participant_id == participant.id,
                Membership.territory_id == territory.id,
            )
        )
        if membership is None:
            membership = Membership(participant_id=participant.id, territory_id=territory.id)
            self.session.add(membership)
        membership.joined_at = utcnow()  # joining again makes this territory the current one
        if role == "facilitator":
            membership.role = role
        await self.session.flush()
        return membership

    async def memberships(self, participant: Participant) -> Sequence[Membership]:
        """A person's territories, the current one (joined last) first."""
        return (
            await self.session.scalars(
                select(Membership)
                .where(Membership.participant_id == participant.id)
                .order_by(Membership.joined_at.desc(), Membership.id.desc())
            )
        ).all()

    # ------------------------------------------------------------ conversations

    async def conversation(
        self, participant: Participant, territory: Territory, flow_id: str
    ) -> Conversation | None:
        return await self.session.scalar(
            select(Conversation).where(
                Conversation.participant_id == participant.id,
                Conversation.territory_id == territory.id,
                Conversation.flow_id == flow_id,
            )
        )

    async def conversations(
        self, participant: Participant, territory: Territory
    ) -> Sequence[Conversation]:
        return (
            await self.session.scalars(
                select(Conversation).where(
                    Conversation.participant_id == participant.id,
                    Conversation.territory_id == territory.id,
                )
            )
        ).all()

    async def save_step(
        self,
        participant: Participant,
        territory: Territory,
        flow_id: str,
        state: dict[str, Any],
        answers: Iterable[NewAnswer] = (),
        *,
        expected_version: int | None = None,
    ) -> Conversation:
        """Store a conversation's new engine state and append its new answers, together.

        With `expected_version`, raises `ConversationConflict` when the stored conversation
        has moved on since it was read.
        """
        now = utcnow()
        conversation = await self.conversation(participant, territory, flow_id)
        if conversation is None:
            if expected_version not in (None, 0):
                raise ConversationConflict(flow_id)
            conversation = Conversation(
                participant_id=participant.id,
                territory_id=territory.id,
                flow_id=flow_id,
                state=state,
                started_at=now,
            )
            self.session.add(conversation)
        elif expected_version is not None and conversation.version != expected_version:
            raise ConversationConflict(flow_id)
        conversation.state = state
        conversation.updated_at = now
        finished = state.get("status") == "finished"
        conversation.finished_at = (conversation.finished_at or now) if finished else None
        try:
            await self.session.flush()
        except StaleDataError as exc:
            raise ConversationConflict(flow_id) from exc
        for answer in answers:
            await self._append_answer(conversation, participant, territory, answer, now)
        await self.session.flush()
        return conversation

    async def _append_answer(
        self,
        conversation: Conversation,
        participant: Participant,
        territory: Territory,
        answer: NewAnswer,
        now: datetime,
    ) -> None:
        last = await self.session.scalar(
            select(func.max(Answer.revision)).where(
                Answer.conversation_id == conversation.id,
                Answer.question_id == answer.question_id,
            )
        )
        self.session.add(
            Answer(
                conversation_id=conversation.id,
                participant_id=participant.id,
                territory_id=territory.id,
                flow_id=answer.flow_id,
                question_id=answer.question_id,
                revision=(last or 0) + 1,
                value=answer.value,
                answered_at=now,
            )
        )

    async def answer_history(
        self, participant: Participant, territory: Territory
    ) -> Sequence[Answer]:
        return (
            await self.session.scalars(
                select(Answer)
                .where(Answer.participant_id == participant.id, Answer.territory_id == territory.id)
                .order_by(Answer.flow_id, Answer.question_id, Answer.revision)
            )
        ).all()

    async def current_answers(
        self, participant: Participant, territory: Territory
    ) -> dict[str, dict[str, dict[str, Any]]]:
        """The latest answer per question, by flow id then question id (withdrawn ones left out)."""
        latest = (
            select(
                Answer.conversation_id,
                Answer.question_id,
                func.max(Answer.revision).label("revision"),
            )
            .where(Answer.participant_id == participant.id, Answer.territory_id == territory.id)
            .group_by(Answer.conversation_id, Answer.question_id)
            .subquery()
        )
        rows = await self.session.execute(
            select(Answer.flow_id, Answer.question_id, Answer.value).join(
                latest,
                (Answer.conversation_id == latest.c.conversation_id)
                & (Answer.question_id == latest.c.question_id)
                & (Answer.revision == latest.c.revision),
            )
        )
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for flow_id, question_id, value in rows:
            if value is not None:
                out.setdefault(flow_id, {})[question_id] = value
        return out

    # ------------------------------------------------------------ updates

    async def claim_update(self, channel: str, update_id: int) -> bool:
        """Record an update as processed; False if it already was (a redelivery)."""
        values = {"channel": channel, "update_id": update_id, "processed_at": utcnow()}
        dialect = self.session.get_bind().dialect.name
        insert = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = (
            insert(ProcessedUpdate)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["channel", "update_id"])
        )
        result = await self.session.execute(statement)
        return bool(result.rowcount)  # type: ignore[attr-defined]
