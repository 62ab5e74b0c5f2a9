"""The territory's profile (pure): facts about the local government that a facilitator gives
once, in place of each respondent's own answers to the same context questions.

A profile is stored as context question id -> answer, as the engine stores answers. Only a
question answered with a choice settles anything: "don't know" (or no answer) leaves it to
each person, who is then asked it as before. A profile may also hold the territory's path
(`"path": {"choice": "short"}`): every block with a short path then takes it, unasked.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from dialogs.model import FULL, PATH, SHORT, Flow

PROFILE_FLOW = "context"
"""The flow whose questions the profile answers (the profile dialog runs under its id, so
conditions such as `context.powers lacks procurement` read it)."""
PROFILE_QUESTIONS = ("level", "powers", "sse_law")
"""Context questions about the local government: one truth per territory once given."""

Settled = dict[str, dict[str, Any]]
"""Answers by flow id then question id that the territory settled for everyone."""
ALL_BLOCKS = "*"
"""In `Settled`, in place of a flow id: answers settled for every block (the path)."""


def settles(answer: Mapping[str, Any] | None) -> bool:
    """Whether a profile answer is a fact (a choice), not "don't know" or nothing."""
    if not answer:
        return False
    return "choice" in answer or bool(answer.get("choices"))


def settled(profile: Mapping[str, Any] | None) -> Settled:
    """The answers a territory's profile settles, by flow id (empty without a profile)."""
    given = {
        q: dict(a) for q, a in (profile or {}).items() if q in PROFILE_QUESTIONS and settles(a)
    }
    out: Settled = {PROFILE_FLOW: given} if given else {}
    path = (profile or {}).get(PATH)
    if isinstance(path, dict) and path.get("choice") in (SHORT, FULL):
        out[ALL_BLOCKS] = {PATH: {"choice": path["choice"]}}
    return out


def for_block(answers: Mapping[str, Mapping[str, Any]], flow_id: str) -> dict[str, Any]:
    """What settled answers (`Settled`) settle in one block."""
    return {**answers.get(ALL_BLOCKS, {}), **answers.get(flow_id, {})}


def profile_of(answers: Mapping[str, Any]) -> dict[str, Any]:
    """The profile to store from the answers of the profile dialog (skipped ones left out)."""
    return {
        q: dict(answers[q])
        for q in PROFILE_QUESTIONS
        if answers.get(q) and not answers[q].get("auto")
    }


def profile_flow(context: Flow, *, title: str, intro: str, closing: str) -> Flow:
    """The profile dialog: the context block's questions about the local government, with the
    same buttons, under the context block's id and the texts (message ids) given here."""
    questions = tuple(q for q in context.questions if q.id in PROFILE_QUESTIONS)
    return dataclasses.replace(
        context,
        title=title,
        intro=intro,
        closing=closing,
        example=None,
        questions=questions,
        version=f"{context.version}-profile",
        scored=False,
        _index={},  # its own index: the context flow's must stay as it is
    )
