"""Block scores: the mean of answered scored items on 0–3 (and 0–100), and confidence.

Don't know (DK) and not applicable (NA) are left out of the mean. Confidence is the share of
the scored items shown to the person that apply (not NA) which were answered with a level.
A block gets no score from fewer than `MIN_ANSWERED` items answered with a level.

An automatic NA is stored as `{"na": true, "auto": SOURCE}`: "territory" when the territory's
profile made it so, "person" when the person's own context answers did (older answers say
`true`, read as "person").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dialogs.conditions import Answers, evaluate, is_answer, refs
from dialogs.model import Flow, Question
from dialogs.texts import N_

MIN_ANSWERED = 3
"""Fewest items answered with a level that give a score: a mean of one or two answers says
too little to compare with a block answered in full."""

LEVEL_NAMES = (N_("Absent"), N_("Emerging"), N_("Established"), N_("Consolidated"))
"""The shared scale's levels 0 to 3, by name (the content brief's)."""
LEVEL_PHRASES = (
    N_("mostly absent"),
    N_("mostly emerging"),
    N_("mostly established"),
    N_("mostly consolidated"),
)
"""A person's block mean in words, by the level it is closest to."""


def level_of(mean: float) -> int:
    """The level a mean is closest to (1.5 counts as 2)."""
    return min(3, max(0, int(mean + 0.5)))


def one_decimal(mean: float) -> float:
    """A mean as a person reads it, with one decimal, halves rounded up (1.25 -> 1.3)."""
    return math.floor(mean * 10 + 0.5 + 1e-9) / 10


@dataclass(frozen=True)
class Score:
    mean: float | None
    """0–3, rounded to two decimals; None when fewer than `MIN_ANSWERED` items were answered
    with a level."""
    percent: int | None
    items: int
    answered: int
    dont_know: int
    not_applicable: int

    @property
    def applicable(self) -> int:
        """Scored questions shown that apply (not "not applicable", by the person's answer or
        automatically): what a level could be given for."""
        return self.items - self.not_applicable

    @property
    def confidence(self) -> float | None:
        """The share of applicable questions answered with a level (DK lowers it; a question
        that does not apply here does not)."""
        return round(self.answered / self.applicable, 2) if self.applicable else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "mean": self.mean,
            "percent": self.percent,
            "confidence": self.confidence,
            "items": self.items,
            "answered": self.answered,
            "dont_know": self.dont_know,
            "not_applicable": self.not_applicable,
        }


@dataclass(frozen=True)
class BlockScore:
    overall: Score
    subscores: dict[str, Score] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        out = self.overall.to_dict()
        if self.subscores:
            out["subscores"] = {k: v.to_dict() for k, v in self.subscores.items()}
        return out


def item_score(question: Question, answer: Mapping[str, Any] | None) -> float | None:
    """0–3 for an answer with a level, None for no answer, DK or NA."""
    if not is_answer(answer) or answer.get("dk") or answer.get("na"):  # type: ignore[union-attr]
        return None
    assert answer is not None
    if question.kind in ("scale", "choice") and "choice" in answer:
        choice = question.choice(answer["choice"])
        return choice.score if choice is not None else None
    if question.kind == "multi" and question.full_at and "choices" in answer:
        counted = [c for c in answer["choices"] if (ch := question.choice(c)) and not ch.exclusive]
        return min(len(counted), question.full_at) / question.full_at * 3
    return None


def is_visible(flow: Flow, question: Question, answers: Answers) -> bool:
    return question.when is None or evaluate(question.when, flow.id, answers)


def is_auto_na(flow: Flow, question: Question, answers: Answers) -> bool:
    return question.na_when is not None and evaluate(question.na_when, flow.id, answers)


NA_SOURCES = ("person", "territory")


def na_source(answer: Mapping[str, Any] | None) -> str | None:
    """Where a stored automatic NA came from ("person" or "territory"); None for any other
    answer."""
    if not answer or not answer.get("auto"):
        return None
    return "territory" if answer["auto"] == "territory" else "person"


def auto_na_source(
    flow: Flow, question: Question, answers: Answers, settled: Answers | None = None
) -> str | None:
    """Why a question is automatically NA for someone: "territory" when its condition reads
    only answers the territory settled (`settled`, already merged into `answers`), "person"
    when it reads the person's own; None when the question applies."""
    if not is_auto_na(flow, question, answers):
        return None
    assert question.na_when is not None
    by_territory = bool(settled) and all(
        (settled or {}).get(c.ref.flow or flow.id, {}).get(c.ref.question) is not None
        for c in refs(question.na_when)
    )
    return "territory" if by_territory else "person"


def _score(items: list[Item]) -> Score:
    values: list[float] = []
    dont_know = not_applicable = 0
    for question, answer, auto_na in items:
        if answer is not None and answer.get("auto") and not auto_na:
            answer = None  # no longer automatic (the context or the profile changed)
        if auto_na or (answer is not None and answer.get("na")):
            not_applicable += 1
        elif answer is not None and answer.get("dk"):
            dont_know += 1
        elif (value := item_score(question, answer)) is not None:
            values.append(value)
    enough = len(values) >= MIN_ANSWERED
    mean = round(sum(values) / len(values), 2) if enough else None
    percent = round(sum(values) / len(values) / 3 * 100) if enough else None
    return Score(mean, percent, len(items), len(values), dont_know, not_applicable)


Item = tuple[Question, Mapping[str, Any] | None, bool]
"""A scored question shown to the person, their answer (None: none), and whether it is
automatically not applicable."""


def scored_items(flow: Flow, answers: Answers) -> list[Item]:
    """The scored questions a person was shown, with their answers."""
    own = answers.get(flow.id, {})
    return [
        (q, own.get(q.id), is_auto_na(flow, q, answers))
        for q in flow.scored_questions
        if is_visible(flow, q, answers)
    ]


def score_flow(flow: Flow, answers: Answers) -> BlockScore:
    """Score a flow from answers by flow id (the flow's own and the others' its conditions use)."""
    return score_items(scored_items(flow, answers))


def score_items(items: list[Item]) -> BlockScore:
    subscores = {
        name: _score([item for item in items if item[0].subscore == name])
        for name in sorted({q.subscore for q, _, _ in items if q.subscore})
    }
    return BlockScore(_score(items), subscores)
