"""Channel-neutral conversation service: run the engine on stored state and store the result.

A channel (Telegram today) turns its updates into engine inputs and calls this; the service
reads the person's answers in other flows (for conditions), steps the engine, and saves the
new state with the new answers in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dialogs import engine
from dialogs.model import Flow
from storage.models import Participant, Territory
from storage.repository import NewAnswer, Repository


@dataclass(frozen=True)
class BlockStatus:
    flow: Flow
    progress: engine.Progress


class Conversations:
    def __init__(self, repo: Repository, flows: Mapping[str, Flow]) -> None:
        self.repo = repo
        self.flows = flows

    async def _others(
        self, participant: Participant, territory: Territory, flow_id: str
    ) -> dict[str, dict[str, Any]]:
        answers = await self.repo.current_answers(participant, territory)
        answers.pop(flow_id, None)
        return answers

    async def step(
        self, participant: Participant, territory: Territory, flow_id: str, event: engine.Input
    ) -> list[engine.Output]:
        flow = self.flows[flow_id]
        conversation = await self.repo.conversation(participant, territory, flow_id)
        others = await self._others(participant, territory, flow_id)
        state, outputs = engine.step(
            flow, conversation.state if conversation else None, event, others
        )
        answers = [
            NewAnswer(flow_id, o.question, o.answer)
            for o in outputs
            if isinstance(o, engine.Recorded) and o.changed
        ]
        await self.repo.save_step(
            participant,
            territory,
            flow_id,
            state,
            answers,
            expected_version=conversation.version if conversation else 0,
        )
        return outputs

    async def current_flow(self, participant: Participant, territory: Territory) -> str | None:
        """The block the person is in: the most recently used one that is not finished."""
        conversations = await self.repo.conversations(participant, territory)
        open_ones = [
            c
            for c in conversations
            if c.flow_id in self.flows and c.state.get("status") in ("active", "paused")
        ]
        return max(open_ones, key=lambda c: (c.updated_at, c.id)).flow_id if open_ones else None

    async def blocks(self, participant: Participant, territory: Territory) -> list[BlockStatus]:
        conversations = {
            c.flow_id: c for c in await self.repo.conversations(participant, territory)
        }
        answers = await self.repo.current_answers(participant, territory)
        out = []
        for flow in self.flows.values():
            conversation = conversations.get(flow.id)
            others = {k: v for k, v in answers.items() if k != flow.id}
            state = conversation.state if conversation else None
            out.append(BlockStatus(flow, engine.progress(flow, state, others)))
        return out
