"""Load and validate the flow files (`dialogs/flows/*.yaml`).

Every problem is reported as `file:line: problem`; a flow set with any problem does not load.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from dialogs import conditions
from dialogs.model import (
    CALLBACK_DATA_LIMIT,
    CALLBACK_OVERHEAD,
    DONT_KNOW,
    FLOW_ID_LIMIT,
    FULL,
    LEVEL_BUTTON,
    LEVEL_BUTTON_LIMIT,
    MOST_CORE,
    NOT_APPLICABLE,
    PATH,
    QUESTION_KINDS,
    SCALE_LEVELS,
    SHORT,
    Choice,
    Flow,
    Question,
)
from dialogs.texts import N_

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
FLOW_KEYS = {
    "id",
    "order",
    "title",
    "short_title",
    "intro",
    "example",
    "closing",
    "questions",
    "scored",
}
COMMON_KEYS = {"id", "type", "text", "when", "na_when", "dont_know", "not_applicable", "core"}
KIND_KEYS = {
    "scale": {"levels", "subscore"},
    "choice": {"choices", "subscore"},
    "multi": {"choices", "score", "full_at", "subscore", "most"},
    "text": {"voice"},
    "number": {"min", "max"},
}
CHOICE_KEYS = {"id", "label", "description", "score", "exclusive"}
LEVEL_KEYS = {"label", "description"}


class FlowError(ValueError):
    """One or more problems in flow files; `str()` lists them, one `file:line: problem` each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class _Map(dict[str, Any]):
    line: int = 0
    key_lines: dict[str, int]


