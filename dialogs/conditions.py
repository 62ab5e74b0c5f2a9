"""The tiny condition language of the flows: parsed, never evaluated with `eval`.

Grammar::

    expr       := term ("or" term)*
    term       := factor ("and" factor)*
    factor     := "not" factor | "(" expr ")" | comparison
    comparison := ref "is" ("answered" | "dk" | "na")
                | ref ("has" | "lacks") NAME
                | ref "in" "[" value ("," value)* "]"
                | ref ("==" | "!=" | "<" | "<=" | ">" | ">=") value
    ref        := NAME | NAME "." NAME          (question, or flow.question)
    value      := NAME | NUMBER

A comparison on a question with no answer is false; so is `lacks` (only a given answer
without the choice counts). Scale levels compare as numbers: `instrument >= 2`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

Answers = Mapping[str, Mapping[str, Any]]
"""Answers by flow id, then by question id (answer dicts as stored in the engine state)."""


class ConditionSyntaxError(ValueError):
    pass


@dataclass(frozen=True)
class Ref:
    flow: str | None
    question: str

    def __str__(self) -> str:
        return f"{self.flow}.{self.question}" if self.flow else self.question


@dataclass(frozen=True)
class Compare:
    ref: Ref
    op: str  # is, has, lacks, in, ==, !=, <, <=, >, >=
    values: tuple[str, ...]


@dataclass(frozen=True)
class Not:
    inner: Condition


@dataclass(frozen=True)
class BoolOp:
    op: str  # and | or
    parts: tuple[Condition, ...]


Condition = Compare | Not | BoolOp

_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?)"
    r"|(?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,))"
)
_IS_WORDS = ("answered", "dk", "na")
_KEYWORDS = {"and", "or", "not", "is", "has", "lacks", "in"}


def _tokenize(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ConditionSyntaxError(f"unexpected {text[pos:].strip()[:20]!r}")
        tokens.append(m.group(m.lastgroup or "op"))
        pos = m.end()
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.i = 0

    def peek(self) -> str | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        tok = self.peek()
        if tok is None:
            raise ConditionSyntaxError(
                f"expected {expected!r} at the end" if expected else "unexpected end"
            )
        if expected is not None and tok != expected:
            raise ConditionSyntaxError(f"expected {expected!r}, found {tok!r}")
        self.i += 1
        return tok

    def parse(self) -> Condition:
        if not self.tokens:
            raise ConditionSyntaxError("empty condition")
        cond = self.expr()
        if self.peek() is not None:
            raise ConditionSyntaxError(f"unexpected {self.peek()!r}")
        return cond

    def expr(self) -> Condition:
        parts = [self.term()]
        while self.peek() == "or":
            self.take()
            parts.append(self.term())
        return parts[0] if len(parts) == 1 else BoolOp("or", tuple(parts))

    def term(self) -> Condition:
        parts = [self.factor()]
        while self.peek() == "and":
            self.take()
            parts.append(self.factor())
        return parts[0] if len(parts) == 1 else BoolOp("and", tuple(parts))

    def factor(self) -> Condition:
        tok = self.peek()
        if tok == "not":
            self.take()
            return Not(self.factor())
        if tok == "(":
            self.take()
            inner = self.expr()
            self.take(")")
            return inner
        return self.comparison()

    def name(self, what: str) -> str:
        tok = self.take()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", tok) or tok in _KEYWORDS:
            raise ConditionSyntaxError(f"expected {what}, found {tok!r}")
        return tok

    def value(self) -> str:
        tok = self.take()
        if tok in _KEYWORDS or not re.fullmatch(r"-?\d+(?:\.\d+)?|[A-Za-z_][A-Za-z0-9_]*", tok):
            raise ConditionSyntaxError(f"expected a value, found {tok!r}")
        return tok

    def comparison(self) -> Condition:
        tok = self.take()
        if tok in _KEYWORDS or not re.fullmatch(r"[A-Za-z_][\w]*(\.[A-Za-z_]\w*)?", tok):
            raise ConditionSyntaxError(f"expected a question id, found {tok!r}")
        flow, _, question = tok.rpartition(".")
        ref = Ref(flow or None, question)
        op = self.take()
        if op == "is":
            word = self.take()
            if word not in _IS_WORDS:
                raise ConditionSyntaxError(f"'is' takes one of {', '.join(_IS_WORDS)}")
            return Compare(ref, "is", (word,))
        if op in ("has", "lacks"):
            return Compare(ref, op, (self.name("a choice id"),))
        if op == "in":
            self.take("[")
            values = [self.value()]
            while self.peek() == ",":
                self.take()
                values.append(self.value())
            self.take("]")
            return Compare(ref, "in", tuple(values))
        if op in ("==", "!=", "<", "<=", ">", ">="):
            return Compare(ref, op, (self.value(),))
        raise ConditionSyntaxError(f"expected an operator after {tok!r}, found {op!r}")


def parse(text: str) -> Condition:
    """Parse a condition; raises `ConditionSyntaxError` with a short reason."""
    return _Parser(str(text)).parse()


def refs(cond: Condition) -> list[Compare]:
    """Every comparison in a condition, for validation."""
    if isinstance(cond, Compare):
        return [cond]
    if isinstance(cond, Not):
        return refs(cond.inner)
    return [c for part in cond.parts for c in refs(part)]


def _number(value: Any) -> float | None:
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


COMMENTS = "comments"
"""An answer's key for what the person wrote or said about a question with buttons, besides
(or before) pressing one: a comment is not an answer."""


def is_answer(answer: Mapping[str, Any] | None) -> bool:
    """Whether a stored answer holds an answer, not only comments."""
    return answer is not None and any(key != COMMENTS for key in answer)


def _compare(cond: Compare, answer: Mapping[str, Any] | None) -> bool:
    if answer is None or not is_answer(answer):
        return False
    op, values = cond.op, cond.values
    if op == "is":
        word = values[0]
        return answer.get(word, False) is True if word in ("dk", "na") else True
    if op in ("has", "lacks"):
        chosen = answer.get("choices")
        if chosen is None:
            return False
        return (values[0] in chosen) == (op == "has")
    given: Any = answer.get("choice", answer.get("number"))
    if given is None:
        return False
    if op == "in":
        return str(given) in values
    if op in ("==", "!="):
        left, right = _number(given), _number(values[0])
        same = left == right if left is not None and right is not None else str(given) == values[0]
        return same == (op == "==")
    left, right = _number(given), _number(values[0])
    if left is None or right is None:
        return False
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


def undecided(
    cond: Condition, flow_id: str, answers: Answers, passed: Collection[str] = ()
) -> bool:
    """Whether answers still missing could make the condition true or false: a comparison on a
    question with no answer is unknown, and so is what depends on it. A question of `flow_id`
    in `passed` (skipped) is taken as answered with nothing."""
    return _maybe(cond, flow_id, answers, passed) is None


def _maybe(cond: Condition, flow_id: str, answers: Answers, passed: Collection[str]) -> bool | None:
    if isinstance(cond, Compare):
        answer = answers.get(cond.ref.flow or flow_id, {}).get(cond.ref.question)
        if is_answer(answer):
            return _compare(cond, answer)
        known = (cond.ref.flow or flow_id) == flow_id and cond.ref.question in passed
        return _compare(cond, None) if known else None
    if isinstance(cond, Not):
        inner = _maybe(cond.inner, flow_id, answers, passed)
        return None if inner is None else not inner
    results = [_maybe(part, flow_id, answers, passed) for part in cond.parts]
    decisive = cond.op == "or"  # a true part decides an "or", a false one an "and"
    if decisive in results:
        return decisive
    return None if None in results else not decisive


def evaluate(cond: Condition, flow_id: str, answers: Answers) -> bool:
    """Evaluate against answers by flow; an unqualified ref names a question of `flow_id`."""
    if isinstance(cond, Compare):
        flow_answers = answers.get(cond.ref.flow or flow_id, {})
        return _compare(cond, flow_answers.get(cond.ref.question))
    if isinstance(cond, Not):
        return not evaluate(cond.inner, flow_id, answers)
    results = (evaluate(part, flow_id, answers) for part in cond.parts)
    return all(results) if cond.op == "and" else any(results)
