"""Figures as text: levels in words, numbers per language, what does not apply and why, open
answers cut with a button, radar lines only for groups of three, and messages that fit."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from bot.reports.figures import TerritoryFigures, flows_read_by
from bot.reports.summary_text import (
    Line,
    Section,
    block_section,
    level_word,
    number,
    pack,
    radar_series,
    results_series,
    results_text,
    size,
    summary_sections,
)
from dialogs.i18n import translator
from dialogs.loader import load_flows
from dialogs.summary import summarise, summarise_block
from storage.reports import Progress, pseudonym_number

FLOWS = load_flows()
MARKETS = FLOWS["markets"]
EN, ES, FR = translator("en"), translator("es"), translator("fr")


@dataclass
class Someone:
    pseudonym: str
    role: str | None = None
    blocks: dict[str, dict[str, Any]] = field(default_factory=dict)
    language: str | None = "fr"

    @property
    def answers(self) -> dict[str, dict[str, Any]]:
        context: dict[str, Any] = {"powers": {"choices": ["procurement"]}}
        if self.role:
            context["role"] = {"choice": self.role}
        return {"context": context, **self.blocks}


def scales(flow_id: str, level: str) -> dict[str, Any]:
    return {q.id: {"choice": level} for q in FLOWS[flow_id].questions if q.kind == "scale"}


def test_levels_in_words_and_numbers_per_language() -> None:
    assert [level_word(m, EN) for m in (0.4, 0.5, 1.49, 2.5, 3)] == [
        "Absent", "Emerging", "Emerging", "Consolidated", "Consolidated",
    ]  # fmt: skip
    assert level_word(1.5, FR) == "Établi" and level_word(1, ES) == "Incipiente"
    assert (number(1.5, FR), number(1.5, ES), number(1.5, EN), number(2.0, FR)) == (
        "1,5",
        "1,5",
        "1.5",
        "2",
    )
    assert pseudonym_number("P-0042") == 42 and pseudonym_number("X-1") is None


def test_a_block_says_what_does_not_apply_and_why_and_where_views_differ() -> None:
    clauses, share = "clauses", "share"
    people = [
        Someone(f"P-{i}", "official", {"markets": {**scales("markets", "1"), share: {"na": True}}})
        for i in range(2)
    ] + [Someone("P-9", "sse_org", {"markets": scales("markets", "3")})]
    profile = {"powers": {"choices": ["training"]}}  # no procurement: five questions do not apply
    block = summarise_block(MARKETS, people, profile=profile)
    lines = [line.html for line in block_section(block, MARKETS, FR, 10).lines]
    text = "\n".join(lines)
    assert "Sans objet ici\u00a0: 5 questions sur 6." in text
    question = html.escape(FR(MARKETS.question(clauses).text), quote=False)
    assert f"• {question} <i>(d'après le profil du territoire)</i>" in text
    by_profile = " <i>(d'après le profil du territoire)</i>"
    purchasing = ["clauses", "share", "simple_procedures", "buyers_training", "paid_on_time"]
    assert [line for line in lines if line.endswith(by_profile)] == [
        f"• {html.escape(FR(MARKETS.question(q).text), quote=False)}{by_profile}"
        for q in purchasing
    ]
    block = summarise_block(MARKETS, people)
    text = "\n".join(line.html for line in block_section(block, MARKETS, ES, 10).lines)
    assert "Opiniones distintas sobre «No aplica»:" in text
    question = html.escape(ES(MARKETS.question(share).text), quote=False)
    assert f"• {question} <i>(no aplica: 2 · con un nivel: 1)</i>" in text
    assert "No aplica aquí: 1 pregunta de 6." in text
    assert f"• {question} <i>(la mayoría lo dijo)</i>" in text
    assert "Gobierno local" not in text  # two officials only: no group figure


def test_open_answers_are_cut_with_a_button_and_voice_notes_ask_for_one() -> None:
    people = [
        Someone(f"P-{i:04d}", blocks={"markets": {"strength": {"text": f"Idée <{i}> & co"}}})
        for i in range(1, 13)
    ]
    people.append(
        Someone(
            "P-0099", blocks={"markets": {"next_step": {"voice": {"file_id": "F", "duration": 7}}}}
        )
    )
    block = summarise_block(MARKETS, people)
    lines = block_section(block, MARKETS, FR, 10).lines
    quotes = [line for line in lines if line.html.startswith("• P-")]
    assert len(quotes) == 11  # ten written answers, and the voice note
    assert quotes[0].html == "• P-0001 (fr)\u00a0: Idée &lt;1&gt; &amp; co"
    assert [line.more for line in lines if line.more] == ["markets"]
    assert "… et 2 autres." in [line.html for line in lines]
    voice = next(line for line in lines if line.voice is not None)
    assert (
        voice.html == "• P-0099 (fr)\u00a0: 🎤 message vocal (7 s)" and voice.flow_id == "markets"
    )
    every = block_section(block, MARKETS, FR, 100, offer_more=False).lines
    assert len([line for line in every if line.html.startswith("• P-")]) == 13
    assert not any(line.more for line in every)


def test_a_very_long_written_answer_is_quoted_by_its_beginning() -> None:
    long = "Une très longue réponse. " * 800  # 20,000 characters, written in parts
    people = [Someone("P-0001", blocks={"markets": {"strength": {"text": long}}})]
    lines = block_section(summarise_block(MARKETS, people), MARKETS, FR, 10).lines
    quote = next(line.html for line in lines if line.html.startswith("• P-"))
    assert quote.endswith("réponse.…") and len(quote) < 650


def test_messages_hold_whole_blocks_and_split_a_long_one_at_lines() -> None:
    small = [Section(f"b{i}", [Line(f"<b>Block {i}</b>"), Line("x" * 1000)]) for i in range(6)]
    chunks = pack(small, limit=4096)
    assert [len([x for x in c.lines if x.html.startswith("<b>")]) for c in chunks] == [4, 2]
    assert all(size(c.html) <= 4096 for c in chunks)
    long = Section("long", [Line("<b>Long</b>"), *(Line(f"{i} " + "y" * 900) for i in range(10))])
    chunks = pack([small[0], long], limit=4096)
    assert chunks[0].html == "\n".join(line.html for line in small[0].lines)
    assert chunks[1].lines[0].html == "<b>Long</b>"
    assert all(size(c.html) <= 4096 for c in chunks)
    assert sum(len(c.lines) for c in chunks[1:]) == 11  # no line lost, none cut


def test_a_line_longer_than_a_message_is_cut_outside_tags_and_entities() -> None:
    text = "• <b>P-0001</b> : " + "&amp;" * 300 + " 🎤" * 400 + " mot" * 500
    chunks = pack([Section("x", [Line(text, more="x")])], limit=1000)
    assert len(chunks) > 2 and all(size(c.html) <= 1000 for c in chunks)
    assert chunks[0].lines[0].more == "x" and not any(c.lines[0].more for c in chunks[1:])
    for chunk in chunks:
        assert not re.search(r"&[a-z]*$", chunk.html) and chunk.html.count("<") == (
            chunk.html.count(">")
        )
    joined = " ".join(html.unescape(c.html) for c in chunks)
    assert joined.replace(" ", "") == html.unescape(text).replace(" ", "")


def test_buttons_never_exceed_what_a_message_may_hold() -> None:
    lines = [Line(f"v{i}", voice=None, more="m") for i in range(150)]
    chunks = pack([Section("x", lines)], max_buttons=90)
    assert [c.buttons for c in chunks] == [90, 60]


def figures(people: list[Someone]) -> TerritoryFigures:
    return TerritoryFigures(Progress(len(people), 0, {}), summarise(FLOWS, people))


def test_radar_lines_for_groups_only_with_three_people() -> None:
    officials = [Someone(f"P-{i}", "official", {"legal": scales("legal", "1")}) for i in range(3)]
    orgs = [Someone(f"P-{i}", "sse_org", {"legal": scales("legal", "3")}) for i in range(3, 5)]
    axes, series = radar_series(figures([*officials, *orgs]), FLOWS, FR)
    assert axes[0] == "Cadres juridiques" and len(axes) == 8
    assert [s.name for s in series] == ["Territoire", "Collectivité locale"]
    assert series[0].values[0] == 1.8 / 3 * 100 and series[0].values[1] is None
    orgs.append(Someone("P-9", "network", {"legal": scales("legal", "2")}))
    _, series = radar_series(figures([*officials, *orgs]), FLOWS, FR)
    names = ["Territoire", "Collectivité locale", "Organisations de l'ESS"]
    assert [s.name for s in series] == names


def test_nothing_answered_and_blocks_nobody_answered() -> None:
    assert not figures([Someone("P-1", "official")]).answered
    found = figures([Someone("P-1", "official", {"data": scales("data", "2")})])
    assert found.answered
    sections = summary_sections(found, FLOWS, EN)
    assert sections[0].lines[0].html == "<b>Data and information management</b>"
    assert sections[-1].lines[0].html.startswith("<i>No answers yet: Legal frameworks, ")


def test_a_participant_sees_the_territory_only_from_three_people() -> None:
    two = [Someone(f"P-{i}", blocks={"data": scales("data", "2")}) for i in range(2)]
    mine = {"data": 3.0, "legal": None}
    blocks = figures(two).blocks
    text = results_text(mine, blocks, FLOWS, "Dakar", EN)
    assert "• Data: you 3 · mostly consolidated · territory –" in text
    assert "• Legal frameworks: you – · territory –" in text
    _, series = results_series(mine, blocks, FLOWS, "Dakar", EN)
    assert series[1].values == [None] * 8
    blocks = figures([*two, Someone("P-3", blocks={"data": scales("data", "1")})]).blocks
    _, series = results_series(mine, blocks, FLOWS, "Dakar", EN)
    assert series[0].values[7] == 100 and series[1].values[7] == round(5 / 3, 2) / 3 * 100


def test_a_block_reads_the_flows_its_conditions_name() -> None:
    assert flows_read_by(FLOWS["markets"]) == {"markets", "context"}
    assert flows_read_by(FLOWS["data"]) == {"data", "context"}
