"""The shipped content: nine blocks from the content brief, phone-sized in every language."""

from __future__ import annotations

import pytest

from dialogs import engine
from dialogs.i18n import available_languages, translator
from dialogs.loader import load_flows
from dialogs.model import Flow, Question
from dialogs.render import render_question

FLOWS = load_flows()
BLOCKS = [f for f in FLOWS.values() if f.scored]
LANGUAGES = available_languages()
QUESTION_LIMIT = 300
LABEL_LIMIT = 40
MESSAGE_LIMIT = 900


def test_nine_flows_in_block_order() -> None:
    assert list(FLOWS) == [
        "context", "legal", "coconstruction", "planning", "support",
        "capacity", "markets", "communication", "data",
    ]  # fmt: skip
    assert [f.order for f in FLOWS.values()] == list(range(9))
    assert not FLOWS["context"].scored


@pytest.mark.parametrize("flow", BLOCKS, ids=lambda f: f.id)
def test_every_block_ends_with_a_strength_and_a_next_step_by_text_or_voice(flow: Flow) -> None:
    last_two = flow.questions[-2:]
    assert [q.id for q in last_two] == ["strength", "next_step"]
    assert all(q.kind == "text" and q.voice for q in last_two)
    assert flow.example, "each block shows one example from a case-study city"


@pytest.mark.parametrize("flow", BLOCKS, ids=lambda f: f.id)
def test_scored_questions_offer_dont_know(flow: Flow) -> None:
    for q in flow.scored_questions:
        assert q.dont_know, q.id
        if q.kind == "scale":
            assert all(c.description for c in q.choices), q.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_menu_titles_fit_a_button(language: str) -> None:
    tr = translator(language)
    assert [f.id for f in FLOWS.values() if len(tr(f.short_title)) > 30] == []


def test_finance_is_a_sub_score_of_block_4() -> None:
    finance = [q.id for q in FLOWS["support"].questions if q.subscore == "finance"]
    assert finance == ["finance_tools", "finance_reach"]


def test_context_drives_automatic_not_applicable() -> None:
    automatic = {(f.id, q.id) for f in FLOWS.values() for q in f.questions if q.na_when is not None}
    assert ("markets", "clauses") in automatic
    assert ("support", "premises") in automatic
    assert len(automatic) >= 6


def _questions() -> list[tuple[str, Question]]:
    return [(f.id, q) for f in FLOWS.values() for q in f.questions]


@pytest.mark.parametrize("language", LANGUAGES)
def test_texts_are_phone_sized(language: str) -> None:
    tr = translator(language)
    too_long = []
    for flow_id, q in _questions():
        if len(tr(q.text)) > QUESTION_LIMIT:
            too_long.append((flow_id, q.id, "question", len(tr(q.text))))
        outputs = _ask(flow_id, q.id)
        ask = next(o for o in outputs if isinstance(o, engine.Ask))
        shown = render_question(ask, tr)
        if len(shown.text) > MESSAGE_LIMIT:
            too_long.append((flow_id, q.id, "message", len(shown.text)))
        for button in shown.options + shown.actions:
            if len(button.label) > LABEL_LIMIT:
                too_long.append((flow_id, q.id, button.label, len(button.label)))
    assert too_long == []


def _ask(flow_id: str, question_id: str) -> list[engine.Output]:
    """The engine's message for one question, reached by placing the state on it."""
    flow = FLOWS[flow_id]
    state = engine.new_state(flow)
    state.update(status="active", current=question_id, history=[question_id])
    return engine.step(flow, state, engine.Resume())[1]
