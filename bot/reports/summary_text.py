"""Facilitators' and participants' figures as short texts in a language (HTML with <b> and <i>
only, everything people wrote escaped), split into message-sized pieces, and the series of
the radar charts. No channel here: a channel adds its buttons where a line asks for one."""

from __future__ import annotations

import html
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

from babel.numbers import format_percent

from bot import texts
from bot.reports.charts import Series
from bot.reports.figures import TerritoryFigures, answered, shared
from dialogs.i18n import Translator
from dialogs.model import Flow
from dialogs.render import VOICE_NOTE
from dialogs.scoring import LEVEL_NAMES, LEVEL_PHRASES, MIN_ANSWERED, level_of, one_decimal
from dialogs.summary import GROUPS, MIN_GROUP, BlockSummary, OpenAnswer, QuestionFigures, Stats
from dialogs.texts import Msg, shortened
from storage.reports import Progress

MESSAGE_LIMIT = 4096
"""Telegram's limit on a message's text (counted here in UTF-16 units, markup included)."""
MAX_BUTTONS = 90
"""Fewer buttons under one message than Telegram's limit (100)."""
QUOTES = 10
"""Open answers per question in the summary of every block; the rest are one tap away."""
ALL_QUOTES = 100
"""Open answers per question when one block is shown alone; beyond, the export has them."""


def esc(text: str) -> str:
    return html.escape(text, quote=False)


def number(value: float, tr: Translator) -> str:
    """A score as written in the language ("1,5" in French and Spanish)."""
    return tr.value(round(value, 2))


def percent(share: float, tr: Translator) -> str:
    return format_percent(share, locale=tr.language)


def level_word(mean: float, tr: Translator) -> str:
    """The scale's word for a mean (Absent, Emerging, Established, Consolidated)."""
    return tr(LEVEL_NAMES[level_of(mean)])


def title(flow: Flow, tr: Translator) -> str:
    return tr(flow.title)


def short_title(flow: Flow, tr: Translator) -> str:
    return tr(flow.short_title or flow.title)


def in_order(flows: Mapping[str, Flow]) -> list[Flow]:
    return sorted(flows.values(), key=lambda f: f.order)


def scored_flows(flows: Mapping[str, Flow]) -> list[Flow]:
    return [f for f in in_order(flows) if f.scored]


# ---------------------------------------------------------------- pieces of text


@dataclass(frozen=True)
class Line:
    """One line of HTML; a channel may add a button for it: forward a voice answer, or show
    every open answer of a block (`more`: the flow id)."""

    html: str
    voice: OpenAnswer | None = None
    flow_id: str | None = None
    more: str | None = None

    @property
    def buttons(self) -> int:
        return int(self.voice is not None) + int(self.more is not None)


@dataclass(frozen=True)
class Section:
    """What is said about one block."""

    flow_id: str
    lines: list[Line]


@dataclass
class Chunk:
    """One message: whole blocks, or part of one block too long for a message."""

    lines: list[Line] = field(default_factory=list)

    @property
    def html(self) -> str:
        return "\n".join(line.html for line in self.lines)

    @property
    def buttons(self) -> int:
        return sum(line.buttons for line in self.lines)


def size(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units): an emoji counts twice."""
    return len(text.encode("utf-16-le")) // 2


def pack(
    sections: Sequence[Section], limit: int = MESSAGE_LIMIT, max_buttons: int = MAX_BUTTONS
) -> list[Chunk]:
    """Messages of whole blocks, a blank line between blocks; a block longer than a message
    is split at line boundaries (and a line longer than a message, at spaces)."""
    chunks: list[Chunk] = []
    current = Chunk()

    def fits(chunk: Chunk, lines: Sequence[Line]) -> bool:
        added = "\n".join(line.html for line in lines)
        joined = size(chunk.html) + 1 + size(added) if chunk.lines else size(added)
        return joined <= limit and chunk.buttons + sum(x.buttons for x in lines) <= max_buttons

    def flush() -> None:
        nonlocal current
        if current.lines:
            chunks.append(current)
        current = Chunk()

    for section in sections:
        lines = [Line(""), *section.lines] if current.lines else section.lines
        if fits(current, lines):
            current.lines.extend(lines)
            continue
        flush()
        if fits(current, section.lines):
            current.lines.extend(section.lines)
            continue
        for line in section.lines:
            for piece in _pieces(line, limit):
                if not fits(current, [piece]):
                    flush()
                current.lines.append(piece)
    flush()
    return chunks


def _pieces(line: Line, limit: int) -> list[Line]:
    """A line cut at spaces (never inside a tag or an entity) into parts that fit; the first
    part keeps the line's button."""
    if size(line.html) <= limit:
        return [line]
    parts: list[str] = []
    rest = line.html
    while size(rest) > limit:
        cut = _cut_at(rest, limit)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return [Line(parts[0], line.voice, line.flow_id, line.more), *(Line(p) for p in parts[1:])]


