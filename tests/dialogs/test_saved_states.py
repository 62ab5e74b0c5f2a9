"""Conversations saved with an earlier edition of the flows continue with the flows shipped now.

`saved/states_fb9bb94.json` holds real states, one per block, made halfway through each block
with the flows of commit fb9bb94 (the first content edition), before the second edition changed
them. A person who stopped then must be able to go on now: nothing they answered to a question
that still exists is lost, and the block can be finished.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dialogs import engine
from dialogs.loader import load_flows

SAVED = json.loads((Path(__file__).parent / "saved" / "states_fb9bb94.json").read_text("utf-8"))
FLOWS = load_flows()


def _kept(flow_id: str, state: dict[str, Any]) -> dict[str, Any]:
    """The saved answers the shipped flow can still read: the question exists and every choice
    in the answer is still one of its buttons."""
    flow = FLOWS[flow_id]
    kept = {}
    for qid, answer in state["answers"].items():
        question = flow.question(qid)
        chosen = [answer["choice"]] if "choice" in answer else answer.get("choices", [])
        if question is not None and all(c in question.buttons for c in chosen):
            kept[qid] = answer
    return kept


@pytest.mark.parametrize("flow_id", sorted(SAVED["states"]))
def test_a_conversation_saved_with_the_first_edition_goes_on(flow_id: str) -> None:
    flow = FLOWS[flow_id]
    saved = SAVED["states"][flow_id]
    others = None if flow_id == "context" else SAVED["others"]
    state, outputs = engine.step(flow, saved, engine.Resume(), others)
    assert state["flow_version"] == flow.version
    assert [o for o in outputs if isinstance(o, engine.Say) and o.role == "problem"] == []
    kept = _kept(flow_id, saved)
    assert kept, "the saved answers to questions that survive are still there"
    assert {q: a for q, a in state["answers"].items() if q in kept} == kept
    for _ in range(len(flow.questions) * 2):
        ask = next((o for o in outputs if isinstance(o, engine.Ask)), None)
        if ask is None:
            break
        state, outputs = engine.step(flow, state, engine.Skip(ask.question), others)
    assert state["status"] == "finished"
    assert any(isinstance(o, engine.Finished) for o in outputs)
    assert {q: a for q, a in state["answers"].items() if q in kept} == kept
