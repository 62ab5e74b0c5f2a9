"""Managing territories from the command line: create (no duplicates, no past session),
rename, close and reopen, new codes, delete; each refusing a wrong code clearly."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.cli import main
from storage import db
from storage.models import (
    AnonymousAnswer,
    Answer,
    Conversation,
    GroupLink,
    Membership,
    OutboxMessage,
    Participant,
    PendingDialog,
    RetiredCode,
    Territory,
)
from storage.repository import NewAnswer, Repository

Sessions = async_sessionmaker[AsyncSession]


@dataclass
class Ran:
    status: int
    out: str
    err: str


Cli = Callable[..., Ran]


@pytest.fixture
def cli(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Cli:
    """`sse-facilitator ARGS` in this process on the test's database; `typed` is its input."""
    monkeypatch.setenv("DATABASE_URL", database_url)

    def run(*args: str, typed: str | None = None) -> Ran:
        capsys.readouterr()
        monkeypatch.setattr("sys.stdin", io.StringIO(typed or ""))
        status = main(list(args))
        captured = capsys.readouterr()
        return Ran(status, captured.out, captured.err)

    return run


def create(cli: Cli, name: str = "Dakar Plateau", *extra: str) -> dict[str, str]:
    made = cli(
        "territory", "create", "--name", name, "--country", "SN", "--timezone", "Africa/Dakar",
        "--language", "fr", "--json", *extra,
    )  # fmt: skip
    assert made.status == 0, made.err
    return json.loads(made.out)


def read(url: str, query: object) -> list:
    async def go() -> list:
        engine = db.create_engine(url)
        try:
            async with db.session_factory(engine)() as session:
                return list((await session.execute(query)).all())  # type: ignore[call-overload]
        finally:
            await engine.dispose()

    return asyncio.run(go())


def test_create_refuses_a_second_territory_of_the_same_name_and_country(
    cli: Cli, database_url: str
) -> None:
    first = create(cli, "Dakar Plateau")
    again = cli(
        "territory", "create", "--name", "  dakar   PLATEAU ", "--country", "sn",
        "--timezone", "Africa/Dakar", "--language", "fr",
    )  # fmt: skip
    assert again.status == 2
    assert again.err == (
        f"sse-facilitator: SN already has a territory named 'Dakar Plateau' (join code "
        f"{first['join_code']}); give another name, or add --allow-duplicate\n"
    )
    other_country = cli(
        "territory", "create", "--name", "Dakar Plateau", "--country", "FR",
        "--timezone", "Europe/Paris", "--language", "fr",
    )  # fmt: skip
    assert other_country.status == 0, other_country.err
    second = create(cli, "DAKAR plateau", "--allow-duplicate")
    assert second["join_code"] != first["join_code"]
    names = read(database_url, select(Territory.name, Territory.country).order_by(Territory.id))
    assert names == [("Dakar Plateau", "SN"), ("Dakar Plateau", "FR"), ("DAKAR plateau", "SN")]


def test_create_refuses_a_session_in_the_past(cli: Cli, database_url: str) -> None:
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = cli(
        "territory", "create", "--name", "Thiès", "--country", "SN", "--timezone",
        "Africa/Dakar", "--language", "fr", "--session-at", yesterday,
    )  # fmt: skip
    assert refused.status == 2
    assert refused.err == (
        f"sse-facilitator: --session-at '{yesterday}' is in the past; give the coming "
        "session's date and time\n"
    )
    assert read(database_url, select(Territory.id)) == []
    made = create(cli, "Thiès", "--session-at", "2027-06-01 16:15")
    assert made["session_at"] == "2027-06-01T16:15:00+00:00"


