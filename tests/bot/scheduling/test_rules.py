"""Quiet hours in the territory's own time: a send that falls inside moves to their end, in
any time zone, across midnight and across a daylight-saving change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.scheduling.rules import Schedule


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def test_quiet_hours_follow_each_territorys_clock() -> None:
    cordoba = Schedule.of("America/Argentina/Cordoba", None)  # UTC-3
    paris = Schedule.of("Europe/Paris", None)  # UTC+1, UTC+2 in summer
    # 23:30 UTC is 20:30 in Córdoba (allowed) and 00:30 in Paris (quiet until 08:00)
    moment = at("2027-01-15T23:30:00+00:00")
    assert cordoba.allowed(moment) == moment
    assert paris.allowed(moment) == at("2027-01-16T08:00:00+01:00")
    # 21:00 sharp is quiet; 07:59 is quiet; 08:00 is not
    assert cordoba.allowed(at("2027-01-15T21:00:00-03:00")) == at("2027-01-16T08:00:00-03:00")
    assert cordoba.allowed(at("2027-01-16T07:59:00-03:00")) == at("2027-01-16T08:00:00-03:00")
    assert not cordoba.is_quiet(at("2027-01-16T08:00:00-03:00"))


def test_the_end_of_the_night_is_in_local_time_across_a_daylight_saving_change() -> None:
    paris = Schedule.of("Europe/Paris", None)
    # the night of 27-28 March 2027: clocks go from 02:00 to 03:00 (UTC+1 to UTC+2)
    evening = at("2027-03-27T22:00:00+01:00")
    morning = paris.allowed(evening)
    assert morning == at("2027-03-28T08:00:00+02:00")
    assert morning - evening == timedelta(hours=9)  # one hour of the night was skipped


def test_a_territory_sets_its_own_quiet_hours_and_delays() -> None:
    custom = Schedule.of(
        "Africa/Dakar",
        {"quiet": ["13:00", "15:00"], "nudge_after_hours": 48, "reminder_hours": [3, 24]},
    )
    assert custom.allowed(at("2027-01-15T14:00:00+00:00")) == at("2027-01-15T15:00:00+00:00")
    assert not custom.is_quiet(at("2027-01-15T22:00:00+00:00"))
    assert custom.nudge_after == timedelta(hours=48)
    assert custom.reminders == (timedelta(hours=24), timedelta(hours=3))
