"""Golden transcripts: the engine's outputs for a flow, a language and a list of inputs."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.golden import TRANSCRIPTS, dump, run

FILES = sorted(TRANSCRIPTS.glob("*.yaml"))


def test_there_are_transcripts() -> None:
    assert len(FILES) >= 8


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_transcript(path: Path, regen_transcripts: bool) -> None:
    transcript = yaml.safe_load(path.read_text(encoding="utf-8"))
    actual = run(transcript)
    if regen_transcripts:
        path.write_text(dump({**transcript, "steps": actual}), encoding="utf-8")
        return
    assert actual == transcript["steps"], f"{path.name} differs; run pytest --regen-transcripts"
