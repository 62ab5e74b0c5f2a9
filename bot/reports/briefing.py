"""Figures of several territories for briefings and comparisons (channel-neutral): gathered
with `storage.reports.Reports` one territory at a time, summarised with `dialogs.summary`, and
the short texts a chat shows before the HTML file."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from bot import texts
from bot.reports.figures import flows_read_by
from bot.reports.summary_text import level_word, number, scored_flows
from dialogs.block_means import block_mean
from dialogs.i18n import Translator, available_languages, translator
from dialogs.loader import load_flows
from dialogs.model import Flow
from dialogs.summary import (
    MIN_GROUP,
    BlockSummary,
    OpenAnswer,
    QuestionFigures,
    Stats,
    answered_by_person,
    summarise_block,
    with_profile,
)
from dialogs.texts import shortened
from storage import db
from storage.models import Territory
from storage.reports import Reports
from storage.repository import Repository

QUOTE_LIMIT = 200
"""Characters of an open answer shown in a chat message (the HTML file has all of it)."""
CHAT_QUOTES = 3
PER_WORKER = 4
"""Fewest territories worth another process for (starting one takes about a second)."""
CHAT_QUESTIONS = 2
"""Strongest and weakest questions named in the chat."""


@dataclass(frozen=True)
class TerritorySummaries:
    """One territory's figures: who joined and answered, and each scored block's summary."""

    territory_id: int
    name: str
    joined: int
    respondents: int
    """Members who answered at least one question of a scored block themselves (of the one
    block gathered, with `gather(..., only=...)`)."""
    blocks: dict[str, BlockSummary]


async def gather(
    reports: Reports,
    territories: Sequence[Territory],
    flows: Mapping[str, Flow],
    only: str | None = None,
) -> list[TerritorySummaries]:
    """Every scored block's summary (or only the block `only`) in each territory, in the
    territories' order; one territory's rows in memory at a time."""
    blocks = [f for f in scored_flows(flows) if only is None or f.id == only]
    needed = None if only is None else sorted(flows_read_by(flows[only]))
    out: list[TerritorySummaries] = []
    for territory in territories:
        progress = await reports.progress(territory.id)
        people = await reports.respondents([territory.id], needed)
        kept = await reports.kept_answers([territory.id])
        finished = {flow_id: block.finished for flow_id, block in progress.blocks.items()}
        summaries = {
            flow.id: summarise_block(flow, people, kept, territory.profile, finished)
            for flow in blocks
        }
        answered = sum(
            1
            for person in people
            if any(answered_by_person(person.answers.get(f.id)) for f in scored_flows(flows))
        )
        out.append(
            TerritorySummaries(territory.id, territory.name, progress.joined, answered, summaries)
        )
    return out


async def gather_scores(
    reports: Reports, territories: Sequence[Territory], flows: Mapping[str, Flow]
) -> list[TerritorySummaries]:
    """Only each block's score (and who joined and answered) in each territory: what a
    comparison of many territories needs, read and computed at scale. The scores are those of
    `gather` (the same people, the same rules); the rest of each summary is left empty."""
    blocks = scored_flows(flows)
    means = {f.id: block_mean(f) for f in blocks}
    out: list[TerritorySummaries] = []
    for territory in territories:
        progress = await reports.progress(territory.id)
        members = await reports.answers_by_member(territory.id)
        values: dict[str, list[float]] = {f.id: [] for f in blocks}
        counts = {f.id: 0 for f in blocks}
        answered = 0
        for given in members:
            own_blocks = [f for f in blocks if answered_by_person(given.get(f.id))]
            if not own_blocks:
                continue
            answered += 1
            answers = with_profile(given, territory.profile) if territory.profile else given
            for flow in own_blocks:
                counts[flow.id] += 1
                mean = means[flow.id](answers)
                if mean is not None:
                    values[flow.id].append(mean)
        summaries = {
            flow.id: BlockSummary(
                flow.id,
                counts[flow.id],
                progress.blocks[flow.id].finished if flow.id in progress.blocks else 0,
                Stats.of(values[flow.id]),
                None,
            )
            for flow in blocks
        }
        out.append(
            TerritorySummaries(territory.id, territory.name, progress.joined, answered, summaries)
        )
    return out


async def _scores_of(url: str, territory_ids: Sequence[int]) -> list[TerritorySummaries]:
    """`gather_scores` over these territories, on a connection of this process's own."""
    engine = db.create_engine(url)
    try:
        async with db.session_factory(engine)() as session:
            wanted = set(territory_ids)
            found = [t for t in await Repository(session).territories() if t.id in wanted]
            return await gather_scores(Reports(session), found, load_flows())
    finally:
        await engine.dispose()


