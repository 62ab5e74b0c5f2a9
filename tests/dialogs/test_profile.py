"""The territory's profile in the engine, the scores and the summaries (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dialogs import engine
from dialogs.loader import load_flows
from dialogs.profile import profile_flow, profile_of, settled
from dialogs.scoring import na_source, score_flow
from dialogs.summary import summarise_block, with_profile

FLOWS = load_flows()
CONTEXT, MARKETS, LEGAL = FLOWS["context"], FLOWS["markets"], FLOWS["legal"]
PROCUREMENT = ("clauses", "share", "simple_procedures", "buyers_training", "paid_on_time")
NO_PROCUREMENT = {"context": {"powers": {"choices": ["training"]}}}


def recorded(outputs: list[engine.Output]) -> dict[str, dict[str, Any]]:
    return {o.question: o.answer for o in outputs if isinstance(o, engine.Recorded)}


def test_only_answered_facts_settle_anything() -> None:
    profile = {
        "level": {"choice": "municipal"},
        "powers": {"dk": True},
        "sse_law": {"choice": "no"},
        "role": {"choice": "official"},  # not a fact about the territory: ignored
    }
    assert settled(profile) == {
        "context": {"level": {"choice": "municipal"}, "sse_law": {"choice": "no"}}
    }
    assert settled(None) == {} and settled({"powers": {"dk": True}}) == {}
    merged = with_profile({"context": {"powers": {"choices": ["land"]}}}, profile)
    assert merged["context"]["powers"] == {"choices": ["land"]}  # DK leaves the person's own


def test_a_profile_may_settle_the_path_of_every_block() -> None:
    territory = settled({"path": {"choice": "short"}, "powers": {"choices": ["land"]}})
    assert territory["*"] == {"path": {"choice": "short"}}
    assert settled({"path": {"choice": "sideways"}}) == {}
    merged = with_profile({"legal": {"instrument": {"choice": "2"}}}, {"path": {"choice": "short"}})
    assert merged["legal"] == {"instrument": {"choice": "2"}, "path": {"choice": "short"}}
    assert "*" not in merged


def test_the_profile_dialog_asks_the_three_facts_under_the_context_id() -> None:
    flow = profile_flow(CONTEXT, title="T", intro="I", closing="C")
    assert flow.id == "context" and [q.id for q in flow.questions] == [
        "level",
        "powers",
        "sse_law",
    ]
    assert [q.id for q in CONTEXT.questions][:3] == ["role", "group", "level"]  # untouched
    assert CONTEXT.question("local_term") is not None and flow.question("local_term") is None
    state, _ = engine.step(flow, None, engine.Start())
    state, _ = engine.step(flow, state, engine.Choose("regional"))
    state, _ = engine.step(flow, state, engine.Skip("powers"))
    state, outputs = engine.step(flow, state, engine.Choose("dk"))
    assert any(isinstance(o, engine.Finished) for o in outputs)
    assert profile_of(state["answers"]) == {
        "level": {"choice": "regional"},
        "sse_law": {"dk": True},
    }


def test_settled_questions_are_neither_asked_nor_counted() -> None:
    territory = settled({"level": {"choice": "municipal"}, "powers": {"choices": ["land"]}})
    assert engine.progress(CONTEXT, None) == engine.Progress("new", 0, 8)
    assert engine.progress(CONTEXT, None, territory=territory) == engine.Progress("new", 0, 6)
    state, outputs = engine.step(CONTEXT, None, engine.Start(), territory=territory)
    asked = []
    for _ in range(10):
        ask = next(o for o in outputs if isinstance(o, engine.Ask))
        asked.append((ask.question, ask.position, ask.total))
        state, outputs = engine.step(CONTEXT, state, engine.Skip(ask.question), territory=territory)
        if any(isinstance(o, engine.Finished) for o in outputs):
            break
    assert asked == [
        ("role", 1, 6),
        ("group", 2, 6),
        ("sse_law", 3, 6),
        ("coop_law", 4, 6),
        ("sse_size", 5, 6),
        ("local_term", 6, 6),
    ]


def test_a_person_halfway_through_a_question_the_profile_settles_moves_on() -> None:
    state, _ = engine.step(CONTEXT, None, engine.Start())
    for choice in ("official", "alone", "municipal"):
        state, _ = engine.step(CONTEXT, state, engine.Choose(choice))
    assert state["current"] == "powers"
    territory = settled({"powers": {"choices": ["procurement"]}})
    after, outputs = engine.step(CONTEXT, state, engine.Toggle("land", "powers"), {}, territory)
    asks = [o.question for o in outputs if isinstance(o, engine.Ask)]
    assert asks == ["sse_law"] and "powers" not in after["answers"]
    assert engine.progress(CONTEXT, after, territory=territory) == engine.Progress("active", 3, 7)


def test_automatic_na_records_whether_the_territory_or_the_person_decided() -> None:
    person_says = {"context": {"powers": {"choices": ["procurement"]}}}
    state, outputs = engine.step(MARKETS, None, engine.Start(), person_says, NO_PROCUREMENT)
    assert recorded(outputs) == {q: {"na": True, "auto": "territory"} for q in PROCUREMENT}
    # private, short_chains, strength, next_step, actor, horizon, obstacle
    assert engine.progress(MARKETS, state, person_says, NO_PROCUREMENT).total == 7
    _, outputs = engine.step(MARKETS, None, engine.Start(), NO_PROCUREMENT)
    assert recorded(outputs) == {q: {"na": True, "auto": "person"} for q in PROCUREMENT}


def test_old_automatic_answers_read_as_the_persons_and_change_source_with_the_profile() -> None:
    state, _ = engine.step(MARKETS, None, engine.Start(), NO_PROCUREMENT)
    state, _ = engine.step(MARKETS, state, engine.Choose("full"), NO_PROCUREMENT)
    for q in PROCUREMENT:  # as stored before sources were recorded
        state["answers"][q] = {"na": True, "auto": True}
    assert na_source(state["answers"]["clauses"]) == "person"
    kept, outputs = engine.step(MARKETS, state, engine.Choose("dk"), NO_PROCUREMENT)
    assert set(recorded(outputs)) == {"private"}  # nothing stored again
    _, outputs = engine.step(MARKETS, kept, engine.Choose("2"), NO_PROCUREMENT, NO_PROCUREMENT)
    assert {q: a for q, a in recorded(outputs).items() if q in PROCUREMENT} == {
        q: {"na": True, "auto": "territory"} for q in PROCUREMENT
    }


def test_a_profile_that_gives_the_power_asks_the_questions_again() -> None:
    state, _ = engine.step(MARKETS, None, engine.Start(), NO_PROCUREMENT)
    state, _ = engine.step(MARKETS, state, engine.Choose("full"), NO_PROCUREMENT)
    with_power = settled({"powers": {"choices": ["procurement"]}})
    assert engine.progress(MARKETS, state, NO_PROCUREMENT, with_power).total == 12
    asked = []
    for _ in range(5):
        state, outputs = engine.step(MARKETS, state, engine.Skip(), NO_PROCUREMENT, with_power)
        asked += [o.question for o in outputs if isinstance(o, engine.Ask)]
    # on to the end (who and when follow a next step only), then back to what now applies
    assert asked == ["short_chains", "strength", "next_step", "obstacle", "clauses"]
    stale = score_flow(MARKETS, {**with_power, "markets": state["answers"]}).overall
    assert stale.not_applicable == 0  # an automatic answer that no longer holds is no answer


@dataclass
class Someone:
    pseudonym: str
    answers: dict[str, dict[str, Any]]
    language: str | None = "en"


def test_summaries_count_na_by_source() -> None:
    levels = {q.id: {"choice": "2"} for q in MARKETS.scored_questions if q.kind == "scale"}
    people = [
        Someone("P-1", {"context": {"powers": {"choices": ["procurement"]}}, "markets": levels}),
        Someone("P-2", {"context": {"powers": {"choices": ["land"]}}, "markets": levels}),
    ]
    figures = {q.question_id: q for q in summarise_block(MARKETS, people).questions}
    assert (figures["clauses"].automatic_na, figures["clauses"].territory_na) == (1, 0)
    assert figures["clauses"].levels == 1 and not figures["clauses"].profile_na
    profile = {"powers": {"choices": ["training"]}}
    block = summarise_block(MARKETS, people, profile=profile)
    figures = {q.question_id: q for q in block.questions}
    assert (figures["clauses"].automatic_na, figures["clauses"].territory_na) == (0, 2)
    assert figures["clauses"].levels == 0 and figures["clauses"].profile_na
    assert figures["short_chains"].levels == 2
