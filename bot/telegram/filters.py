"""Filters on who the person is, read from what the middlewares found (not from `if` chains)."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject

from storage.models import Participant, Territory


class Joined(Filter):
    """The person agreed to the notice and takes part in a territory."""

    async def __call__(
        self,
        event: TelegramObject,
        participant: Participant | None = None,
        territory: Territory | None = None,
    ) -> bool:
        return participant is not None and territory is not None
