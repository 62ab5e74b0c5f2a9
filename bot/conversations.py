"""Channel-neutral conversation service: run the engine on stored state and store the result.

A channel (Telegram today) turns its updates into engine inputs and calls this; the service
reads the person's conversations in the territory once (their states hold the answers other
flows' conditions need), steps the engine, and saves the new state with the new answers in the
caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dialogs import engine
from dialogs.model import Flow
from storage.models import Participant, Territory, utcnow
from storage.repository import NewAnswer, Repository, StoredConversation


@dataclass(frozen=True)
class BlockStatus:
    flow: Flow
    progress: engine.Progress


class Conversations:
    """One person's conversations in one territory, for the length of one transaction."""

    def __init__(
        self,
        repo: Repository,
        flows: Mapping[str, Flow],
        participant: Participant,
        territory: Territory,
    ) -> None:
        self.repo = repo
        self.flows = flows
        self.participant = participant
        self.territory = territory
        self._stored: dict[str, StoredConversation] | None = None

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
            flow, current.state if current else None, event, self._answers(stored, flow_id)
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
        )
        stored[flow_id] = StoredConversation(conversation_id, flow_id, state, version + 1, utcnow())
        return outputs

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
        stored = await self._read()
        out = []
        for flow in self.flows.values():
            conversation = stored.get(flow.id)
            state = conversation.state if conversation else None
            out.append(
                BlockStatus(flow, engine.progress(flow, state, self._answers(stored, flow.id)))
            )
        return out