def _scores_in_worker(url: str, territory_ids: Sequence[int]) -> list[TerritorySummaries]:
    return asyncio.run(_scores_of(url, territory_ids))


def cores() -> int:
    """The processor cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


async def gather_scores_parallel(
    url: str, territory_ids: Sequence[int], workers: int
) -> list[TerritorySummaries]:
    """`gather_scores` for many territories, shared between this process and `workers - 1`
    more (each with its own database connection), in the order of `territory_ids`."""
    workers = max(1, min(workers, len(territory_ids) // PER_WORKER))
    shares = [list(territory_ids[i::workers]) for i in range(workers)]
    if workers == 1:
        return await _scores_of(url, territory_ids)
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")  # no copy of this process's event loop
    with ProcessPoolExecutor(max_workers=workers - 1, mp_context=context) as pool:
        others = [loop.run_in_executor(pool, _scores_in_worker, url, s) for s in shares[1:]]
        mine = await _scores_of(url, shares[0])
        found = [mine, *await asyncio.gather(*others)]
    by_id = {figures.territory_id: figures for share in found for figures in share}
    return [by_id[i] for i in territory_ids if i in by_id]


# ---------------------------------------------------------------- finding a block


def _plain(text: str) -> str:
    """Lower case, no accents, single spaces: 'Accès aux  Marchés' -> 'acces aux marches'."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.replace("-", " ").split())


def find_block(flows: Mapping[str, Flow], text: str) -> Flow | None:
    """A guideline block from what a person typed: its id, its number (1–8), or its title or
    short title in any language, whole or a part that names only one block."""
    wanted = _plain(text)
    if not wanted:
        return None
    blocks = scored_flows(flows)
    names: dict[str, set[str]] = {}
    for flow in blocks:
        found = {_plain(flow.id), str(flow.order)}
        for language in available_languages():
            tr = translator(language)
            found.update(_plain(tr(t)) for t in (flow.title, flow.short_title) if t)
        names[flow.id] = found
    exact = [f for f in blocks if wanted in names[f.id]]
    if len(exact) == 1:
        return exact[0]
    if len(wanted) < 3:
        return None
    partial = [f for f in blocks if any(wanted in name for name in names[f.id])]
    return partial[0] if len(partial) == 1 else None


def block_name(flow: Flow, tr: Translator) -> str:
    return tr(flow.short_title or flow.title)


# ---------------------------------------------------------------- words and numbers


def pooled(
    question_id: str, figures: Iterable[TerritorySummaries], flow_id: str
) -> tuple[float | None, int]:
    """A question's mean over every answer with a level in these territories, and how many."""
    total = 0.0
    count = 0
    for territory in figures:
        summary = territory.blocks.get(flow_id)
        found = _question(summary, question_id) if summary else None
        if found is not None and found.mean is not None and found.levels:
            total += found.mean * found.levels
            count += found.levels
    return (round(total / count, 2) if count else None), count


def _question(summary: BlockSummary, question_id: str) -> QuestionFigures | None:
    return next((q for q in summary.questions if q.question_id == question_id), None)


def ranked_questions(flow: Flow, figures: Sequence[TerritorySummaries]) -> list[tuple[str, float]]:
    """The block's scored questions with a pooled mean of at least MIN_GROUP answers with a
    level (one or two answers make no "strongest"), strongest first."""
    means = [(q.id, *pooled(q.id, figures, flow.id)) for q in flow.scored_questions]
    found = [(qid, mean) for qid, mean, n in means if mean is not None and n >= MIN_GROUP]
    return sorted(found, key=lambda item: (-item[1], item[0]))


