"""The Telegram Bot API as data, and the checks the local server makes on every request.

The server ships a subset of `shared/reference/telegram-bot-api.json` (the methods it serves
and every type they reach) as `bot_api_subset.json`; a test keeps it equal to the reference.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SUBSET_PATH = Path(__file__).with_name("bot_api_subset.json")

SERVED_METHODS = (
    "getMe",
    "getUpdates",
    "deleteWebhook",
    "setWebhook",
    "getWebhookInfo",
    "setMyCommands",
    "sendMessage",
    "editMessageText",
    "editMessageReplyMarkup",
    "answerCallbackQuery",
    "sendPhoto",
    "sendDocument",
    "sendVoice",
    "sendChatAction",
    "getFile",
)

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64


class ApiError(Exception):
    """An error answered as Telegram does: HTTP status and a description."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def subset(full: dict[str, Any], methods: tuple[str, ...] = SERVED_METHODS) -> dict[str, Any]:
    """The methods named and every type reachable from their fields."""
    types: dict[str, Any] = {}
    pending = [
        name
        for method in methods
        for field in full["methods"][method].get("fields", [])
        for name in _type_names(field["types"])
    ]
    while pending:
        name = pending.pop()
        if name in types or name not in full["types"]:
            continue
        spec = full["types"][name]
        types[name] = spec
        pending.extend(spec.get("subtypes", []))
        for field in spec.get("fields", []):
            pending.extend(_type_names(field["types"]))
    return {
        "version": full["version"],
        "methods": {m: full["methods"][m] for m in methods},
        "types": dict(sorted(types.items())),
    }


def _type_names(declared: list[str]) -> list[str]:
    """The element types: 'Array of Array of InlineKeyboardButton' -> 'InlineKeyboardButton'."""
    return [re.sub(r"^(Array of )+", "", t) for t in declared]


@cache
def load_spec() -> dict[str, Any]:
    return json.loads(SUBSET_PATH.read_text(encoding="utf-8"))


@dataclass
class Checker:
    """Checks one request's parameters against the spec; raises `ApiError` (400) when wrong."""

    spec: dict[str, Any]

    def check(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        if method not in self.spec["methods"]:
            raise ApiError(404, "Not Found")
        parsed = self.fields(
            self.spec["methods"][method],
            params,
            method,
            unknown="unknown parameter '{name}' for " + method,
            missing="parameter '{name}' is required for " + method,
        )
        self.limits(method, parsed)
        return parsed

    def fields(
        self, spec: dict[str, Any], given: dict[str, Any], where: str, *, unknown: str, missing: str
    ) -> dict[str, Any]:
        """Check a method's parameters or an object's fields: none unknown, none missing."""
        fields = {f["name"]: f for f in spec.get("fields", [])}
        out: dict[str, Any] = {}
        for name, item in given.items():
            if name not in fields:
                raise ApiError(400, "Bad Request: " + unknown.format(name=name))
            out[name] = self.value(fields[name]["types"], item, f"{where}.{name}")
        for name, field in fields.items():
            if field["required"] and name not in out:
                raise ApiError(400, "Bad Request: " + missing.format(name=name))
        return out

    def value(self, declared: list[str], value: Any, where: str) -> Any:
        if len(declared) > 1:
            declared = self.likely(declared, value)
        problems = []
        for kind in declared:
            try:
                return self.one(kind, value, where)
            except ApiError as exc:
                problems.append(exc.description)
        raise ApiError(
            400, problems[0] if len(problems) == 1 else f"Bad Request: {where} is invalid"
        )

    def likely(self, declared: list[str], value: Any) -> list[str]:
        """Of a union of object types, the ones whose fields cover the object's keys."""
        if isinstance(value, str) and value.startswith("{"):
            try:
                value = json.loads(value)
            except ValueError:
                return declared
        if not isinstance(value, dict):
            return declared
        fitting = [
            kind
            for kind in declared
            if "fields" in self.spec["types"].get(kind, {})
            and set(value) <= {f["name"] for f in self.spec["types"][kind]["fields"]}
        ]
        return fitting or declared

    def one(self, kind: str, value: Any, where: str) -> Any:
        if kind.startswith("Array of "):
            if isinstance(value, str):
                value = _json(value, where)
            if not isinstance(value, list):
                raise ApiError(400, f"Bad Request: {where} must be an array")
            inner = kind.removeprefix("Array of ")
            return [self.one(inner, item, f"{where}[{i}]") for i, item in enumerate(value)]
        if kind == "Integer":
            if isinstance(value, bool):
                raise ApiError(400, f"Bad Request: {where} must be an integer")
            try:
                return int(value)
            except (TypeError, ValueError):
                raise ApiError(400, f"Bad Request: {where} must be an integer") from None
        if kind in ("Float", "Float number"):
            try:
                return float(value)
            except (TypeError, ValueError):
                raise ApiError(400, f"Bad Request: {where} must be a number") from None
        if kind in ("Boolean", "True"):
            if isinstance(value, bool):
                return value
            if str(value).lower() in ("true", "false"):
                return str(value).lower() == "true"
            raise ApiError(400, f"Bad Request: {where} must be a boolean")
        if kind == "String":
            if isinstance(value, dict | list):
                raise ApiError(400, f"Bad Request: {where} must be a string")
            return str(value)
        if kind == "InputFile":
            if isinstance(value, UploadedFile):
                return value
            raise ApiError(400, f"Bad Request: {where} must be an uploaded file")
        spec = self.spec["types"].get(kind)
        if spec is None:
            raise ApiError(400, f"Bad Request: {where} has an unknown type {kind}")
        if isinstance(value, str):
            value = _json(value, where)
        if not isinstance(value, dict):
            raise ApiError(400, f"Bad Request: {where} must be an object")
        if "subtypes" in spec:
            return self.value(spec["subtypes"], value, where)
        out = self.fields(
            spec,
            value,
            where,
            unknown="unknown field '{name}' in " + f"{where} ({kind})",
            missing="field '{name}' is required in " + f"{where} ({kind})",
        )
        if kind == "InlineKeyboardButton" and "callback_data" in out:
            size = len(out["callback_data"].encode())
            if not 1 <= size <= CALLBACK_DATA_LIMIT:
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
        return out

    @staticmethod
    def limits(method: str, params: dict[str, Any]) -> None:
        text = params.get("text")
        if method in ("sendMessage", "editMessageText"):
            if not text or not str(text).strip():
                raise ApiError(400, "Bad Request: message text is empty")
            if len(text) > TEXT_LIMIT:
                raise ApiError(400, "Bad Request: message is too long")
        caption = params.get("caption")
        if caption is not None and len(caption) > CAPTION_LIMIT:
            raise ApiError(400, "Bad Request: message caption is too long")


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    data: bytes


def _json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise ApiError(400, f"Bad Request: can't parse {where} as JSON") from None
