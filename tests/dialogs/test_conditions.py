"""The condition language: parsing, errors, evaluation."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs.conditions import ConditionSyntaxError, evaluate, parse

ANSWERS = {
    "legal": {"instrument": {"choice": "2"}, "budget": {"dk": True}},
    "context": {
        "powers": {"choices": ["procurement", "land"]},
        "sse_law": {"choice": "no"},
        "size": {"number": 120},
    },
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("instrument >= 2", True),
        ("instrument > 2", False),
        ("instrument == 2", True),
        ("instrument != 2", False),
        ("instrument in [1, 2]", True),
        ("context.powers has land", True),
        ("context.powers has training", False),
        ("context.powers lacks training", True),
        ("context.sse_law == no", True),
        ("budget is dk", True),
        ("budget is answered", True),
        ("budget >= 0", False),
        ("definition is answered", False),
        ("definition >= 0", False),
        ("context.unanswered lacks land", False),
        ("not definition is answered", True),
        ("instrument >= 1 and context.powers has land", True),
        ("instrument >= 3 or context.powers has land", True),
        ("not (instrument >= 3 or context.powers lacks land)", True),
        ("context.size > 100 and context.size <= 120", True),
    ],
)
def test_evaluate(text: str, expected: bool) -> None:
    assert evaluate(parse(text), "legal", ANSWERS) is expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty condition"),
        ("instrument", "unexpected end"),
        ("instrument >=", "unexpected end"),
        ("instrument is maybe", "'is' takes one of"),
        ("instrument in [1, 2", "expected ']'"),
        ("(instrument >= 1", "expected ')'"),
        ("instrument >= 1 extra", "unexpected 'extra'"),
        ("__import__('os') == 1", "unexpected \"'os') == 1\""),
        ("instrument ~ 2", "unexpected '~ 2'"),
    ],
)
def test_syntax_errors_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ConditionSyntaxError) as info:
        parse(text)
    assert problem in str(info.value)


@given(st.text(max_size=60))
def test_any_text_parses_or_fails_cleanly(text: str) -> None:
    try:
        condition = parse(text)
    except ConditionSyntaxError:
        return
    assert evaluate(condition, "legal", ANSWERS) in (True, False)
