"""A territory's figures per block, from people's answers (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dialogs.loader import load_flows
from dialogs.summary import Stats, summarise_block, with_profile

FLOWS = load_flows()
MARKETS = FLOWS["markets"]  # its procurement questions do not apply without that power


@dataclass
class Someone:
    pseudonym: str
    role: str | None = None
    levels: dict[str, Any] = field(default_factory=dict)
    language: str | None = "en"
    powers: tuple[str, ...] = ("procurement",)

    @property
    def answers(self) -> dict[str, dict[str, Any]]:
        context: dict[str, Any] = {"powers": {"choices": list(self.powers)}}
        if self.role:
            context["role"] = {"choice": self.role}
        return {"context": context, "markets": self.levels}


def scale_ids() -> list[str]:
    return [q.id for q in MARKETS.scored_questions if q.kind == "scale"]


def levels(value: dict[str, Any]) -> dict[str, Any]:
    return {qid: value for qid in scale_ids()}


def test_stats_mean_spread_and_quartiles() -> None:
    stats = Stats.of([0.0, 1.0, 2.0, 3.0, 3.0])
    assert stats is not None
    assert (stats.count, stats.mean, stats.minimum, stats.maximum) == (5, 1.8, 0.0, 3.0)
    assert (stats.q1, stats.q3, stats.percent) == (1.0, 3.0, 60)
    assert Stats.of([]) is None


def test_groups_need_three_people_each() -> None:
    officials = [Someone(f"P-{i}", "official", levels({"choice": "1"})) for i in range(3)]
    orgs = [Someone(f"P-{i}", "sse_org", levels({"choice": "3"})) for i in range(3, 5)]
    block = summarise_block(MARKETS, [*officials, *orgs])
    assert block.respondents == 5
    assert block.score is not None and block.score.mean == 1.8
    assert set(block.groups) == {"government"} and block.groups["government"].mean == 1.0
    assert block.group_difference is None
    orgs.append(Someone("P-9", "network", levels({"choice": "2"})))
    block = summarise_block(MARKETS, [*officials, *orgs])
    assert block.groups["sse"].mean == 2.67 and block.group_difference == 1.67


def test_dont_know_share_by_group_and_not_applicable_disagreements() -> None:
    first, second = scale_ids()[:2]
    people = [
        Someone("P-1", "official", {first: {"dk": True}, second: {"choice": "2"}}),
        Someone("P-2", "sse_org", {first: {"choice": "1"}, second: {"na": True}}),
    ]
    block = summarise_block(MARKETS, people)
    assert block.dont_know_share["government"] > 0 and block.dont_know_share.get("sse", 0) == 0
    figures = {q.question_id: q for q in block.questions}
    assert figures[second].disagreement and not figures[first].disagreement
    assert figures[first].dont_know == 1 and figures[second].levels == 1


def test_the_territory_profile_decides_what_does_not_apply() -> None:
    people = [Someone("P-1", "official", levels({"choice": "2"}), powers=("procurement",))]
    profile = {"powers": {"choices": ["training"]}}
    block = summarise_block(MARKETS, people, profile=profile)
    assert any(q.profile_na for q in block.questions)
    assert {q.question_id for q in block.not_applicable_here} >= {
        q.question_id for q in block.questions if q.profile_na
    }
    merged = with_profile(people[0].answers, profile)
    assert merged["context"]["powers"] == {"choices": ["training"]}
    assert people[0].answers["context"]["powers"] == {"choices": ["procurement"]}


def test_open_answers_carry_pseudonym_language_and_voice() -> None:
    text_ids = [q.id for q in MARKETS.questions if q.kind == "text"]
    people = [
        Someone("P-1", levels={text_ids[0]: {"text": "Una feria"}}, language="es"),
        Someone("P-2", levels={text_ids[0]: {"voice": {"file_id": "F1", "duration": 7}}}),
    ]
    block = summarise_block(MARKETS, people)
    spoken = [(a.pseudonym, a.language, a.text, a.voice_duration) for a in block.open_answers]
    assert spoken == [("P-1", "es", "Una feria", None), ("P-2", "en", None, 7)]