def _cut_at(text: str, limit: int) -> int:
    """The last safe place to cut `text` before `limit` UTF-16 units: a space if there is
    one in the second half, else any place outside a tag or an entity."""
    end = 0
    used = 0
    safe = 0
    space = 0
    inside = ""
    for index, char in enumerate(text):
        used += 2 if ord(char) > 0xFFFF else 1
        if used > limit:
            break
        end = index + 1
        if inside:
            if (inside == "<" and char == ">") or (inside == "&" and char == ";"):
                inside = ""
                safe = end
            continue
        if char in "<&":
            inside = char
            continue
        safe = end
        if char == " ":
            space = end
    return space if space > end // 2 else max(safe, 1)


# ---------------------------------------------------------------- /progress


def progress_text(
    progress: Progress, flows: Mapping[str, Flow], territory: str, tr: Translator
) -> str:
    lines = [
        f"<b>{esc(tr(texts.PROGRESS_TITLE, territory=territory))}</b>",
        esc(tr.text(texts.joined(progress.joined, progress.facilitators))),
    ]
    if not any(b.started for b in progress.blocks.values()):
        lines += ["", esc(tr(texts.PROGRESS_NOBODY))]
        return "\n".join(lines)
    lines += ["", esc(tr(texts.PROGRESS_HEADER))]
    for flow in in_order(flows):
        block = progress.blocks.get(flow.id)
        started, finished = (block.started, block.finished) if block else (0, 0)
        line = tr(
            texts.PROGRESS_LINE, block=short_title(flow, tr), started=started, finished=finished
        )
        lines.append(esc(line))
    return "\n".join(lines)


def progress_bars(
    progress: Progress, flows: Mapping[str, Flow], tr: Translator
) -> tuple[list[str], dict[str, list[int]], str] | None:
    """The bar chart's labels, groups and title; None when nobody started (no empty chart)."""
    if not any(b.started for b in progress.blocks.values()):
        return None
    shown = in_order(flows)
    blocks = [progress.blocks.get(f.id) for f in shown]
    return (
        [short_title(f, tr) for f in shown],
        {
            tr(texts.PROGRESS_STARTED): [b.started if b else 0 for b in blocks],
            tr(texts.FINISHED): [b.finished if b else 0 for b in blocks],
        },
        tr(texts.PROGRESS_CHART),
    )


# ---------------------------------------------------------------- /summary


def radar_series(
    figures: TerritoryFigures, flows: Mapping[str, Flow], tr: Translator
) -> tuple[list[str], list[Series]]:
    """Axes (the blocks' short titles) and lines: the territory's mean, then officials and
    SSE organisations where each group has at least MIN_GROUP people in some block."""
    by_flow = {b.flow_id: b for b in figures.blocks}
    order = scored_flows(flows)
    axes = [short_title(f, tr) for f in order]

    def values(pick: str | None) -> list[float | None]:
        out: list[float | None] = []
        for flow in order:
            block = by_flow.get(flow.id)
            if block is None:
                stats = None
            else:
                stats = block.score if pick is None else block.groups.get(pick)
            out.append(stats.mean / 3 * 100 if stats is not None else None)
        return out

    series = [Series(tr(texts.TERRITORY), values(None))]
    for group in GROUPS:
        line = values(group)
        if any(v is not None for v in line):
            series.append(Series(tr(texts.GROUPS[group]), line))
    return axes, series


def radar_caption(territory: str, series: Sequence[Series], tr: Translator) -> str:
    lines = ", ".join(s.name for s in series)
    return f"<b>{esc(territory)}</b>\n{esc(tr(texts.SUMMARY_RADAR, lines=lines))}"


def summary_sections(
    figures: TerritoryFigures,
    flows: Mapping[str, Flow],
    tr: Translator,
    quotes: int = QUOTES,
) -> list[Section]:
    """One section per answered block, each block's open answers cut at `quotes` per question
    (a line then asks for a button showing them all); the blocks nobody answered, named
    together at the end."""
    by_flow = {b.flow_id: b for b in figures.blocks}
    shown = [f for f in scored_flows(flows) if f.id in by_flow]
    sections = [
        block_section(by_flow[f.id], f, tr, quotes) for f in shown if answered(by_flow[f.id])
    ]
    silent = [short_title(f, tr) for f in shown if not answered(by_flow[f.id])]
    if silent:
        text = tr(texts.NO_ANSWERS_IN, blocks=", ".join(silent))
        sections.append(Section("", [Line(f"<i>{esc(text)}</i>")]))
    return sections


