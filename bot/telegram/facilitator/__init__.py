"""The facilitator's side in a private chat: one router per capability, each with the
`Facilitates()` filter on its commands, then the refusal of those commands to everyone else.
"""

from __future__ import annotations

from aiogram import Router

from bot.telegram.facilitator import (
    blocks,
    briefing,
    export,
    help,
    invite,
    profile,
    progress,
    refusals,
    scheduling,
    summary,
)

router = Router(name="facilitator")
router.include_routers(
    help.router,
    profile.router,
    blocks.router,
    invite.router,
    export.router,
    progress.router,
    summary.router,
    briefing.router,
    scheduling.router,
    refusals.router,  # last: what no capability above took
)
