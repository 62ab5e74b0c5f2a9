"""The conversation engine and the guideline flows: pure Python, no I/O, no clock, no Telegram.

`dialogs.engine.step` turns (flow, state, input) into (new state, outputs); outputs say *what*
to say (gettext message ids and parameters), never *how* a channel shows it.
"""
