"""The compiled block score gives exactly `score_flow`'s mean, on many kinds of answers."""

from __future__ import annotations

import random
from typing import Any

from dialogs import engine
from dialogs.block_means import block_mean
from dialogs.loader import load_flows
from dialogs.model import Flow, Question
from dialogs.scoring import score_flow
from dialogs.summary import with_profile

FLOWS = load_flows()
ORDERED = sorted(FLOWS.values(), key=lambda f: f.order)


def pick(question: Question, chance: random.Random) -> engine.Input:
    buttons = list(question.buttons)
    if question.kind in ("scale", "choice"):
        return engine.Choose(chance.choice(buttons))
    if question.kind == "multi":
        if question.dont_know and chance.random() < 0.15:
            return engine.Choose("dk")
        return engine.Toggle(chance.choice(question.choices).id)
    if question.kind == "number":
        return engine.Number(chance.randint(0, 40))
    if chance.random() < 0.3:
        return engine.Skip(question.id)
    return engine.Text("words")


def person(chance: random.Random) -> dict[str, dict[str, Any]]:
    """Every block answered through the engine, randomly (levels, dk, na, skips, choices)."""
    answers: dict[str, dict[str, Any]] = {}
    for flow in ORDERED:
        if chance.random() < 0.15:
            continue  # a block not started
        state, outputs = engine.step(flow, None, engine.Start(), answers)
        for _ in range(60):
            asks = [o for o in outputs if isinstance(o, engine.Ask)]
            if not asks or any(isinstance(o, engine.Finished) for o in outputs):
                break
            question = flow.question(asks[-1].question)
            assert question is not None
            given = pick(question, chance)
            state, outputs = engine.step(flow, state, given, answers)
            if isinstance(given, engine.Toggle):
                if chance.random() < 0.5:
                    other = chance.choice(question.choices).id
                    state, outputs = engine.step(flow, state, engine.Toggle(other), answers)
                state, outputs = engine.step(flow, state, engine.Done(question.id), answers)
        answers[flow.id] = state["answers"]
    return answers


def shaken(answers: dict[str, dict[str, Any]], chance: random.Random) -> dict[str, dict[str, Any]]:
    """Answers changed afterwards, as stored data can be: another context (so conditions
    change and some answers go stale), an unknown choice, a removed answer."""
    out = {flow_id: dict(given) for flow_id, given in answers.items()}
    context = out.setdefault("context", {})
    if chance.random() < 0.5:
        context["powers"] = {"choices": chance.sample(["procurement", "land", "taxes"], k=1)}
    if chance.random() < 0.3:
        context["sse_law"] = {"choice": chance.choice(["yes", "no", "draft"])}
    for given in out.values():
        if given and chance.random() < 0.2:
            key = chance.choice(sorted(given))
            given[key] = chance.choice([{"choice": "9"}, {"choices": ["nope"]}, {"na": True}])
    return out


def expected(flow: Flow, answers: dict[str, dict[str, Any]]) -> float | None:
    return score_flow(flow, answers).overall.mean


def test_block_mean_equals_score_flow_on_random_answers() -> None:
    chance = random.Random(20)
    means = {f.id: block_mean(f) for f in ORDERED if f.scored}
    compared = scored = 0
    profile = {"level": {"choice": "municipal"}, "powers": {"choices": ["land"]}}
    for _ in range(80):
        answers = person(chance)
        for variant in (
            answers,
            shaken(answers, chance),
            with_profile(answers, profile),
        ):
            for flow in ORDERED:
                if flow.scored:
                    want = expected(flow, variant)
                    assert means[flow.id](variant) == want, (flow.id, variant)
                    compared += 1
                    scored += want is not None
    assert compared == 80 * 3 * 8 and scored > compared // 2


def test_block_mean_of_nothing_is_none() -> None:
    for flow in ORDERED:
        if flow.scored:
            assert block_mean(flow)({}) is None
