"""Every query the application needs, behind one small API over an `AsyncSession`.

The caller owns the transaction (commit or rollback); methods only flush.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Executable,
    bindparam,
    delete,
    func,
    insert,
    null,
    select,
    text,
    union_all,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import TransientError
from storage.models import (
    ROLES,
    AnonymousAnswer,
    Answer,
    Conversation,
    GroupLink,
    JoinAttempt,
    Membership,
    OutboxMessage,
    Participant,
    PendingDialog,
    ReceivedUpdate,
    RetiredCode,
    Territory,
    utcnow,
)
from storage.outbox import Outbox

JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""No 0/O, 1/I/L: easy to read aloud and to type from a poster."""
JOIN_CODE_LENGTH = 8


class ConversationConflict(TransientError):
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


def same_name(a: str, b: str) -> bool:
    """Whether two territory names are the same but for letter case and spaces."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


@dataclass(frozen=True)
class CodeMatch:
    """What a code opens: a territory, the role it gives, and the blocks a group link puts
    first (None for the territory's own codes)."""

    territory: Territory
    role: str
    first_blocks: list[str] | None

    @property
    def closed(self) -> bool:
        """The code would make someone a participant of a territory closed to new people (a
        facilitator code still works: the team may grow after the territory closes)."""
        return self.role == "participant" and self.territory.closed_at is not None


@dataclass(frozen=True)
class Deleted:
    """What deleting a territory removed, in rows."""

    memberships: int
    people: int
    """Participants who were in no other territory (their own rows went too)."""
    conversations: int
    answers: int
    anonymous_answers: int
    scheduled_messages: int
    group_links: int


@dataclass(frozen=True)
class StoredConversation:
    """A conversation as read for one step (plain values: no ORM identity to go stale)."""

    id: int
    flow_id: str
    state: dict[str, Any]
    version: int
    updated_at: datetime


@dataclass(frozen=True)
class Person:
    """A participant with their current territory and role there (None before they join)."""

    participant: Participant
    territory: Territory | None
    role: str | None
    first_blocks: list[str] | None = None
    """The blocks their menu starts with in that territory (a break-out group's)."""


@dataclass(frozen=True)
class AnswerRecord:
    """One stored answer, for a person's own copy of their data."""

    territory: str
    flow_id: str
    question_id: str
    revision: int
    value: dict[str, Any] | None
    answered_at: datetime


PERSON_LOCKS = 0x5E5E
"""The first key of every person's PostgreSQL advisory lock (the second is theirs)."""
LOCK_PERSON = text("SELECT pg_advisory_xact_lock(:space, :key)")


def person_lock_key(channel: str, external_id: int | str) -> int:
    """A person's advisory lock key: 32 bits of a hash (two people sharing one only wait for
    each other now and then)."""
    digest = hashlib.blake2b(f"{channel}:{external_id}".encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


@dataclass(frozen=True)
class HotStatements:
    """The statements run for every update, built once per dialect: building a statement
    and its cache key costs more than running it (they are executed with parameters)."""

    claim: Executable
    receive: Executable
    person: Executable
    conversations: Executable
    step: Executable
    step_finished: Executable
    new_conversation: Executable
    answer: Executable


@cache
def hot_statements(dialect: str) -> HotStatements:
    make_insert = pg_insert if dialect == "postgresql" else sqlite_insert
    updates = ReceivedUpdate.__table__
    claim = make_insert(updates).values(
        channel=bindparam("b_channel"),
        update_id=bindparam("b_update_id"),
        received_at=bindparam("now"),
        handled_at=bindparam("now"),
    )
    claim = claim.on_conflict_do_update(
        index_elements=["channel", "update_id"],
        set_={"handled_at": claim.excluded.handled_at, "payload": null()},
        where=updates.c.handled_at.is_(None),
    )
    conversations = Conversation.__table__
    answers = Answer.__table__
    mine = (
        conversations.c.participant_id == bindparam("b_participant_id"),
        conversations.c.territory_id == bindparam("b_territory_id"),
    )
    step = (
        update(conversations)
        .where(*mine, conversations.c.flow_id == bindparam("b_flow_id"))
        .where(conversations.c.version == bindparam("expected_version"))
        .returning(conversations.c.id)
    )
    changes = {
        "state": bindparam("b_state", type_=conversations.c.state.type),
        "version": conversations.c.version + 1,
        "updated_at": bindparam("now", type_=conversations.c.updated_at.type),
    }
    now = bindparam("now", type_=conversations.c.finished_at.type)
    next_revision = (
        select(func.coalesce(func.max(answers.c.revision), 0) + 1)
        .where(
            answers.c.conversation_id == bindparam("b_conversation_id"),
            answers.c.question_id == bindparam("b_question_id"),
        )
        .scalar_subquery()
    )
    return HotStatements(
        claim=claim,
        receive=make_insert(updates).on_conflict_do_nothing(
            index_elements=["channel", "update_id"]
        ),
        person=select(Participant, Membership)
        .outerjoin(Membership, Membership.participant_id == Participant.id)
        .where(
            Participant.channel == bindparam("b_channel"),
            Participant.external_id == bindparam("external_id"),
        )
        .order_by(Membership.joined_at.desc(), Membership.id.desc())
        .limit(1),
        conversations=select(
            conversations.c.id,
            conversations.c.flow_id,
            conversations.c.state,
            conversations.c.version,
            conversations.c.updated_at,
        ).where(*mine),
        step=step.values(**changes, finished_at=None),
        step_finished=step.values(
            **changes, finished_at=func.coalesce(conversations.c.finished_at, now)
        ),
        new_conversation=insert(conversations)
        .values(
            participant_id=bindparam("b_participant_id"),
            territory_id=bindparam("b_territory_id"),
            flow_id=bindparam("b_flow_id"),
            state=bindparam("b_state", type_=conversations.c.state.type),
            version=1,
            started_at=now,
            updated_at=now,
            finished_at=bindparam("b_finished_at", type_=conversations.c.finished_at.type),
        )
        .returning(conversations.c.id),
        answer=insert(answers).values(
            conversation_id=bindparam("b_conversation_id"),
            participant_id=bindparam("b_participant_id"),
            territory_id=bindparam("b_territory_id"),
            flow_id=bindparam("b_flow_id"),
            question_id=bindparam("b_question_id"),
            revision=next_revision,
            value=bindparam("b_value", type_=answers.c.value.type),
            answered_at=bindparam("now", type_=answers.c.answered_at.type),
        ),
    )


def button_answer(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """What of an answer may be kept without its author: a button answer, without the
    comments written or spoken on it; None for words, a voice note or comments alone."""
    if value is None or "text" in value or "voice" in value:
        return None
    kept = {key: part for key, part in value.items() if key != "comments"}
    return kept or None


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def hot(self) -> HotStatements:
        return hot_statements(self.session.get_bind().dialect.name)

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
        join_code, facilitator_code = await self.new_codes(2)
        territory = Territory(
            name=name,
            country=country.upper(),
            timezone=timezone,
            language=language,
            session_at=session_at,
            join_code=join_code,
            facilitator_code=facilitator_code,
            last_number=0,
        )
        self.session.add(territory)
        await self.session.flush()
        return territory

    async def new_codes(self, count: int) -> list[str]:
        """Codes no territory or group link uses yet, nor ever used (join, facilitator, group
        and replaced codes share one space, so a code alone says where and as what a person
        joins, or that it was replaced)."""
        taken = set(
            (
                await self.session.scalars(
                    union_all(
                        select(Territory.join_code),
                        select(Territory.facilitator_code),
                        select(GroupLink.code),
                        select(RetiredCode.code),
                    )
                )
            ).all()
        )
        codes: list[str] = []
        while len(codes) < count:
            code = new_join_code()
            if code not in taken:
                taken.add(code)
                codes.append(code)
        return codes

    async def territories(self) -> Sequence[Territory]:
        return (await self.session.scalars(select(Territory).order_by(Territory.id))).all()

    async def territory_by_join_code(self, text: str) -> Territory | None:
        found = await self.territory_by_code(text)
        return found.territory if found is not None else None

    async def territory_by_code(self, text: str) -> CodeMatch | None:
        """The territory a code opens, with the role and first blocks it gives."""
        code = normalise_join_code(text)
        if code is None:
            return None
        territory = await self.session.scalar(
            select(Territory).where(
                (Territory.join_code == code) | (Territory.facilitator_code == code)
            )
        )
        if territory is not None:
            role = "facilitator" if territory.facilitator_code == code else "participant"
            return CodeMatch(territory, role, None)
        link = await self.session.scalar(select(GroupLink).where(GroupLink.code == code))
        if link is None:
            return None
        territory = await self.session.get_one(Territory, link.territory_id)
        return CodeMatch(territory, "participant", list(link.first_blocks))

    async def territories_named(self, name: str, country: str) -> list[Territory]:
        """The territories of a country with this name, but for letter case and spaces."""
        found = await self.session.scalars(
            select(Territory).where(Territory.country == country.upper()).order_by(Territory.id)
        )
        return [t for t in found if same_name(t.name, name)]

    async def retired_code(self, text: str) -> RetiredCode | None:
        """The replaced code a person typed, if it is one."""
        code = normalise_join_code(text)
        if code is None:
            return None
        return await self.session.scalar(select(RetiredCode).where(RetiredCode.code == code))

    async def rename_territory(self, territory: Territory, name: str) -> None:
        territory.name = name
        await self.session.flush()

    async def set_closed(self, territory: Territory, closed: bool) -> None:
        """Close the territory to new participants (from now), or open it again."""
        if closed and territory.closed_at is None:
            territory.closed_at = utcnow()
        elif not closed:
            territory.closed_at = None
        await self.session.flush()

    async def replace_code(self, territory: Territory, role: str = "participant") -> str:
        """Give the territory a new join code (or facilitator code); the old one is kept as
        replaced and never opens anything again. Returns the new code."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        (code,) = await self.new_codes(1)
        old = territory.facilitator_code if role == "facilitator" else territory.join_code
        self.session.add(RetiredCode(code=old, territory_id=territory.id, role=role))
        if role == "facilitator":
            territory.facilitator_code = code
        else:
            territory.join_code = code
        await self.session.flush()
        return code

    async def is_member(self, channel: str, external_id: str, territory: Territory) -> bool:
        """Whether the person with this channel id has joined the territory."""
        found = await self.session.scalar(
            select(Membership.id)
            .join(Participant, Participant.id == Membership.participant_id)
            .where(
                Participant.channel == channel,
                Participant.external_id == external_id,
                Membership.territory_id == territory.id,
            )
        )
        return found is not None

    async def delete_territory(self, territory: Territory) -> Deleted:
        """Delete the territory and everything of it: memberships, conversations, answers
        (anonymous ones too), scheduled messages, group links, replaced codes, pending dialogs;
        and the people who were in no other territory. People who are also in another
        territory stay, with what they gave there."""
        tid = territory.id
        elsewhere = select(Membership.participant_id).where(Membership.territory_id != tid)
        only_here = list(
            (
                await self.session.scalars(
                    select(Membership.participant_id).where(
                        Membership.territory_id == tid, Membership.participant_id.not_in(elsewhere)
                    )
                )
            ).all()
        )

        async def remove(model: Any, *where: Any) -> int:
            result = await self.session.execute(delete(model).where(*where))
            return int(result.rowcount)  # type: ignore[attr-defined]

        scheduled = await remove(OutboxMessage, OutboxMessage.territory_id == tid)
        answers = await remove(Answer, Answer.territory_id == tid)
        anonymous = await remove(AnonymousAnswer, AnonymousAnswer.territory_id == tid)
        conversations = await remove(Conversation, Conversation.territory_id == tid)
        await remove(PendingDialog, PendingDialog.territory_id == tid)
        memberships = await remove(Membership, Membership.territory_id == tid)
        links = await remove(GroupLink, GroupLink.territory_id == tid)
        await remove(RetiredCode, RetiredCode.territory_id == tid)
        people = 0
        if only_here:
            gone = select(Participant.channel, Participant.external_id).where(
                Participant.id.in_(only_here)
            )
            for channel, external_id in (await self.session.execute(gone)).all():
                await remove(
                    PendingDialog,
                    PendingDialog.channel == channel,
                    PendingDialog.external_id == external_id,
                )
            await remove(OutboxMessage, OutboxMessage.participant_id.in_(only_here))
            people = await remove(Participant, Participant.id.in_(only_here))
        await self.session.delete(territory)
        await self.session.flush()
        return Deleted(
            memberships=memberships,
            people=people,
            conversations=conversations,
            answers=answers,
            anonymous_answers=anonymous,
            scheduled_messages=scheduled,
            group_links=links,
        )

    async def facilitated(self, participant: Participant) -> list[Territory]:
        """The territories where the person is a facilitator, by name."""
        return list(
            (
                await self.session.scalars(
                    select(Territory)
                    .join(Membership, Membership.territory_id == Territory.id)
                    .where(
                        Membership.participant_id == participant.id,
                        Membership.role == "facilitator",
                    )
                    .order_by(Territory.name, Territory.id)
                )
            ).all()
        )

    # ------------------------------------------------------------ profile and blocks

    async def set_profile(self, territory: Territory, profile: dict[str, Any]) -> None:
        """Store the territory's profile (context question id -> answer), given now."""
        territory.profile = profile
        territory.profile_at = utcnow()
        await self.session.flush()

    async def set_open_blocks(
        self, territory: Territory, open_blocks: Sequence[str] | None
    ) -> None:
        """The blocks open to participants (None: all of them)."""
        territory.open_blocks = list(open_blocks) if open_blocks is not None else None
        await self.session.flush()

    async def add_group_link(self, territory: Territory, first_blocks: Sequence[str]) -> GroupLink:
        """A new join code for a break-out group on `first_blocks`."""
        (code,) = await self.new_codes(1)
        link = GroupLink(territory_id=territory.id, code=code, first_blocks=list(first_blocks))
        self.session.add(link)
        await self.session.flush()
        return link

    async def member(self, territory: Territory, number: int) -> Membership | None:
        """The membership with this pseudonym number in the territory."""
        return await self.session.scalar(
            select(Membership).where(
                Membership.territory_id == territory.id, Membership.number == number
            )
        )

    async def set_first_blocks(self, membership: Membership, blocks: Sequence[str] | None) -> None:
        """The blocks the person's menu starts with (None or empty: the usual order)."""
        membership.first_blocks = list(blocks) if blocks else None
        await self.session.flush()

    # ------------------------------------------------------------ participants

    async def participant(self, channel: str, external_id: str) -> Participant | None:
        return await self.session.scalar(
            select(Participant).where(
                Participant.channel == channel, Participant.external_id == external_id
            )
        )

    async def person(self, channel: str, external_id: str) -> Person | None:
        """The participant with their current territory (joined last), in one query."""
        found = await self.session.execute(
            self.hot.person, {"b_channel": channel, "external_id": external_id}
        )
        row = found.first()
        if row is None:
            return None
        participant, membership = row
        if membership is None:
            return Person(participant, None, None)
        return Person(participant, membership.territory, membership.role, membership.first_blocks)

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

    async def set_reachable(self, channel: str, external_id: str, reachable: bool) -> None:
        """Record that the channel delivers to the person again, or refuses to (blocked)."""
        await self.session.execute(
            update(Participant)
            .where(Participant.channel == channel, Participant.external_id == external_id)
            .values(unreachable_at=None if reachable else utcnow())
        )

    async def set_session_at(self, territory: Territory, when: datetime | None) -> None:
        """A territory's session date (None: none). What was planned for the old date is
        cancelled now; the planner plans the new date's within a minute."""
        territory.session_at = when
        await Outbox(self.session).cancel_session_reminders(territory.id, "session date changed")

    async def set_digest(self, membership: Membership, at: str | None) -> None:
        """A facilitator's daily digest time ("HH:MM", None: none); a digest planned for the
        old time is cancelled."""
        membership.digest_time = at
        await Outbox(self.session).cancel_kind(
            membership.participant_id, membership.territory_id, "digest", "digest changed"
        )

    async def set_stopped(self, participant: Participant, stopped: bool) -> None:
        """/stop: no scheduled messages (and what was planned is cancelled); /start: again."""
        participant.stopped_at = utcnow() if stopped else None
        if stopped:
            await Outbox(self.session).cancel_waiting(participant.id, "stopped by the person")

    async def forget_participant(self, participant: Participant) -> None:
        """Delete a person and everything linked to them (see README, Data).

        Their latest button answers stay in the territory's figures as anonymous answers that
        nothing links to one another: no person, conversation or revision, only the day, a
        random id, and a random order.
        """
        history = (
            await self.session.scalars(
                select(Answer)
                .where(Answer.participant_id == participant.id)
                .order_by(Answer.revision)
            )
        ).all()
        latest: dict[tuple[int | None, int, str], Answer] = {}
        for answer in history:
            latest[(answer.conversation_id, answer.territory_id, answer.question_id)] = answer
        kept = [
            AnonymousAnswer(
                id=secrets.token_hex(16),
                territory_id=a.territory_id,
                flow_id=a.flow_id,
                question_id=a.question_id,
                value=value,
                answered_on=a.answered_at.date(),
            )
            for a in latest.values()
            if (value := button_answer(a.value)) is not None
        ]
        random.SystemRandom().shuffle(kept)
        await self.session.execute(delete(Answer).where(Answer.participant_id == participant.id))
        await self.session.execute(
            delete(PendingDialog).where(
                PendingDialog.channel == participant.channel,
                PendingDialog.external_id == participant.external_id,
            )
        )
        await self.session.delete(participant)
        await self.session.flush()
        self.session.add_all(kept)
        await self.session.flush()

    async def anonymous_answers(self, territory: Territory) -> Sequence[AnonymousAnswer]:
        return (
            await self.session.scalars(
                select(AnonymousAnswer)
                .where(AnonymousAnswer.territory_id == territory.id)
                .order_by(AnonymousAnswer.flow_id, AnonymousAnswer.question_id)
            )
        ).all()

    async def join(
        self,
        participant: Participant,
        territory: Territory,
        role: str = "participant",
        first_blocks: Sequence[str] | None = None,
    ) -> Membership:
        """Join (or join again: the territory becomes the current one). A facilitator stays
        one; a group link's first blocks replace the earlier ones."""
        if role not in ROLES:
            raise ValueError(f"unknown role {role!r}")
        membership = await self.session.scalar(
            select(Membership).where(
                Membership.participant_id == participant.id,
                Membership.territory_id == territory.id,
            )
        )
        if membership is None:
            number = await self.session.scalar(  # a row lock: one number per person, ever
                update(Territory)
                .where(Territory.id == territory.id)
                .values(last_number=Territory.last_number + 1)
                .returning(Territory.last_number)
            )
            membership = Membership(
                participant_id=participant.id, territory_id=territory.id, number=number
            )
            self.session.add(membership)
        membership.joined_at = utcnow()  # joining again makes this territory the current one
        if role == "facilitator":
            membership.role = role
        if first_blocks:
            membership.first_blocks = list(first_blocks)
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

    # ------------------------------------------------------------ join codes

    async def record_join_failure(self, who: str) -> None:
        self.session.add(JoinAttempt(who=who, failed_at=utcnow()))
        await self.session.flush()

    async def join_failures(self, who: str, since: datetime) -> list[datetime]:
        """When this person typed a wrong code since `since`, oldest first."""
        return list(
            (
                await self.session.scalars(
                    select(JoinAttempt.failed_at)
                    .where(JoinAttempt.who == who, JoinAttempt.failed_at >= since)
                    .order_by(JoinAttempt.failed_at)
                )
            ).all()
        )

    async def join_failures_overall(self, since: datetime) -> list[datetime]:
        """When anyone typed a wrong code since `since`, oldest first."""
        return list(
            (
                await self.session.scalars(
                    select(JoinAttempt.failed_at)
                    .where(JoinAttempt.failed_at >= since)
                    .order_by(JoinAttempt.failed_at)
                )
            ).all()
        )

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
    ) -> list[StoredConversation]:
        """A person's conversations in a territory, as they are now in the database."""
        rows = await self.session.execute(
            self.hot.conversations,
            {"b_participant_id": participant.id, "b_territory_id": territory.id},
        )
        return [StoredConversation(*row) for row in rows]

    async def save_step(
        self,
        participant: Participant,
        territory: Territory,
        flow_id: str,
        state: dict[str, Any],
        answers: Iterable[NewAnswer] = (),
        *,
        expected_version: int | None = None,
        finished: bool | None = None,
    ) -> int:
        """Store a conversation's new engine state and append its new answers, together;
        return the conversation's id. `finished` (default: the state's status says so) keeps
        or clears the time it was first finished.

        With `expected_version` (0: there is no conversation yet), raises
        `ConversationConflict` when the stored conversation has moved on since it was read.
        """
        now = utcnow()
        if finished is None:
            finished = state.get("status") == "finished"
        whose = {"b_participant_id": participant.id, "b_territory_id": territory.id}
        if expected_version is None:
            found = await self.session.scalar(
                select(Conversation.version).where(
                    Conversation.participant_id == participant.id,
                    Conversation.territory_id == territory.id,
                    Conversation.flow_id == flow_id,
                )
            )
            expected_version = found or 0
        if expected_version == 0:
            conversation_id = await self.session.scalar(
                self.hot.new_conversation,
                {**whose, "b_flow_id": flow_id, "b_state": state, "now": now}
                | {"b_finished_at": now if finished else None},
            )
        else:
            conversation_id = await self.session.scalar(
                self.hot.step_finished if finished else self.hot.step,
                {**whose, "b_flow_id": flow_id, "b_state": state, "now": now}
                | {"expected_version": expected_version},
            )
        if conversation_id is None:
            raise ConversationConflict(flow_id)
        for answer in answers:
            await self.session.execute(
                self.hot.answer,
                {
                    **whose,
                    "b_conversation_id": conversation_id,
                    "b_flow_id": answer.flow_id,
                    "b_question_id": answer.question_id,
                    "b_value": answer.value,
                    "now": now,
                },
            )
        return conversation_id

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

    async def everything_answered(self, participant: Participant) -> list[AnswerRecord]:
        """Every answer the person gave, in every territory, with every revision."""
        rows = await self.session.execute(
            select(
                Territory.name,
                Answer.flow_id,
                Answer.question_id,
                Answer.revision,
                Answer.value,
                Answer.answered_at,
            )
            .join(Territory, Territory.id == Answer.territory_id)
            .where(Answer.participant_id == participant.id)
            .order_by(Territory.name, Answer.territory_id, Answer.answered_at, Answer.id)
        )
        return [AnswerRecord(*row) for row in rows]

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

    async def receive_updates(
        self, channel: str, updates: Sequence[tuple[int, dict[str, Any]]]
    ) -> None:
        """Keep received updates until they are handled (a redelivered one is kept once)."""
        if updates:
            now = utcnow()
            rows = [
                {"channel": channel, "update_id": update_id, "payload": payload, "received_at": now}
                for update_id, payload in updates
            ]
            await self.session.execute(self.hot.receive, rows)

    async def pending_updates(self, channel: str) -> list[dict[str, Any]]:
        """Received and not yet handled, oldest first (after a crash, these are handled first)."""
        payloads = await self.session.scalars(
            select(ReceivedUpdate.payload)
            .where(
                ReceivedUpdate.channel == channel,
                ReceivedUpdate.handled_at.is_(None),
                ReceivedUpdate.payload.is_not(None),
            )
            .order_by(ReceivedUpdate.update_id)
        )
        return [p for p in payloads if p is not None]

    async def lock_person(self, channel: str, external_id: int | str) -> None:
        """Wait until no other transaction works for this person, and hold that until this
        one ends: on PostgreSQL a transaction-level advisory lock, so that two workers never
        handle one person's updates at the same time. On SQLite, one process writes, one
        transaction at a time, so there is nothing to do."""
        if self.session.bind.dialect.name == "postgresql":
            key = person_lock_key(channel, external_id)
            await self.session.execute(LOCK_PERSON, {"space": PERSON_LOCKS, "key": key})

    async def claim_update(self, channel: str, update_id: int) -> bool:
        """Mark an update handled (received or not) and drop its payload; False if it was
        handled before (a redelivery)."""
        result = await self.session.execute(
            self.hot.claim, {"b_channel": channel, "b_update_id": update_id, "now": utcnow()}
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def prune(self, handled_before: datetime, attempts_before: datetime) -> None:
        """Forget handled update ids and wrong join codes once they no longer matter."""
        await self.session.execute(
            delete(ReceivedUpdate).where(ReceivedUpdate.handled_at < handled_before)
        )
        await self.session.execute(
            delete(JoinAttempt).where(JoinAttempt.failed_at < attempts_before)
        )

    # ------------------------------------------------------------ pending dialogs and switching

    async def territory(self, territory_id: int) -> Territory | None:
        return await self.session.get(Territory, territory_id)

    async def pending_dialog(
        self, channel: str, external_id: str, kind: str
    ) -> PendingDialog | None:
        return await self.session.scalar(
            select(PendingDialog).where(
                PendingDialog.channel == channel,
                PendingDialog.external_id == external_id,
                PendingDialog.kind == kind,
            )
        )

    async def has_pending_dialog(self, channel: str, external_id: str) -> bool:
        """Whether a dialog of any kind waits for this person's answer."""
        found = await self.session.scalar(
            select(PendingDialog.id)
            .where(PendingDialog.channel == channel, PendingDialog.external_id == external_id)
            .limit(1)
        )
        return found is not None

    async def save_pending_dialog(
        self,
        channel: str,
        external_id: str,
        kind: str,
        state: dict[str, Any],
        territory_id: int | None = None,
    ) -> PendingDialog:
        """Start a dialog (again, from `state`) or store its next step."""
        dialog = await self.pending_dialog(channel, external_id, kind)
        if dialog is None:
            dialog = PendingDialog(channel=channel, external_id=external_id, kind=kind)
            self.session.add(dialog)
        dialog.state = dict(state)  # a new value: JSON columns do not see changes in place
        dialog.territory_id = territory_id
        dialog.updated_at = utcnow()
        await self.session.flush()
        return dialog

    async def end_pending_dialog(self, channel: str, external_id: str, kind: str) -> bool:
        """Forget a dialog; False if there was none."""
        result = await self.session.execute(
            delete(PendingDialog).where(
                PendingDialog.channel == channel,
                PendingDialog.external_id == external_id,
                PendingDialog.kind == kind,
            )
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]
