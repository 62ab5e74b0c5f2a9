"""The catalogs: complete, consistent placeholders, plural forms, English fallback."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from dialogs.i18n import Translator, available_languages, pick_language, translator
from dialogs.texts import Msg, Np_
from locales import LOCALES_DIR

ROOT = Path(__file__).resolve().parents[2]
TRANSLATED = [lang for lang in available_languages() if lang != "en"]
BRACES = re.compile(r"\{(\w*)\}")
PERCENT = re.compile(r"%\((\w+)\)s")


def catalog(language: str) -> Catalog:
    with (LOCALES_DIR / language / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=language)


def entries(language: str) -> list[tuple[list[str], list[str], bool]]:
    """Each message of a catalog as (ids, translated forms, fuzzy); plurals have several."""
    return [
        (
            list(m.id) if isinstance(m.id, tuple | list) else [m.id],
            list(m.string) if isinstance(m.string, tuple | list) else [m.string],
            m.fuzzy,
        )
        for m in catalog(language)
        if m.id
    ]


def placeholders(text: str) -> set[str]:
    return set(BRACES.findall(text)) | set(PERCENT.findall(text))


def test_spanish_and_french_are_there() -> None:
    assert set(TRANSLATED) >= {"es", "fr"}


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated_and_not_fuzzy(language: str) -> None:
    missing = [ids[0] for ids, forms, fuzzy in entries(language) if fuzzy or not all(forms)]
    assert missing == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_placeholders_match(language: str) -> None:
    wrong = [
        (ids[0], form)
        for ids, forms, _ in entries(language)
        for form in forms
        if placeholders(form) != placeholders(ids[0]) | placeholders(ids[-1])
    ]
    assert wrong == []


@pytest.mark.parametrize("language", TRANSLATED)
def test_plural_forms_are_complete(language: str) -> None:
    cat = catalog(language)
    for message in cat:
        if message.id and isinstance(message.id, tuple | list):
            assert len(message.string) == cat.num_plurals, message.id


@pytest.mark.parametrize("language", TRANSLATED)
def test_catalog_has_every_template_message(language: str) -> None:
    with (LOCALES_DIR / "messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    found = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(language) if m.id}
    assert template - found == set(), "run pybabel update (see README)"


def test_template_is_up_to_date(tmp_path: Path) -> None:
    """Extracting again gives the same message ids: no text changed without the catalogs."""
    out = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
            "-k", "N_", "-k", "Np_:1,2", "--add-comments=Translators:", "-o", str(out), ".",
        ],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with out.open("rb") as fresh, (LOCALES_DIR / "messages.pot").open("rb") as stored:
        ids = [{m.id for m in read_po(f) if m.id} for f in (fresh, stored)]
    assert ids[0] == ids[1], "flow or interface texts changed: update the catalogs (README)"


FRENCH_SPACE = {":": "\u00a0", "?": "\u202f", "!": "\u202f", ";": "\u202f"}
"""French typography: a no-break space before ':' and a narrow one before '? ! ;'."""


def test_french_punctuation_has_its_no_break_spaces() -> None:
    wrong = []
    for _, strings, _ in entries("fr"):
        for text in strings:
            for mark in re.finditer(r"[:?!;](?=\s|$|[)»\"])", text):
                before = text[mark.start() - 1] if mark.start() else "\n"
                if before not in (FRENCH_SPACE[mark.group()], "\n"):
                    wrong.append(f"{mark.group()!r} in {text[:60]!r}")
            if re.search("«(?!\u00a0)|(?<!\u00a0)»", text):
                wrong.append(f"« » in {text[:60]!r}")
    assert wrong == []


def test_language_choice() -> None:
    assert pick_language("es-AR") == "es"
    assert pick_language("fr_CA") == "fr"
    assert pick_language("pt-BR") == "en"
    assert pick_language(None) == "en"


def test_translation_and_locale_numbers() -> None:
    assert translator("es")("Question {position} of {total}", position=1, total=7) == (
        "Pregunta 1 de 7"
    )
    hint = Msg("Send a number between {minimum} and {maximum}.", {"minimum": 0, "maximum": 10**6})
    assert translator("fr").text(hint) == "Envoyez un nombre entre 0 et 1\u202f000\u202f000."
    assert translator("es").text(hint) == "Envía un número entre 0 y 1.000.000."


def test_plurals() -> None:
    line = Np_("{count} question did not apply here.", "{count} questions did not apply here.", 4)
    assert translator("en").text(line) == "4 questions did not apply here."
    assert translator("es").text(line) == "4 preguntas no aplican aquí."
    one = Np_("{count} question did not apply here.", "{count} questions did not apply here.", 1)
    assert translator("fr").text(one) == "1 question ne s'applique pas ici."


def test_a_context_gives_one_translation_per_question() -> None:
    """ "None of these" agrees with each question's own choices (msgctxt: the question id)."""
    spanish = translator("es")
    stages = spanish.text(Msg("None of these", context="stages"))
    services = spanish.text(Msg("None of these", context="services"))
    assert stages != services
    assert spanish.text(Msg("None of these", context="no-such-question")) == "None of these"
    assert Msg("None.", context="labs").to_dict() == {"key": "None.", "context": "labs"}


def test_no_point_median_in_french_and_no_gender_slash_in_spanish() -> None:
    """Epicene wording instead: a point médian or "o/a" is hard to read aloud to a group."""
    french = [t for _, forms, _ in entries("fr") for t in forms if re.search(r"\w·\w", t)]
    spanish = [t for _, forms, _ in entries("es") for t in forms if re.search(r"\w/as?\b", t)]
    assert (french, spanish) == ([], [])


def test_every_flow_choice_has_a_translation_in_its_questions_context() -> None:
    from dialogs.loader import load_flows

    for language in TRANSLATED:
        tr = translator(language)
        missing = [
            (q.id, c.label)
            for flow in load_flows().values()
            for q in flow.questions
            for c in q.choices
            for text in (c.label, c.description)
            if text
            and tr.text(Msg(text, context=c.context)) == text
            and c.context is not None
            and text not in SAME_IN_EVERY_LANGUAGE
        ]
        assert missing == [], language


SAME_IN_EVERY_LANGUAGE = {
    "No", "Microfinance", "Associations", "Co-construction", "Communication", "Agriculture",
    "Culture",
}  # fmt: skip
"""Flow texts written the same in English and in Spanish or French."""


def test_untranslated_falls_back_to_english() -> None:
    tr = Translator("es", {"Broken {x}": "Roto {y}", "Empty": ""}, lambda n: int(n != 1))
    assert tr("Not in the catalog") == "Not in the catalog"
    assert tr("Empty") == "Empty"
    assert tr("Broken {x}", x=1) == "Broken 1"
    assert translator("xx")("Yes") == "Yes"
