"""/export for a facilitator: every answer of their current territory as an XLSX workbook and
a CSV table, in their language. The answers are read after the update's transaction, beside
the writer (a whole territory takes about half a second), and the files are made off the
event loop."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

from aiogram.filters import Command
from aiogram.types import Message

from bot import texts
from bot.reports.export import FORMATS, file_name, gather, today_in
from bot.telegram.facilitator.common import private_router
from bot.telegram.filters import Facilitates
from bot.telegram.sending import Replies
from dialogs.i18n import Translator
from dialogs.model import Flow
from storage.db import Database
from storage.models import Territory, utcnow

SENT = ("xlsx", "csv")

router = private_router("facilitator-export")


@router.message(Command("export"), Facilitates())
async def export(
    message: Message,
    out: Replies,
    tr: Translator,
    territory: Territory,
    flows: Mapping[str, Flow],
    database: Database,
) -> None:

    async def files(out: Replies) -> None:
        async with database.snapshot() as session:
            data = await gather(session, [territory], flows)
        if not data.rows and not data.kept:
            out.say(tr(texts.EXPORT_NOTHING, territory=territory.name))
            return
        day = today_in(data.places, utcnow())
        out.say(tr.text(texts.export_ready(territory.name, len(data.people))))
        failed = tr(texts.EXPORT_FAILED)
        for extension in SENT:
            build = partial(FORMATS[extension], data, tr)
            out.document(file_name(data.places, day, extension), build, failed=failed)

    out.later(files, failed=tr(texts.EXPORT_FAILED))
