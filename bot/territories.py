"""A territory's fields as a person gives them (name, country, time zone, language, session
date and time), checked the same way on the command line and in a chat, and its links."""

from __future__ import annotations

import re
from datetime import datetime
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, available_timezones

from babel import Locale
from babel.core import get_global

from dialogs.i18n import available_languages

NAME_LIMIT = 200
NOT_COUNTRIES = frozenset({"EU", "EZ", "QO", "UN", "XA", "XB", "ZZ"})
"""Region codes Babel knows that are not countries."""
USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{3,31}")
SESSION_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %Hh%M", "%d/%m/%Y %H:%M")


class Invalid(ValueError):
    """A field that cannot be taken as given: `field` names it, `given` is what was given."""

    def __init__(self, field: str, given: str) -> None:
        super().__init__(f"{field}: {given!r}")
        self.field = field
        self.given = given


def territory_name(text: str) -> str:
    """The name with its spaces tidied; 1 to 200 characters."""
    name = " ".join(text.split())
    if not name or len(name) > NAME_LIMIT:
        raise Invalid("name", text)
    return name


def country_code(text: str) -> str:
    """An ISO 3166 two-letter country code ('sn' -> 'SN')."""
    code = text.strip().upper()
    if len(code) != 2 or code in NOT_COUNTRIES or code not in Locale("en").territories:
        raise Invalid("country", text)
    return code


def country_name(code: str, language: str) -> str:
    return Locale.parse(language).territories.get(code, code)


@cache
def _zones() -> dict[str, str]:
    """Every IANA zone name, by its lower-case spelling."""
    return {zone.lower(): zone for zone in available_timezones()}


def time_zone(text: str) -> str:
    """An IANA time zone, spelt as the database spells it ('africa/dakar' -> 'Africa/Dakar')."""
    zone = _zones().get(text.strip().replace(" ", "_").lower())
    if zone is None:
        raise Invalid("timezone", text)
    return zone


@cache
def _zone_table() -> dict[str, list[str]]:
    """The zones of each country in tzdata's zone.tab: its own order (the most populous zone
    first in many countries, else east to west)."""
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("ascii")
    except (ModuleNotFoundError, OSError):
        return {}
    table: dict[str, list[str]] = {}
    for line in text.splitlines():
        fields = line.split("\t")
        if not line.startswith("#") and len(fields) >= 3:
            table.setdefault(fields[0], []).append(fields[2])
    return table


def zones_of(country: str) -> list[str]:
    """The time zones of a country (tzdata's list, else CLDR's)."""
    known = _zones()
    territory_zones: dict[str, list[str]] = get_global("territory_zones")
    zones = _zone_table().get(country) or territory_zones.get(country, [])
    return [z for z in zones if z.lower() in known]


def language(text: str) -> str:
    code = text.strip().lower()
    if code not in available_languages():
        raise Invalid("language", text)
    return code


def session_at(text: str, zone: str) -> datetime:
    """A date and time typed as 2027-06-01 16:15 (or ISO 8601, e.g. 2027-06-01T16:15+02:00);
    without an offset, it is read in the territory's time zone."""
    typed = " ".join(text.split())
    if not re.search(r"\d[:h]\d", typed):  # a day with no time would mean midnight
        raise Invalid("session_at", text)
    when: datetime | None = None
    try:
        when = datetime.fromisoformat(typed)
    except ValueError:
        for form in SESSION_FORMATS:
            try:
                when = datetime.strptime(typed, form)
                break
            except ValueError:
                continue
    if when is None:
        raise Invalid("session_at", text)
    return when if when.tzinfo is not None else when.replace(tzinfo=ZoneInfo(zone))


def bot_link(username: str) -> str:
    """The bot's address from its username ('@my_bot', 'my_bot' or 'https://t.me/my_bot')."""
    name = username.strip().removeprefix("https://").removeprefix("t.me/").removeprefix("@")
    if not USERNAME.fullmatch(name):
        raise Invalid("username", username)
    return f"https://t.me/{name}"


def deep_link(bot_link: str, code: str) -> str:
    """The link that opens the bot with a code (a join, facilitator or group code)."""
    return f"{bot_link}?start={code}"


def start_command(code: str) -> str:
    """What a person types instead of opening the link."""
    return f"/start {code}"