def test_create_prints_how_to_join(cli: Cli) -> None:
    made = cli(
        "territory", "create", "--name", "Rufisque", "--country", "SN", "--timezone",
        "Africa/Dakar", "--language", "fr", "--bot-username", "@my_sse_bot",
    )  # fmt: skip
    assert made.status == 0, made.err
    code = made.out.split("Join code: ")[1].split()[0]
    facilitator = made.out.split("Facilitator code: ")[1].split()[0]
    assert f"Participants: /start {code}  https://t.me/my_sse_bot?start={code}\n" in made.out
    assert (
        f"Facilitators: /start {facilitator}  https://t.me/my_sse_bot?start={facilitator} "
        "(for facilitators only, do not share widely)\n"
    ) in made.out


def test_rename(cli: Cli, database_url: str) -> None:
    first = create(cli, "Dakar Plateau")
    create(cli, "Pikine")
    renamed = cli("territory", "rename", first["facilitator_code"], "--name", " Dakar  Centre ")
    assert renamed.status == 0, renamed.err
    assert renamed.out == (
        f"Renamed 'Dakar Plateau' to 'Dakar Centre' (join code {first['join_code']})\n"
    )
    taken = cli("territory", "rename", first["join_code"], "--name", "pikine")
    assert taken.status == 2 and "SN already has a territory named 'Pikine'" in taken.err
    same = cli("territory", "rename", first["join_code"], "--name", "DAKAR centre")
    assert same.status == 0, "a territory may change the case of its own name"
    again = cli("territory", "rename", first["join_code"], "--name", "DAKAR centre")
    assert again.out == "'DAKAR centre' has that name already: nothing changed.\n"
    both = cli("territory", "rename", first["join_code"], "--name", "Pikine", "--allow-duplicate")
    assert both.status == 0, both.err
    empty = cli("territory", "rename", first["join_code"], "--name", "   ")
    assert (empty.status, empty.err) == (2, "sse-facilitator: --name must be 1 to 200 characters\n")
    names = read(database_url, select(Territory.name).order_by(Territory.id))
    assert names == [("Pikine",), ("Pikine",)]


def test_close_and_reopen(cli: Cli, database_url: str) -> None:
    made = create(cli)
    closed = cli("territory", "close", made["join_code"])
    assert closed.status == 0, closed.err
    assert closed.out == (
        "Closed Dakar Plateau to new people: those already in go on answering.\n"
        "Someone who sends its join code or link is told it takes no new people.\n"
        f"Undo with: sse-facilitator territory reopen {made['join_code']}\n"
    )
    (when,) = read(database_url, select(Territory.closed_at))[0]
    assert when is not None and datetime.now(UTC) - when < timedelta(minutes=1)
    listed = cli("territory", "list")
    assert f"Dakar Plateau  (closed since {when:%Y-%m-%d})\n" in listed.out
    assert json.loads(cli("territory", "list", "--json").out)[0]["closed_at"] == when.isoformat()
    again = cli("territory", "close", made["facilitator_code"])
    assert again.out == f"Dakar Plateau is closed already (since {when:%Y-%m-%d}).\n"
    assert read(database_url, select(Territory.closed_at)) == [(when,)], "the first close holds"
    reopened = cli("territory", "reopen", made["facilitator_code"])
    assert (
        reopened.out == f"Dakar Plateau takes new people again (join code {made['join_code']}).\n"
    )
    assert read(database_url, select(Territory.closed_at)) == [(None,)]
    assert "closed" not in cli("territory", "list").out
    assert cli("territory", "reopen", made["join_code"]).out == (
        "Dakar Plateau is open already: it takes new people.\n"
    )


