"""The short dialog in which an organiser creates a territory, as pure steps over a JSON state:
name, country, time zone, language, then an optional session date and time. A refused answer
leaves the state as it was and says why (channel-neutral: a channel asks and shows)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot import territories, texts
from dialogs.i18n import available_languages, language_name
from dialogs.texts import Msg

KIND = "newterritory"
STEPS = ("name", "country", "timezone", "language", "session", "done")
ZONE_BUTTONS = 12
"""A country with at most this many time zones gets a button for each."""
ZONE_EXAMPLE = "Africa/Dakar"


@dataclass(frozen=True)
class Fields:
    """What the territory is created with, once the dialog is done."""

    name: str
    country: str
    timezone: str
    language: str
    session_at: datetime | None


def start() -> dict[str, Any]:
    return {"step": "name"}


def _problem(key: str, **params: Any) -> Msg:
    return Msg(key, params)


def example_zone(state: dict[str, Any]) -> str:
    """A zone of the chosen country to show as an example (or a well-known one)."""
    zones = territories.zones_of(state.get("country", ""))
    return zones[0] if zones else ZONE_EXAMPLE


def zone_choices(state: dict[str, Any]) -> list[str]:
    """The zones to offer as buttons: all of the country's when there are few."""
    zones = territories.zones_of(state.get("country", ""))
    return zones if len(zones) <= ZONE_BUTTONS else []


def _language(text: str) -> str:
    given = text.strip().lower()
    for language in available_languages():
        if given in (language, language_name(language).lower()):
            return language
    raise territories.Invalid("language", text)


def answer(state: dict[str, Any], text: str, now: datetime) -> tuple[dict[str, Any], Msg | None]:
    """Take a typed answer (or a button's value) for the current step: the next state, or the
    same state and a kind word on what to type."""
    step = state["step"]
    try:
        if step == "name":  # asked again after a name taken: the country is known already
            after = "timezone" if "country" in state else "country"
            return {**state, "name": territories.territory_name(text), "step": after}, None
        if step == "country":
            return {**state, "country": territories.country_code(text), "step": "timezone"}, None
        if step == "timezone":
            return {**state, "timezone": territories.time_zone(text), "step": "language"}, None
        if step == "language":
            return {**state, "language": _language(text), "step": "session"}, None
        if step == "session":
            when = territories.session_at(text, state["timezone"])
            if when <= now:
                return state, _problem(texts.NEW_SESSION_PAST)
            return {**state, "session_at": when.isoformat(), "step": "done"}, None
    except territories.Invalid:
        given = " ".join(text.split())[:40]
        match step:
            case "name":
                return state, _problem(texts.NEW_NAME_BAD)
            case "country":
                return state, _problem(texts.NEW_COUNTRY_BAD, given=given)
            case "timezone":
                return state, _problem(texts.NEW_ZONE_BAD, given=given, example=example_zone(state))
            case "language":
                return state, _problem(texts.NEW_LANGUAGE_BUTTONS)
            case _:
                return state, _problem(texts.NEW_SESSION_BAD, given=given)
    raise ValueError(f"no answer is expected at step {step!r}")


def name_taken(state: dict[str, Any]) -> dict[str, Any]:
    """Back to the name: the country has a territory of this name already."""
    return {**state, "step": "name"}


def skip_session(state: dict[str, Any]) -> dict[str, Any]:
    return {**state, "session_at": None, "step": "done"}


def fields(state: dict[str, Any]) -> Fields:
    """The territory's fields from a finished dialog."""
    assert state["step"] == "done"
    when = state.get("session_at")
    return Fields(
        state["name"],
        state["country"],
        state["timezone"],
        state["language"],
        datetime.fromisoformat(when) if when else None,
    )