def block_section(
    block: BlockSummary, flow: Flow, tr: Translator, quotes: int, offer_more: bool = True
) -> Section:
    """What is said of a block; open answers past `quotes` per question are counted, with a
    button to see them all when `offer_more`."""
    lines = [Line(f"<b>{esc(title(flow, tr))}</b>")]

    def say(message: str | Msg, **params: object) -> None:
        text = tr.text(message) if isinstance(message, Msg) else tr(message, **params)
        lines.append(Line(esc(text)))

    if not answered(block):
        say(texts.NO_ANSWERS_YET)
        return Section(flow.id, lines)
    score = block.score
    if score is not None:
        say(
            texts.BLOCK_SCORE,
            mean=number(score.mean, tr),
            level=level_word(score.mean, tr),
            percent=score.percent,
        )
    elif any(q.levels for q in block.questions):  # levels, but nobody has 3
        say(texts.BLOCK_TOO_FEW_LEVELS, minimum=MIN_ANSWERED)
    else:
        say(texts.BLOCK_NO_SCORE)
    people = tr.text(texts.block_people(block.respondents, block.finished))
    if block.short_path:
        people += " " + tr.text(texts.on_short_path(block.short_path))
    if block.confidence is not None:
        people += " " + tr(texts.BLOCK_CONFIDENCE, share=percent(block.confidence, tr))
    lines.append(Line(esc(people)))
    if score is not None and score.count > 1:
        say(texts.BLOCK_SPREAD, **_spread(score, tr))
    if block.groups:
        parts = [
            tr(texts.BLOCK_GROUP, group=tr(texts.GROUPS[g]), count=s.count, mean=number(s.mean, tr))
            for g, s in block.groups.items()
        ]
        difference = block.group_difference
        if difference is not None:
            signed = ("+" if difference > 0 else "") + number(difference, tr)
            parts.append(tr(texts.BLOCK_DIFFERENCE, difference=signed))
        lines.append(Line(esc(" · ".join(parts))))
    if (unknown := _dont_know(block, tr)) is not None:
        lines.append(Line(esc(unknown)))
    _not_applicable(block, flow, tr, lines)
    _open_answers(block, flow, tr, quotes, offer_more, lines)
    return Section(flow.id, lines)


def _spread(score: Stats, tr: Translator) -> dict[str, object]:
    return {
        "minimum": number(score.minimum, tr),
        "maximum": number(score.maximum, tr),
        "q1": number(score.q1, tr),
        "q3": number(score.q3, tr),
    }


def _dont_know(block: BlockSummary, tr: Translator) -> str | None:
    """The share of "don't know", and each group's where it has MIN_GROUP people."""
    shares = block.dont_know_share
    if "all" not in shares:
        return None
    share = percent(shares["all"], tr)
    groups = [
        f"{tr(texts.GROUPS[g])} {percent(shares[g], tr)}"
        for g in GROUPS
        if g in block.groups and g in shares
    ]
    if groups:
        return tr(texts.BLOCK_DONT_KNOW_GROUPS, share=share, groups=", ".join(groups))
    return tr(texts.BLOCK_DONT_KNOW, share=share)


def _question(flow: Flow, figures: QuestionFigures, tr: Translator) -> str:
    question = flow.question(figures.question_id)
    return tr(question.text) if question is not None else figures.question_id


def _not_applicable(block: BlockSummary, flow: Flow, tr: Translator, lines: list[Line]) -> None:
    here = block.not_applicable_here
    if here:
        count = texts.not_applicable_here(len(here), len(block.questions))
        lines.append(Line(esc(tr.text(count))))
        for q in here:
            if q.profile_na:
                why = tr(texts.NA_BY_PROFILE)
            elif q.automatic_na > q.not_applicable:
                why = tr(texts.NA_AUTOMATIC)
            else:
                why = tr(texts.NA_BY_PEOPLE)
            lines.append(Line(f"• {esc(_question(flow, q, tr))} <i>({esc(why)})</i>"))
    differ = block.disagreements
    if differ:
        lines.append(Line(esc(tr(texts.BLOCK_DISAGREEMENTS))))
        for q in differ:
            counts = tr(texts.DISAGREEMENT, na=q.not_applicable, levels=q.levels)
            lines.append(Line(f"• {esc(_question(flow, q, tr))} <i>({esc(counts)})</i>"))


