"""A territory's fields as people give them, and the steps of the /newterritory dialog (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import new_territory, territories, texts
from dialogs.texts import Msg

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_fields_are_tidied_or_refused() -> None:
    assert territories.territory_name("  Dakar   Plateau ") == "Dakar Plateau"
    assert territories.country_code(" sn ") == "SN"
    assert territories.time_zone("america/argentina/cordoba") == "America/Argentina/Cordoba"
    assert territories.time_zone("America/Sao Paulo") == "America/Sao_Paulo"
    assert territories.language("FR") == "fr"
    for check, given in (
        (territories.territory_name, "   "),
        (territories.territory_name, "x" * 201),
        (territories.country_code, "ZZ"),
        (territories.country_code, "EU"),
        (territories.country_code, "Senegal"),
        (territories.time_zone, "Mars/Base"),
        (territories.time_zone, ""),
        (territories.language, "de"),
        (territories.bot_link, "a b"),
    ):
        with pytest.raises(territories.Invalid):
            check(given)


def test_a_session_time_without_offset_is_in_the_territory_zone() -> None:
    typed = territories.session_at("2027-06-01 16:15", "Europe/Paris")
    assert typed.isoformat() == "2027-06-01T16:15:00+02:00"
    given = territories.session_at("2027-06-01T16:15+00:00", "Europe/Paris")
    assert given.isoformat() == "2027-06-01T16:15:00+00:00"
    with pytest.raises(territories.Invalid):
        territories.session_at("tomorrow", "Europe/Paris")
    with pytest.raises(territories.Invalid):  # a day without a time would mean midnight
        territories.session_at("2027-06-01", "Europe/Paris")


def test_links() -> None:
    for name in ("my_sse_bot", "@my_sse_bot", "https://t.me/my_sse_bot"):
        assert territories.bot_link(name) == "https://t.me/my_sse_bot"
    link = territories.deep_link("https://t.me/my_sse_bot", "ABCD2345")
    assert link == "https://t.me/my_sse_bot?start=ABCD2345"
    assert territories.start_command("ABCD2345") == "/start ABCD2345"


def test_zones_of_a_country() -> None:
    assert territories.zones_of("SN") == ["Africa/Dakar"]
    assert "America/Argentina/Cordoba" in territories.zones_of("AR")
    assert new_territory.zone_choices({"country": "AR"})  # 12: buttons
    assert new_territory.zone_choices({"country": "US"}) == []  # too many: typed
    assert new_territory.example_zone({"country": "US"}).startswith("America/")


def test_the_dialog_keeps_what_was_given_and_says_why_an_answer_is_refused() -> None:
    state = new_territory.start()
    state, problem = new_territory.answer(state, "  Córdoba ", NOW)
    assert problem is None and state == {"step": "country", "name": "Córdoba"}
    same, problem = new_territory.answer(state, "XX", NOW)
    assert same == state and problem == Msg(texts.NEW_COUNTRY_BAD, {"given": "XX"})
    state, _ = new_territory.answer(state, "ar", NOW)
    same, problem = new_territory.answer(state, "Cordoba", NOW)
    assert same == state
    assert problem == Msg(
        texts.NEW_ZONE_BAD, {"given": "Cordoba", "example": "America/Argentina/Buenos_Aires"}
    )
    state, _ = new_territory.answer(state, "America/Argentina/Cordoba", NOW)
    same, problem = new_territory.answer(state, "Deutsch", NOW)
    assert same == state and problem == Msg(texts.NEW_LANGUAGE_BUTTONS, {})
    state, _ = new_territory.answer(state, "Español", NOW)
    assert state["language"] == "es"
    for typed, refusal in (("2020-06-01 16:15", texts.NEW_SESSION_PAST), ("soon", None)):
        same, problem = new_territory.answer(state, typed, NOW)
        assert same == state and problem is not None
        assert refusal is None or problem.key == refusal
    done, problem = new_territory.answer(state, "2027-06-01 16:15", NOW)
    assert problem is None
    fields = new_territory.fields(done)
    assert fields == new_territory.Fields(
        "Córdoba",
        "AR",
        "America/Argentina/Cordoba",
        "es",
        datetime.fromisoformat("2027-06-01T16:15:00-03:00"),
    )
    assert new_territory.fields(new_territory.skip_session(state)).session_at is None
