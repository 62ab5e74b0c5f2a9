"""The tables: territories, participants, memberships, group links, conversations, answers, and the
bookkeeping that keeps updates and join codes safe (received updates, join attempts, retired
codes)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("participant", "facilitator")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Territory(Base):
    __tablename__ = "territories"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    session_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    join_code: Mapped[str] = mapped_column(String(16), unique=True)
    facilitator_code: Mapped[str] = mapped_column(String(16), unique=True)
    """Joining with it gives the role `facilitator` (the join code gives `participant`)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
    """The last pseudonym number given in the territory (P-0001, P-0002, …); never reused."""
    open_blocks: Mapped[list[str] | None] = mapped_column(JSONType)
    """The flow ids open to participants; None: all of them."""
    profile: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    """The facts about the local government, answered once by a facilitator: context
    question id -> answer (as the engine stores answers). None until it is given."""
    profile_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    schedule: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    """What the territory changes of the scheduled messages' defaults (quiet hours, hours of
    silence before a nudge, reminders before the session): see `bot.scheduling.rules`."""
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """Set when the territory stops taking new participants (people already in go on)."""


class Participant(Base):
    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    display_name: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(8))
    consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    unreachable_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """Set when the channel refuses to deliver to the person (they blocked the bot)."""
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """Set by /stop: no reminders or nudges until /start."""


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("participant_id", "territory_id"),
        UniqueConstraint("territory_id", "number"),
        CheckConstraint("role in ('participant', 'facilitator')", name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16), default="participant")
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    number: Mapped[int] = mapped_column(Integer)
    """The person's pseudonym in the territory (3 -> P-0003): all facilitators ever see."""
    first_blocks: Mapped[list[str] | None] = mapped_column(JSONType)
    """Flow ids the person's menu starts with (their break-out group's blocks)."""
    digest_time: Mapped[str | None] = mapped_column(String(5))
    """A facilitator's daily digest, "HH:MM" in the territory's time zone (None: none)."""

    territory: Mapped[Territory] = relationship(lazy="joined")


class GroupLink(Base):
    """A join code for a break-out group: who joins with it takes part as a participant and
    finds `first_blocks` at the top of their menu."""

    __tablename__ = "group_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(16), unique=True)
    first_blocks: Mapped[list[str]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RetiredCode(Base):
    """A territory's join or facilitator code that was replaced (it leaked): remembered so that
    a person who sends it is told it was replaced, not that it is wrong, and so that it is
    never given out again."""

    __tablename__ = "retired_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[str] = mapped_column(String(16))
    """The role the code gave: `participant` (a join code) or `facilitator`."""
    retired_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class PendingDialog(Base):
    """A short dialog outside the blocks that waits for the person's next message or press
    (an organiser creating a territory, a facilitator giving the territory's profile): its
    step and what was given so far. Keyed by the channel's id: organisers may not have joined
    any territory."""

    __tablename__ = "pending_dialogs"
    __table_args__ = (UniqueConstraint("channel", "external_id", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    external_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    territory_id: Mapped[int | None] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE")
    )
    state: Mapped[dict[str, Any]] = mapped_column(JSONType)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Conversation(Base):
    """One person's way through one flow in one territory; `state` is the engine's JSON."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("participant_id", "territory_id", "flow_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    territory_id: Mapped[int] = mapped_column(
        ForeignKey("territories.id", ondelete="CASCADE"), index=True
    )
    flow_id: Mapped[str] = mapped_column(String(32))
    state: Mapped[dict[str, Any]] = mapped_column(JSONType)
    version: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's own API


class Answer(Base):
    """Append-only: every answer ever given; the highest revision per question is current.

    `value` is None when an answer was withdrawn. `participant_id` becomes NULL when the
    person asks to forget their data: the answer stays, anonymous, in territory figures.
    """

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("conversation_id", "question_id", "revision"),
        Index("ix_answers_territory_flow_question", "territory_id", "flow_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participants.id", ondelete="SET NULL"), index=True
    )
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id", ondelete="CASCADE"))
    flow_id: Mapped[str] = mapped_column(String(32))
    question_id: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer)
    value: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class AnonymousAnswer(Base):
    """A button answer kept in a territory's figures after its author asked to be forgotten.

    Nothing links one to another: no person, no conversation, no revision, only the day, and
    a random id (so neither ids nor their order group the answers of one person).
    """

    __tablename__ = "anonymous_answers"
    __table_args__ = (
        Index(
            "ix_anonymous_answers_territory_flow_question", "territory_id", "flow_id", "question_id"
        ),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id", ondelete="CASCADE"))
    flow_id: Mapped[str] = mapped_column(String(32))
    question_id: Mapped[str] = mapped_column(String(64))
    value: Mapped[dict[str, Any]] = mapped_column(JSONType)
    answered_on: Mapped[date] = mapped_column(Date)


class ReceivedUpdate(Base):
    """An update from a channel: kept (with its payload) as soon as it is received, before
    the channel is told so; handled once (`handled_at` set and the payload dropped in the
    transaction that handles it). A redelivered update finds its row and changes nothing."""

    __tablename__ = "updates"
    __table_args__ = (UniqueConstraint("channel", "update_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    update_id: Mapped[int] = mapped_column(BigInteger)
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)


class JoinAttempt(Base):
    """A wrong join code, counted to slow down guessing; kept only as long as it counts.

    `who` is a one-way key of the person's channel id (never the id itself): this is stored
    before anyone agrees to anything.
    """

    __tablename__ = "join_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    who: Mapped[str] = mapped_column(String(64), index=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class OutboxMessage(Base):
    """A scheduled message: planned once (its `key` says why and for whom, so planning again
    adds nothing), claimed by one dispatcher for a lease, then sent, failed or cancelled."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due_at", "status", "due_at"),
        CheckConstraint(
            "status in ('planned', 'claimed', 'sent', 'failed', 'cancelled')", name="status"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True
    )
    territory_id: Mapped[int] = mapped_column(ForeignKey("territories.id", ondelete="CASCADE"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), default="planned")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
