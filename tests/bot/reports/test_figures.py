"""A territory's figures from the database: what a participant may see of a block, read at
most once a minute, with their own new score counted at once."""

from __future__ import annotations

import statistics

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.reports.figures import BlockScores, block_figures, block_scores, territory_figures
from dialogs.loader import load_flows
from storage.models import Territory
from tests.seeding import Seeder, context, level

Sessions = async_sessionmaker[AsyncSession]
FLOWS = load_flows()


async def test_block_scores_count_a_new_score_at_once_and_read_again_after_a_while(
    sessions: Sessions, territory: Territory
) -> None:
    seed = Seeder.for_(sessions)
    for value in ("1", "2"):
        await seed.person(territory, {"context": context("official"), "data": level(value)})
    now = [0.0]
    scores = BlockScores(ttl=60, clock=lambda: now[0])
    async with sessions() as session:
        read = await block_scores(session, territory, FLOWS, "data")
        assert len(read) == 2 and max(read.values()) > min(read.values())
        assert await scores.territory(session, territory, FLOWS, "data", 999, None) is None
        stats = await scores.territory(session, territory, FLOWS, "data", 999, 3.0)
        expected = round(statistics.fmean([*read.values(), 3.0]), 2)
        assert stats is not None and (stats.count, stats.mean) == (3, expected)
    await seed.person(territory, {"context": context("sse_org"), "data": level("3")})
    async with sessions() as session:
        stats = await scores.territory(session, territory, FLOWS, "data", 998, 0.0)
        assert stats is not None and stats.count == 4  # the third seeded one is not read yet
        now[0] = 61
        stats = await scores.territory(session, territory, FLOWS, "data", 998, 0.0)
        assert stats is not None and stats.count == 4  # read again: three, and 998's own
        figures = await territory_figures(session, territory, FLOWS)
        block = await block_figures(session, territory, FLOWS, "data")
    whole = next(b for b in figures.blocks if b.flow_id == "data")
    assert whole.score == block.score and block.respondents == 3 and block.finished == 3
