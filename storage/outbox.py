"""The outbox of scheduled messages: planned idempotently (a row per unique key, planning again
adds nothing), claimed once by one dispatcher for a lease (`FOR UPDATE SKIP LOCKED` on
PostgreSQL; one atomic UPDATE on SQLite, whose single writer does the rest), then marked sent,
planned again later, failed or cancelled; and what the planner reads to decide who gets what."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    DateTime,
    Integer,
    String,
    Text,
    and_,
    bindparam,
    func,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from storage.models import Conversation, Membership, OutboxMessage, Participant, Territory

LEASE = timedelta(minutes=2)
"""How long a claimed row is the claimer's: after that, a crash is assumed and it is claimed
again. A batch of 100 takes about 3.5 s at 29 a second; the Bot API's retries add at most
~25 s, a 429 its `retry_after` (usually seconds)."""
WAITING = ("planned", "claimed")
SESSION_KINDS = ("session", "summary", "thanks")
"""Kinds planned for one session date (their payload says which): replanned when it moves."""
PLANNING = 0x5E5E_0001
"""The PostgreSQL advisory lock key of planning."""
DISPATCHING = 0x5E5E_0002
"""The PostgreSQL advisory lock key of the one process that sends scheduled messages."""


@dataclass(frozen=True)
class Planned:
    """A message to plan: its unique key, kind, recipient, territory, payload and due time."""

    key: str
    kind: str
    participant_id: int
    territory_id: int
    payload: dict[str, Any]
    due_at: datetime


@dataclass(frozen=True)
class Claimed:
    """A row claimed for sending, with what the dispatcher needs about its recipient."""

    id: int
    key: str
    kind: str
    participant_id: int
    territory_id: int
    payload: dict[str, Any]
    due_at: datetime
    attempts: int


@dataclass(frozen=True)
class Quiet:
    """A member who has not finished a block they started: when they last answered in it."""

    participant_id: int
    territory_id: int
    flow_id: str
    updated_at: datetime
    nudges: int
    """Nudges already planned or sent for this block."""


def _finished_by_member() -> tuple[Any, ...]:
    """Conditions on a conversation: a block the membership's person finished in its
    territory (correlated to `Membership` in the enclosing query)."""
    return (
        Conversation.participant_id == Membership.participant_id,
        Conversation.territory_id == Membership.territory_id,
        Conversation.finished_at.is_not(None),
    )


class Outbox:
    """Queries over the outbox, in the caller's transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def plan(self, messages: Iterable[Planned], now: datetime) -> int:
        """Insert the messages whose key is new, and plan again those whose row was cancelled
        (their reason is back: /start after /stop, a session date set back, a digest turned on
        again); rows planned, claimed, sent or failed stay as they are. How many were new or
        planned again."""
        rows = [
            {
                "key": m.key,
                "kind": m.kind,
                "participant_id": m.participant_id,
                "territory_id": m.territory_id,
                "payload": m.payload,
                "due_at": m.due_at,
                "status": "planned",
                "attempts": 0,
                "created_at": now,
            }
            for m in messages
        ]
        if not rows:
            return 0
        if self.session.bind.dialect.name == "postgresql":
            return await self._plan_postgresql(rows, now)
        table = OutboxMessage.__table__
        statement = sqlite_insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=["key"],
            set_={
                "status": "planned",
                "due_at": statement.excluded.due_at,
                "attempts": 0,
                "lease_until": None,
                "last_error": None,
            },
            where=table.c.status == "cancelled",
        )
        result = await self.session.execute(statement.returning(table.c.id), rows)
        return len(result.all())

    async def _plan_postgresql(self, rows: list[dict[str, Any]], now: datetime) -> int:
        """The same in one statement over arrays (`unnest`): 16,000 rows in about 0.6 s, where a
        multi-row insert took 1.05 s (bench/scheduling.py)."""
        columns = {
            "keys": ("key", String()),
            "kinds": ("kind", String()),
            "people": ("participant_id", Integer()),
            "places": ("territory_id", Integer()),
            "payloads": ("payload", Text()),
            "dues": ("due_at", DateTime(timezone=True)),
        }
        values = {
            name: [json.dumps(r[column]) if column == "payload" else r[column] for r in rows]
            for name, (column, _) in columns.items()
        }
        statement = text(
            "INSERT INTO outbox (key, kind, participant_id, territory_id, payload, due_at, "
            "status, attempts, created_at) "
            "SELECT k, kd, p, t, pl::jsonb, d, 'planned', 0, :now "
            "FROM unnest(:keys, :kinds, :people, :places, :payloads, :dues) "
            "AS u(k, kd, p, t, pl, d) "
            "ON CONFLICT (key) DO UPDATE SET status = 'planned', due_at = EXCLUDED.due_at, "
            "attempts = 0, lease_until = NULL, last_error = NULL "
            "WHERE outbox.status = 'cancelled' RETURNING id"
        ).bindparams(
            *(bindparam(name, type_=ARRAY(kind)) for name, (_, kind) in columns.items()),
            bindparam("now", type_=DateTime(timezone=True)),
        )
        result = await self.session.execute(statement, {**values, "now": now})
        return len(result.all())

    async def claim(self, now: datetime, limit: int = 50) -> list[Claimed]:
        """Due rows, and claimed rows whose lease ran out (their claimer died), now this
        caller's until `now + LEASE`; never the same row to two callers."""
        table = OutboxMessage
        due = (
            select(table.id)
            .where(
                or_(
                    and_(table.status == "planned", table.due_at <= now),
                    and_(table.status == "claimed", table.lease_until < now),
                )
            )
            .order_by(table.due_at, table.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        rows = await self.session.execute(
            update(table)
            .where(table.id.in_(due.scalar_subquery()))
            .values(status="claimed", lease_until=now + LEASE, attempts=table.attempts + 1)
            .returning(
                table.id,
                table.key,
                table.kind,
                table.participant_id,
                table.territory_id,
                table.payload,
                table.due_at,
                table.attempts,
            ),
            execution_options={"synchronize_session": False},
        )
        return sorted((Claimed(*row) for row in rows), key=lambda c: (c.due_at, c.id))

    async def sent(self, row_id: int, message_id: str | None, now: datetime) -> None:
        await self._finish(row_id, status="sent", message_id=message_id, sent_at=now)

    async def failed(self, row_id: int, error: str) -> None:
        await self._finish(row_id, status="failed", last_error=error[:500])

    async def cancelled(self, row_id: int, why: str) -> None:
        await self._finish(row_id, status="cancelled", last_error=why[:500])

    async def again(self, row_id: int, due_at: datetime, error: str) -> None:
        """Planned again for `due_at` after a failure that may pass."""
        await self._finish(row_id, status="planned", due_at=due_at, last_error=error[:500])

    async def _finish(self, row_id: int, **values: Any) -> None:
        await self.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == row_id)
            .values(lease_until=None, **values)
            .execution_options(synchronize_session=False)
        )

    async def cancel_waiting(self, participant_id: int, why: str) -> int:
        """Cancel everything still to send to a person; how many."""
        return await self._cancel([OutboxMessage.participant_id == participant_id], why)

    async def cancel_stale_sessions(self, current: dict[int, datetime], why: str) -> int:
        """Cancel what is still to send about a session date that is not their territory's
        any more (`current`: each territory's session date, past or ahead, by territory id):
        one read, one update."""
        table = OutboxMessage
        rows = await self.session.execute(
            select(table.id, table.territory_id, table.payload["session_at"].as_string()).where(
                table.kind.in_(SESSION_KINDS), table.status.in_(WAITING)
            )
        )
        wanted = {place: moment.isoformat() for place, moment in current.items()}
        stale = [row_id for row_id, place, at in rows if wanted.get(place) != at]
        if not stale:
            return 0
        return await self._cancel([table.id.in_(stale)], why)

    async def cancel_session_reminders(self, territory_id: int, why: str) -> int:
        """Cancel everything still to send in a territory about its session date (reminders,
        the summary before it, thanks after it): the date changed, the planner plans anew."""
        table = OutboxMessage
        return await self._cancel(
            [table.territory_id == territory_id, table.kind.in_(SESSION_KINDS)], why
        )

    async def cancel_kind(self, participant_id: int, territory_id: int, kind: str, why: str) -> int:
        """Cancel what is still to send to a person, of one kind, about one territory."""
        table = OutboxMessage
        where = [
            table.participant_id == participant_id,
            table.territory_id == territory_id,
            table.kind == kind,
        ]
        return await self._cancel(where, why)

    async def _cancel(self, where: list[Any], why: str) -> int:
        table = OutboxMessage
        result = await self.session.execute(
            update(table)
            .where(table.status.in_(WAITING), *where)
            .values(status="cancelled", lease_until=None, last_error=why)
            .execution_options(synchronize_session=False)
        )
        return max(result.rowcount, 0)

    async def planning_lock(self) -> bool:
        """True when this transaction may plan: on PostgreSQL, it holds the planning advisory
        lock until it ends (another process planning makes this False); on SQLite the
        process's single writer already plans one pass at a time."""
        if self.session.bind.dialect.name != "postgresql":
            return True
        return bool(await self.session.scalar(select(func.pg_try_advisory_xact_lock(PLANNING))))

    # ---------------------------------------------------------------- what the dispatcher reads

    async def recipient(
        self, participant_id: int, territory_id: int
    ) -> tuple[Participant | None, Territory | None]:
        return (
            await self.session.get(Participant, participant_id),
            await self.session.get(Territory, territory_id),
        )

    async def conversation(
        self, participant_id: int, territory_id: int, flow_id: str
    ) -> Conversation | None:
        return await self.session.scalar(
            select(Conversation).where(
                Conversation.participant_id == participant_id,
                Conversation.territory_id == territory_id,
                Conversation.flow_id == flow_id,
            )
        )

    async def has_started(self, participant_id: int, territory_id: int) -> bool:
        """The person opened at least one block in the territory."""
        found = await self.session.scalar(
            select(Conversation.id)
            .where(
                Conversation.participant_id == participant_id,
                Conversation.territory_id == territory_id,
            )
            .limit(1)
        )
        return found is not None

    async def finished_blocks(self, participant_id: int, territory_id: int) -> int:
        found = await self.session.scalar(
            select(func.count()).where(
                Conversation.participant_id == participant_id,
                Conversation.territory_id == territory_id,
                Conversation.finished_at.is_not(None),
            )
        )
        return found or 0

    async def mark_unreachable(self, participant_id: int, now: datetime) -> None:
        await self.session.execute(
            update(Participant)
            .where(Participant.id == participant_id, Participant.unreachable_at.is_(None))
            .values(unreachable_at=now)
            .execution_options(synchronize_session=False)
        )

    # ---------------------------------------------------------------- what the planner reads

    def _reachable_members(self) -> Any:
        return and_(
            Participant.consent_at.is_not(None),
            Participant.unreachable_at.is_(None),
            Participant.stopped_at.is_(None),
        )

    async def quiet_since(self, before: datetime) -> list[Quiet]:
        """Members who started a block and have not answered in it since `before` (and have
        not finished it), with how many nudges that block already got."""
        nudges = (
            select(func.count())
            .where(
                OutboxMessage.participant_id == Conversation.participant_id,
                OutboxMessage.territory_id == Conversation.territory_id,
                OutboxMessage.kind == "nudge",
                OutboxMessage.status != "cancelled",
                OutboxMessage.payload["flow"].as_string() == Conversation.flow_id,
            )
            .scalar_subquery()
        )
        rows = await self.session.execute(
            select(
                Conversation.participant_id,
                Conversation.territory_id,
                Conversation.flow_id,
                Conversation.updated_at,
                nudges,
            )
            .join(Participant, Participant.id == Conversation.participant_id)
            .join(
                Membership,
                (Membership.participant_id == Conversation.participant_id)
                & (Membership.territory_id == Conversation.territory_id),
            )
            .where(
                Conversation.finished_at.is_(None),
                Conversation.updated_at <= before,
                self._reachable_members(),
            )
        )
        return [Quiet(*row) for row in rows]

    async def never_started(self, joined_before: datetime) -> list[tuple[int, int, datetime]]:
        """(participant, territory, when they joined) of participants who joined before then
        and never opened a block there."""
        started = select(Conversation.id).where(
            Conversation.participant_id == Membership.participant_id,
            Conversation.territory_id == Membership.territory_id,
        )
        rows = await self.session.execute(
            select(Membership.participant_id, Membership.territory_id, Membership.joined_at)
            .join(Participant, Participant.id == Membership.participant_id)
            .where(
                Membership.role == "participant",
                Membership.joined_at <= joined_before,
                ~started.exists(),
                self._reachable_members(),
            )
        )
        return [(person, place, joined) for person, place, joined in rows]

    async def territories(self) -> list[Territory]:
        return list((await self.session.scalars(select(Territory))).all())

    async def members_of(
        self, territory_ids: Sequence[int], *, role: str | None = None, finished: bool = False
    ) -> list[tuple[int, int]]:
        """(participant, territory) of everyone who can be reached in these territories; only
        those of a role, or only those who finished at least one block there."""
        where = [Membership.territory_id.in_(list(territory_ids)), self._reachable_members()]
        if role is not None:
            where.append(Membership.role == role)
        if finished:
            where.append(select(Conversation.id).where(*_finished_by_member()).exists())
        rows = await self.session.execute(
            select(Membership.participant_id, Membership.territory_id)
            .join(Participant, Participant.id == Membership.participant_id)
            .where(*where)
        )
        return [(person, place) for person, place in rows]

    async def last_sent(self, participant_id: int, territory_id: int, kind: str) -> datetime | None:
        """When a person last got a message of this kind about this territory."""
        return await self.session.scalar(
            select(func.max(OutboxMessage.sent_at)).where(
                OutboxMessage.participant_id == participant_id,
                OutboxMessage.territory_id == territory_id,
                OutboxMessage.kind == kind,
                OutboxMessage.status == "sent",
            )
        )

    async def digests(self) -> list[tuple[int, int, str]]:
        """(participant, territory, "HH:MM") of facilitators who asked for a daily digest."""
        rows = await self.session.execute(
            select(Membership.participant_id, Membership.territory_id, Membership.digest_time)
            .join(Participant, Participant.id == Membership.participant_id)
            .where(
                Membership.role == "facilitator",
                Membership.digest_time.is_not(None),
                self._reachable_members(),
            )
        )
        return [(person, place, at) for person, place, at in rows]

    async def unfinished_members(self, territory_id: int, blocks: int) -> list[int]:
        """Participants of a territory who can be reached and have finished fewer than
        `blocks` blocks there (those who never started included)."""
        finished = select(func.count()).where(*_finished_by_member()).scalar_subquery()
        rows = await self.session.scalars(
            select(Membership.participant_id)
            .join(Participant, Participant.id == Membership.participant_id)
            .where(
                Membership.territory_id == territory_id,
                Membership.role == "participant",
                finished < blocks,
                self._reachable_members(),
            )
        )
        return list(rows.all())

    async def waiting_in(self, territory_id: int) -> list[tuple[str, datetime, int]]:
        """What is still to send in a territory: (kind, due time, how many people)."""
        rows = await self.session.execute(
            select(OutboxMessage.kind, OutboxMessage.due_at, func.count())
            .where(
                OutboxMessage.territory_id == territory_id,
                OutboxMessage.status.in_(WAITING),
            )
            .group_by(OutboxMessage.kind, OutboxMessage.due_at)
            .order_by(OutboxMessage.due_at)
        )
        return [(kind, due, count) for kind, due, count in rows]


class Leadership:
    """Whether this process is the one that sends scheduled messages, so that their pace
    holds for all processes together. On PostgreSQL: a session-level advisory lock, taken on
    a connection of its own and held as long as the process lives (it dies with it, and
    another process takes over at its next tick). On SQLite a single process runs: always."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.connection: AsyncConnection | None = None

    async def held(self) -> bool:
        """True when this process leads now (it takes the lead when nobody has it)."""
        if self.engine.dialect.name != "postgresql":
            return True
        if self.connection is not None:
            try:  # the lock lives as long as this connection does
                await self.connection.execute(select(1))
                await self.connection.commit()
                return True
            except Exception:
                await self.release()
        connection = await self.engine.connect()
        try:
            led = bool(await connection.scalar(select(func.pg_try_advisory_lock(DISPATCHING))))
            await connection.commit()  # the lock outlives the transaction; no idle transaction
        except Exception:
            await connection.close()
            raise
        if led:
            self.connection = connection
        else:
            await connection.close()
        return led

    async def release(self) -> None:
        """Give the lead up (closing the connection frees the lock, even a broken one)."""
        connection, self.connection = self.connection, None
        if connection is not None:
            try:
                await connection.invalidate()
            finally:
                await connection.close()
