"""/progress for a facilitator: who joined, who started and finished each block, and the same
as a bar chart."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from aiogram.filters import Command
from aiogram.types import Message

from bot.reports.charts import bars
from bot.reports.summary_text import progress_bars, progress_text
from bot.telegram.facilitator.common import private_router
from bot.telegram.filters import Facilitates
from bot.telegram.render import Reply
from bot.telegram.sending import Replies
from dialogs.i18n import Translator
from dialogs.model import Flow
from storage.models import Territory
from storage.reports import Reports
from storage.repository import Repository

router = private_router("facilitator-progress")


@router.message(Command("progress"), Facilitates())
async def progress(
    message: Message,
    repo: Repository,
    out: Replies,
    tr: Translator,
    territory: Territory,
    flows: Mapping[str, Flow],
) -> None:
    counts = await Reports(repo.session).progress(territory.id)
    text = progress_text(counts, flows, territory.name, tr)
    chart = progress_bars(counts, flows, tr)
    if chart is None:  # nobody started: no empty chart
        out.send(Reply(text))
        return
    labels, groups, title = chart
    out.picture("progress.png", partial(bars, labels, groups, title), text)
