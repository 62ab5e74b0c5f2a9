"""/export end to end against the local Bot API server: facilitators in French and Spanish get
the workbook and the CSV of their territory; participants are refused; after someone's
/forget, what they wrote or said is gone from the files."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.reports.export import FORMATS
from bot.sandbox.server import BotMessage, Sandbox, SandboxUser
from dialogs.loader import load_flows
from storage.models import Territory
from tests.bot.harness import RunningBot, join, reply_to
from tests.exports import (
    SECRET_TEXT,
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

FLOWS = load_flows()
MARIE, CARLOS = 7_019_283_746, 7_019_283_747


async def export(user: SandboxUser) -> tuple[BotMessage, bytes, bytes]:
    """Send /export; the one-line message, the workbook and the CSV."""
    user.mark_seen()
    await user.send_text("/export")
    text, xlsx, table = await user.wait_new(3, timeout=30)
    assert text.kind == "text" and xlsx.kind == table.kind == "document"
    return text, file_of(user.sandbox, xlsx), file_of(user.sandbox, table)


def file_of(sandbox: Sandbox, message: BotMessage) -> bytes:
    assert message.file_id is not None
    return sandbox.files[message.file_id][1]


async def test_facilitators_get_the_workbook_and_the_csv_in_their_language(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    await seed(sessions, territory)
    marie = sandbox.user(MARIE, "Marie Secret", "fr")
    await join(marie, territory.facilitator_code, "J'accepte")
    text, xlsx, table = await export(marie)
    assert text.text == (
        f"{territory.name}\u00a0: les réponses de 6 personnes, en classeur (XLSX) et en "
        "tableau (CSV)."
    )
    day = datetime.now(UTC).date().isoformat()  # Dakar is on UTC
    assert [m.file_name for m in marie.messages[-2:]] == [
        f"dakar-plateau-co-{day}.xlsx",
        f"dakar-plateau-co-{day}.csv",
    ]
    found = sheets(xlsx)
    long = records(found["Réponses"])
    assert sorted(
        [
            (r["Pseudonyme"], r["Id. du bloc"], r["Id. de la question"], r["Valeur brute"])
            for r in long
        ],
        key=repr,
    ) == await stored(sessions, [territory])
    instrument = {
        r["Pseudonyme"]: r["Réponse"] for r in long if r["Id. de la question"] == "instrument"
    }
    assert (
        instrument["P-0001"] == "2 · Adopté, peu appliqué"
        and instrument["P-0003"] == "Je ne sais pas"
    )
    legal = records(found["Cadres juridiques"])
    assert [r["entities/cooperatives"] for r in legal] == [1, 1, None, 1, None, 1]
    assert [r["entities/mutuals"] for r in legal] == [0, 0, None, 0, None, 0]
    scores = {r["Groupe"]: r for r in records(found["Scores"]) if r["Id. du bloc"] == "legal"}
    summary = (await summaries(sessions, territory, FLOWS))["legal"]
    assert summary.score is not None
    assert (scores["Ensemble"]["Moyenne (0–3)"], scores["Ensemble"]["Score (0–100)"]) == (
        summary.score.mean,
        summary.score.percent,
    )
    assert scores["Collectivité locale"]["Moyenne (0–3)"] == summary.groups["government"].mean
    assert scores["Organisations de l'ESS"]["Moyenne (0–3)"] == summary.groups["sse"].mean
    codebook = found["Dictionnaire des codes"]
    assert codebook[0][-3:] == ("English", "Español", "Français")
    assert wall_clock(csv_rows(table)) == [as_text(row) for row in found["Réponses"]]
    everything = all_text(xlsx) + table.decode("utf-8-sig")
    assert "Secret Name" not in everything and "Marie" not in everything
    assert str(MARIE) not in everything

    carlos = sandbox.user(CARLOS, "Carlos", "es")
    await join(carlos, territory.facilitator_code, "Acepto")
    text, xlsx, table = await export(carlos)
    assert text.text == (
        f"{territory.name}: las respuestas de 6 personas, en un libro de Excel (XLSX) "
        "y en una tabla (CSV)."
    )
    found = sheets(xlsx)
    assert next(iter(found)) == "Respuestas"
    assert found["Respuestas"][0][:3] == ("Territorio", "Seudónimo", "Grupo de actores")
    long = records(found["Respuestas"])
    strength = {
        r["Seudónimo"]: r["Respuesta"] for r in long if r["Id. de la pregunta"] == "strength"
    }
    assert strength["P-0002"] == "nota de voz (12 s)"
    assert strength["P-0006"] == SECRET_TEXT  # answers are shown as they were written
    assert csv_rows(table)[0][:3] == ["Territorio", "Seudónimo", "Grupo de actores"]
    assert str(CARLOS) not in all_text(xlsx) + table.decode("utf-8-sig")


async def test_after_forget_what_a_person_wrote_is_gone_from_the_export(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory, sessions: Sessions
) -> None:
    people = await seed(sessions, territory)
    marie = sandbox.user(MARIE, "Marie", "fr")
    await join(marie, territory.facilitator_code, "J'accepte")
    _, xlsx, table = await export(marie)
    assert SECRET_TEXT in all_text(xlsx) and SECRET_TEXT in table.decode("utf-8-sig")
    author = sandbox.user(int(people[5].external_id), "Secret Name", "en")  # P-0006
    await reply_to(author, "/forget")
    await author.press("Yes, delete")
    await author.wait(lambda: "Your data is deleted." in author.texts[-1])
    _, xlsx, table = await export(marie)
    everything = all_text(xlsx) + table.decode("utf-8-sig")
    assert SECRET_TEXT not in everything and "P-0006" not in everything
    long = records(sheets(xlsx)["Réponses"])
    anonymous = [r for r in long if r["Pseudonyme"] is None]
    assert anonymous
    assert {r["Groupe selon le rôle"] for r in anonymous} == {"Anonyme (données supprimées)"}
    assert not {"strength", "next_step", "local_term"} & {
        r["Id. de la question"] for r in anonymous
    }
    assert wall_clock(csv_rows(table)) == [as_text(row) for row in sheets(xlsx)["Réponses"]]


async def test_export_is_refused_to_participants_and_kind_when_nobody_answered(
    sandbox: Sandbox, running_bot: RunningBot, territory: Territory
) -> None:
    ana = sandbox.user(7_019_283_748, "Ana", "es")
    await join(ana, territory.join_code, "Acepto")
    reply = await reply_to(ana, "/export")
    assert reply.text.startswith("Este comando es para el equipo facilitador.")
    assert not [m for m in ana.messages if m.kind == "document"]
    ann = sandbox.user(7_019_283_749, "Ann", "en")
    await join(ann, territory.facilitator_code, "I agree")
    reply = await reply_to(ann, "/export")
    assert reply.text == (
        f"Nobody has answered in {territory.name} yet, so there is nothing to export."
    )


async def test_a_file_that_cannot_be_made_is_said_kindly(
    sandbox: Sandbox,
    running_bot: RunningBot,
    territory: Territory,
    sessions: Sessions,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await seed(sessions, territory)

    def broken(*_: object) -> bytes:
        raise RuntimeError("a bug")

    monkeypatch.setitem(FORMATS, "xlsx", broken)
    ann = sandbox.user(7_019_283_750, "Ann", "en")
    await join(ann, territory.facilitator_code, "I agree")
    ann.mark_seen()
    await ann.send_text("/export")
    said, failed, table = await ann.wait_new(3, timeout=30)
    assert said.text.startswith(f"{territory.name}: the answers of 6 people")
    assert failed.text == "Sorry, I could not make this file. Please try /export again later."
    assert table.kind == "document" and table.file_name is not None
    assert table.file_name.endswith(".csv")
