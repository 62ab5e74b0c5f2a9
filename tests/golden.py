"""Golden transcripts: a flow, a language and inputs; the engine's outputs as text, in YAML.

`pytest --regen-transcripts` rewrites the expected outputs so a change shows as a diff.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from dialogs import engine
from dialogs.i18n import translator
from dialogs.loader import load_flows, parse_flow
from dialogs.model import Flow
from dialogs.render import render_question

TRANSCRIPTS = Path(__file__).parent / "transcripts"

_BARE = {
    "start": engine.Start,
    "pause": engine.Pause,
    "resume": engine.Resume,
    "back": engine.Back,
    "skip": engine.Skip,
    "done": engine.Done,
}


def parse_input(raw: Any) -> engine.Input:
    if isinstance(raw, str):
        return _BARE[raw]()
    (kind, value), *rest = raw.items()
    extra = dict(rest)
    if kind == "choose":
        return engine.Choose(str(value), extra.get("question"))
    if kind == "toggle":
        return engine.Toggle(str(value), extra.get("question"))
    if kind in ("done", "back", "skip"):
        return _BARE[kind](value)
    if kind == "text":
        return engine.Text(str(value), extra.get("at"))
    if kind == "long_text":
        return engine.Text("x" * int(value), extra.get("at"))
    if kind == "voice":
        return engine.Voice(value["file_id"], value["duration"])
    if kind == "number":
        return engine.Number(value)
    raise ValueError(f"unknown transcript input {raw!r}")


def describe(output: engine.Output, language: str) -> dict[str, Any]:
    tr = translator(language)
    if isinstance(output, engine.Say):
        return {output.role: tr.text(output.text)}
    if isinstance(output, engine.Ask):
        shown = render_question(output, tr)
        out: dict[str, Any] = {"ask": output.question, "text": shown.text}
        out["buttons"] = [f"{b.id}: {b.label}" for b in shown.options]
        out["actions"] = [f"{b.id}: {b.label}" for b in shown.actions]
        if output.refresh:
            out["refresh"] = True
        return out
    if isinstance(output, engine.Recorded):
        answer = output.answer
        if answer and len(answer.get("text", "")) > 200:
            answer = {**answer, "text": f"<{len(answer['text'])} characters>"}
        described = {"recorded": output.question, "answer": answer}
        return described if output.changed else {**described, "unchanged": True}
    score = output.score.to_dict() if output.score else None
    return {"finished": output.flow, "score": score}


def _flow(name: str) -> Flow:
    """A shipped flow by id, or a test flow by path under tests/transcripts/."""
    if not name.endswith(".yaml"):
        return load_flows()[name]
    path = TRANSCRIPTS / name
    return parse_flow(path.read_text(encoding="utf-8"), path.name)


def run(transcript: dict[str, Any]) -> list[dict[str, Any]]:
    """Run a transcript's inputs; return its steps with the outputs the engine gives now."""
    flow = _flow(transcript["flow"])
    language = transcript.get("language", "en")
    others = transcript.get("others") or {}
    territory = transcript.get("territory") or {}
    state: engine.State | None = None
    steps = []
    for item in transcript["steps"]:
        if "use_flow" in item:
            flow = _flow(item["use_flow"])
            steps.append({"use_flow": item["use_flow"]})
            continue
        state, outputs = engine.step(flow, state, parse_input(item["input"]), others, territory)
        assert json.loads(json.dumps(state)) == state, "the state must be plain JSON"
        steps.append({"input": item["input"], "outputs": [describe(o, language) for o in outputs]})
    return steps


class _Dumper(yaml.SafeDumper):
    pass


def _str(dumper: yaml.SafeDumper, data: str) -> yaml.Node:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _str)


def dump(transcript: dict[str, Any]) -> str:
    return yaml.dump(transcript, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
