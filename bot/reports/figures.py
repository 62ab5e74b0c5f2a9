"""A territory's figures, read once per request: progress, each block's summary, and what a
participant may see of their territory (a block's mean once enough people answered it)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession

from dialogs.conditions import refs
from dialogs.model import Flow, on_short_path
from dialogs.scoring import score_flow
from dialogs.summary import (
    MIN_GROUP,
    BlockSummary,
    Stats,
    person_score,
    summarise,
    summarise_block,
    with_profile,
)
from storage.models import Territory
from storage.reports import Progress, Reports


@dataclass(frozen=True)
class TerritoryFigures:
    progress: Progress
    blocks: list[BlockSummary]
    """Every scored block, in the flows' order."""

    @property
    def answered(self) -> bool:
        """Someone answered a scored block."""
        return any(answered(block) for block in self.blocks)


def answered(block: BlockSummary) -> bool:
    """Someone answered the block (or their button answers were kept after /forget)."""
    return bool(block.respondents) or any(
        q.levels or q.dont_know or q.not_applicable for q in block.questions
    )


async def territory_figures(
    session: AsyncSession, territory: Territory, flows: Mapping[str, Flow]
) -> TerritoryFigures:
    """Progress counts (in SQL) and every block's summary, with the territory's profile."""
    reports = Reports(session)
    progress = await reports.progress(territory.id)
    people = await reports.respondents([territory.id])
    kept = await reports.kept_answers([territory.id])
    finished = {flow_id: block.finished for flow_id, block in progress.blocks.items()}
    return TerritoryFigures(progress, summarise(flows, people, kept, territory.profile, finished))


def flows_read_by(flow: Flow) -> set[str]:
    """The flows a block's figures need: itself, the context (people's role), and every flow
    its conditions read."""
    needed = {flow.id, "context"}
    for question in flow.questions:
        for condition in (question.when, question.na_when):
            if condition is not None:
                needed.update(c.ref.flow for c in refs(condition) if c.ref.flow)
    return needed


async def block_figures(
    session: AsyncSession, territory: Territory, flows: Mapping[str, Flow], flow_id: str
) -> BlockSummary:
    """One block's summary, reading only the conversations it needs."""
    flow = flows[flow_id]
    reports = Reports(session)
    progress = await reports.progress(territory.id)
    people = await reports.respondents([territory.id], flows_read_by(flow))
    kept = [k for k in await reports.kept_answers([territory.id]) if k.flow_id == flow_id]
    finished = {flow_id: block.finished for flow_id, block in progress.blocks.items()}
    return summarise_block(flow, people, kept, territory.profile, finished)


def shared(block: BlockSummary | None) -> Stats | None:
    """A block's territory score as participants may see it: only from MIN_GROUP people with
    a score on (fewer would let one person guess another's)."""
    return above_threshold(block.score if block is not None else None)


def own_scores(
    answers: Mapping[str, Mapping[str, object]],
    finished: set[str],
    flows: Mapping[str, Flow],
    profile: Mapping[str, object] | None,
) -> dict[str, float | None]:
    """A person's score (0–3) in each scored block they finished (None: no level given), with
    the territory's profile as the summary uses it."""
    given = with_profile(answers, profile)  # type: ignore[arg-type]
    return {
        flow.id: score_flow(flow, given).overall.mean
        for flow in flows.values()
        if flow.scored and flow.id in finished
    }


def short_path_blocks(
    answers: Mapping[str, Mapping[str, object]], profile: Mapping[str, object] | None
) -> set[str]:
    """The blocks a person answered on the short path (their choice, or the territory's)."""
    given = with_profile(answers, profile)  # type: ignore[arg-type]
    return {flow_id for flow_id, own in given.items() if on_short_path(own)}


def above_threshold(stats: Stats | None) -> Stats | None:
    return stats if stats is not None and stats.count >= MIN_GROUP else None


@dataclass
class BlockScores:
    """Everyone's score in each block of each territory, for the line a participant reads
    when they finish a block: read from the database at most every `ttl` seconds per block
    (reading a block of a thousand people takes about 80 ms), with the score of whoever just
    finished always counted at once. Others' changes show within `ttl`."""

    ttl: float = 60.0
    clock: Callable[[], float] = time.monotonic
    _read: dict[tuple[int, str], tuple[float, dict[int, float]]] = field(default_factory=dict)

    async def territory(
        self,
        session: AsyncSession,
        territory: Territory,
        flows: Mapping[str, Flow],
        flow_id: str,
        participant_id: int,
        own: float | None,
    ) -> Stats | None:
        """The territory's score in a block with this person's `own` score, or None below
        MIN_GROUP people with a score."""
        key = (territory.id, flow_id)
        found = self._read.get(key)
        if found is None or self.clock() - found[0] > self.ttl:
            found = (self.clock(), await block_scores(session, territory, flows, flow_id))
            self._read[key] = found
        scores = found[1]
        if own is None:
            scores.pop(participant_id, None)
        else:
            scores[participant_id] = own
        return above_threshold(Stats.of(list(scores.values())))


async def block_scores(
    session: AsyncSession, territory: Territory, flows: Mapping[str, Flow], flow_id: str
) -> dict[int, float]:
    """Each person's score in a block (by participant id), as the summary counts them."""
    flow = flows[flow_id]
    people = await Reports(session).block_answers(territory.id, flow_id, flows_read_by(flow))
    scores = {
        who: person_score(flow, answers, territory.profile) for who, answers in people.items()
    }
    return {who: score for who, score in scores.items() if score is not None}
