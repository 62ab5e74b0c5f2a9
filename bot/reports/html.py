"""Self-contained HTML files for facilitators and organisers: a briefing on one block across
territories, a comparison of territories, one territory's full summary.

Every value is escaped; charts are SVG images inside the file (data: URIs); no script, no
external style, font or image, and a Content-Security-Policy that forbids fetching anything.
Interface texts are in the reader's language; quotes keep theirs, marked with `lang`.
A4 print styles: margins, page breaks between sections, table rows never cut.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_percent

from bot import texts
from bot.reports import charts
from bot.reports.briefing import (
    TerritorySummaries,
    block_name,
    gather,
    gather_scores,
    number,
    pooled,
    strongest_and_weakest,
)
from bot.reports.summary_text import level_word, scored_flows
from dialogs.i18n import Translator, translator
from dialogs.model import Flow
from dialogs.summary import MIN_GROUP, BlockSummary, Stats
from dialogs.texts import shortened
from storage.models import Territory
from storage.reports import Reports

RADAR_LINES = 6
QUOTES_SHOWN = 30
"""Open answers to one question shown per territory: a briefing is read in a break-out group,
and a territory of 1,000 people would fill a hundred pages (the export has every answer)."""
"""Territories per radar chart: beyond that, lines can no longer be told apart."""
CHART_LABEL = 32
"""Characters of a territory's name in a chart (the tables have all of it)."""
DASH = "—"

STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { font-family: system-ui, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", Arial, sans-serif;
  font-size: 17px; line-height: 1.45; color: #1b1b1b; background: #fff;
  max-width: 80rem; margin: 0 auto; padding: 1.5rem 1.25rem 3rem; }