def test_new_code_replaces_the_join_code_or_the_facilitator_code(
    cli: Cli, database_url: str, tmp_path: Path
) -> None:
    import zxingcpp
    from PIL import Image

    made = create(cli)
    old_join, old_facilitator = made["join_code"], made["facilitator_code"]
    poster = tmp_path / "new-poster.png"
    replaced = cli(
        "territory", "new-code", old_join, "--bot-username", "my_sse_bot", "--qr", str(poster)
    )
    assert replaced.status == 0, replaced.err
    lines = replaced.out.splitlines()
    assert lines[0].startswith("New join code of Dakar Plateau: ")
    new_join = lines[0].rsplit(" ", 1)[1]
    assert new_join != old_join and len(new_join) == 8
    assert lines[1] == (
        f"The old join code {old_join} no longer works: who sends it (or opens its link) is "
        "told it was replaced and to ask for the new one."
    )
    link = f"https://t.me/my_sse_bot?start={new_join}"
    assert lines[2] == f"Participants: /start {new_join}  {link}"
    assert lines[3].startswith(f"Facilitators: /start {old_facilitator}  ")
    assert lines[4] == f"Poster: {poster}"
    with Image.open(poster) as image:
        assert [found.text for found in zxingcpp.read_barcodes(image)] == [link]

    facilitator = cli("territory", "new-code", new_join, "--facilitator")
    assert facilitator.status == 0, facilitator.err
    new_facilitator = facilitator.out.splitlines()[0].rsplit(" ", 1)[1]
    assert facilitator.out.splitlines()[0] == (
        f"New facilitator code of Dakar Plateau: {new_facilitator}"
    )
    assert f"Participants: /start {new_join}\n" in facilitator.out
    assert read(database_url, select(Territory.join_code, Territory.facilitator_code)) == [
        (new_join, new_facilitator)
    ]
    retired = read(database_url, select(RetiredCode.code, RetiredCode.role).order_by("id"))
    assert retired == [(old_join, "participant"), (old_facilitator, "facilitator")]

    # an old code is known as replaced: the operator is told the new one
    old = cli("territory", "schedule", old_join)
    assert old.status == 2
    assert old.err.startswith(
        f"sse-facilitator: the code '{old_join}' of Dakar Plateau was replaced by {new_join} on "
    )
    listed = json.loads(cli("territory", "list", "--json").out)
    assert (listed[0]["join_code"], listed[0]["facilitator_code"]) == (new_join, new_facilitator)

    refused = cli("territory", "new-code", new_join, "--facilitator", "--qr", "p.png")
    assert refused.status == 2 and "leave it out with --facilitator" in refused.err


async def seed(url: str) -> dict[str, str]:
    """Two territories; Awa only in the first, Bintou in both, Cheikh only in the second; each
    with answers, a conversation and a scheduled message; and the first territory's group link,
    replaced code, anonymous answer and pending dialog."""
    engine = db.create_engine(url)
    try:
        async with db.session_factory(engine)() as session, session.begin():
            repo = Repository(session)
            here = await repo.create_territory(
                name="Dakar Plateau", country="SN", timezone="Africa/Dakar", language="fr"
            )
            there = await repo.create_territory(
                name="Pikine", country="SN", timezone="Africa/Dakar", language="fr"
            )
            awa, bintou, cheikh = [await repo.ensure_participant("telegram", i) for i in "123"]
            answer = [NewAnswer("legal", "law", {"choice": "2"})]
            for person, places in ((awa, [here]), (bintou, [here, there]), (cheikh, [there])):
                for place in places:
                    await repo.join(person, place)
                    await repo.save_step(person, place, "legal", {"status": "open"}, answer)
                    session.add(
                        OutboxMessage(
                            key=f"nudge:{person.id}:{place.id}",
                            kind="nudge",
                            participant_id=person.id,
                            territory_id=place.id,
                            payload={},
                            due_at=datetime.now(UTC),
                        )
                    )
            await repo.add_group_link(here, ["legal"])
            await repo.replace_code(here)
            session.add(
                AnonymousAnswer(
                    id="x" * 32,
                    territory_id=here.id,
                    flow_id="legal",
                    question_id="law",
                    value={"choice": "1"},
                    answered_on=datetime.now(UTC).date(),
                )
            )
            await repo.save_pending_dialog("telegram", "1", "profile", {}, here.id)
            await repo.save_pending_dialog("telegram", "1", "organiser", {})
            return {"here": here.join_code, "there": there.join_code}
    finally:
        await engine.dispose()