class _Loader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> _Map:
    out = _Map()
    out.line = node.start_mark.line + 1
    out.key_lines = {}
    for key_node, value_node in node.value:
        key = str(loader.construct_object(key_node, deep=True))
        if key in out:
            raise yaml.MarkedYAMLError(
                problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark
            )
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Checker:
    """Collects problems for one file."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[str] = []

    def problem(self, line: int, text: str) -> None:
        self.problems.append(f"{self.source}:{line}: {text}")

    def line_of(self, node: _Map, key: str) -> int:
        return node.key_lines.get(key, node.line)

    def text(self, node: _Map, key: str, required: bool = True) -> str | None:
        value = node.get(key)
        if value is None:
            if required:
                self.problem(node.line, f"missing {key!r}")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(self.line_of(node, key), f"{key!r} must be a non-empty text")
            return None
        return clean_text(value)

    def ident(self, node: _Map, what: str) -> str | None:
        value = node.get("id")
        if value is None:
            self.problem(node.line, f"{what} without an 'id'")
            return None
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.problem(
                self.line_of(node, "id"),
                f"{what} id {value!r} must be lower case letters, digits and '_'",
            )
            return None
        return value

    def unknown_keys(self, node: _Map, allowed: set[str], what: str) -> None:
        for key in node:
            if key not in allowed:
                self.problem(self.line_of(node, key), f"unknown key {key!r} in {what}")


def question_context(question_id: str) -> str:
    """The gettext context of a question's choices and levels: the question's id ("entities").
    A question id used in several blocks is the same question there (`_check_shared`)."""
    return question_id


def clean_text(value: str) -> str:
    """A flow text as shown and as a message id: folded to one line unless it has line breaks."""
    value = str(value).strip()
    return value if "\n" in value else " ".join(value.split())


def read_yaml(text: str) -> Any:
    """YAML with line numbers kept on every mapping (`.line`, `.key_lines`)."""
    return yaml.load(text, Loader=_Loader)


def _flow_version(raw: Any) -> str:
    canonical = json.dumps(raw, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def _parse_condition(check: _Checker, node: _Map, key: str) -> conditions.Condition | None:
    if key not in node:
        return None
    try:
        return conditions.parse(node[key])
    except conditions.ConditionSyntaxError as exc:
        check.problem(check.line_of(node, key), f"{key}: {exc}")
        return None


def _level(
    check: _Checker, levels: _Map, level: str, node: Any, qid: str, context: str
) -> Choice | None:
    """One level of a scale question: its button label and, optionally, one line on what it
    looks like."""
    if not isinstance(node, _Map):
        check.problem(
            levels.line,
            f"level {level} of {qid!r} needs a 'label' (its button) and may have a 'description'",
        )
        return None
    check.unknown_keys(node, LEVEL_KEYS, f"level {level} of {qid!r}")
    label = check.text(node, "label")
    if label is None:
        return None
    if len(LEVEL_BUTTON.format(level=level, label=label)) > LEVEL_BUTTON_LIMIT:
        check.problem(
            check.line_of(node, "label"),
            f"the button of level {level} of {qid!r} is over {LEVEL_BUTTON_LIMIT} characters",
        )
    description = check.text(node, "description", required=False)
    return Choice(level, label, description, float(level), context=context, level=True)


def _choices(check: _Checker, node: _Map, qid: str, context: str) -> tuple[Choice, ...]:
    raw = node.get("choices")
    if not isinstance(raw, list) or len(raw) < 2:
        check.problem(check.line_of(node, "choices"), f"question {qid!r} needs at least 2 choices")
        return ()
    out: list[Choice] = []
    seen: set[str] = set()
    for item in raw:
        if not isinstance(item, _Map):
            check.problem(check.line_of(node, "choices"), "a choice must be a mapping")
            continue
        check.unknown_keys(item, CHOICE_KEYS, f"a choice of {qid!r}")
        cid = check.ident(item, "choice")
        label = check.text(item, "label")
        if cid is None or label is None:
            continue
        if cid in (DONT_KNOW, NOT_APPLICABLE):
            check.problem(item.line, f"choice id {cid!r} is reserved; use dont_know/not_applicable")
        if cid in seen:
            check.problem(item.line, f"duplicate choice id {cid!r} in question {qid!r}")
        seen.add(cid)
        score = item.get("score")
        if score is not None and not isinstance(score, int | float):
            check.problem(check.line_of(item, "score"), f"score of choice {cid!r} must be a number")
            score = None
        out.append(
            Choice(
                cid,
                label,
                check.text(item, "description", required=False),
                score,
                bool(item.get("exclusive", False)),
                context,
            )
        )
    return tuple(out)


def _question(check: _Checker, node: _Map) -> Question | None:
    qid = check.ident(node, "question")
    kind = node.get("type")
    if kind not in QUESTION_KINDS:
        check.problem(
            check.line_of(node, "type"),
            f"unknown question type {kind!r} (expected one of: {', '.join(QUESTION_KINDS)})",
        )
        return None
    check.unknown_keys(node, COMMON_KEYS | KIND_KEYS[kind], f"a {kind} question")
    text = check.text(node, "text")
    if qid is None or text is None:
        return None
    context = question_context(qid)
    fields: dict[str, Any] = {
        "when": _parse_condition(check, node, "when"),
        "na_when": _parse_condition(check, node, "na_when"),
        "dont_know": bool(node.get("dont_know", kind == "scale")),
        "not_applicable": bool(node.get("not_applicable", False)),
        "subscore": node.get("subscore"),
        "core": bool(node.get("core", False)),
    }
    if kind == "scale":
        levels = node.get("levels")
        if not isinstance(levels, _Map):
            check.problem(node.line, f"scale question {qid!r} needs 'levels' 0 to 3")
            return None
        given = {str(k) for k in levels}
        for level in SCALE_LEVELS:
            if level not in given:
                check.problem(levels.line, f"scale question {qid!r} is missing level {level}")
        for extra in sorted(given - set(SCALE_LEVELS)):
            check.problem(levels.line, f"scale question {qid!r} has an unknown level {extra!r}")
        fields["choices"] = tuple(
            level
            for key, value in sorted(levels.items(), key=lambda item: str(item[0]))
            if str(key) in SCALE_LEVELS
            and (level := _level(check, levels, str(key), value, qid, context)) is not None
        )
        fields["scored"] = True
    elif kind in ("choice", "multi"):
        fields["choices"] = _choices(check, node, qid, context)
        scores = [c.score is not None for c in fields["choices"]]
        if kind == "choice":
            if any(scores) and not all(scores):
                check.problem(node.line, f"either every choice of {qid!r} has a score, or none")
            fields["scored"] = bool(scores) and all(scores)
        else:
            rule = node.get("score")
            if rule not in (None, "count"):
                check.problem(
                    check.line_of(node, "score"), f"unknown score rule {rule!r}; use count"
                )
            countable = [c for c in fields["choices"] if not c.exclusive]
            full_at = node.get("full_at", len(countable))
            if not isinstance(full_at, int) or not 1 <= full_at <= max(len(countable), 1):
                check.problem(
                    check.line_of(node, "full_at"),
                    f"full_at of {qid!r} must be between 1 and {len(countable)}",
                )
                full_at = max(len(countable), 1)
            fields["scored"] = rule == "count"
            fields["full_at"] = full_at if rule == "count" else None
            most = node.get("most")
            if most is not None and (not isinstance(most, int) or not 1 <= most < len(countable)):
                check.problem(
                    check.line_of(node, "most"),
                    f"most of {qid!r} must be between 1 and {len(countable) - 1}",
                )
                most = None
            fields["most"] = most
    elif kind == "text":
        fields["voice"] = bool(node.get("voice", False))
    elif kind == "number":
        lo, hi = node.get("min"), node.get("max")
        for key, value in (("min", lo), ("max", hi)):
            if value is not None and not isinstance(value, int | float):
                check.problem(check.line_of(node, key), f"{key} of {qid!r} must be a number")
        if isinstance(lo, int | float) and isinstance(hi, int | float) and lo > hi:
            check.problem(node.line, f"min of {qid!r} is above its max")
        fields["minimum"], fields["maximum"] = lo, hi
    if fields["subscore"] is not None and (
        not isinstance(fields["subscore"], str) or not ID_PATTERN.match(fields["subscore"])
    ):
        check.problem(check.line_of(node, "subscore"), f"subscore of {qid!r} must be an id")
    return Question(id=qid, kind=kind, text=text, line=node.line, **fields)


PATH_QUESTION = Question(
    id=PATH,
    kind="choice",
    text=N_("How would you like to answer this block?"),
    line=0,
    choices=(
        Choice(SHORT, N_("Short (about 3 minutes)")),
        Choice(FULL, N_("Full (all questions)")),
    ),
    setting=True,
)
"""The first question of a block with core questions."""
FULL_PATH_ONLY = conditions.parse(f"not {PATH} == {SHORT}")
"""Shown unless the short path was chosen (no choice yet means the full path)."""


def _with_paths(check: _Checker, questions: list[Question]) -> list[Question]:
    """A block with core questions starts with the choice of path, and asks its other
    questions on the full path only."""
    if not any(q.core for q in questions):
        return questions
    if PATH in {q.id for q in questions}:
        check.problem(1, f"question id {PATH!r} is the choice of path; use another id")
        return questions
    scored_core = [q for q in questions if q.core and q.scored]
    if len(scored_core) > MOST_CORE:
        check.problem(
            scored_core[MOST_CORE].line,
            f"at most {MOST_CORE} scored questions may be core (the short path); "
            f"found {len(scored_core)}",
        )
    return [PATH_QUESTION] + [
        q
        if q.core
        else dataclasses.replace(
            q,
            when=FULL_PATH_ONLY
            if q.when is None
            else conditions.BoolOp("and", (FULL_PATH_ONLY, q.when)),
        )
        for q in questions
    ]


def parse_flow(text: str, source: str) -> Flow:
    """Parse one flow file's text; raises `FlowError` listing every problem found."""
    check = _Checker(source)
    try:
        raw = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        raise FlowError([f"{source}:{line}: {getattr(exc, 'problem', None) or exc}"]) from None
    if not isinstance(raw, _Map):
        raise FlowError([f"{source}:1: a flow file must be a mapping"])
    check.unknown_keys(raw, FLOW_KEYS, "the flow")
    flow_id = check.ident(raw, "flow")
    if flow_id is not None and len(flow_id) > FLOW_ID_LIMIT:
        check.problem(
            check.line_of(raw, "id"), f"flow id {flow_id!r} is over {FLOW_ID_LIMIT} characters"
        )
    order = raw.get("order")
    if not isinstance(order, int):
        check.problem(check.line_of(raw, "order"), "'order' must be a whole number")
    texts = {key: check.text(raw, key) for key in ("title", "intro", "closing")}
    example = check.text(raw, "example", required=False)
    short_title = check.text(raw, "short_title", required=False)
    questions: list[Question] = []
    raw_questions = raw.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        check.problem(check.line_of(raw, "questions"), "'questions' must be a non-empty list")
        raw_questions = []
    seen: dict[str, int] = {}
    for node in raw_questions:
        if not isinstance(node, _Map):
            check.problem(check.line_of(raw, "questions"), "a question must be a mapping")
            continue
        question = _question(check, node)
        if question is None:
            continue
        if question.id in seen:
            check.problem(
                question.line,
                f"duplicate question id {question.id!r} (first at line {seen[question.id]})",
            )
            continue
        seen[question.id] = question.line
        questions.append(question)
    questions = _with_paths(check, questions)
    if flow_id is not None:
        for q in questions:
            button = max(q.buttons, key=len, default="")
            size = len(flow_id) + len(q.id) + len(button) + CALLBACK_OVERHEAD
            if size > CALLBACK_DATA_LIMIT:
                check.problem(
                    q.line,
                    f"ids too long for Telegram's {CALLBACK_DATA_LIMIT}-byte callback data: "
                    f"{flow_id}/{q.id}/{button} needs {size} bytes; shorten them",
                )
    if check.problems:
        raise FlowError(check.problems)
    assert flow_id is not None and isinstance(order, int)
    return Flow(
        id=flow_id,
        order=order,
        title=texts["title"] or "",
        intro=texts["intro"] or "",
        closing=texts["closing"] or "",
        example=example,
        short_title=short_title or texts["title"] or "",
        questions=tuple(questions),
        version=_flow_version(raw),
        source=source,
        scored=bool(raw.get("scored", True)),
    )


