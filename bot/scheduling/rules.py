"""When scheduled messages may go: a territory's quiet hours, how long a person stays quiet
before a nudge, which reminders come before the session. Pure: times in, times out."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DEFAULTS: dict[str, Any] = {
    "quiet": ["21:00", "08:00"],
    "nudge_after_hours": 24,
    "reminder_hours": [168, 48, 3],
}
"""What a territory gets unless its `schedule` says otherwise."""
MAX_NUDGES = 3
"""Nudges for one block, at most (a cancelled one, because the person came back, does not
count)."""


def _clock(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class Schedule:
    """A territory's rules for scheduled messages."""

    zone: ZoneInfo
    quiet_start: time
    quiet_end: time
    nudge_after: timedelta
    reminders: tuple[timedelta, ...]

    @classmethod
    def of(cls, timezone: str, settings: Mapping[str, Any] | None) -> Schedule:
        given = {**DEFAULTS, **(settings or {})}
        start, end = given["quiet"]
        return cls(
            ZoneInfo(timezone),
            _clock(start),
            _clock(end),
            timedelta(hours=float(given["nudge_after_hours"])),
            tuple(timedelta(hours=float(h)) for h in sorted(given["reminder_hours"], reverse=True)),
        )

    def is_quiet(self, moment: datetime) -> bool:
        local = moment.astimezone(self.zone).time()
        if self.quiet_start <= self.quiet_end:
            return self.quiet_start <= local < self.quiet_end
        return local >= self.quiet_start or local < self.quiet_end

    def allowed(self, moment: datetime) -> datetime:
        """`moment`, or the end of the quiet hours it falls in (UTC)."""
        if not self.is_quiet(moment):
            return moment.astimezone(UTC)
        local = moment.astimezone(self.zone)
        day = local.date()
        if self.quiet_start > self.quiet_end and local.time() >= self.quiet_start:
            day += timedelta(days=1)  # evening: quiet until tomorrow morning
        end = datetime.combine(day, self.quiet_end, tzinfo=self.zone)
        return end.astimezone(UTC)
