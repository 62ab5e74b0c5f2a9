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
            assert 1 <= asks[0].position <= asks[0].total or asks[0].question == "path"


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
    """Not applicable leaves the confidence's base, "don't know" stays in it (an information
    gap); an unscored multi question counts nowhere."""
    answers = {
        "context": {"sse_law": {"choice": "yes"}},
        "legal": {
            "path": {"choice": "full"},
            "instrument": {"choice": "3"},
            "definition": {"choice": "1"},
            "entities": {"choices": ["cooperatives", "mutuals"]},  # descriptive: unscored
            "consistency": {"dk": True},
            "political_lead": {"na": True},
            "unit": {"choice": "2"},
        },
    }
    score = score_flow(LEGAL, answers).overall
    assert score.mean == round((3 + 1 + 2) / 3, 2)
    assert score.percent == round((3 + 1 + 2) / 3 / 3 * 100)
    assert (score.items, score.answered, score.dont_know, score.not_applicable) == (8, 3, 1, 1)
    assert score.applicable == 7
    assert score.confidence == round(3 / 7, 2)


def test_no_score_from_fewer_than_three_levels() -> None:
    answers = {"legal": {"instrument": {"choice": "3"}, "unit": {"choice": "2"}}}
    score = score_flow(LEGAL, answers).overall
    assert (score.mean, score.percent, score.answered) == (None, None, 2)
    answers["legal"]["budget"] = {"choice": "1"}
    assert score_flow(LEGAL, answers).overall.mean == 2.0


def test_questions_that_do_not_apply_are_counted_apart() -> None:
    """Without a power over purchasing, five of six scored market questions do not apply: the
    one left gives no score (too few), and the figures say why."""
    answers = {
        "context": {"powers": {"choices": ["training"]}},
        "markets": {"short_chains": {"choice": "3"}},
    }
    score = score_flow(FLOWS["markets"], answers).overall
    assert (score.items, score.answered, score.not_applicable, score.applicable) == (6, 1, 5, 1)
    assert score.mean is None and score.confidence == 1.0


def test_subscores() -> None:
    answers = {
        "support": {
            "finance_tools": {"choices": ["grants", "soft_loans", "microfinance"]},  # 3 of 4
            "finance_reach": {"choice": "2"},
            "finance_design": {"choice": "1"},
        }
    }
    score = score_flow(FLOWS["support"], answers)
    finance = score.subscores["finance"]
    assert (finance.mean, finance.answered, finance.items) == (round((2.25 + 2 + 1) / 3, 2), 3, 3)
    assert score.overall.mean == finance.mean


def _answer_all(flow, state, outputs):  # type: ignore[no-untyped-def]
    """Answer every question asked with its first button (or a few words); the ids asked."""
    asked = []
    while state["current"] is not None and len(asked) < 40:
        question = flow.question(state["current"])
        asked.append(question.id)
        if question.kind == "text":
            event = engine.Text("A step.")
        elif question.kind == "multi":
            state, _ = engine.step(flow, state, engine.Toggle(question.choices[0].id))
            event = engine.Done()
        else:
            event = engine.Choose(question.choices[-1].id)
        state, outputs = engine.step(flow, state, event)
    return asked, outputs


def test_short_path_asks_only_the_core_questions() -> None:
    state, outputs = engine.step(LEGAL, None, engine.Start())
    ask = next(o for o in outputs if isinstance(o, engine.Ask))
    assert (ask.question, ask.position) == ("path", 0)
    state, outputs = engine.step(LEGAL, state, engine.Choose("short"))
    asked, outputs = _answer_all(LEGAL, state, outputs)
    assert asked == [
        "instrument", "political_lead", "budget", "rules", "next_step", "actor", "horizon",
        "obstacle",
    ]  # fmt: skip
    finished = next(o for o in outputs if isinstance(o, engine.Finished))
    assert finished.short and finished.score is not None
    assert (finished.score.overall.items, finished.score.overall.mean) == (4, 3.0)


def test_a_territorys_path_is_not_asked() -> None:
    territory = {"*": {"path": {"choice": "short"}}}
    _, outputs = engine.step(LEGAL, None, engine.Start(), territory=territory)
    ask = next(o for o in outputs if isinstance(o, engine.Ask))
    assert (ask.question, ask.position, ask.total) == ("instrument", 1, 8)
    assert engine.progress(LEGAL, None, territory=territory).total == 8


def test_progress_for_menus() -> None:
    assert engine.progress(LEGAL, None) == engine.Progress("new", 0, 14)
    state, _ = engine.step(LEGAL, None, engine.Start())
    state, _ = engine.step(LEGAL, state, engine.Choose("full"))
    state, _ = engine.step(LEGAL, state, engine.Choose("0"))
    state, _ = engine.step(LEGAL, state, engine.Skip())
    # instrument 0 hides definition, entities and continuity; the choice of path is no question
    assert engine.progress(LEGAL, state) == engine.Progress("active", 1, 11)
    for _ in range(3):  # to consistency, instrument, then the choice of path
        state, _ = engine.step(LEGAL, state, engine.Back())
    state, _ = engine.step(LEGAL, state, engine.Choose("short"))
    assert engine.progress(LEGAL, state) == engine.Progress("active", 1, 8)