def counts(url: str) -> dict[str, int]:
    models = (Territory, Participant, Membership, Conversation, Answer, AnonymousAnswer)
    models += (OutboxMessage, GroupLink, RetiredCode, PendingDialog)
    return {m.__tablename__: read(url, select(func.count()).select_from(m))[0][0] for m in models}


def test_delete_asks_for_the_name_then_deletes_everything_of_the_territory(
    cli: Cli, database_url: str
) -> None:
    codes = asyncio.run(seed(database_url))
    before = counts(database_url)
    wrong = cli("territory", "delete", codes["here"], typed="Pikine\n")
    assert wrong.status == 1
    assert wrong.err.splitlines() == [
        "This deletes Dakar Plateau for good: its 2 members' place in it, every answer given "
        "there, its codes and scheduled messages.",
        "sse-facilitator: not deleted: 'Pikine' is not its name (or add --yes)",
    ]
    assert wrong.out == "Type the territory's name to delete it: "
    nothing = cli("territory", "delete", codes["here"])  # no input at all (a script)
    assert nothing.status == 1
    assert nothing.err.endswith("not deleted: nothing was typed (or add --yes)\n")
    assert counts(database_url) == before

    deleted = cli("territory", "delete", codes["here"], typed="  dakar plateau\n")
    assert deleted.status == 0, deleted.err
    assert deleted.out == (  # the prompt, then (the typed line is not echoed here) the counts
        "Type the territory's name to delete it: Deleted Dakar Plateau: 2 memberships, "
        "1 person deleted (they were in no other territory), "
        "2 conversations, 2 answers, 1 anonymous answer, 2 scheduled messages, 1 group link.\n"
    )
    after = counts(database_url)
    assert after == {
        "territories": 1,
        "participants": 2,  # Awa went; Bintou (also in Pikine) and Cheikh stay
        "memberships": 2,
        "conversations": 2,
        "answers": 2,
        "anonymous_answers": 0,
        "outbox": 2,
        "group_links": 0,
        "retired_codes": 0,
        "pending_dialogs": 0,  # the territory's, and Awa's own
    }
    people = read(database_url, select(Participant.external_id).order_by(Participant.id))
    assert people == [("2",), ("3",)]
    (pikine,) = read(database_url, select(Territory.id))[0]
    for model in (Membership, Answer, Conversation, OutboxMessage):
        assert read(database_url, select(model.territory_id).distinct()) == [(pikine,)]
    gone = cli("territory", "delete", codes["here"], "--yes")
    assert gone.status == 2 and f"no territory has the code '{codes['here']}'" in gone.err


def test_delete_with_yes_asks_nothing(cli: Cli, database_url: str) -> None:
    made = create(cli)
    deleted = cli("territory", "delete", made["facilitator_code"], "--yes")
    assert deleted.status == 0, deleted.err
    assert deleted.out == (
        "Deleted Dakar Plateau: 0 memberships, 0 people deleted (they were in no other "
        "territory), 0 conversations, "
        "0 answers, 0 anonymous answers, 0 scheduled messages, 0 group links.\n"
    )
    assert deleted.err == ""
    assert cli("territory", "list").out.startswith("No territories yet.")


@pytest.mark.parametrize(
    "action",
    [
        ["schedule"],
        ["rename", "--name", "X"],
        ["close"],
        ["reopen"],
        ["new-code"],
        ["new-code", "--facilitator"],
        ["delete", "--yes"],
    ],
)
def test_every_action_refuses_an_unknown_code(cli: Cli, action: list[str]) -> None:
    create(cli)
    for code in ("ZZZZ9999", "hello"):
        refused = cli("territory", action[0], code, *action[1:])
        assert refused.status == 2
        assert refused.err == (
            f"sse-facilitator: no territory has the code {code!r}: give its join code or its "
            "facilitator code (sse-facilitator territory list shows them)\n"
        )
        assert refused.out == ""