def _open_answers(
    block: BlockSummary,
    flow: Flow,
    tr: Translator,
    quotes: int,
    offer_more: bool,
    lines: list[Line],
) -> None:
    by_question: dict[str, list[OpenAnswer]] = {}
    for answer in block.open_answers:
        if answer.text or answer.voice_file_id:
            by_question.setdefault(answer.question_id, []).append(answer)
    button = offer_more  # one button for the whole block, under its first cut
    for question in flow.questions:
        answers = by_question.get(question.id)
        if not answers:
            continue
        lines.append(Line(f"<i>{esc(tr(question.text))}</i>"))
        for answer in answers[:quotes]:
            lines.append(_quote(answer, flow, tr))
        if len(answers) > quotes:
            more = esc(tr.text(texts.more_answers(len(answers) - quotes)))
            lines.append(Line(more, more=flow.id if button else None))
            button = False


QUOTE_LIMIT = 600
"""Characters of a written answer quoted in the chat (a text may be 20,000; /export has all)."""


def _quote(answer: OpenAnswer, flow: Flow, tr: Translator) -> Line:
    who = f"{answer.pseudonym} ({answer.language})" if answer.language else answer.pseudonym
    if answer.text:
        text = shortened(answer.text, QUOTE_LIMIT)
        return Line(f"• {esc(tr(texts.QUOTE, who=who, text=text))}")
    said = "🎤 " + tr(VOICE_NOTE, seconds=answer.voice_duration or 0)
    return Line(f"• {esc(tr(texts.QUOTE, who=who, text=said))}", answer, flow.id)


def voice_button(answer: OpenAnswer, flow: Flow, tr: Translator) -> str:
    """A button that forwards a voice answer: whose, in which block, how long."""
    return tr(
        texts.VOICE_BUTTON,
        pseudonym=answer.pseudonym,
        block=short_title(flow, tr),
        seconds=answer.voice_duration or 0,
    )


# ---------------------------------------------------------------- participants


def territory_line(stats: Stats | None, territory: str, tr: Translator) -> str:
    """The territory's score for a participant (None: below the threshold), or when they
    will see it."""
    if stats is None:
        return tr.text(texts.territory_score_later(MIN_GROUP))
    return tr.text(
        texts.territory_score(
            stats.count,
            territory=territory,
            mean=number(stats.mean, tr),
            level=level_word(stats.mean, tr),
        )
    )


def results_series(
    mine: Mapping[str, float | None],
    blocks: Sequence[BlockSummary],
    flows: Mapping[str, Flow],
    territory: str,
    tr: Translator,
) -> tuple[list[str], list[Series]]:
    """A participant's radar: their finished blocks, and the territory's where MIN_GROUP
    people have a score."""
    by_flow = {b.flow_id: b for b in blocks}
    order = scored_flows(flows)
    own = [mine.get(f.id) for f in order]
    theirs = [shared(by_flow.get(f.id)) for f in order]
    return [short_title(f, tr) for f in order], [
        Series(tr(texts.RESULTS_YOU), [v / 3 * 100 if v is not None else None for v in own]),
        Series(territory, [s.mean / 3 * 100 if s is not None else None for s in theirs]),
    ]


def results_text(
    mine: Mapping[str, float | None],
    blocks: Sequence[BlockSummary],
    flows: Mapping[str, Flow],
    territory: str,
    tr: Translator,
    short: Collection[str] = (),
) -> str:
    """A line per finished block: the person's score in words (marked when from the short
    path, for the blocks in `short`), and the territory's."""
    by_flow = {b.flow_id: b for b in blocks}
    lines = [f"<b>{esc(tr(texts.RESULTS_HEAD, territory=territory))}</b>"]
    for flow in scored_flows(flows):
        if flow.id not in mine:
            continue
        own = mine[flow.id]
        stats = shared(by_flow.get(flow.id))
        yours = "–"
        if own is not None:  # as at the end of a block: "1.4 · mostly emerging"
            yours = f"{tr.value(one_decimal(own))} · {tr(LEVEL_PHRASES[level_of(own)])}"
        if own is not None and flow.id in short:
            yours += f" ({tr(texts.SHORT_PATH_MARK)})"
        line = tr(
            texts.RESULTS_LINE,
            block=short_title(flow, tr),
            mine=yours,
            theirs=tr.value(one_decimal(stats.mean)) if stats is not None else "–",
        )
        lines.append(f"• {esc(line)}")
    lines.append(f"<i>{esc(tr.text(texts.results_threshold(MIN_GROUP)))}</i>")
    return "\n".join(lines)
