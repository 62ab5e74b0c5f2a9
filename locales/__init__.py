"""The gettext catalogs (data): `messages.pot` and one `<lang>/LC_MESSAGES/messages.po` each.

English is the source language; a language is available as soon as its `.po` file exists.
"""

from pathlib import Path

LOCALES_DIR = Path(__file__).resolve().parent