def _check_references(flows: dict[str, Flow]) -> list[str]:
    problems: list[str] = []
    for flow in flows.values():
        for q in flow.questions:
            for key in ("when", "na_when"):
                cond = getattr(q, key)
                if cond is None:
                    continue
                for comp in conditions.refs(cond):
                    problem = _reference_problem(flows, flow, q, comp)
                    if problem:
                        problems.append(f"{flow.source}:{q.line}: {key} of {q.id!r}: {problem}")
    return problems


def _check_shared(flows: dict[str, Flow]) -> list[str]:
    """A question id used in several blocks must be the same question in each (same text,
    kind and choices): its choices are translated once, in the context of that id."""
    problems: list[str] = []
    first: dict[str, tuple[Flow, Question]] = {}
    for flow in flows.values():
        for q in flow.questions:
            if q.id not in first:
                first[q.id] = (flow, q)
                continue
            other_flow, other = first[q.id]
            same = (q.kind, q.text, q.choices) == (other.kind, other.text, other.choices)
            if not same:
                problems.append(
                    f"{flow.source}:{q.line}: question {q.id!r} differs from the one in "
                    f"{other_flow.source}:{other.line}; a shared id must be the same question"
                )
    return problems


def _reference_problem(
    flows: dict[str, Flow], flow: Flow, q: Question, comp: conditions.Compare
) -> str | None:
    target_flow = flows.get(comp.ref.flow or flow.id)
    if target_flow is None:
        return f"unknown flow {comp.ref.flow!r}"
    target = target_flow.question(comp.ref.question)
    if target is None:
        return f"unknown question {comp.ref!s}"
    if target_flow is flow and flow.position(target.id) >= flow.position(q.id):
        return f"{comp.ref!s} is not asked before {q.id!r}"
    if comp.op in ("has", "lacks") and target.kind != "multi":
        return f"'{comp.op}' needs a multi question; {comp.ref!s} is {target.kind}"
    if comp.op in ("in", "==", "!=") and target.kind in ("choice", "scale"):
        for value in comp.values:
            if value not in target.buttons:
                return f"{comp.ref!s} has no choice {value!r}"
    if comp.op in ("has", "lacks") and comp.values[0] not in target.buttons:
        return f"{comp.ref!s} has no choice {comp.values[0]!r}"
    if comp.op in ("<", "<=", ">", ">=") and target.kind not in ("scale", "number"):
        return f"'{comp.op}' needs a scale or number question; {comp.ref!s} is {target.kind}"
    if comp.op in ("in", "==", "!=", "<", "<=", ">", ">=") and target.kind in ("multi", "text"):
        return f"'{comp.op}' does not apply to the {target.kind} question {comp.ref!s}"
    return None


