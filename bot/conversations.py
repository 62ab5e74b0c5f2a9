"""Channel-neutral conversation service: run the engine on stored state and store the result.

A channel (Telegram today) turns its updates into engine inputs and calls this; the service
reads the person's conversations in the territory once (their states hold the answers other
flows' conditions need), steps the engine, and saves the new state with the new answers in the
caller's transaction. The territory's profile comes in as data: the answers it settles are not
asked, and stand in for the person's own in conditions. Blocks a facilitator closed are not in
the menu; the person's first blocks (a break-out group's) come right after the context block.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dialogs import engine
from dialogs.model import Flow
from dialogs.profile import settled
from storage.models import Participant, Territory, utcnow
from storage.repository import NewAnswer, Repository, StoredConversation

ALWAYS_OPEN = "context"
"""The block about the person and their territory: it cannot be closed."""


@dataclass(frozen=True)
class BlockStatus:
    flow: Flow
    progress: engine.Progress


def is_open(flow_id: str, open_blocks: Sequence[str] | None) -> bool:
    """Whether participants may answer a block (None: every block is open)."""
    return flow_id == ALWAYS_OPEN or open_blocks is None or flow_id in open_blocks


def menu_flows(
    flows: Mapping[str, Flow],
    open_blocks: Sequence[str] | None,
    first_blocks: Sequence[str] | None = None,
) -> list[Flow]:
    """The open blocks in menu order: the context block, the person's first blocks, then the
    rest in the flows' order."""
    ordered = sorted(
        (f for f in flows.values() if is_open(f.id, open_blocks)), key=lambda f: f.order
    )
    first = [f for f in (first_blocks or ()) if f != ALWAYS_OPEN]
    rank = {flow_id: i for i, flow_id in enumerate(first)}
    return sorted(
        ordered,
        key=lambda f: (f.id != ALWAYS_OPEN, rank.get(f.id, len(rank)), f.order),
    )


class Conversations:
    """One person's conversations in one territory, for the length of one transaction."""

    def __init__(
        self,
        repo: Repository,
        flows: Mapping[str, Flow],
        participant: Participant,
        territory: Territory,
        first_blocks: Sequence[str] | None = None,
    ) -> None:
        self.repo = repo
        self.flows = flows
        self.participant = participant
        self.territory = territory
        self.first_blocks = first_blocks
        self.settled = settled(territory.profile)
        """Answers the territory's profile settles for everyone."""
        self._stored: dict[str, StoredConversation] | None = None

    def is_open(self, flow_id: str) -> bool:
        return is_open(flow_id, self.territory.open_blocks)

    async def _read(self) -> dict[str, StoredConversation]:
        if self._stored is None:
            found = await self.repo.conversations(self.participant, self.territory)
            self._stored = {c.flow_id: c for c in found}
        return self._stored

    @staticmethod
    def _answers(
        stored: Mapping[str, StoredConversation], leave_out: str | None = None
    ) -> dict[str, dict[str, Any]]:
        return {
            flow_id: c.state.get("answers", {})
            for flow_id, c in stored.items()
            if flow_id != leave_out
        }

    async def step(self, flow_id: str, event: engine.Input) -> list[engine.Output]:
        stored = await self._read()
        flow = self.flows[flow_id]
        current = stored.get(flow_id)
        state, outputs = engine.step(
            flow,
            current.state if current else None,
            event,
            self._answers(stored, flow_id),
            self.settled,
        )
        answers = [
            NewAnswer(flow_id, o.question, o.answer)
            for o in outputs
            if isinstance(o, engine.Recorded) and o.changed
        ]
        version = current.version if current else 0
        conversation_id = await self.repo.save_step(
            self.participant,
            self.territory,
            flow_id,
            state,
            answers,
            expected_version=version,
            finished=engine.is_finished(state),  # also while looked over again
        )
        stored[flow_id] = StoredConversation(conversation_id, flow_id, state, version + 1, utcnow())
        return outputs

    async def answer(self, flow_id: str, question_id: str) -> dict[str, Any] | None:
        """The person's current answer to a question (None if none)."""
        stored = (await self._read()).get(flow_id)
        return stored.state.get("answers", {}).get(question_id) if stored is not None else None

    async def current_question(self, flow_id: str) -> str | None:
        """The question the person was last asked in a block (None when none is waiting)."""
        stored = (await self._read()).get(flow_id)
        return stored.state.get("current") if stored is not None else None

    async def flow_for_text(self) -> str | None:
        """The block a text goes to: the one whose last answer it may continue (a long text
        the app sent in parts, even when that answer ended the block), else the current one."""
        stored = await self._read()
        known = [c for c in stored.values() if c.flow_id in self.flows]
        latest = max(known, key=lambda c: (c.updated_at, c.id), default=None)
        if latest is not None and latest.state.get("part"):
            return latest.flow_id
        return await self.current_flow()

    async def current_flow(self) -> str | None:
        """The block the person is in: the most recently used one that is not finished."""
        stored = await self._read()
        open_ones = [
            c
            for c in stored.values()
            if c.flow_id in self.flows and c.state.get("status") in ("active", "paused")
        ]
        return max(open_ones, key=lambda c: (c.updated_at, c.id)).flow_id if open_ones else None

    async def blocks(self) -> list[BlockStatus]:
        """The open blocks, in the person's menu order, with their progress."""
        stored = await self._read()
        out = []
        for flow in menu_flows(self.flows, self.territory.open_blocks, self.first_blocks):
            conversation = stored.get(flow.id)
            state = conversation.state if conversation else None
            answers = self._answers(stored, flow.id)
            out.append(BlockStatus(flow, engine.progress(flow, state, answers, self.settled)))
        return out