h1 { font-size: 1.9em; margin: 0 0 .25rem; color: #12406f; }
h2 { font-size: 1.4em; margin: 2rem 0 .6rem; color: #12406f;
  border-bottom: 2px solid #d5e1ee; padding-bottom: .2rem; }
h3 { font-size: 1.12em; margin: 1.4rem 0 .4rem; }
h4 { font-size: 1em; margin: 1rem 0 .3rem; color: #444; }
p.meta { color: #555; margin: 0 0 1rem; }
p.note { color: #555; font-size: .9em; margin: .4rem 0 1rem; }
.how { background: #f3f6fa; border-radius: 6px; padding: .6rem .9rem; font-size: .95em; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin: .4rem 0 .8rem; }
th, td { border-bottom: 1px solid #d9d9d9; padding: .35rem .5rem; text-align: left;
  vertical-align: top; }
th { background: #eef3f8; font-weight: 600; font-size: .92em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
table.wide { font-size: .8em; }
table.wide th, table.wide td { padding: .3rem .35rem; }
th { hyphens: auto; overflow-wrap: break-word; }
td.empty { color: #777; font-style: italic; }
small, .n { color: #666; font-size: .82em; }
.cell { display: block; }
figure { margin: 1rem 0; text-align: center; }
figure img { max-width: 100%; height: auto; }
figure.radar img { max-width: min(100%, 34rem); }
figcaption { color: #555; font-size: .9em; }
.charts { display: flex; flex-wrap: wrap; gap: 1rem; justify-content: center; }
.charts figure { flex: 1 1 22rem; max-width: 32rem; }
ol.ranked li, ul.plain li { margin: .25rem 0; }
.quote { margin: .5rem 0 .8rem; padding: .4rem .8rem; border-left: 4px solid #1f5fa8;
  background: #f5f8fc; }
.quote p { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }
.quote .who { color: #555; font-size: .85em; margin-top: .25rem; white-space: normal; }
.quote.voice { border-left-color: #d9822b; background: #fdf6ef; }
.more { color: #555; font-style: italic; margin: .2rem 0 .8rem; }
@media (max-width: 40rem) {
  body { font-size: 15px; padding: 1rem .75rem 2rem; }
  h1 { font-size: 1.5em; }
}
@page { size: A4; margin: 16mm 14mm 18mm; }
@media print {
  body { font-size: 10.5pt; max-width: none; padding: 0; }
  h1 { font-size: 18pt; } h2 { font-size: 14pt; } h3 { font-size: 11.5pt; }
  section.page { break-before: page; }
  h2, h3, h4 { break-after: avoid; }
  tr, .quote, figure, .how { break-inside: avoid; }
  table.keep { break-inside: avoid; }
  table.wide { font-size: 8pt; }
  table.wide th, table.wide td { padding: .2em .3em; }
  thead { display: table-header-group; }
  .table-wrap { overflow: visible; }
  figure.radar { max-width: 125mm; margin-left: auto; margin-right: auto; }
  figure.radar img { max-width: 100%; }
  .charts figure { flex: 1 1 80mm; max-width: 88mm; margin: 0; }
  .quote, .how, th { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
}
"""


def esc(value: object) -> str:
    """Any value as HTML text (quotes escaped too, so it is safe in an attribute)."""
    return html.escape(str(value), quote=True)


def _page(tr: Translator, title: str, meta: str, body: Iterable[str]) -> str:
    return "".join(
        [
            "<!DOCTYPE html>\n",
            f'<html lang="{esc(tr.language)}">\n<head>\n<meta charset="utf-8">\n',
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'; img-src data:\">\n",
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            '<meta name="referrer" content="no-referrer">\n',
            f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
            f'<header><h1>{esc(title)}</h1>\n<p class="meta">{meta}</p></header>\n',
            *body,
            "</body>\n</html>\n",
        ]
    )


def _made_on(tr: Translator, generated: datetime | None) -> str:
    when = (generated or datetime.now(UTC)).date()
    return esc(tr(texts.REPORT_MADE_ON, date=format_date(when, "long", locale=tr.language)))


def _section(content: str, *, page: bool = False, ident: str = "") -> str:
    attributes = (' class="page"' if page else "") + (f' id="{esc(ident)}"' if ident else "")
    return f"<section{attributes}>\n{content}</section>\n"


def _figure(svg: bytes, caption: str, kind: str = "") -> str:
    data = base64.b64encode(svg).decode("ascii")
    css = f' class="{kind}"' if kind else ""
    return (
        f'<figure{css}><img src="data:image/svg+xml;base64,{data}" alt="{esc(caption)}">'
        f"<figcaption>{esc(caption)}</figcaption></figure>\n"
    )


def _chart_text(text: str, limit: int = CHART_LABEL) -> str:
    """A label as matplotlib shows it literally ('$' would start a formula)."""
    return shortened(text, limit).replace("$", r"\$")


def _table(
    head: Sequence[tuple[str, bool]],
    rows: Iterable[str],
    *,
    keep: bool = True,
    wide: bool = False,
    ident: str = "",
) -> str:
    """A table: header cells (text, numeric) and rows already made of cells. `keep`: never
    split across printed pages (short tables); `wide`: many columns, smaller type."""
    cells = "".join(f'<th scope="col"{_num(numeric)}>{esc(text)}</th>' for text, numeric in head)
    css = " ".join(name for name, on in (("keep", keep), ("wide", wide)) if on)
    attributes = (f' class="{css}"' if css else "") + (f' id="{esc(ident)}"' if ident else "")
    body = "".join(rows)
    return (
        f'<div class="table-wrap"><table{attributes}><thead><tr>{cells}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>\n"
    )


def _num(numeric: bool) -> str:
    return ' class="num"' if numeric else ""


def _row(header: str, cells: Iterable[str], attributes: str = "") -> str:
    return f'<tr{attributes}><th scope="row">{esc(header)}</th>{"".join(cells)}</tr>\n'


def _td(text: str, numeric: bool = True) -> str:
    """A cell with text (escaped here)."""
    return f"<td{_num(numeric)}>{esc(text)}</td>"


def people_with_short_path(count: int, short_path: int, tr: Translator) -> str:
    """People with a score, and how many of those who answered took the short path."""
    if not short_path:
        return str(count)
    return f"{count} ({tr(texts.REPORT_SHORT_PATH, count=short_path)})"


def _share(value: float | None, tr: Translator) -> str:
    return DASH if value is None else format_percent(value, locale=tr.language)


def _people(count: int, tr: Translator) -> str:
    return tr(texts.REPORT_PEOPLE_COUNT, count=count)


def _stats_cell(stats: Stats | None, tr: Translator) -> str:
    """A group's score with its n, or that the group is too small to show."""
    if stats is None:
        small = esc(tr(texts.REPORT_GROUP_TOO_SMALL, count=MIN_GROUP))
        return f'<td class="num empty">{small}</td>'
    return (
        f'<td class="num">{esc(number(stats.mean, tr))} '
        f'<span class="n">({esc(_people(stats.count, tr))})</span></td>'
    )


def _language(code: str | None, tr: Translator) -> str:
    if not code:
        return ""
    try:
        name = Locale.parse(code).get_display_name(tr.language) or code
    except (ValueError, TypeError):
        return code
    return name[:1].upper() + name[1:]


def _question_text(flow: Flow, question_id: str, tr: Translator) -> str:
    question = flow.question(question_id)
    return tr(question.text) if question is not None else question_id


# ---------------------------------------------------------------- one block's parts


def _scores(flow: Flow, figures: Sequence[TerritorySummaries], tr: Translator) -> str:
    head = [
        (tr(texts.TERRITORY), False),
        (tr(texts.SCORE_0_3), True),
        (tr(texts.REPORT_COL_LEVEL), False),
        (tr(texts.SCORE_0_100), True),
        (tr(texts.REPORT_COL_PEOPLE), True),
        (tr(texts.CONFIDENCE), True),
        (tr(texts.REPORT_COL_RANGE), True),
        (tr(texts.REPORT_COL_IQR), True),
    ]
    rows = []
    for territory in figures:
        summary = territory.blocks[flow.id]
        score = summary.score
        attributes = f' data-territory="{esc(territory.name)}"'
        if score is None:
            empty = f'<td colspan="7" class="empty">{esc(tr(texts.NO_ANSWERS_YET))}</td>'
            rows.append(_row(territory.name, [empty], attributes))
            continue
        rows.append(
            _row(
                territory.name,
                [
                    _td(number(score.mean, tr)),
                    _td(level_word(score.mean, tr), numeric=False),
                    _td(str(score.percent)),
                    _td(people_with_short_path(score.count, summary.short_path, tr)),
                    _td(_share(summary.confidence, tr)),
                    _td(f"{number(score.minimum, tr)}–{number(score.maximum, tr)}"),
                    _td(f"{number(score.q1, tr)}–{number(score.q3, tr)}"),
                ],
                attributes,
            )
        )
    return _table(head, rows, ident=f"scores-{flow.id}") + (
        f'<p class="note">{esc(tr(texts.REPORT_SCORES_NOTE))}</p>\n'
    )


def _roles(flow: Flow, figures: Sequence[TerritorySummaries], tr: Translator) -> str:
    head = [
        (tr(texts.TERRITORY), False),
        (tr(texts.GROUP_GOVERNMENT), True),
        (tr(texts.GROUP_SSE), True),
        (tr(texts.REPORT_COL_DIFFERENCE), True),
    ]
    rows = []
    for territory in figures:
        summary = territory.blocks[flow.id]
        difference = summary.group_difference
        shown = (
            DASH
            if difference is None
            else f"{'+' if difference > 0 else ''}" + number(difference, tr)
        )
        rows.append(
            _row(
                territory.name,
                [
                    _stats_cell(summary.groups.get("government"), tr),
                    _stats_cell(summary.groups.get("sse"), tr),
                    _td(shown),
                ],
                f' data-territory="{esc(territory.name)}"',
            )
        )
    note = tr(texts.REPORT_ROLES_NOTE, count=MIN_GROUP)
    return _table(head, rows, ident=f"roles-{flow.id}") + f'<p class="note">{esc(note)}</p>\n'


def _ranked(flow: Flow, figures: Sequence[TerritorySummaries], tr: Translator) -> str:
    strongest, weakest = strongest_and_weakest(flow, figures)
    if not strongest:
        return f'<p class="empty">{esc(tr(texts.NO_ANSWERS_YET))}</p>\n'
    parts = []
    for heading, found, ident in (
        (texts.REPORT_STRONGEST, strongest, "strongest"),
        (texts.REPORT_WEAKEST, weakest, "weakest"),
    ):
        if not found:
            continue
        items = "".join(
            f"<li>{esc(_question_text(flow, qid, tr))} — <strong>{esc(number(mean, tr))}</strong>"
            f"/3</li>"
            for qid, mean in found
        )
        parts.append(
            f'<h3>{esc(tr(heading))}</h3>\n<ol class="ranked" id="{ident}-{esc(flow.id)}">'
            f"{items}</ol>\n"
        )
    return "".join(parts)


def _questions(flow: Flow, figures: Sequence[TerritorySummaries], tr: Translator) -> str:
    several = len(figures) > 1
    head = [("#", True), (tr(texts.QUESTION), False)]
    head += [(territory.name, True) for territory in figures]
    if several:
        head.append((tr(texts.REPORT_COL_ALL), True))
    head.append((tr(texts.REPORT_COL_DONT_KNOW), True))
    rows = []
    for index, question in enumerate(flow.scored_questions, start=1):
        cells = [_td(tr(question.text), numeric=False)]
        dont_know = 0
        for territory in figures:
            found = next(
                (q for q in territory.blocks[flow.id].questions if q.question_id == question.id),
                None,
            )
            dont_know += found.dont_know if found else 0
            cells.append(
                _mean_cell(found.mean if found else None, found.levels if found else 0, tr)
            )
        if several:
            cells.append(_mean_cell(*pooled(question.id, figures, flow.id), tr))
        cells.append(_td(str(dont_know)))
        rows.append(_row(str(index), cells, f' data-question="{esc(question.id)}"'))
    note = tr(texts.REPORT_QUESTIONS_NOTE)
    return _table(head, rows, keep=False, ident=f"questions-{flow.id}") + (
        f'<p class="note">{esc(note)}</p>\n'
    )


def _mean_cell(mean: float | None, count: int, tr: Translator) -> str:
    if mean is None:
        return f'<td class="num empty">{DASH}</td>'
    return (
        f'<td class="num">{esc(number(mean, tr))} '
        f'<span class="n">({esc(_people(count, tr))})</span></td>'
    )


def _gaps(flow: Flow, figures: Sequence[TerritorySummaries], tr: Translator) -> str:
    head = [
        (tr(texts.TERRITORY), False),
        (tr(texts.EVERYONE), True),
        (tr(texts.GROUP_GOVERNMENT), True),
        (tr(texts.GROUP_SSE), True),
    ]
    rows = []
    for territory in figures:
        summary = territory.blocks[flow.id]
        cells = [_td(_share(summary.dont_know_share.get("all"), tr))]
        for group in ("government", "sse"):
            if group in summary.groups:
                cells.append(_td(_share(summary.dont_know_share.get(group), tr)))
            else:
                small = esc(tr(texts.REPORT_GROUP_TOO_SMALL, count=MIN_GROUP))
                cells.append(f'<td class="num empty">{small}</td>')
        rows.append(_row(territory.name, cells, f' data-territory="{esc(territory.name)}"'))
    parts = [
        f"<h3>{esc(tr(texts.REPORT_DONT_KNOW))}</h3>\n",
        _table(head, rows, ident=f"dont-know-{flow.id}"),
        f'<p class="note">{esc(tr(texts.REPORT_DONT_KNOW_NOTE))}</p>\n',
        f"<h3>{esc(tr(texts.REPORT_NA_DISAGREEMENTS))}</h3>\n",
        _na_lists(flow, figures, tr, disagreements=True),
        f"<h3>{esc(tr(texts.REPORT_NA_HERE))}</h3>\n",
        _na_lists(flow, figures, tr, disagreements=False),
    ]
    return "".join(parts)


def _na_lists(
    flow: Flow, figures: Sequence[TerritorySummaries], tr: Translator, *, disagreements: bool
) -> str:
    items = []
    for territory in figures:
        summary = territory.blocks[flow.id]
        found = summary.disagreements if disagreements else summary.not_applicable_here
        for q in found:
            text = _question_text(flow, q.question_id, tr)
            if disagreements:
                detail = tr(texts.REPORT_NA_DISAGREEMENT, na=q.not_applicable, levels=q.levels)
            elif q.profile_na:
                detail = tr(texts.NA_BY_PROFILE)
            else:
                detail = tr(texts.REPORT_NA_BY_MOST)
            where = f"<strong>{esc(territory.name)}</strong> · " if len(figures) > 1 else ""
            items.append(f"<li>{where}{esc(text)} — {esc(detail)}</li>")
    if not items:
        empty = texts.REPORT_NO_DISAGREEMENT if disagreements else texts.REPORT_ALL_APPLY
        return f'<p class="empty">{esc(tr(empty))}</p>\n'
    return f'<ul class="plain">{"".join(items)}</ul>\n'


def _open_answers(
    flow: Flow, figures: Sequence[TerritorySummaries], tr: Translator, heading: str = "h3"
) -> str:
    questions = list(flow.questions)  # written answers, and comments on the others
    questions.sort(key=lambda q: q.id != "next_step")  # proposed next steps first
    parts = []
    anything = False
    for question in questions:
        quotes = []
        for territory in figures:
            answers = [
                a for a in territory.blocks[flow.id].open_answers if a.question_id == question.id
            ]
            for answer in answers[:QUOTES_SHOWN]:
                who = tr(
                    texts.REPORT_QUOTE_WHO,
                    pseudonym=answer.pseudonym,
                    territory=territory.name,
                )
                language = _language(answer.language, tr)
                if language:
                    who = f"{who} · {language}"
                if answer.text is not None:
                    lang = f' lang="{esc(answer.language)}"' if answer.language else ""
                    quotes.append(
                        f'<blockquote class="quote"><p{lang}>{esc(answer.text)}</p>'
                        f'<p class="who">{esc(who)}</p></blockquote>\n'
                    )
                if answer.voice_file_id is not None:
                    voice = tr(texts.REPORT_VOICE_NOTE, seconds=answer.voice_duration or 0)
                    quotes.append(
                        f'<div class="quote voice"><p>{esc(voice)}</p>'
                        f'<p class="who">{esc(who)}</p></div>\n'
                    )
            if len(answers) > QUOTES_SHOWN:
                more = texts.more_in_export(len(answers) - QUOTES_SHOWN, territory.name)
                quotes.append(f'<p class="more">{esc(tr.text(more))}</p>\n')
        if quotes:
            anything = True
            title = f"<{heading}>{esc(tr(question.text))}</{heading}>"
            parts.append(f"{title}\n{''.join(quotes)}")
    if not anything:
        return f'<p class="empty">{esc(tr(texts.REPORT_NO_OPEN_ANSWERS))}</p>\n'
    return "".join(parts)


def _questions_chart(flow: Flow, figures: Sequence[TerritorySummaries], tr: Translator) -> str:
    """Radar charts of the territories on the block's questions (0–100), a few lines each;
    the axes are numbered as in the table of questions."""
    questions = flow.scored_questions
    if len(questions) < 3:
        return ""
    shown = [t for t in figures if t.blocks[flow.id].score is not None]
    axes = [str(index) for index in range(1, len(questions) + 1)]
    found = []
    for start in range(0, len(shown), RADAR_LINES):
        group = shown[start : start + RADAR_LINES]
        series = [
            charts.Series(
                _chart_text(t.name), [_question_percent(t, flow, q.id) for q in questions]
            )
            for t in group
        ]
        caption = tr(texts.REPORT_CHART_QUESTIONS, block=block_name(flow, tr))
        found.append(_figure(charts.radar(axes, series, fmt="svg"), caption, "radar"))
    return f'<div class="charts">{"".join(found)}</div>\n' if found else ""


def _question_percent(territory: TerritorySummaries, flow: Flow, question_id: str) -> float | None:
    found = next(
        (q for q in territory.blocks[flow.id].questions if q.question_id == question_id), None
    )
    return None if found is None or found.mean is None else round(found.mean / 3 * 100)


# ---------------------------------------------------------------- the briefing


def briefing(
    flow: Flow,
    figures: Sequence[TerritorySummaries],
    language: str,
    generated: datetime | None = None,
) -> str:
    """The break-out group's briefing on one block across these territories."""
    tr = translator(language)
    title = tr(texts.REPORT_BRIEFING_TITLE, block=block_name(flow, tr))
    names = ", ".join(t.name for t in figures)
    meta = (
        esc(tr(texts.REPORT_BRIEFING_META, order=flow.order, block=tr(flow.title)))
        + "<br>"
        + esc(tr(texts.REPORT_TERRITORIES, territories=names))
        + "<br>"
        + _made_on(tr, generated)
    )
    body = [
        f'<p class="how">{esc(tr(texts.REPORT_HOW_TO_READ))}</p>\n',
        _section(
            f"<h2>{esc(tr(texts.REPORT_SCORES))}</h2>\n"
            + _scores(flow, figures, tr)
            + f"<h2>{esc(tr(texts.REPORT_ROLES))}</h2>\n"
            + _roles(flow, figures, tr),
            ident="scores",
        ),
        _section(
            f"<h2>{esc(tr(texts.REPORT_QUESTIONS))}</h2>\n"
            + _ranked(flow, figures, tr)
            + _questions(flow, figures, tr)
            + _questions_chart(flow, figures, tr)
            + f"<h2>{esc(tr(texts.REPORT_GAPS))}</h2>\n"
            + _gaps(flow, figures, tr),
            page=True,
            ident="questions",
        ),
        _section(
            f"<h2>{esc(tr(texts.REPORT_OPEN))}</h2>\n" + _open_answers(flow, figures, tr),
            page=True,
            ident="open-answers",
        ),
    ]
    return _page(tr, title, meta, body)


# ---------------------------------------------------------------- the comparison


def comparison(
    figures: Sequence[TerritorySummaries],
    flows: Mapping[str, Flow],
    language: str,
    generated: datetime | None = None,
) -> str:
    """Every territory side by side: radar charts of the eight blocks (a few territories
    each) and a table territory x block (0–100 and n), with who joined and answered."""
    tr = translator(language)
    blocks = scored_flows(flows)
    title = tr(texts.REPORT_COMPARISON_TITLE)
    meta = (
        esc(tr.text(texts.report_territory_count(len(figures)))) + "<br>" + _made_on(tr, generated)
    )
    if not figures:
        return _page(tr, title, meta, [f"<p>{esc(tr(texts.REPORT_NO_TERRITORIES))}</p>\n"])
    axes = [_chart_text(block_name(f, tr), 40) for f in blocks]
    drawn = [t for t in figures if any(_percent(s) is not None for s in t.blocks.values())]
    groups = [drawn[i : i + RADAR_LINES] for i in range(0, len(drawn), RADAR_LINES)]
    radars = []
    for index, group in enumerate(groups, start=1):
        series = [
            charts.Series(_chart_text(t.name), [_percent(t.blocks.get(f.id)) for f in blocks])
            for t in group
        ]
        caption = (
            tr(texts.REPORT_RADAR_GROUP, index=index, count=len(groups))
            if len(groups) > 1
            else tr(texts.REPORT_RADAR)
        )
        radars.append(_figure(charts.radar(axes, series, fmt="svg"), caption, "radar"))
    if not radars:
        radars.append(f'<p class="empty">{esc(tr(texts.NO_ANSWERS_YET))}</p>')
    head = [
        (tr(texts.TERRITORY), False),
        (tr(texts.REPORT_COL_JOINED), True),
        (tr(texts.REPORT_COL_ANSWERED), True),
    ]
    head += [(f"{f.order}. {block_name(f, tr)}", True) for f in blocks]
    rows = []
    for territory in figures:
        cells = [_td(str(territory.joined)), _td(str(territory.respondents))]
        for flow in blocks:
            summary = territory.blocks.get(flow.id)
            score = summary.score if summary else None
            if score is None:
                cells.append(f'<td class="num empty">{DASH}</td>')
            else:
                cells.append(
                    f'<td class="num"><span class="cell">{score.percent}</span>'
                    f'<span class="cell n">{esc(_people(score.count, tr))}</span></td>'
                )
        rows.append(_row(territory.name, cells, f' data-territory="{esc(territory.name)}"'))
    body = [
        f'<p class="how">{esc(tr(texts.REPORT_HOW_TO_READ))}</p>\n',
        _section(
            f"<h2>{esc(tr(texts.REPORT_RADAR))}</h2>\n"
            + f'<div class="charts">{"".join(radars)}</div>\n',
            ident="radar",
        ),
        _section(
            f"<h2>{esc(tr(texts.REPORT_TABLE))}</h2>\n"
            + _table(head, rows, keep=False, wide=True, ident="comparison")
            + f'<p class="note">{esc(tr(texts.REPORT_TABLE_NOTE))}</p>\n',
            page=True,
            ident="table",
        ),
    ]
    return _page(tr, title, meta, body)


def _percent(summary: BlockSummary | None) -> float | None:
    return summary.score.percent if summary is not None and summary.score else None


# ---------------------------------------------------------------- one territory


def territory_page(
    figures: TerritorySummaries,
    flows: Mapping[str, Flow],
    language: str,
    generated: datetime | None = None,
) -> str:
    """One territory's full summary: every block's figures, questions and open answers."""
    tr = translator(language)
    blocks = scored_flows(flows)
    title = tr(texts.REPORT_TERRITORY_TITLE, territory=figures.name)
    meta = (
        esc(tr(texts.REPORT_TERRITORY_META, joined=figures.joined, answered=figures.respondents))
        + "<br>"
        + _made_on(tr, generated)
    )
    series = [
        charts.Series(tr(texts.EVERYONE), [_percent(figures.blocks.get(f.id)) for f in blocks])
    ]
    for group, label in (
        ("government", texts.GROUP_GOVERNMENT),
        ("sse", texts.GROUP_SSE),
    ):
        values = [_group_percent(figures.blocks.get(f.id), group) for f in blocks]
        if any(v is not None for v in values):
            series.append(charts.Series(tr(label), values))
    axes = [_chart_text(block_name(f, tr), 40) for f in blocks]
    radar = _figure(charts.radar(axes, series, fmt="svg"), tr(texts.REPORT_RADAR), "radar")
    head = [
        (tr(texts.BLOCK), False),
        (tr(texts.SCORE_0_3), True),
        (tr(texts.REPORT_COL_LEVEL), False),
        (tr(texts.SCORE_0_100), True),
        (tr(texts.REPORT_COL_PEOPLE), True),
        (tr(texts.CONFIDENCE), True),
        (tr(texts.REPORT_COL_RANGE), True),
        (tr(texts.REPORT_COL_IQR), True),
        (tr(texts.GROUP_GOVERNMENT), True),
        (tr(texts.GROUP_SSE), True),
        (tr(texts.REPORT_COL_DONT_KNOW), True),
    ]
    rows = []
    for flow in blocks:
        summary = figures.blocks[flow.id]
        score = summary.score
        name = f"{flow.order}. {block_name(flow, tr)}"
        attributes = f' data-block="{esc(flow.id)}"'
        if score is None:
            empty = f'<td colspan="10" class="empty">{esc(tr(texts.NO_ANSWERS_YET))}</td>'
            rows.append(_row(name, [empty], attributes))
            continue
        rows.append(
            _row(
                name,
                [
                    _td(number(score.mean, tr)),
                    _td(level_word(score.mean, tr), numeric=False),
                    _td(str(score.percent)),
                    _td(people_with_short_path(score.count, summary.short_path, tr)),
                    _td(_share(summary.confidence, tr)),
                    _td(f"{number(score.minimum, tr)}–{number(score.maximum, tr)}"),
                    _td(f"{number(score.q1, tr)}–{number(score.q3, tr)}"),
                    _stats_cell(summary.groups.get("government"), tr),
                    _stats_cell(summary.groups.get("sse"), tr),
                    _td(_share(summary.dont_know_share.get("all"), tr)),
                ],
                attributes,
            )
        )
    body = [
        f'<p class="how">{esc(tr(texts.REPORT_HOW_TO_READ))}</p>\n',
        _section(
            f"<h2>{esc(tr(texts.REPORT_OVERVIEW))}</h2>\n"
            + radar
            + _table(head, rows, wide=True, ident="overview")
            + f'<p class="note">{esc(tr(texts.REPORT_GROUPS_NOTE, count=MIN_GROUP))}</p>\n'
            + f'<p class="note">{esc(tr(texts.REPORT_SCORES_NOTE))}</p>\n',
            ident="overview-section",
        ),
    ]
    one = [figures]
    for flow in blocks:
        body.append(
            _section(
                f"<h2>{flow.order}. {esc(tr(flow.title))}</h2>\n"
                + _ranked(flow, one, tr)
                + _questions(flow, one, tr)
                + _gaps(flow, one, tr)
                + f"<h3>{esc(tr(texts.REPORT_OPEN))}</h3>\n"
                + _open_answers(flow, one, tr, heading="h4"),
                page=True,
                ident=f"block-{flow.id}",
            )
        )
    return _page(tr, title, meta, body)


def _group_percent(summary: BlockSummary | None, group: str) -> float | None:
    stats = summary.groups.get(group) if summary is not None else None
    return stats.percent if stats is not None else None


# ---------------------------------------------------------------- from the database


async def territory_report(
    reports: Reports,
    territory: Territory,
    flows: Mapping[str, Flow],
    language: str,
    generated: datetime | None = None,
) -> str:
    """A territory's full summary as one self-contained HTML file (for `export --format
    html`)."""
    [figures] = await gather(reports, [territory], flows)
    return territory_page(figures, flows, language, generated)


async def comparison_report(
    reports: Reports,
    territories: Sequence[Territory],
    flows: Mapping[str, Flow],
    language: str,
    generated: datetime | None = None,
) -> str:
    """Every territory compared, as one self-contained HTML file (`report --all`)."""
    figures = await gather_scores(reports, territories, flows)
    return comparison(figures, flows, language, generated)
