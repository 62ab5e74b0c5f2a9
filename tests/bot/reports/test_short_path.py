"""Scores from the short path are marked as such (in a person's /results, in the block's
people line of /summary, in the reports' people column and in the briefing), and a block with
too few levels for a score says so."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.reports.briefing import TerritorySummaries, chat_messages
from bot.reports.figures import short_path_blocks
from bot.reports.html import people_with_short_path
from bot.reports.summary_text import block_section, results_text
from dialogs.i18n import translator
from dialogs.loader import load_flows
from dialogs.summary import summarise_block

FLOWS = load_flows()
LEGAL = FLOWS["legal"]
EN, ES = translator("en"), translator("es")
CORE = {"instrument": {"choice": "2"}, "political_lead": {"choice": "1"}, "budget": {"choice": "1"}}


@dataclass
class Someone:
    pseudonym: str
    answers: dict[str, dict[str, Any]]
    language: str | None = "en"


def short(n: int) -> Someone:
    return Someone(f"P-{n}", {"legal": {"path": {"choice": "short"}, **CORE}})


def full(n: int) -> Someone:
    return Someone(f"P-{n}", {"legal": {"path": {"choice": "full"}, **CORE}})


def test_a_persons_results_say_which_scores_come_from_the_short_path() -> None:
    answers = {"legal": {"path": {"choice": "short"}}, "markets": {"path": {"choice": "full"}}}
    assert short_path_blocks(answers, None) == {"legal"}
    assert short_path_blocks({"markets": {}}, {"path": {"choice": "short"}}) == {"markets"}
    mine = {"legal": 1.33, "markets": 2.0}
    text = results_text(mine, [], FLOWS, "Córdoba", ES, {"legal"})
    assert "Marcos jurídicos: tú 1,3 · mayormente incipiente (versión corta)" in text
    assert "(versión corta)" not in text.split("Acceso a los mercados")[1]


def test_the_summary_and_the_report_count_who_took_the_short_path() -> None:
    block = summarise_block(LEGAL, [short(1), short(2), full(3)])
    assert (block.respondents, block.short_path) == (3, 2)
    assert block.score is not None and block.score.count == 3  # 3 levels each: scored
    lines = " ".join(line.html for line in block_section(block, LEGAL, EN, quotes=3).lines)
    assert "3 people answered, 0 finished. 2 of them took the short path" in lines
    assert people_with_short_path(3, 2, EN) == "3 (2 on the short path)"
    assert people_with_short_path(3, 0, EN) == "3"


def test_a_block_with_levels_but_too_few_for_a_score_says_so() -> None:
    """Without a power over purchasing, each person gives one level in markets: no score, and
    the summary says why rather than "nobody answered with a level"."""
    people = [
        Someone(
            f"P-{n}",
            {
                "context": {"powers": {"choices": ["training"]}},
                "markets": {"path": {"choice": "full"}, "short_chains": {"choice": "2"}},
            },
        )
        for n in range(3)
    ]
    block = summarise_block(FLOWS["markets"], people)
    assert block.score is None and block.respondents == 3
    lines = " ".join(line.html for line in block_section(block, FLOWS["markets"], EN, 3).lines)
    assert "No score: a person's score needs a level on at least 3 questions" in lines
    assert "nobody answered with a level" not in lines


def test_the_briefing_says_who_took_the_short_path() -> None:
    block = summarise_block(LEGAL, [short(1), short(2), full(3)])
    place = TerritorySummaries(1, "Thiès", 3, 3, {"legal": block})
    first = chat_messages(LEGAL, [place], EN)[0]
    assert "• Thiès: 1.33/3 (Emerging) · 44/100 · n = 3 (2 on the short path)" in first
