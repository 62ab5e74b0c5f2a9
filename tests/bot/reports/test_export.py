"""The export files of a seeded territory, read back with openpyxl and csv: long and wide
sheets, scores equal to `dialogs.summary`, the codebook, the CSV's BOM and rows, no names or
ids, and nothing written or spoken by someone who asked to be forgotten."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.reports.export import Place, csv_table, file_name, gather, today_in, workbook
from dialogs import engine
from dialogs.i18n import translator
from dialogs.loader import load_flows
from dialogs.model import Question
from storage.models import Territory
from storage.repository import Repository
from tests.exports import (
    SECRET_TEXT,
    SEEDED_IDS_FROM,
    Sessions,
    all_text,
    as_text,
    csv_rows,
    records,
    seed,
    sheets,
    stored,
    summaries,
    wall_clock,
)
from tests.seeding import Pick, Seeder, context, first_choice, level

FLOWS = load_flows()


async def export(sessions: Sessions, territory: Territory, language: str) -> tuple[bytes, bytes]:
    async with sessions() as session:
        data = await gather(session, [territory], FLOWS)
    tr = translator(language)
    return workbook(data, tr), csv_table(data, tr)


async def test_the_long_sheet_holds_every_stored_answer_with_labels_in_french(
    sessions: Sessions, territory: Territory
) -> None:
    await seed(sessions, territory)
    seeder = Seeder.for_(sessions)  # P-0007: a multi-select that counts towards the score
    await seeder.person(territory, {"coconstruction": first_choice}, language="fr")
    xlsx, table = await export(sessions, territory, "fr")
    found = sheets(xlsx)
    assert list(found)[:3] == ["Réponses", "Votre territoire", "Cadres juridiques"]
    assert list(found)[-2:] == ["Scores", "Dictionnaire des codes"]
    long = records(found["Réponses"])
    assert found["Réponses"][0] == (
        "Territoire",
        "Pseudonyme",
        "Groupe selon le rôle",
        "Id. du bloc",
        "Bloc",
        "Id. de la question",
        "Question",
        "Réponse",
        "Valeur brute",
        "Score (0–3)",
        "Date de réponse",
        "Langue",
    )
    assert sorted(
        [
            (r["Pseudonyme"], r["Id. du bloc"], r["Id. de la question"], r["Valeur brute"])
            for r in long
        ],
        key=repr,
    ) == await stored(sessions, [territory])
    first = next(
        r for r in long if r["Pseudonyme"] == "P-0001" and r["Id. de la question"] == "instrument"
    )
    assert first["Territoire"] == territory.name
    assert first["Groupe selon le rôle"] == "Collectivité locale"
    assert first["Bloc"] == "Cadres juridiques"
    assert first["Question"].startswith("Votre collectivité a-t-elle un texte officiel")
    assert (first["Réponse"], first["Valeur brute"], first["Score (0–3)"]) == (
        "2 · Adopté, peu appliqué",
        "2",
        2,
    )
    assert first["Langue"] == "fr"
    assert isinstance(first["Date de réponse"], datetime)  # a real date and time: filters work
    assert first["Date de réponse"].tzinfo is None  # the wall-clock time in the territory's zone
    dont_know = next(
        r for r in long if r["Pseudonyme"] == "P-0003" and r["Id. de la question"] == "instrument"
    )
    assert (dont_know["Réponse"], dont_know["Valeur brute"], dont_know["Score (0–3)"]) == (
        "Je ne sais pas",
        "dk",
        None,
    )
    multi = next(
        r for r in long if r["Pseudonyme"] == "P-0001" and r["Id. de la question"] == "entities"
    )
    assert (multi["Réponse"], multi["Valeur brute"], multi["Score (0–3)"]) == (
        "Coopératives",
        "cooperatives",
        None,  # a descriptive multi-select: no score
    )
    counted = next(
        r for r in long if r["Pseudonyme"] == "P-0007" and r["Id. de la question"] == "stages"
    )
    assert (counted["Réponse"], counted["Valeur brute"], counted["Score (0–3)"]) == (
        "Diagnostic des besoins",
        "diagnosis",
        0.6,  # one choice of the five that give a full score
    )
    path = next(
        r for r in long if r["Pseudonyme"] == "P-0001" and r["Id. de la question"] == "path"
    )
    assert (path["Réponse"], path["Valeur brute"], path["Score (0–3)"]) == (
        "Complète (toutes les questions)",
        "full",
        None,
    )
    voice = next(
        r for r in long if r["Pseudonyme"] == "P-0002" and r["Id. de la question"] == "strength"
    )
    assert (voice["Réponse"], voice["Valeur brute"]) == ("message vocal (12 s)", "voice")
    assert [r["Groupe selon le rôle"] for r in long if r["Id. de la question"] == "role"] == [
        "Collectivité locale"
    ] * 3 + ["Organisations de l'ESS"] * 3
    # the CSV: a byte order mark, then the same rows
    assert wall_clock(csv_rows(table)) == [as_text(row) for row in found["Réponses"]]


async def test_wide_sheets_have_a_row_per_person_and_a_0_1_column_per_choice(
    sessions: Sessions, territory: Territory
) -> None:
    await seed(sessions, territory)
    xlsx, _ = await export(sessions, territory, "es")
    legal = records(sheets(xlsx)["Marcos jurídicos"])
    assert [r["Seudónimo"] for r in legal] == [f"P-000{n}" for n in range(1, 7)]
    first = legal[0]
    assert first["instrument"] == "2 · Aprobada, poco aplicada"
    assert first["path"] == "Completa (todas las preguntas)"
    assert first["entities"] == "Cooperativas"
    choices = [c.id for c in FLOWS["legal"].question("entities").choices]  # type: ignore[union-attr]
    assert [first[f"entities/{c}"] for c in choices] == [1] + [0] * (len(choices) - 1)
    assert legal[1]["strength"] == "nota de voz (12 s)"
    assert legal[2]["instrument"] == "No sé"
    assert legal[2]["entities/cooperatives"] is None  # not asked after "don't know"
    markets = records(sheets(xlsx)["Acceso a los mercados"])
    assert [r["Seudónimo"] for r in markets] == ["P-0001", "P-0005"]


async def test_scores_are_the_summary_figures_for_everyone_and_both_groups(
    sessions: Sessions, territory: Territory
) -> None:
    await seed(sessions, territory)
    xlsx, _ = await export(sessions, territory, "en")
    expected = await summaries(sessions, territory, FLOWS)
    scores = records(sheets(xlsx)["Scores"])
    legal = {r["Group"]: r for r in scores if r["Block id"] == "legal"}
    assert list(legal) == ["Everyone", "Local government", "SSE organisations"]
    summary = expected["legal"]
    everyone = legal["Everyone"]
    assert summary.score is not None
    assert (everyone["People"], everyone["Finished"], everyone["People with a score"]) == (
        summary.respondents,
        summary.finished,
        summary.score.count,
    )
    assert (everyone["Mean (0–3)"], everyone["Score (0–100)"]) == (
        summary.score.mean,
        summary.score.percent,
    )
    assert (everyone["Lowest"], everyone["Highest"]) == (
        summary.score.minimum,
        summary.score.maximum,
    )
    assert (everyone["Lower quartile"], everyone["Upper quartile"]) == (
        summary.score.q1,
        summary.score.q3,
    )
    assert everyone["Confidence"] == summary.confidence
    assert everyone["Don't know share"] == summary.dont_know_share["all"]
    for name, group in (("Local government", "government"), ("SSE organisations", "sse")):
        stats = summary.groups[group]
        row = legal[name]
        assert (row["People with a score"], row["Mean (0–3)"], row["Score (0–100)"]) == (
            stats.count,
            stats.mean,
            stats.percent,
        )
        assert row["Don't know share"] == summary.dont_know_share[group]
        assert (row["People"], row["Finished"], row["Confidence"]) == (3, None, None)
    # groups of fewer than 3 people with a score are not shown, as in the summary
    markets = [r for r in scores if r["Block id"] == "markets"]
    assert [(r["Group"], r["People"]) for r in markets] == [("Everyone", 2)]


async def test_the_codebook_has_every_code_in_three_languages(
    sessions: Sessions, territory: Territory
) -> None:
    await seed(sessions, territory)
    xlsx, _ = await export(sessions, territory, "fr")
    book = sheets(xlsx)["Dictionnaire des codes"]
    assert book[0] == (
        "Id. du bloc",
        "Id. de la question",
        "Type",
        "Code",
        "Score (0–3)",
        "English",
        "Español",
        "Français",
    )
    rows = {(r[0], r[1], r[3]): r for r in book[1:]}
    assert rows[("legal", None, None)][5:] == (
        "Legal and institutional frameworks",
        "Marcos jurídicos e institucionales",
        "Cadres juridiques et institutionnels",
    )
    assert rows[("legal", "instrument", None)][2] == "scale"
    level = rows[("legal", "instrument", "2")]
    assert level[4] == 2
    assert level[5] == "2 · Adopted, little used — Adopted, but narrow or little used."
    assert level[6] == "2 · Aprobada, poco aplicada — Aprobada, pero limitada o poco aplicada."
    assert level[7] == "2 · Adopté, peu appliqué — Adopté, mais limité ou peu appliqué."
    assert rows[("legal", "entities", "cooperatives")][5:] == (
        "Cooperatives",
        "Cooperativas",
        "Coopératives",
    )
    assert rows[("legal", "entities", "dk")][7] == "Je ne sais pas"
    every_question = {(f.id, q.id) for f in FLOWS.values() for q in f.questions}
    assert {(r[0], r[1]) for r in book[1:] if r[1] is not None} == every_question


async def test_no_name_or_id_and_nothing_written_by_a_forgotten_person(
    sessions: Sessions, territory: Territory
) -> None:
    people = await seed(sessions, territory)
    xlsx, table = await export(sessions, territory, "fr")
    texts = all_text(xlsx) + table.decode("utf-8-sig")
    assert SECRET_TEXT in texts
    assert "Secret Name" not in texts
    for person in people:
        assert int(person.external_id) > SEEDED_IDS_FROM
        assert person.external_id not in texts
    async with sessions() as session, session.begin():
        repo = Repository(session)
        forgotten = await repo.participant("telegram", people[5].external_id)
        assert forgotten is not None
        await repo.forget_participant(forgotten)
    xlsx, table = await export(sessions, territory, "fr")
    texts = all_text(xlsx) + table.decode("utf-8-sig")
    assert SECRET_TEXT not in texts
    long = records(sheets(xlsx)["Réponses"])
    assert "P-0006" not in {r["Pseudonyme"] for r in long}
    anonymous = [r for r in long if r["Pseudonyme"] is None]
    assert anonymous
    assert {r["Groupe selon le rôle"] for r in anonymous} == {"Anonyme (données supprimées)"}
    assert {r["Id. de la question"] for r in anonymous} >= {"role", "instrument", "entities"}
    assert not {"strength", "next_step", "local_term"} & {
        r["Id. de la question"] for r in anonymous
    }
    assert sorted(
        [
            (r["Pseudonyme"] or "", r["Id. du bloc"], r["Id. de la question"], r["Valeur brute"])
            for r in long
        ],
        key=repr,
    ) == await stored(sessions, [territory])
    assert "P-0006" not in {row[1] for row in sheets(xlsx)["Cadres juridiques"]}
    assert wall_clock(csv_rows(table)) == [as_text(row) for row in sheets(xlsx)["Réponses"]]


def commenting(question_id: str, words: str, pick: Pick) -> Pick:
    """Write `words` while the question `question_id` waits for a button (a comment on it),
    then answer it as `pick` does."""
    said: set[str] = set()

    def answer(question: Question) -> engine.Input:
        if question.id == question_id and question_id not in said:
            said.add(question_id)
            return engine.Text(words)
        return pick(question)

    return answer


async def test_a_comment_on_a_button_question_is_exported_and_goes_with_forget(
    sessions: Sessions, territory: Territory
) -> None:
    seeder = Seeder.for_(sessions)
    words = "Entre 1 et 2, parce que le texte n'est pas appliqué"
    plan = {"context": context("sse_org"), "legal": commenting("instrument", words, level("2"))}
    person = await seeder.person(territory, plan, language="fr")
    xlsx, table = await export(sessions, territory, "fr")
    row = next(
        r for r in records(sheets(xlsx)["Réponses"]) if r["Id. de la question"] == "instrument"
    )
    assert (row["Pseudonyme"], row["Valeur brute"], row["Score (0–3)"]) == ("P-0001", "2", 2)
    assert row["Réponse"].startswith("2 · Adopté, peu appliqué") and words in row["Réponse"]
    assert words in table.decode("utf-8-sig")
    async with sessions() as session, session.begin():
        repo = Repository(session)
        forgotten = await repo.participant("telegram", person.external_id)
        assert forgotten is not None
        await repo.forget_participant(forgotten)
    xlsx, table = await export(sessions, territory, "fr")
    assert words not in all_text(xlsx) + table.decode("utf-8-sig")
    long = records(sheets(xlsx)["Réponses"])
    kept = next(r for r in long if r["Id. de la question"] == "instrument")
    assert (kept["Pseudonyme"], kept["Valeur brute"], kept["Score (0–3)"]) == (None, "2", 2)


def test_file_names_are_safe_ascii_from_the_name_and_the_day() -> None:
    day = date(2027, 6, 1)
    dakar = Place(1, "Dakar <Plateau> & Co", "Africa/Dakar", None)
    assert file_name([dakar], day, "xlsx") == "dakar-plateau-co-2027-06-01.xlsx"
    assert file_name([Place(2, "Córdoba", "UTC", None)], day, "csv") == "cordoba-2027-06-01.csv"
    assert file_name([Place(3, "Сеул", "UTC", None)], day, "csv") == "territory-3-2027-06-01.csv"
    assert (
        file_name([dakar, Place(2, "x", "UTC", None)], day, "csv")
        == "all-territories-2027-06-01.csv"
    )
    assert file_name([dakar], day, "csv", everything=True) == "all-territories-2027-06-01.csv"
    late = datetime(2027, 5, 31, 23, 30, tzinfo=UTC)
    assert today_in([Place(4, "Seoul", "Asia/Seoul", None)], late) == date(2027, 6, 1)
