"""The shipped content: the blocks of the content brief and a closing one, phone-sized in every
language, with buttons a group can choose by and a short path through every scored block."""

from __future__ import annotations

import pytest

from dialogs import engine
from dialogs.i18n import available_languages, translator
from dialogs.loader import load_flows
from dialogs.model import LEVEL_BUTTON_LIMIT, MOST_CORE, PATH, Flow, Question
from dialogs.render import render_question
from dialogs.scoring import MIN_ANSWERED

FLOWS = load_flows()
BLOCKS = [f for f in FLOWS.values() if f.scored]
LANGUAGES = available_languages()
QUESTION_LIMIT = 300
LABEL_LIMIT = 40
MESSAGE_LIMIT = 900


def test_the_blocks_in_order_then_the_closing_one() -> None:
    assert list(FLOWS) == [
        "context", "legal", "coconstruction", "planning", "support",
        "capacity", "markets", "communication", "data", "session",
    ]  # fmt: skip
    assert [f.order for f in FLOWS.values()] == list(range(10))
    assert [f.id for f in FLOWS.values() if not f.scored] == ["context", "session"]


@pytest.mark.parametrize("flow", BLOCKS, ids=lambda f: f.id)
def test_every_block_ends_with_a_strength_a_next_step_and_who_when_what_holds_back(
    flow: Flow,
) -> None:
    tail = flow.questions[-5:]
    assert [q.id for q in tail] == ["strength", "next_step", "actor", "horizon", "obstacle"]
    assert all(q.kind == "text" and q.voice for q in tail[:2])
    assert all(q.kind == "choice" and not q.scored for q in tail[2:])
    assert flow.example, "each block shows one example from a case-study city"


@pytest.mark.parametrize("flow", BLOCKS, ids=lambda f: f.id)
def test_every_block_has_a_short_path_that_can_give_a_score(flow: Flow) -> None:
    assert flow.has_paths and flow.questions[0].id == PATH
    core = [q for q in flow.scored_questions if q.core]
    assert MIN_ANSWERED <= len(core) <= MOST_CORE
    assert all(q.when is None for q in core), "a core question is always asked"
    assert {q.id for q in flow.questions if q.core} >= {"next_step", "actor", "horizon"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_level_buttons_say_what_the_level_is_within_28_characters(language: str) -> None:
    tr = translator(language)
    buttons = [
        (f.id, q.id, tr.text(c.label_text))
        for f in FLOWS.values()
        for q in f.questions
        if q.kind == "scale"
        for c in q.choices
    ]
    assert len(buttons) > 150
    assert [b for b in buttons if len(b[2]) > LEVEL_BUTTON_LIMIT] == []
    assert {b[2][:4] for b in buttons} == {"0 · ", "1 · ", "2 · ", "3 · "}
    for flow_id, qid, _ in buttons:
        labels = [b[2] for b in buttons if b[:2] == (flow_id, qid)]
        assert len(set(labels)) == 4, f"{flow_id}.{qid}: four different buttons"


@pytest.mark.parametrize("flow", BLOCKS, ids=lambda f: f.id)
def test_scored_questions_offer_dont_know(flow: Flow) -> None:
    for q in flow.scored_questions:
        assert q.dont_know, q.id


@pytest.mark.parametrize("language", LANGUAGES)
def test_menu_titles_fit_a_button(language: str) -> None:
    tr = translator(language)
    assert [f.id for f in FLOWS.values() if len(tr(f.short_title)) > 30] == []


def test_finance_is_a_sub_score_of_block_4() -> None:
    finance = [q.id for q in FLOWS["support"].questions if q.subscore == "finance"]
    assert finance == ["finance_tools", "finance_reach", "finance_design"]


def test_only_procurement_questions_stop_applying_by_themselves() -> None:
    """Training, local rules and premises exist whatever the local government's powers (the
    content review): a person says "not applicable" there, the context does not."""
    automatic = {(f.id, q.id) for f in FLOWS.values() for q in f.questions if q.na_when is not None}
    assert automatic == {
        ("markets", q) for q in ("clauses", "share", "simple_procedures", "buyers_training",
                                 "paid_on_time")
    }  # fmt: skip
    for flow_id, qid in (("capacity", "members_training"), ("legal", "rules")):
        assert FLOWS[flow_id].question(qid).na_when is None
    assert FLOWS["support"].question("premises").not_applicable


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
