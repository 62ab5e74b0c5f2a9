"""A territory's figures per block (pure): scores and their spread, officials against SSE
organisations, "don't know" by group, what does not apply and why, and the open answers.

Input: the flows, each respondent's current answers (by flow id), and the button answers kept
anonymously after `/forget` (counted per question, never per person). Output: plain values
that a channel or a report turns into messages, charts and files.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from dialogs.conditions import COMMENTS
from dialogs.model import Flow, Question, on_short_path
from dialogs.profile import ALL_BLOCKS, for_block, settled
from dialogs.profile import PROFILE_QUESTIONS as PROFILE_QUESTIONS  # where others look
from dialogs.scoring import (
    auto_na_source,
    is_auto_na,
    item_score,
    na_source,
    score_items,
    scored_items,
)

MIN_GROUP = 3
"""Fewest people a figure about a group (or a territory, for participants) is shown for."""

GROUPS = ("government", "sse")
"""Officials and elected people; SSE organisations and their networks."""
ROLE_GROUPS = {
    "official": "government",
    "elected": "government",
    "sse_org": "sse",
    "network": "sse",
}


class Person(Protocol):
    """A respondent as the summary needs them (see `storage.reports.Respondent`)."""

    @property
    def pseudonym(self) -> str: ...
    @property
    def language(self) -> str | None: ...
    @property
    def answers(self) -> dict[str, dict[str, Any]]: ...


class Kept(Protocol):
    """An anonymous button answer (see `storage.reports.KeptAnswer`)."""

    @property
    def flow_id(self) -> str: ...
    @property
    def question_id(self) -> str: ...
    @property
    def value(self) -> dict[str, Any]: ...


def role_group(answers: Mapping[str, Mapping[str, Any]]) -> str | None:
    """'government', 'sse', or None, from the person's answer on their role."""
    choice = (answers.get("context", {}).get("role") or {}).get("choice")
    return ROLE_GROUPS.get(choice) if isinstance(choice, str) else None


def with_profile(
    answers: Mapping[str, Mapping[str, Any]], profile: Mapping[str, Any] | None
) -> dict[str, dict[str, Any]]:
    """A person's answers where the territory's profile replaces their own answers about the
    local government (so automatic "not applicable" follows the territory's facts); a profile
    answer "don't know" leaves the person's own."""
    out = dict(answers)
    territory = settled(profile)
    for flow_id in {*out, *territory} - {ALL_BLOCKS}:
        given = for_block(territory, flow_id)
        if given:
            out[flow_id] = {**out.get(flow_id, {}), **given}
    return out


@dataclass(frozen=True)
class Stats:
    """Block scores of several people, on 0–3 (and the mean on 0–100)."""

    count: int
    mean: float
    minimum: float
    maximum: float
    q1: float
    q3: float

    @property
    def percent(self) -> int:
        return round(self.mean / 3 * 100)

    @classmethod
    def of(cls, values: Sequence[float]) -> Stats | None:
        if not values:
            return None
        ordered = sorted(values)
        if len(ordered) > 1:
            q1, _, q3 = statistics.quantiles(ordered, n=4, method="inclusive")
        else:
            q1 = q3 = ordered[0]
        return cls(
            len(ordered),
            round(statistics.fmean(ordered), 2),
            round(ordered[0], 2),
            round(ordered[-1], 2),
            round(q1, 2),
            round(q3, 2),
        )


@dataclass(frozen=True)
class QuestionFigures:
    """One scored question: its mean on 0–3 and how people answered it."""

    question_id: str
    mean: float | None
    levels: int
    dont_know: int
    not_applicable: int
    """Said "not applicable" themselves."""
    automatic_na: int
    """Not applicable from the person's own context answers."""
    profile_na: bool
    """Not applicable here by the territory's profile (for everyone)."""
    territory_na: int = 0
    """People for whom it is not applicable by the territory's profile."""

    @property
    def disagreement(self) -> bool:
        """Some say it does not apply, others answered it with a level."""
        return self.not_applicable > 0 and self.levels > 0


@dataclass(frozen=True)
class OpenAnswer:
    pseudonym: str
    language: str | None
    question_id: str
    text: str | None
    voice_file_id: str | None = None
    voice_duration: int | None = None


@dataclass(frozen=True)
class BlockSummary:
    flow_id: str
    respondents: int
    """People who gave at least one answer in the block."""
    finished: int
    score: Stats | None
    confidence: float | None
    """Mean share of shown scored questions answered with a level."""
    groups: dict[str, Stats] = field(default_factory=dict)
    """Scores of officials and of SSE organisations, each only with at least MIN_GROUP."""
    dont_know_share: dict[str, float] = field(default_factory=dict)
    """Share of "don't know" among shown scored questions: 'all', and per group."""
    questions: list[QuestionFigures] = field(default_factory=list)
    open_answers: list[OpenAnswer] = field(default_factory=list)
    subscores: dict[str, Stats] = field(default_factory=dict)
    short_path: int = 0
    """Respondents who took the block's short path (its core questions only)."""

    @property
    def not_applicable_here(self) -> list[QuestionFigures]:
        """Questions that do not apply in the territory: by its profile, or for most people."""
        return [
            q
            for q in self.questions
            if q.profile_na or (q.automatic_na + q.not_applicable) * 2 > max(self.respondents, 1)
        ]

    @property
    def disagreements(self) -> list[QuestionFigures]:
        return [q for q in self.questions if q.disagreement]

    def ranked(self) -> list[QuestionFigures]:
        """Questions with a mean, strongest first."""
        return sorted(
            (q for q in self.questions if q.mean is not None),
            key=lambda q: (-(q.mean or 0), q.question_id),
        )

    @property
    def group_difference(self) -> float | None:
        """SSE organisations' mean minus officials' (both groups big enough), on 0–3."""
        if all(g in self.groups for g in GROUPS):
            return round(self.groups["sse"].mean - self.groups["government"].mean, 2)
        return None


@dataclass(frozen=True)
class _Read:
    """A person with their answers read once, for every block."""

    pseudonym: str
    language: str | None
    answers: dict[str, dict[str, Any]]


@dataclass
class _Tally:
    values: list[float] = field(default_factory=list)
    dont_know: int = 0
    not_applicable: int = 0
    automatic_na: int = 0
    territory_na: int = 0


def answered_by_person(block: Mapping[str, Any] | None) -> bool:
    """The person answered in the block themselves (not only "not applicable" set for them
    automatically): what makes them one of its respondents."""
    return bool(block) and any(
        not (v or {}).get("auto")
        for v in block.values()  # type: ignore[union-attr]
        if v is not None
    )


def person_score(
    flow: Flow, answers: Mapping[str, Mapping[str, Any]], profile: Mapping[str, Any] | None = None
) -> float | None:
    """One person's block score (0–3) as a summary counts it: None when they gave no answer
    of their own in the block, or none with a level."""
    own = answers.get(flow.id)
    if not own or not answered_by_person(own):
        return None
    given = with_profile(answers, profile) if profile else answers
    return score_items(scored_items(flow, given)).overall.mean


def summarise_block(
    flow: Flow,
    people: Sequence[Person],
    kept: Iterable[Kept] = (),
    profile: Mapping[str, Any] | None = None,
    statuses: Mapping[str, int] | None = None,
) -> BlockSummary:
    """One block's figures over these people (their answers in every flow are needed: the
    block's conditions read the context)."""
    scores: list[float] = []
    by_group: dict[str, list[float]] = {g: [] for g in GROUPS}
    subscores: dict[str, list[float]] = {}
    confidences: list[float] = []
    shown = {"all": 0, **{g: 0 for g in GROUPS}}
    unknown = {"all": 0, **{g: 0 for g in GROUPS}}
    tallies = {q.id: _Tally() for q in flow.scored_questions}
    open_answers: list[OpenAnswer] = []
    respondents = short_path = 0
    profile_answers = with_profile({}, profile)
    by_territory = settled(profile)
    texts = [q for q in flow.questions if q.kind == "text"]
    for person in people:
        given = person.answers
        own = given.get(flow.id)
        if not own or not answered_by_person(own):
            continue
        respondents += 1
        answers = with_profile(given, profile) if profile else given
        if on_short_path(answers.get(flow.id, {})):
            short_path += 1
        group = role_group(answers)
        items = scored_items(flow, answers)
        block = score_items(items)
        if block.overall.mean is not None:
            scores.append(block.overall.mean)
            if group is not None:
                by_group[group].append(block.overall.mean)
        for name, sub in block.subscores.items():
            if sub.mean is not None:
                subscores.setdefault(name, []).append(sub.mean)
        if block.overall.confidence is not None:
            confidences.append(block.overall.confidence)
        for key in ("all", group):
            if key is not None:
                shown[key] += block.overall.applicable
                unknown[key] += block.overall.dont_know
        for q, answer, auto in items:
            source = auto_na_source(flow, q, answers, by_territory) if auto else None
            _tally(tallies[q.id], q, answer, source)
        for q in texts:
            if written := own.get(q.id):
                open_answers.append(_open(person, q, written))
        for q in flow.questions:  # the reasons given on questions with buttons
            for comment in (own.get(q.id) or {}).get(COMMENTS, ()):
                open_answers.append(_open(person, q, comment))
    for answer in kept:
        question = flow.question(answer.question_id) if answer.flow_id == flow.id else None
        if question is not None and question.scored:
            _tally(tallies[question.id], question, answer.value, na_source(answer.value))
    questions = [
        QuestionFigures(
            q.id,
            round(statistics.fmean(t.values), 2) if t.values else None,
            len(t.values),
            t.dont_know,
            t.not_applicable,
            t.automatic_na,
            profile is not None and is_auto_na(flow, q, profile_answers),
            t.territory_na,
        )
        for q, t in ((q, tallies[q.id]) for q in flow.scored_questions)
    ]
    return BlockSummary(
        flow.id,
        respondents,
        (statuses or {}).get(flow.id, 0),
        Stats.of(scores),
        round(statistics.fmean(confidences), 2) if confidences else None,
        {
            g: stats
            for g, values in by_group.items()
            if len(values) >= MIN_GROUP and (stats := Stats.of(values))
        },
        {k: round(unknown[k] / shown[k], 2) for k in shown if shown[k]},
        questions,
        open_answers,
        {name: s for name, values in sorted(subscores.items()) if (s := Stats.of(values))},
        short_path,
    )


def _tally(
    tally: _Tally, q: Question, answer: Mapping[str, Any] | None, source: str | None
) -> None:
    """Count one answer; `source` says why the question is automatically not applicable for
    the person now ("territory" or "person"), None when it applies."""
    if answer is not None and answer.get("auto") and source is None:
        answer = None  # set earlier from a context or profile that says otherwise now
    if source is not None:  # as in the person's score: it does not apply to them now
        if source == "territory":
            tally.territory_na += 1
        else:
            tally.automatic_na += 1
        return
    if answer is None:
        return
    if answer.get("na"):
        tally.not_applicable += 1
    elif answer.get("dk"):
        tally.dont_know += 1
    elif (value := item_score(q, answer)) is not None:
        tally.values.append(value)


def _open(person: Person, q: Question, given: Mapping[str, Any]) -> OpenAnswer:
    voice = given.get("voice") or {}
    return OpenAnswer(
        person.pseudonym,
        person.language,
        q.id,
        given.get("text"),
        voice.get("file_id"),
        voice.get("duration"),
    )


def summarise(
    flows: Mapping[str, Flow],
    people: Sequence[Person],
    kept: Iterable[Kept] = (),
    profile: Mapping[str, Any] | None = None,
    finished: Mapping[str, int] | None = None,
) -> list[BlockSummary]:
    """Every scored block, in the flows' order."""
    kept = list(kept)
    read = [_Read(p.pseudonym, p.language, p.answers) for p in people]  # answers built once
    return [
        summarise_block(flow, read, kept, profile, finished)
        for flow in sorted(flows.values(), key=lambda f: f.order)
        if flow.scored
    ]
