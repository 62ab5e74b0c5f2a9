"""Benchmark: the engine's cost per step, against a JSON round trip of the state.

Storing a step already costs one JSON round trip of the state, so this ratio says how much
the engine adds to that. Both are measured in the same run (machines here are noisy: the
ratio holds, an absolute time does not). Run: python bench/engine_step.py
"""

from __future__ import annotations

import json
import statistics
import time
from collections.abc import Callable

from dialogs import engine
from dialogs.loader import load_flows

FLOW = load_flows()["legal"]
OTHERS = {"context": {"national_law": {"choice": "yes"}, "powers": {"choices": ["land"]}}}
INPUTS: list[engine.Input] = [
    engine.Start(), engine.Choose("2"), engine.Choose("2"), engine.Toggle("cooperatives"),
    engine.Toggle("mutuals"), engine.Done(), engine.Choose("1"), engine.Back(),
    engine.Choose("2"), engine.Choose("2"), engine.Choose("1"), engine.Choose("dk"),
    engine.Choose("3"), engine.Text("A monthly council with SSE networks."),
    engine.Voice("file-1", 30),
]  # fmt: skip


def whole_block() -> list[engine.State]:
    state = None
    states = []
    for event in INPUTS:
        state, _ = engine.step(FLOW, state, event, OTHERS)
        states.append(state)
    return states


STATES = whole_block()


def engine_run() -> None:
    whole_block()


def json_baseline() -> None:
    for state in STATES:
        json.loads(json.dumps(state))


def best_of(work: Callable[[], None], repeats: int = 7, number: int = 60) -> float:
    """Seconds per call, the median of `repeats` runs of `number` calls."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            work()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def main() -> None:
    steps = len(INPUTS)
    baseline = best_of(json_baseline) / steps
    measured = best_of(engine_run) / steps
    print(f"engine step:            {measured * 1e6:8.1f} µs  ({1 / measured:,.0f} steps/s)")
    print(f"JSON round trip (base): {baseline * 1e6:8.1f} µs")
    print(f"ratio engine/baseline:  {measured / baseline:8.1f}")


if __name__ == "__main__":
    main()
