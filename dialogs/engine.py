"""The conversation engine: `step(flow, state, input, others) -> (new state, outputs)`.

Pure: no I/O, no clock, no Telegram. The state is plain JSON (see `new_state`) and names the
flow version it was made with; a state made with an older version of a flow continues
sensibly (answered questions stay answered, removed ones are ignored, new ones are asked).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from dialogs.conditions import COMMENTS, Answers, is_answer, undecided
from dialogs.model import (
    DONT_KNOW,
    MAX_TEXT_ANSWER,
    NOT_APPLICABLE,
    PART_LENGTH,
    PART_SECONDS,
    Flow,
    Question,
    on_short_path,
)
from dialogs.profile import ALL_BLOCKS, for_block
from dialogs.scoring import (
    LEVEL_PHRASES,
    MIN_ANSWERED,
    BlockScore,
    Score,
    auto_na_source,
    is_auto_na,
    is_visible,
    level_of,
    na_source,
    one_decimal,
    score_flow,
)
from dialogs.texts import N_, Msg, Np_, msg, shortened

State = dict[str, Any]

# ---------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Start:
    """Open the flow: first question, or where the person stopped, or a review if finished."""


@dataclass(frozen=True)
class Choose:
    choice: str
    question: str | None = None
    """The question the button belonged to; None for typed input meant for the current one."""


@dataclass(frozen=True)
class Toggle:
    choice: str
    question: str | None = None


@dataclass(frozen=True)
class Done:
    question: str | None = None


@dataclass(frozen=True)
class Text:
    text: str
    sent_at: float | None = None
    """When it was sent (seconds since 1970), to tell the parts of one long text apart from
    a new answer."""


@dataclass(frozen=True)
class Voice:
    file_id: str
    duration: int


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Skip:
    question: str | None = None


@dataclass(frozen=True)
class Back:
    question: str | None = None


@dataclass(frozen=True)
class Pause:
    pass


@dataclass(frozen=True)
class Resume:
    pass


Input = Start | Choose | Toggle | Done | Text | Voice | Number | Skip | Back | Pause | Resume

# ---------------------------------------------------------------- outputs


@dataclass(frozen=True)
class Option:
    id: str
    label: Msg
    description: Msg | None = None
    selected: bool = False


@dataclass(frozen=True)
class Say:
    """A message to show. `role` is intro, example, closing, notice, score or problem."""

    text: Msg
    role: str = "notice"


@dataclass(frozen=True)
class Ask:
    """One question, shown as one message with its options and actions."""

    flow: str
    question: str
    kind: str
    text: Msg
    position: int
    total: int
    options: tuple[Option, ...] = ()
    actions: tuple[Option, ...] = ()
    """Navigation: done (multi), back, skip."""
    hint: Msg | None = None
    """What may be sent instead of pressing a button (text, voice note, number)."""
    given: Msg | None = None
    """The answer already written, spoken or typed (a button shows its own with ✓)."""
    refresh: bool = False
    """The same question again after a toggle: a channel edits the message it showed."""


@dataclass(frozen=True)
class Recorded:
    """An answer was accepted. Only a `changed` one is stored again (answers are append-only)."""

    flow: str
    question: str
    answer: dict[str, Any]
    changed: bool = True
    comment: bool = False
    """What was stored is a comment on the question, which is asked again."""


@dataclass(frozen=True)
class Finished:
    flow: str
    score: BlockScore | None
    short: bool = False
    """Answered on the short path (the block's core questions only)."""


Output = Say | Ask | Recorded | Finished

# ---------------------------------------------------------------- texts

SCALE_EXTRA_LABELS = {DONT_KNOW: N_("Don't know"), NOT_APPLICABLE: N_("Not applicable")}
ACTION_LABELS = {"done": N_("Done ✓"), "back": N_("◀ Back"), "skip": N_("Skip ▶")}
KEEP = N_("Keep ▶")
"""The skip action under a question already answered: going on keeps the answer."""
GIVEN_TEXT = N_("Your answer: {text}")
GIVEN_VOICE = N_("Your answer: a voice note ({seconds} s)")
GIVEN_LIMIT = 300
"""Characters of an earlier written answer shown under its question."""
PROGRESS = N_("Question {position} of {total}")
STALE = N_("That question is already answered. Here is the current one.")
USE_BUTTONS = N_("Please tap one of the buttons below.")
NOTHING_SELECTED = N_("Tap at least one choice, then Done. Or tap Skip.")
FIRST_QUESTION = N_("This is the first question.")
EMPTY_TEXT = N_("Please write a few words, or tap Skip.")
TOO_LONG = N_(
    "Your answer is too long ({length} characters). Please keep it to {limit} characters at most."
)
ADDED = N_("Your message was long, so it came in parts. I joined them into one answer.")
ADDED_TO_ANSWER = N_("I added this to your answer to the question before.")
NO_VOICE_HERE = N_("Please write your answer here. Voice notes work for other questions.")
TEXT_OR_VOICE = N_("Write your answer, or send a voice note.")
TEXT_ONLY = N_("Write your answer.")
MULTI_HINT = N_("Tap all that apply, then Done.")
NUMBER_RANGE = N_("Send a number between {minimum} and {maximum}.")
NUMBER_FROM = N_("Send a number of at least {minimum}.")
NUMBER_ANY = N_("Send a number.")
PAUSED = N_("Your answers are saved. You can continue any time.")
WELCOME_BACK = N_("Welcome back. Let's continue where you stopped.")
REVIEW = N_("You finished this block. Here are your answers again: change any, or tap Keep.")
BLOCK_DONE = N_("Block finished: {title}.")
YOUR_LEVEL = N_("Your level: {level}, {mean} of 3.")
YOUR_LEVEL_SHORT = N_("Your level on the short path: {level}, {mean} of 3.")
LEVEL_LINES = (YOUR_LEVEL, YOUR_LEVEL_SHORT)
"""The end-of-block lines that give the person's level (a channel may add the territory's)."""
NO_SCORE = N_("No score yet: no question was answered with a level.")
LEVELS_CHOSEN = N_("You chose a level for {answered} of the {count} questions that apply here.")
NOT_ENOUGH = N_("Not enough answers for a score: it needs a level on at least {minimum} questions.")
TOO_FEW_APPLY = N_(
    "No score for this block: a score needs a level on at least {minimum} questions, and "
    "fewer apply here."
)
COMMENT_KEPT = N_("I kept this as a comment on the question. Now tap the answer that fits best.")
ALREADY_FINISHED = N_("This block is finished. Open it again from the menu to change answers.")

# ---------------------------------------------------------------- state


def new_state(flow: Flow) -> State:
    return {
        "flow": flow.id,
        "flow_version": flow.version,
        "status": "new",
        "current": None,
        "history": [],
        "answers": {},
        "skipped": [],
        "selection": [],
        "review": False,
    }


def _upgrade(flow: Flow, state: State) -> State:
    """Bring a state made with another version of the flow in line with this one."""
    if state.get("flow_version") == flow.version:
        return state
    for qid, answer in list(state["answers"].items()):
        question = flow.question(qid)
        chosen = [answer["choice"]] if "choice" in answer else answer.get("choices", [])
        if question is not None and any(c not in question.buttons for c in chosen):
            del state["answers"][qid]  # the choice is gone: ask again
    state["history"] = [q for q in state["history"] if flow.question(q) is not None]
    state["skipped"] = [q for q in state["skipped"] if flow.question(q) is not None]
    if flow.question(state["current"]) is None:
        state["current"] = None
        state["selection"] = []
    state["flow_version"] = flow.version
    return state


class _Run:
    """One step's working data: the flow, a private copy of the state, and the outputs."""

    def __init__(self, flow: Flow, state: State, others: Answers, territory: Answers) -> None:
        self.flow = flow
        self.state = state
        self.territory = territory
        self.others: Answers = {
            **others,
            **{
                flow_id: {**others.get(flow_id, {}), **given}
                for flow_id, given in territory.items()
                if flow_id not in (flow.id, ALL_BLOCKS)
            },
        }
        self.settled: Mapping[str, Any] = for_block(territory, flow.id)
        self.out: list[Output] = []
        self.part: dict[str, Any] | None = None
        """The text stored by the step before, if it may go on in a next part."""

    # -- views

    @property
    def answers(self) -> dict[str, Any]:
        return self.state["answers"]

    def all_answers(self) -> Answers:
        """Every answer conditions read: the person's, with the territory's over them."""
        own = {**self.answers, **self.settled} if self.settled else self.answers
        return {**self.others, self.flow.id: own}

    def shown(self, q: Question) -> bool:
        """Visible, not settled by the territory and not automatically not applicable: a
        question the person is asked."""
        if q.id in self.settled:
            return False
        everything = self.all_answers()
        return is_visible(self.flow, q, everything) and not is_auto_na(self.flow, q, everything)

    def shown_questions(self) -> list[Question]:
        return [q for q in self.flow.questions if self.shown(q)]

    def undecided(self, q: Question) -> bool:
        """Shown or not depending on answers not given yet (a skipped question counts as
        answered with nothing)."""
        passed = self.state["skipped"]
        return q.when is not None and undecided(q.when, self.flow.id, self.all_answers(), passed)

    def counted_questions(self) -> list[Question]:
        """The questions progress counts: shown now, or possibly shown later (the choice of
        path is not one of them)."""
        everything = self.all_answers()
        return [
            q
            for q in self.flow.questions
            if not q.setting
            and q.id not in self.settled
            and not is_auto_na(self.flow, q, everything)
            and (is_visible(self.flow, q, everything) or self.undecided(q))
        ]

    def short_path(self) -> bool:
        return on_short_path(self.all_answers()[self.flow.id])

    def answered(self, q: Question) -> bool:
        answer = self.answers.get(q.id)
        return is_answer(answer) and not answer.get("auto")  # type: ignore[union-attr]

    def left(self, q: Question) -> bool:
        """Shown and not answered: left for later (not a setting, which has a default)."""
        return not self.answered(q) and not q.setting

    def pending(self, q: Question) -> bool:
        return not self.answered(q) and q.id not in self.state["skipped"]

    def current(self) -> Question | None:
        return self.flow.question(self.state["current"])

    # -- effects

    def say(self, key: str, role: str = "notice", **params: Any) -> None:
        self.out.append(Say(msg(key, **params), role))

    def record(self, q: Question, answer: dict[str, Any]) -> None:
        comments = (self.answers.get(q.id) or {}).get(COMMENTS)
        if comments and COMMENTS not in answer:
            answer = {**answer, COMMENTS: comments}  # an answer keeps the comments before it
        changed = self.answers.get(q.id) != answer
        self.answers[q.id] = answer
        if q.id in self.state["skipped"]:
            self.state["skipped"].remove(q.id)
        self.out.append(Recorded(self.flow.id, q.id, answer, changed))

    def record_automatic_na(self) -> None:
        """Record "not applicable" for the questions whose condition says so, with its source
        (the territory's profile or the person's own answers)."""
        everything = self.all_answers()
        for q in self.flow.questions:
            if q.id in self.settled or not is_visible(self.flow, q, everything):
                continue
            source = auto_na_source(self.flow, q, everything, self.territory)
            if source is None or self.answered(q):
                continue
            if na_source(self.answers.get(q.id)) != source:
                self.answers[q.id] = {"na": True, "auto": source}
                self.out.append(Recorded(self.flow.id, q.id, {"na": True, "auto": source}))

    # -- navigation

    def show(self, q: Question, refresh: bool = False) -> None:
        if self.state["current"] != q.id:  # the same question again keeps unsaved ticks
            answer = self.answers.get(q.id) or {}
            self.state["selection"] = list(answer.get("choices", []))
        self.state["current"] = q.id
        self.state["status"] = "active"
        history = self.state["history"]
        if not history or history[-1] != q.id:
            if q.id in history:
                history.remove(q.id)
            history.append(q.id)
        self.out.append(self.ask(q, refresh))

    def ask(self, q: Question, refresh: bool) -> Ask:
        ids = [s.id for s in self.counted_questions()]
        position = ids.index(q.id) + 1 if q.id in ids else 0 if q.setting else len(ids)
        answer = self.answers.get(q.id) or {}
        selection = set(self.state["selection"])
        options: list[Option] = []
        for c in q.choices:
            chosen = c.id in selection if q.kind == "multi" else answer.get("choice") == c.id
            options.append(Option(c.id, c.label_text, c.description_text, chosen))
        for extra, wanted in ((DONT_KNOW, q.dont_know), (NOT_APPLICABLE, q.not_applicable)):
            if wanted:
                chosen = bool(answer.get(extra)) and not answer.get("auto")
                options.append(Option(extra, msg(SCALE_EXTRA_LABELS[extra]), None, chosen))
        actions = [Option("done", msg(ACTION_LABELS["done"]))] if q.kind == "multi" else []
        if self.previous() is not None:
            actions.append(Option("back", msg(ACTION_LABELS["back"])))
        if not q.setting:  # a setting is chosen with its buttons
            actions.append(Option("skip", msg(KEEP if self.answered(q) else ACTION_LABELS["skip"])))
        return Ask(
            flow=self.flow.id,
            question=q.id,
            kind=q.kind,
            text=msg(q.text),
            position=position,
            total=len(ids),
            options=tuple(options),
            actions=tuple(actions),
            hint=self.hint(q),
            given=self.given(q),
            refresh=refresh,
        )

    def given(self, q: Question) -> Msg | None:
        """An earlier answer that no button shows: a text (its beginning), a voice note or a
        number."""
        answer = self.answers.get(q.id) or {}
        if "voice" in answer:
            return msg(GIVEN_VOICE, seconds=answer["voice"].get("duration", 0))
        if "number" in answer:
            return msg(GIVEN_TEXT, text=answer["number"])
        text = answer.get("text")
        if not isinstance(text, str):
            return None
        return msg(GIVEN_TEXT, text=shortened(text, GIVEN_LIMIT))

    @staticmethod
    def hint(q: Question) -> Msg | None:
        if q.kind == "multi" and q.most is not None:
            return Np_(
                "Tap up to {count} choice, then Done.",
                "Tap up to {count} choices, then Done.",
                q.most,
            )
        if q.kind == "multi":
            return msg(MULTI_HINT)
        if q.kind == "text":
            return msg(TEXT_OR_VOICE if q.voice else TEXT_ONLY)
        if q.kind == "number":
            return number_hint(q)
        return None

    def previous(self) -> str | None:
        history = self.state["history"]
        current = self.state["current"]
        for qid in reversed(history[:-1] if history and history[-1] == current else history):
            q = self.flow.question(qid)
            if q is not None and self.shown(q) and qid != current:
                return qid
        return None

    def advance(self) -> None:
        """Show the next question, or finish the block."""
        self.record_automatic_na()
        shown = self.shown_questions()
        current = self.state["current"]
        ids = [q.id for q in shown]
        if current in ids:
            after = ids.index(current) + 1
        elif current is not None and self.flow.question(current) is not None:
            here = self.flow.position(current)
            after = next(
                (i for i, q in enumerate(shown) if self.flow.position(q.id) > here), len(shown)
            )
        else:
            after = 0
        if self.state["review"]:
            ahead = shown[after:]
            if self.state.get("later"):  # only what was left for later
                ahead = [q for q in ahead if self.left(q)]
            if ahead:
                self.show(ahead[0])
            else:
                self.finish()
            return
        for q in shown[after:] + shown[:after]:
            if self.pending(q):
                self.show(q)
                return
        self.finish()

    def finish(self) -> None:
        self.state.update(status="finished", current=None, selection=[], review=False, later=False)
        score = score_flow(self.flow, self.all_answers()) if self.flow.scored else None
        short = self.short_path()
        self.out.append(Finished(self.flow.id, score, short))
        self.say(BLOCK_DONE, "score", title=msg(self.flow.title))
        left = sum(1 for q in self.shown_questions() if self.left(q))
        if left:
            later = Np_(
                "{count} question is left for later: open this block again from the menu to "
                "answer it.",
                "{count} questions are left for later: open this block again from the menu to "
                "answer them.",
                left,
            )
            self.out.append(Say(later, "score"))
        if score is not None:
            everything = self.all_answers()
            automatic = sum(
                1
                for q in self.flow.scored_questions
                if is_visible(self.flow, q, everything) and is_auto_na(self.flow, q, everything)
            )
            lines = score_lines(score.overall, short, automatic)
            self.out += [Say(line, "score") for line in lines]
        self.say(self.flow.closing, "closing")

    def resume_here(self) -> None:
        q = self.current()
        if q is not None and self.shown(q):
            self.show(q)
        else:
            self.state["current"] = None
            self.advance()


def score_lines(score: Score, short: bool, automatic: int = 0) -> list[Msg]:
    """What a person reads about their score at the end of a block: the level in words (or why
    there is none), how many questions that apply got a level when some did not, and how many
    did not apply (and why, when all of them were so by `automatic` rules: the local
    government's powers)."""
    lines: list[Msg] = []
    if score.mean is not None:
        level = msg(LEVEL_PHRASES[level_of(score.mean)])
        mean = one_decimal(score.mean)  # a person reads one decimal: "1.4 of 3"
        lines.append(msg(YOUR_LEVEL_SHORT if short else YOUR_LEVEL, level=level, mean=mean))
    elif score.applicable < MIN_ANSWERED:  # however it is answered: the block is too small
        lines.append(msg(TOO_FEW_APPLY, minimum=MIN_ANSWERED))
    elif score.answered:
        lines.append(msg(NOT_ENOUGH, minimum=MIN_ANSWERED))
    else:
        lines.append(msg(NO_SCORE))
    if 0 < score.answered < score.applicable:  # some left without a level: say how many
        lines.append(msg(LEVELS_CHOSEN, answered=score.answered, count=score.applicable))
    if score.not_applicable and automatic == score.not_applicable:
        lines.append(
            Np_(
                "{count} question did not apply here: it is not a local power.",
                "{count} questions did not apply here: they are not local powers.",
                score.not_applicable,
            )
        )
    elif score.not_applicable:
        lines.append(
            Np_(
                "{count} question did not apply here.",
                "{count} questions did not apply here.",
                score.not_applicable,
            )
        )
    return lines


def number_hint(q: Question) -> Msg:
    if q.minimum is not None and q.maximum is not None:
        return msg(NUMBER_RANGE, minimum=q.minimum, maximum=q.maximum)
    if q.minimum is not None:
        return msg(NUMBER_FROM, minimum=q.minimum)
    return msg(NUMBER_ANY)


_THOUSANDS = re.compile(r"^-?\d{1,3}([.,]\d{3})+$")


def parse_number(text: str) -> float | None:
    """Read a typed number: '1,000', '1 000', '1.000' and '2,5' all work."""
    cleaned = re.sub(r"[\s\u00a0\u202f']", "", text.strip())
    if _THOUSANDS.match(cleaned):
        cleaned = re.sub(r"[.,]", "", cleaned)
    cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


# ---------------------------------------------------------------- step


def step(
    flow: Flow,
    state: State | None,
    event: Input,
    others: Mapping[str, Mapping[str, Any]] | None = None,
    territory: Mapping[str, Mapping[str, Any]] | None = None,
) -> tuple[State, list[Output]]:
    """Apply one input to a conversation. Never mutates `state`; never raises on bad input.

    `others` holds the person's answers in other flows (by flow id), for conditions such as
    `context.powers lacks procurement`. `territory` holds answers the territory settled for
    everyone (by flow id, e.g. its profile under "context"): they stand in for the person's own
    answers, their questions are not asked, and a "not applicable" they cause is recorded with
    the source "territory".
    """
    fresh = state is None or state.get("flow") != flow.id
    working = new_state(flow) if fresh else _upgrade(flow, copy.deepcopy(state))
    run = _Run(flow, working, others or {}, territory or {})
    run.part = working.pop("part", None)  # kept only by a step that stores a text
    _HANDLERS[type(event)](run, event)
    return run.state, run.out


def _start(run: _Run, _: Input) -> None:
    status = run.state["status"]
    if status == "new":
        run.say(run.flow.title, "title")
        run.say(run.flow.intro, "intro")
        if run.flow.example:
            run.say(run.flow.example, "example")
        run.advance()
    elif status == "finished":
        shown = run.shown_questions()
        later = [q for q in shown if run.left(q)]
        run.state.update(review=True, later=bool(later), history=[])
        if later:  # straight to what was left for later
            left = Np_(
                "You left {count} question for later. Here it is.",
                "You left {count} questions for later. Here is the first.",
                len(later),
            )
            run.out.append(Say(left))
            run.show(later[0])
        elif shown:
            run.say(REVIEW)
            run.show(shown[0])
        else:
            run.finish()
    else:
        run.say(WELCOME_BACK)
        run.resume_here()


def _resume(run: _Run, event: Input) -> None:
    if run.state["status"] in ("new", "finished"):
        _start(run, event)
    else:
        run.resume_here()


def _pause(run: _Run, _: Input) -> None:
    if run.state["status"] in ("active", "paused"):
        run.state["status"] = "paused"
    run.say(PAUSED)


def _repeated(run: _Run, named: str | None, answer: dict[str, Any] | None) -> bool:
    """A press on a question the person has already moved past, asking for what is already
    there (a double tap): acknowledged, and nothing else happens. `answer` None means Skip,
    which repeats when the question is skipped or answered already."""
    if named is None or (named == run.state["current"] and run.state["status"] == "active"):
        return False
    q = run.flow.question(named)
    if q is None:
        return False
    if answer is None:
        return named in run.state["skipped"] or run.answered(q)
    stored = run.answers.get(named)
    if stored is None or _without_comments(stored) != answer:
        return False
    run.out.append(Recorded(run.flow.id, named, stored, changed=False))
    return True


def _without_comments(answer: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key != COMMENTS}


def _comment(run: _Run, q: Question, comment: dict[str, Any]) -> None:
    """Keep what was written or said on a question with buttons as a comment on it (its answer,
    if any, stays), say so, and ask the question again."""
    answer = dict(run.answers.get(q.id) or {})
    answer[COMMENTS] = [*answer.get(COMMENTS, []), comment]
    run.answers[q.id] = answer
    run.out.append(Recorded(run.flow.id, q.id, answer, comment=True))
    run.say(COMMENT_KEPT)
    run.show(q)


def _went_back_from(run: _Run, named: str | None) -> bool:
    """Back pressed on a question after the current one: the person already went back from
    it (a double tap); nothing more happens."""
    current = run.current()
    if named is None or current is None or named == current.id or run.state["status"] != "active":
        return False
    return run.flow.question(named) is not None and run.flow.position(named) > run.flow.position(
        current.id
    )


def _question_for(run: _Run, named: str | None) -> Question | None:
    """The current question, if the input is meant for it; otherwise say so and re-show it."""
    q = run.current()
    if run.state["status"] == "new":
        _start(run, Start())
        return None
    if run.state["status"] == "finished" or q is None:
        if run.state["status"] == "finished":
            run.say(ALREADY_FINISHED)
        else:
            run.resume_here()
        return None
    if named is not None and named != q.id:
        run.say(STALE)
        run.show(q)
        return None
    if not run.shown(q):  # settled or not applicable since it was shown: move on
        run.resume_here()
        return None
    return q


def _reprompt(run: _Run, q: Question, problem: Msg) -> None:
    run.out.append(Say(problem, "problem"))
    run.show(q)


def _choose(run: _Run, event: Choose) -> None:
    pressed = {event.choice: True} if event.choice in (DONT_KNOW, NOT_APPLICABLE) else None
    if _repeated(run, event.question, pressed or {"choice": event.choice}):
        return
    q = _question_for(run, event.question)
    if q is None:
        return
    if event.choice not in q.buttons or (
        q.kind == "multi" and event.choice not in (DONT_KNOW, NOT_APPLICABLE)
    ):
        _reprompt(run, q, msg(USE_BUTTONS))
        return
    if event.choice in (DONT_KNOW, NOT_APPLICABLE):
        run.record(q, {event.choice: True})
    else:
        run.record(q, {"choice": event.choice})
    run.advance()


def _toggle(run: _Run, event: Toggle) -> None:
    q = _question_for(run, event.question)
    if q is None:
        return
    choice = q.choice(event.choice)
    if q.kind != "multi" or choice is None:
        _reprompt(run, q, msg(USE_BUTTONS))
        return
    selection: list[str] = run.state["selection"]
    if choice.id in selection:
        selection.remove(choice.id)
    elif choice.exclusive:
        selection[:] = [choice.id]
    else:
        exclusive = {c.id for c in q.choices if c.exclusive}
        kept = [c for c in selection if c not in exclusive]
        if q.most is not None and len(kept) >= q.most:
            too_many = Np_(
                "You can tick {count} choice at most. Untick one first.",
                "You can tick {count} choices at most. Untick one first.",
                q.most,
            )
            _reprompt(run, q, too_many)
            return
        selection[:] = [*kept, choice.id]
    order = [c.id for c in q.choices]
    selection.sort(key=order.index)
    run.show(q, refresh=True)


def _done(run: _Run, event: Done) -> None:
    named = _without_comments(run.answers.get(event.question or "") or {})
    if "choices" in named and _repeated(run, event.question, named):
        return
    q = _question_for(run, event.question)
    if q is None:
        return
    if q.kind != "multi":
        _reprompt(run, q, msg(USE_BUTTONS))
        return
    if not run.state["selection"]:
        _reprompt(run, q, msg(NOTHING_SELECTED))
        return
    run.record(q, {"choices": list(run.state["selection"])})
    run.advance()


def _continues(run: _Run, event: Text) -> Question | None:
    """The written answer this text goes on, if it came seconds after it: as the next part of
    a long text the app cut in pieces, or as more words while no written question waits (the
    block ended, or a question with buttons is asked and this is none of its buttons)."""
    part = run.part
    if not part or event.sent_at is None or part.get("at") is None:
        return None
    if not 0 <= event.sent_at - part["at"] <= PART_SECONDS:
        return None
    q = run.flow.question(part["question"])
    answer = run.answers.get(part["question"]) or {}
    if q is None or not isinstance(answer.get("text"), str):
        return None
    if _was_cut(part):
        return q
    waiting = run.current() if run.state["status"] == "active" else None
    if waiting is None:  # the block ended with that answer: this goes on it
        return q
    typed = event.text.strip()
    if waiting.kind in ("text", "number") or typed in waiting.buttons:
        return None  # an answer to the question now asked
    return q  # a question with buttons waits: words sent seconds later go on the answer


def _was_cut(part: Mapping[str, Any] | None) -> bool:
    """The text before was long enough to be the first part of a text the app cut in pieces."""
    return part is not None and part["length"] >= PART_LENGTH


def _part(q: Question, event: Text) -> dict[str, Any]:
    """What the next part of a text needs: its question, when it came, how long it was, and
    the spaces it ended with (stored answers are trimmed)."""
    raw = event.text
    text = raw.strip()
    return {
        "question": q.id,
        "at": event.sent_at,
        "length": len(text),
        "gap": raw[len(raw.rstrip()) :],
    }


def _gap(part: Mapping[str, Any] | None, raw: str) -> str:
    """What goes between two parts: nothing where the app cut inside a word, else the space
    or line break that was there."""
    spaces = (part or {}).get("gap", "") + raw[: len(raw) - len(raw.lstrip())]
    if not spaces:
        return ""
    return "\n" if "\n" in spaces else " "


def _text(run: _Run, event: Text) -> None:
    text = event.text.strip()
    earlier = _continues(run, event) if text else None
    if earlier is not None:
        long = _was_cut(run.part)
        gap = _gap(run.part, event.text) if long else "\n"  # a cut part, or a message of its own
        joined = run.answers[earlier.id]["text"] + gap + text
        if len(joined) > MAX_TEXT_ANSWER:
            run.out.append(Say(msg(TOO_LONG, length=len(joined), limit=MAX_TEXT_ANSWER), "problem"))
            return
        run.record(earlier, {"text": joined})
        run.state["part"] = _part(earlier, event)
        run.say(ADDED if long else ADDED_TO_ANSWER)
        current = run.current()
        if run.state["status"] == "active" and current is not None:
            run.show(current)
        return
    q = _question_for(run, None)
    if q is None:
        return
    if q.kind == "number":
        value = parse_number(text)
        if value is None:
            _reprompt(run, q, number_hint(q))
            return
        _number(run, Number(value))
        return
    if q.kind == "scale" and text in q.buttons:
        _choose(run, Choose(text))
        return
    if not text:
        _reprompt(run, q, msg(EMPTY_TEXT if q.kind == "text" else USE_BUTTONS))
        return
    if len(text) > MAX_TEXT_ANSWER:
        _reprompt(run, q, msg(TOO_LONG, length=len(text), limit=MAX_TEXT_ANSWER))
        return
    if q.kind != "text":
        if q.setting:
            _reprompt(run, q, msg(USE_BUTTONS))
        else:
            _comment(run, q, {"text": text})
        return
    run.record(q, {"text": text})
    run.state["part"] = _part(q, event)
    run.advance()


def _voice(run: _Run, event: Voice) -> None:
    q = _question_for(run, None)
    if q is None:
        return
    voice = {"voice": {"file_id": event.file_id, "duration": int(event.duration)}}
    if q.kind in ("scale", "choice", "multi") and not q.setting:
        _comment(run, q, voice)
        return
    if q.kind != "text":
        _reprompt(run, q, msg(USE_BUTTONS))
        return
    if not q.voice:
        _reprompt(run, q, msg(NO_VOICE_HERE))
        return
    run.record(q, voice)
    run.advance()


def _number(run: _Run, event: Number) -> None:
    q = _question_for(run, None)
    if q is None:
        return
    if q.kind != "number":
        _reprompt(run, q, msg(USE_BUTTONS))
        return
    value = event.value
    if (q.minimum is not None and value < q.minimum) or (
        q.maximum is not None and value > q.maximum
    ):
        _reprompt(run, q, number_hint(q))
        return
    run.record(q, {"number": int(value) if float(value).is_integer() else value})
    run.advance()


def _skip(run: _Run, event: Skip) -> None:
    if _repeated(run, event.question, None):
        return
    q = _question_for(run, event.question)
    if q is None:
        return
    if not run.answered(q) and q.id not in run.state["skipped"]:
        run.state["skipped"].append(q.id)
    run.advance()


def _back(run: _Run, event: Back) -> None:
    if _went_back_from(run, event.question):
        return
    q = _question_for(run, event.question)
    if q is None:
        return
    previous = run.previous()
    if previous is None:
        _reprompt(run, q, msg(FIRST_QUESTION))
        return
    history = run.state["history"]
    while history and history[-1] != previous:
        history.pop()
    target = run.flow.question(previous)
    assert target is not None
    run.show(target)


_HANDLERS: dict[type, Any] = {
    Start: _start,
    Resume: _resume,
    Pause: _pause,
    Choose: _choose,
    Toggle: _toggle,
    Done: _done,
    Text: _text,
    Voice: _voice,
    Number: _number,
    Skip: _skip,
    Back: _back,
}

__all__ = [
    "Ask",
    "Back",
    "Choose",
    "Done",
    "Finished",
    "Input",
    "Number",
    "Option",
    "Output",
    "Pause",
    "Progress",
    "Recorded",
    "Resume",
    "Say",
    "Skip",
    "Start",
    "State",
    "Text",
    "Toggle",
    "Voice",
    "new_state",
    "progress",
    "step",
]


@dataclass(frozen=True)
class Progress:
    """Where a person stands in a flow, for a menu: status, answered, questions."""

    status: str  # new | active | paused | finished
    answered: int
    total: int


def is_finished(state: State | None) -> bool:
    """The block was finished: it stays so while the person looks back over their answers
    (a review), so opening a finished block to look at it never un-finishes it."""
    return state is not None and (state.get("status") == "finished" or bool(state.get("review")))


def progress(
    flow: Flow,
    state: State | None,
    others: Mapping[str, Mapping[str, Any]] | None = None,
    territory: Mapping[str, Mapping[str, Any]] | None = None,
) -> Progress:
    """How far a person got in a flow (pure; for menus and reminders): questions the
    territory settled are not counted."""
    if state is None or state.get("flow") != flow.id:
        state = new_state(flow)
    run = _Run(flow, _upgrade(flow, copy.deepcopy(state)), others or {}, territory or {})
    counted = run.counted_questions()
    answered = sum(1 for q in counted if run.answered(q))
    status = "finished" if is_finished(run.state) else run.state["status"]
    return Progress(status, answered, len(counted))
