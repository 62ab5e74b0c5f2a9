"""A local Telegram Bot API server (real HTTP, the same JSON as Telegram) and a web chat page.

It lets a person try the bot with no Telegram account, and it is what the end-to-end tests
run the real bot against. Every request is checked against the Bot API spec.
"""