def load_flows_from(paths: Iterable[Path]) -> dict[str, Flow]:
    """Load flow files, check references across them; flows by id, in block order."""
    flows: dict[str, Flow] = {}
    problems: list[str] = []
    for path in sorted(paths):
        try:
            flow = parse_flow(path.read_text(encoding="utf-8"), path.name)
        except FlowError as exc:
            problems.extend(exc.problems)
            continue
        if flow.id in flows:
            problems.append(f"{path.name}:1: flow id {flow.id!r} also in {flows[flow.id].source}")
            continue
        flows[flow.id] = flow
    problems.extend(_check_references(flows))
    problems.extend(_check_shared(flows))
    orders: dict[int, str] = {}
    for flow in flows.values():
        if flow.order in orders:
            problems.append(
                f"{flow.source}:1: order {flow.order} also used by {orders[flow.order]}"
            )
        orders[flow.order] = flow.source
    if problems:
        raise FlowError(problems)
    return dict(sorted(flows.items(), key=lambda item: item[1].order))


def flows_directory() -> Path:
    return Path(str(resources.files("dialogs") / "flows"))


_cache: dict[str, Flow] | None = None


def load_flows() -> dict[str, Flow]:
    """The shipped flows (loaded once per process)."""
    global _cache
    if _cache is None:
        _cache = load_flows_from(flows_directory().glob("*.yaml"))
    return _cache
