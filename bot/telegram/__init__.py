"""The Telegram channel: the only package that imports aiogram.

It turns updates into engine inputs, stores the results through `storage`, and renders the
engine's outputs as HTML messages with inline keyboards.
"""
