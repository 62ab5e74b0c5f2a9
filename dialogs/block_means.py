"""A block's score (the 0–3 mean) for many people fast: the flow's scoring rules compiled
once into lookups, giving exactly `dialogs.scoring.score_flow(...).overall.mean` (a test
holds them equal), for comparisons of many territories."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from dialogs.conditions import Answers, Condition, evaluate, is_answer
from dialogs.model import Flow, Question
from dialogs.scoring import MIN_ANSWERED


@dataclass(frozen=True)
class _Item:
    id: str
    when: Condition | None
    na_when: Condition | None
    scores: dict[str, float | None] | None
    """Scale and choice questions: each choice's score."""
    counted: frozenset[str] | None
    """Multi questions scored by count: the choices that count (not the exclusive ones)."""
    full_at: int


def _item(question: Question) -> _Item:
    scores = counted = None
    if question.kind in ("scale", "choice"):
        scores = {c.id: c.score for c in question.choices}
    elif question.kind == "multi" and question.full_at:
        counted = frozenset(c.id for c in question.choices if not c.exclusive)
    return _Item(
        question.id, question.when, question.na_when, scores, counted, question.full_at or 0
    )


def block_mean(flow: Flow) -> Callable[[Answers], float | None]:
    """A function from a person's answers (by flow id) to their 0–3 score on `flow`, or None
    when fewer than `MIN_ANSWERED` questions shown were answered with a level."""
    items = [_item(q) for q in flow.scored_questions]
    flow_id = flow.id

    def mean(answers: Answers) -> float | None:
        own = answers.get(flow_id, {})
        total = 0.0
        count = 0
        for item in items:
            if item.when is not None and not evaluate(item.when, flow_id, answers):
                continue  # not shown
            if item.na_when is not None and evaluate(item.na_when, flow_id, answers):
                continue  # not applicable
            answer = own.get(item.id)
            if not is_answer(answer) or answer.get("na") or answer.get("dk"):
                continue
            if item.scores is not None:
                if "choice" not in answer:
                    continue
                value = item.scores.get(answer["choice"])
                if value is None:
                    continue
            elif item.counted is not None and "choices" in answer:
                chosen = sum(1 for c in answer["choices"] if c in item.counted)
                value = min(chosen, item.full_at) / item.full_at * 3
            else:
                continue
            total += value
            count += 1
        return round(total / count, 2) if count >= MIN_ANSWERED else None

    return mean
