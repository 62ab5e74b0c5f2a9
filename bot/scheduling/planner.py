"""The planner: who should get which scheduled message, and when, written to the outbox:
nudges, invitations, reminders before the session, the summary to facilitators a day before,
thanks after it, and facilitators' daily digests.

Idempotent: every message has a key that says why it exists (a nudge for one quiet spell in
one block, the invitation, a reminder for one session date), so planning again adds nothing.
A session date that changes gives new keys; the reminders of the old date are cancelled.
Set-based: a few queries whatever the number of people, then one insert."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from bot.scheduling.rules import MAX_NUDGES, Schedule
from storage.models import Territory
from storage.outbox import Outbox, Planned

NUDGE = "nudge"
INVITATION = "invitation"
SESSION = "session"
REMIND = "remind"
"""A reminder a facilitator asked for (/remind)."""
DIGEST = "digest"
"""A facilitator's daily digest (/digest HH:MM)."""
SUMMARY = "summary"
"""The territory's summary, to its facilitators, a day before the session."""
THANKS = "thanks"
"""After the session, to everyone who finished a block: thanks, their results."""
SUMMARY_BEFORE = timedelta(hours=24)
THANKS_AFTER = timedelta(hours=2)


@dataclass(frozen=True)
class Plan:
    """What one planning pass did."""

    planned: int
    cancelled: int


def _stamp(moment: datetime) -> int:
    return int(moment.timestamp())


async def plan(outbox: Outbox, now: datetime) -> Plan:
    """Plan what is due from `now` on: nudges, invitations, reminders before the session, the
    summary before it and thanks after it, facilitators' digests; cancel what a moved session
    date made stale."""
    territories = {t.id: t for t in await outbox.territories()}
    schedules = {t.id: Schedule.of(t.timezone, t.schedule) for t in territories.values()}
    messages: list[Planned] = []
    if schedules:
        shortest = min(s.nudge_after for s in schedules.values())
        messages += await _nudges(outbox, now, schedules, shortest)
        messages += await _invitations(outbox, now, schedules, shortest)
    reminders, cancelled = await _reminders(outbox, now, territories, schedules)
    messages += await _digests(outbox, now, schedules)
    planned = await outbox.plan(messages + reminders, now)
    return Plan(planned, cancelled)


async def _digests(outbox: Outbox, now: datetime, schedules: dict[int, Schedule]) -> list[Planned]:
    """Each facilitator's next daily digest, at their time in the territory's zone (after the
    quiet hours if it falls inside them)."""
    out = []
    for person, place, at in await outbox.digests():
        schedule = schedules[place]
        hours, minutes = (int(part) for part in at.split(":"))
        local = now.astimezone(schedule.zone)
        day = local.date()
        due = datetime.combine(day, time(hours, minutes), tzinfo=schedule.zone)
        if due < local:
            day += timedelta(days=1)
            due = datetime.combine(day, time(hours, minutes), tzinfo=schedule.zone)
        key = f"{DIGEST}:{place}:{person}:{day.isoformat()}:{at}"
        out.append(
            Planned(key, DIGEST, person, place, {"day": day.isoformat()}, schedule.allowed(due))
        )
    return out


async def _nudges(
    outbox: Outbox, now: datetime, schedules: dict[int, Schedule], shortest: timedelta
) -> list[Planned]:
    out = []
    for quiet in await outbox.quiet_since(now - shortest):
        schedule = schedules[quiet.territory_id]
        due = quiet.updated_at + schedule.nudge_after
        if quiet.nudges >= MAX_NUDGES or due > now:
            continue
        out.append(
            Planned(
                f"{NUDGE}:{quiet.participant_id}:{quiet.territory_id}:{quiet.flow_id}:"
                f"{quiet.updated_at.isoformat()}",
                NUDGE,
                quiet.participant_id,
                quiet.territory_id,
                {"flow": quiet.flow_id, "quiet_since": quiet.updated_at.isoformat()},
                schedule.allowed(now),
            )
        )
    return out


async def _invitations(
    outbox: Outbox, now: datetime, schedules: dict[int, Schedule], shortest: timedelta
) -> list[Planned]:
    out = []
    for person, place, joined in await outbox.never_started(now - shortest):
        if joined + schedules[place].nudge_after > now:
            continue  # this territory waits longer than the shortest
        out.append(
            Planned(
                f"{INVITATION}:{person}:{place}",
                INVITATION,
                person,
                place,
                {},
                schedules[place].allowed(now),
            )
        )
    return out


async def _reminders(
    outbox: Outbox,
    now: datetime,
    territories: dict[int, Territory],
    schedules: dict[int, Schedule],
) -> tuple[list[Planned], int]:
    """Reminders before each territory's session (those still ahead), the summary before it
    and thanks after it; and how many planned for another date were cancelled."""
    dates = {t.id: t.session_at for t in territories.values() if t.session_at is not None}
    cancelled = await outbox.cancel_stale_sessions(dates, "session date changed")
    ahead = {place: at for place, at in dates.items() if at > now}
    wanted: dict[int, list[tuple[str, datetime]]] = {}
    for place, session in ahead.items():
        schedule = schedules[place]
        for before in schedule.reminders:
            due = schedule.allowed(session - before)
            if due < now or due >= session:  # moved into the past, or past the session
                continue
            wanted.setdefault(place, []).append((f"{before.total_seconds() / 3600:g}", due))
    out: list[Planned] = []
    for person, place in await outbox.members_of(list(wanted)):
        session = ahead[place]
        for hours, due in wanted[place]:
            out.append(
                Planned(
                    f"{SESSION}:{place}:{person}:{hours}:{_stamp(session)}",
                    SESSION,
                    person,
                    place,
                    {"session_at": session.isoformat(), "hours_before": float(hours)},
                    due,
                )
            )
    for kind, role, finished, due_of in (
        (SUMMARY, "facilitator", False, lambda s, at: s.allowed(at - SUMMARY_BEFORE)),
        (THANKS, "participant", True, lambda s, at: s.allowed(at + THANKS_AFTER)),
    ):
        for person, place in await outbox.members_of(list(ahead), role=role, finished=finished):
            session = ahead[place]
            due = due_of(schedules[place], session)
            if kind == SUMMARY and (due < now or due >= session):
                continue
            key = f"{kind}:{place}:{person}:{_stamp(session)}"
            out.append(Planned(key, kind, person, place, {"session_at": session.isoformat()}, due))
    return out, cancelled
