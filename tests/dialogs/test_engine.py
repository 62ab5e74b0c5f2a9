"""Engine properties that hold for any sequence of inputs, and for flows edited mid-way."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from dialogs import engine
from dialogs.loader import load_flows, parse_flow
from dialogs.scoring import score_flow
from tests.golden import TRANSCRIPTS

FLOWS = load_flows()
LEGAL = FLOWS["legal"]
IDS = sorted({b for q in LEGAL.questions for b in q.buttons} | {q.id for q in LEGAL.questions})
maybe_question = st.none() | st.sampled_from([q.id for q in LEGAL.questions] + ["forged"])

inputs = st.one_of(
    st.builds(engine.Start),
    st.builds(engine.Pause),
    st.builds(engine.Resume),
    st.builds(engine.Choose, st.sampled_from(IDS), maybe_question),
    st.builds(engine.Toggle, st.sampled_from(IDS), maybe_question),
    st.builds(engine.Done, maybe_question),
    st.builds(engine.Skip, maybe_question),
    st.builds(engine.Back, maybe_question),
    st.builds(engine.Text, st.text(max_size=30)),
    st.builds(engine.Voice, st.text(min_size=1, max_size=8), st.integers(0, 600)),
    st.builds(engine.Number, st.floats(allow_nan=True, allow_infinity=True)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(inputs, max_size=40))
def test_any_inputs_keep_a_sound_json_state(events: list[engine.Input]) -> None:
    state = None
    for event in events:
        state, outputs = engine.step(LEGAL, state, event)
        assert json.loads(json.dumps(state)) == state
        assert set(state["answers"]) <= {q.id for q in LEGAL.questions}
        if state["status"] in ("active", "paused"):
            assert LEGAL.question(state["current"]) is not None
        asks = [o for o in outputs if isinstance(o, engine.Ask)]
        assert len(asks) <= 1, "one question at a time"
        if asks:
            assert asks[0].question == state["current"]
            assert 1 <= asks[0].position <= asks[0].total


timed_texts = st.builds(
    engine.Text,
    st.one_of(
        st.text(max_size=30),
        st.integers(3400, 4200).map(lambda n: "y" * n),
        st.sampled_from(["2", " and more", "dk", "x "]),
    ),
    st.one_of(st.none(), st.floats(0, 60)),
)


@given(st.lists(st.one_of(inputs, timed_texts), max_size=40))
def test_no_written_word_is_lost_or_misplaced(events: list[engine.Input]) -> None:
    """Whatever the order and timing of texts: a text that is stored is stored whole, on the
    question it answers or on the answer it goes on, and never beyond the longest answer."""
    state = None
    for event in events:
        asked = (state or {}).get("current")
        part = (state or {}).get("part") or {}
        state, outputs = engine.step(LEGAL, state, event)
        written = [o for o in outputs if isinstance(o, engine.Recorded) and "text" in o.answer]
        if not isinstance(event, engine.Text):
            assert "part" not in state, "only a step that stores a text may be continued"
            continue
        for recorded in written:
            assert event.text.strip() in recorded.answer["text"]
            assert recorded.question in (asked, part.get("question"))
            assert len(recorded.answer["text"]) <= engine.MAX_TEXT_ANSWER


@settings(max_examples=60, deadline=None)
@given(st.lists(inputs, max_size=25), st.lists(inputs, max_size=10))
def test_a_state_from_an_older_flow_version_continues(
    before: list[engine.Input], after: list[engine.Input]
) -> None:
    path = TRANSCRIPTS / "flows" / "legal_edited.yaml"
    edited = parse_flow(path.read_text(encoding="utf-8"), path.name)
    state = None
    for event in before:
        state, _ = engine.step(LEGAL, state, event)
    kept = {
        qid: answer
        for qid, answer in (state or {}).get("answers", {}).items()
        if qid != "definition"
    }
    for event in [engine.Resume(), *after]:
        state, _ = engine.step(edited, state, event)
        assert state["flow_version"] == edited.version
    if not after:
        assert {k: v for k, v in state["answers"].items() if k in kept} == kept


def test_step_never_changes_the_given_state() -> None:
    state, _ = engine.step(LEGAL, None, engine.Start())
    frozen = json.dumps(state, sort_keys=True)
    engine.step(LEGAL, state, engine.Choose("2"))
    assert json.dumps(state, sort_keys=True) == frozen


def test_scoring_rules() -> None:
    context = {"national_law": {"choice": "yes"}, "powers": {"choices": ["land"]}}
    answers = {
        "context": context,
        "legal": {
            "instrument": {"choice": "3"},
            "definition": {"choice": "1"},
            "entities": {"choices": ["cooperatives", "mutuals"]},  # 2 of full_at 5 -> 1.2
            "consistency": {"dk": True},
            "lead": {"na": True},
        },
    }
    score = score_flow(LEGAL, answers).overall
    assert score.mean == round((3 + 1 + 1.2) / 3, 2)
    assert score.percent == round((3 + 1 + 1.2) / 3 / 3 * 100)
    assert (score.items, score.answered, score.dont_know, score.not_applicable) == (8, 3, 1, 1)
    assert score.confidence == round(3 / 7, 2)  # of the 7 that apply: DK counts, NA not


def test_automatic_na_counts_as_not_applicable() -> None:
    answers = {
        "context": {"national_law": {"choice": "no"}, "powers": {"choices": ["training"]}},
        "legal": {"instrument": {"choice": "0"}},
    }
    score = score_flow(LEGAL, answers).overall
    assert (score.items, score.answered, score.not_applicable) == (6, 1, 2)


def test_subscores() -> None:
    text = (TRANSCRIPTS / "flows" / "kinds.yaml").read_text(encoding="utf-8")
    text = text.replace("    levels: {0:", "    subscore: finance\n    levels: {0:")
    flow = parse_flow(text, "kinds.yaml")
    score = score_flow(flow, {"kinds": {"level": {"choice": "3"}}})
    assert score.subscores["finance"].mean == 3
    assert score.to_dict()["subscores"]["finance"]["percent"] == 100


def test_progress_for_menus() -> None:
    assert engine.progress(LEGAL, None) == engine.Progress("new", 0, 10)
    state, _ = engine.step(LEGAL, None, engine.Start())
    state, _ = engine.step(LEGAL, state, engine.Choose("0"))
    state, _ = engine.step(LEGAL, state, engine.Skip())
    assert engine.progress(LEGAL, state) == engine.Progress("active", 1, 8)
