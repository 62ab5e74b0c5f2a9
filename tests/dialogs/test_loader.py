"""Loading flows: the shipped ones load; every problem is named with file and line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dialogs.conditions import evaluate
from dialogs.loader import FlowError, load_flows, load_flows_from, parse_flow
from dialogs.model import FLOW_ID_LIMIT
from storage.models import Answer, Conversation

GOOD = """\
id: demo
order: 7
title: Demo
intro: Intro.
closing: Bye.
questions:
  - id: first
    type: scale
    text: How is it?
    levels: {0: {label: None}, 1: {label: Some}, 2: {label: Good}, 3: {label: Great}}
  - id: second
    type: choice
    text: Which?
    when: first >= 1
    choices:
      - {id: a, label: A}
      - {id: b, label: B}
"""


def problems(text: str, name: str = "demo.yaml") -> list[str]:
    with pytest.raises(FlowError) as info:
        parse_flow(textwrap.dedent(text), name)
    return info.value.problems


def test_shipped_flows_load() -> None:
    flows = load_flows()
    assert list(flows)[:2] == ["context", "legal"]
    assert len(flows["legal"].scored_questions) == 8


def test_a_good_flow_parses() -> None:
    flow = parse_flow(GOOD, "demo.yaml")
    assert [q.id for q in flow.questions] == ["first", "second"]
    assert flow.questions[0].buttons == ("0", "1", "2", "3", "dk")
    assert len(flow.version) == 12


def test_unknown_question_type() -> None:
    assert problems(GOOD.replace("type: choice", "type: choise")) == [
        "demo.yaml:12: unknown question type 'choise' "
        "(expected one of: scale, choice, multi, text, number)"
    ]


def test_duplicate_question_id() -> None:
    assert problems(GOOD.replace("id: second", "id: first")) == [
        "demo.yaml:11: duplicate question id 'first' (first at line 7)"
    ]


def test_missing_scale_level() -> None:
    assert problems(GOOD.replace(" 3: {label: Great}", " 4: {label: Great}")) == [
        "demo.yaml:10: scale question 'first' is missing level 3",
        "demo.yaml:10: scale question 'first' has an unknown level '4'",
    ]


def test_a_level_needs_its_button_label_and_a_short_one() -> None:
    assert problems(GOOD.replace("1: {label: Some}", "1: Some.")) == [
        "demo.yaml:10: level 1 of 'first' needs a 'label' (its button) and may have a 'description'"
    ]
    assert problems(GOOD.replace("label: Some}", "label: Some of it and more of it}")) == [
        "demo.yaml:10: the button of level 1 of 'first' is over 28 characters"
    ]


def test_core_questions_make_a_short_path() -> None:
    flow = parse_flow(GOOD.replace("    type: choice\n", "    type: choice\n    core: true\n"), "d")
    assert [q.id for q in flow.questions] == ["path", "first", "second"]
    assert flow.has_paths and [c.id for c in flow.questions[0].choices] == ["short", "full"]
    assert str(flow.question("second").when) == str(parse_flow(GOOD, "d").question("second").when)
    short, full = {"demo": {"path": {"choice": "short"}}}, {"demo": {"path": {"choice": "full"}}}
    first = flow.question("first")
    assert first.when is not None
    assert not evaluate(first.when, "demo", short)
    assert evaluate(first.when, "demo", full) and evaluate(first.when, "demo", {})


def test_at_most_four_scored_core_questions() -> None:
    scale = "  - id: q{n}\n    type: scale\n    core: true\n    text: Q?\n" + (
        "    levels: {{0: {{label: A}}, 1: {{label: B}}, 2: {{label: C}}, 3: {{label: D}}}}\n"
    )
    head = GOOD.split("questions:")[0] + "questions:\n"
    assert problems(head + "".join(scale.format(n=n) for n in range(5))) == [
        "demo.yaml:27: at most 4 scored questions may be core (the short path); found 5"
    ]
    reserved = GOOD.replace("id: second", "id: path").replace(
        "    type: choice\n", "    type: choice\n    core: true\n"
    )
    assert problems(reserved) == [
        "demo.yaml:1: question id 'path' is the choice of path; use another id"
    ]


def test_choice_question_without_choices() -> None:
    text = GOOD.split("    choices:")[0]
    assert problems(text) == ["demo.yaml:11: question 'second' needs at least 2 choices"]


def test_unknown_key_is_a_typo() -> None:
    assert problems(GOOD.replace("levels:", "lavels:")) == [
        "demo.yaml:10: unknown key 'lavels' in a scale question",
        "demo.yaml:7: scale question 'first' needs 'levels' 0 to 3",
    ]


def test_duplicate_yaml_key() -> None:
    assert problems(GOOD.replace("title: Demo\n", "title: Demo\ntitle: Again\n")) == [
        "demo.yaml:4: duplicate key 'title'"
    ]


def test_condition_syntax() -> None:
    assert problems(GOOD.replace("when: first >= 1", "when: first >>= 1")) == [
        "demo.yaml:14: when: expected a value, found '>='"
    ]


def test_a_flow_id_fits_the_database_column() -> None:
    columns = [Conversation.__table__.c.flow_id, Answer.__table__.c.flow_id]
    assert [column.type.length for column in columns] == [FLOW_ID_LIMIT, FLOW_ID_LIMIT]
    long_id = "f" * (FLOW_ID_LIMIT + 1)  # short enough for callback data, with a short question
    found = problems(GOOD.replace("id: demo", f"id: {long_id}").replace("id: second", "id: s"))
    assert found == [f"demo.yaml:1: flow id '{long_id}' is over {FLOW_ID_LIMIT} characters"]


def test_ids_too_long_for_callback_data() -> None:
    long_id = "a_very_long_question_identifier_that_goes_on"
    found = problems(GOOD.replace("id: second", f"id: {long_id}"))
    assert found == [
        f"demo.yaml:11: ids too long for Telegram's 64-byte callback data: "
        f"demo/{long_id}/a needs 65 bytes; shorten them"
    ]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ("unknown >= 1", "unknown question unknown"),
        ("second == a", "second is not asked before 'second'"),
        ("first == 7", "first has no choice '7'"),
        ("first has a", "'has' needs a multi question; first is scale"),
        ("other.q >= 1", "unknown flow 'other'"),
    ],
)
def test_condition_references(tmp_path: Path, condition: str, problem: str) -> None:
    path = write(tmp_path, "demo.yaml", GOOD.replace("first >= 1", condition))
    with pytest.raises(FlowError) as info:
        load_flows_from([path])
    assert info.value.problems == [f"demo.yaml:11: when of 'second': {problem}"]


def test_reference_to_another_flows_choice(tmp_path: Path) -> None:
    other = GOOD.replace("id: demo", "id: base").replace("order: 7", "order: 0")
    write(tmp_path, "base.yaml", other)
    write(tmp_path, "demo.yaml", GOOD.replace("first >= 1", "base.second == c"))
    with pytest.raises(FlowError) as info:
        load_flows_from(sorted(tmp_path.glob("*.yaml")))
    assert info.value.problems == ["demo.yaml:11: when of 'second': base.second has no choice 'c'"]
    write(tmp_path, "demo.yaml", GOOD.replace("first >= 1", "base.second == b"))
    assert list(load_flows_from(sorted(tmp_path.glob("*.yaml")))) == ["base", "demo"]
