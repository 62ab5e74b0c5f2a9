"""What the facilitator's routers share: a router for private chats."""

from __future__ import annotations

from aiogram import Router

from bot.telegram.filters import ChatType


def private_router(name: str) -> Router:
    """A router that sees only private chats' messages and button presses."""
    router = Router(name=name)
    for observer in (router.message, router.callback_query):
        observer.filter(ChatType("private"))
    return router