def strongest_and_weakest(
    flow: Flow, figures: Sequence[TerritorySummaries], count: int = CHAT_QUESTIONS
) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """At most `count` strongest and `count` weakest questions, never the same one twice."""
    ranked = ranked_questions(flow, figures)
    top = min(count, len(ranked) // 2) if len(ranked) > 1 else len(ranked)
    strongest = ranked[:top]
    weakest = list(reversed(ranked[len(ranked) - min(count, len(ranked) - top) :]))
    return strongest, weakest


def next_steps(flow: Flow, figures: Sequence[TerritorySummaries]) -> list[tuple[str, OpenAnswer]]:
    """The proposed next steps (territory name, answer), written ones first."""
    found = [
        (territory.name, answer)
        for territory in figures
        if (summary := territory.blocks.get(flow.id))
        for answer in summary.open_answers
        if answer.question_id == "next_step"
    ]
    return sorted(found, key=lambda item: item[1].text is None)


def shorten(text: str, limit: int = QUOTE_LIMIT) -> str:
    return shortened(" ".join(text.split()), limit)


# ---------------------------------------------------------------- chat messages


def chat_messages(flow: Flow, figures: Sequence[TerritorySummaries], tr: Translator) -> list[str]:
    """The briefing's few short chat messages (plain text): scores side by side, strongest and
    weakest questions, a few proposed next steps."""
    title = block_name(flow, tr)
    lines = [tr(texts.BRIEFING_CHAT_TITLE, block=title, order=flow.order)]
    for territory in figures:
        summary = territory.blocks[flow.id]
        score = summary.score
        if score is None:
            lines.append(tr(texts.BRIEFING_CHAT_NO_SCORE, territory=territory.name))
            continue
        line = tr(
            texts.BRIEFING_CHAT_SCORE,
            territory=territory.name,
            mean=number(score.mean, tr),
            level=level_word(score.mean, tr),
            percent=score.percent,
            count=score.count,
        )
        if summary.short_path:
            line += f" ({tr(texts.REPORT_SHORT_PATH, count=summary.short_path)})"
        lines.append(line)
    messages = ["\n".join(lines)]
    strongest, weakest = strongest_and_weakest(flow, figures)
    if strongest:
        parts = [tr(texts.REPORT_STRONGEST)]
        parts += [_question_line(flow, qid, mean, tr) for qid, mean in strongest]
        if weakest:
            parts += ["", tr(texts.REPORT_WEAKEST)]
            parts += [_question_line(flow, qid, mean, tr) for qid, mean in weakest]
        messages.append("\n".join(parts))
    steps = next_steps(flow, figures)
    if steps:
        parts = [tr(texts.BRIEFING_NEXT_STEPS)]
        for name, answer in steps[:CHAT_QUOTES]:
            who = tr(texts.BRIEFING_WHO, pseudonym=answer.pseudonym, territory=name)
            if answer.text is not None:
                parts.append(f"• “{shorten(answer.text)}” — {who}")
            else:
                voice = tr(texts.REPORT_VOICE_NOTE, seconds=answer.voice_duration or 0)
                parts.append(f"• {voice} — {who}")
        if len(steps) > CHAT_QUOTES:
            parts.append(tr(texts.BRIEFING_MORE_IN_FILE, count=len(steps) - CHAT_QUOTES))
        messages.append("\n".join(parts))
    return [chunk for message in messages for chunk in split_message(message)]


def _question_line(flow: Flow, question_id: str, mean: float, tr: Translator) -> str:
    question = flow.question(question_id)
    text = tr(question.text) if question is not None else question_id
    return f"• {shorten(text, 120)} — {number(mean, tr)}/3"


def split_message(text: str, limit: int = 3500) -> list[str]:
    """Pieces of at most `limit` characters, cut between lines (a very long line is cut)."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces
