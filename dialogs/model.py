"""The flow model: a guideline block as data (questions, choices, conditions, scoring rules)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from dialogs.conditions import Condition
from dialogs.texts import Msg

QUESTION_KINDS = ("scale", "choice", "multi", "text", "number")
SCALE_LEVELS = ("0", "1", "2", "3")
DONT_KNOW = "dk"
NOT_APPLICABLE = "na"

PATH = "path"
"""The question a block with core questions starts with: the short path (its core questions
only) or the full one. Its answer may also be settled for a whole territory."""
SHORT, FULL = "short", "full"


def on_short_path(answers: Mapping[str, Any]) -> bool:
    """Whether a block's answers (by question id) were given on its short path."""
    chosen = answers.get(PATH)
    return isinstance(chosen, Mapping) and chosen.get("choice") == SHORT


MOST_CORE = 4
"""Most scored core questions a block may have: the short path stays about 3 minutes."""

CALLBACK_DATA_LIMIT = 64
"""Telegram's limit on an inline button's callback data, in bytes."""
CALLBACK_OVERHEAD = 16
"""Bytes a channel may add around flow, question and choice ids (verb, separators, a tag)."""
FLOW_ID_LIMIT = 32
"""Longest flow id, in characters: the database's column (storage.models) holds no more."""

MAX_TEXT_ANSWER = 20_000
"""Longest free-text answer, in characters, whether it came in one message or in parts (a
Telegram message holds at most 4,096: a longer text arrives as several)."""
PART_LENGTH = 3_500
"""A text at least this long may be the first part of a longer one the app cut in pieces."""
PART_SECONDS = 10
"""The next part of a text cut in pieces arrives within this many seconds."""


LEVEL_BUTTON = "{level} · {label}"
"""A scale level's button: its number, then its label. A layout, not a message id (only the
label is translated)."""
LEVEL_BUTTON_LIMIT = 28
"""Longest scale level button, in characters, in every language: a group reads the buttons
alone, and large phone fonts cut longer ones."""


@dataclass(frozen=True)
class Choice:
    id: str
    label: str
    """Short button label (a message id)."""
    description: str | None = None
    """One line shown in the question message (a message id), e.g. what a level looks like."""
    score: float | None = None
    exclusive: bool = False
    """In a multi question: choosing it clears the others (e.g. 'None of these')."""
    context: str | None = None
    """The gettext context of its texts: its question's id ("entities"), so that a short
    label is translated to agree with its own question."""
    level: bool = False
    """A level of the 0-3 scale: its button shows the level's number before the label."""

    @property
    def label_text(self) -> Msg:
        """The button as a message: "1 · Draft or discussion" for a level."""
        label = Msg(self.label, context=self.context)
        return Msg(LEVEL_BUTTON, {"level": self.id, "label": label}) if self.level else label

    @property
    def description_text(self) -> Msg | None:
        return Msg(self.description, context=self.context) if self.description else None


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    text: str
    line: int
    choices: tuple[Choice, ...] = ()
    dont_know: bool = False
    not_applicable: bool = False
    when: Condition | None = None
    na_when: Condition | None = None
    scored: bool = False
    subscore: str | None = None
    full_at: int | None = None
    """Multi questions scored by count: this many choices give the top level."""
    voice: bool = False
    minimum: float | None = None
    maximum: float | None = None
    core: bool = False
    """Asked on the short path too (see `PATH`)."""
    most: int | None = None
    """Multi questions: the most choices a person may tick."""
    setting: bool = False
    """A choice about the conversation itself, not about the territory (the path): not
    counted in progress, never left for later, no Skip, no comments."""

    _choices: dict[str, Choice] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._choices.update({c.id: c for c in self.choices})

    def choice(self, choice_id: str) -> Choice | None:
        return self._choices.get(choice_id) if isinstance(choice_id, str) else None

    @property
    def buttons(self) -> tuple[str, ...]:
        """Every id a button of this question may carry."""
        ids = [c.id for c in self.choices]
        if self.dont_know:
            ids.append(DONT_KNOW)
        if self.not_applicable:
            ids.append(NOT_APPLICABLE)
        return tuple(ids)


@dataclass(frozen=True)
class Flow:
    id: str
    order: int
    title: str
    intro: str
    closing: str
    questions: tuple[Question, ...]
    version: str
    source: str
    example: str | None = None
    short_title: str = ""
    """A menu button's label (a message id); the title when not given."""
    scored: bool = True
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._index.update({q.id: i for i, q in enumerate(self.questions)})

    def question(self, question_id: str | None) -> Question | None:
        if question_id is None or question_id not in self._index:
            return None
        return self.questions[self._index[question_id]]

    def position(self, question_id: str) -> int:
        return self._index[question_id]

    @cached_property
    def scored_questions(self) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.scored)

    @property
    def has_paths(self) -> bool:
        """The block offers a short path: its first question is the choice of path."""
        return bool(self.questions) and self.questions[0].id == PATH
