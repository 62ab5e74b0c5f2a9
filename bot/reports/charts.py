"""Charts as small PNG (or SVG) images, readable on a phone: a radar of the blocks' scores and
bars of progress. Labels come translated from the caller; nothing here knows a channel."""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # no display, no GUI toolkit: before pyplot is imported

import matplotlib.pyplot as plt  # the backend is chosen above, before pyplot
from matplotlib.figure import Figure

matplotlib.rcParams["svg.fonttype"] = "none"  # SVG text stays text: searchable, small
matplotlib.rcParams["svg.hashsalt"] = "sse-facilitator"  # stable ids: same figures, same file

COLOURS = ("#1f5fa8", "#d9822b", "#2e8b57", "#8e44ad", "#c0392b", "#7f8c8d")
"""Blue, orange, green first: told apart by most people with a colour vision deficiency."""
STYLES = ("-", "--", ":", "-.", "-", "--")


@dataclass(frozen=True)
class Series:
    """One line of a radar chart: a name for the legend and a value per axis (0–100, or None
    where there is no figure)."""

    name: str
    values: Sequence[float | None]


def _save(figure: Figure, fmt: str) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=100, bbox_inches="tight", metadata=_metadata(fmt))
    plt.close(figure)
    return buffer.getvalue()


def _metadata(fmt: str) -> dict[str, str | None]:
    """No creation date or software name: the same figures give the same file."""
    if fmt == "svg":
        return {"Date": None, "Creator": None}
    if fmt == "png":
        return {"Software": None}
    return {}


def _wrap(label: str, width: int = 14) -> str:
    words, lines, line = label.split(), [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    lines.append(line)
    return "\n".join(lines)


def radar(
    axes: Sequence[str], series: Sequence[Series], title: str = "", fmt: str = "png"
) -> bytes:
    """A radar chart on 0–100, one axis per block; a missing value leaves a gap in the line
    (drawn as points only), never a false zero."""
    count = len(axes)
    angles = [2 * math.pi * i / count for i in range(count)]
    figure, ax = plt.subplots(figsize=(6, 6), subplot_kw={"projection": "polar"})
    ax.set_theta_offset(math.pi / 2)
    ax.set_theta_direction(-1)
    ax.set_ylim(0, 100)
    ax.set_yticks([25, 50, 75, 100])
    ax.set_yticklabels(["25", "50", "75", "100"], fontsize=8, color="#555555")
    ax.set_xticks(angles)
    ax.set_xticklabels([_wrap(a) for a in axes], fontsize=9)
    for index, line in enumerate(series):
        colour = COLOURS[index % len(COLOURS)]
        style = STYLES[index % len(STYLES)]
        values = list(line.values)
        closed = [*angles, angles[0]]
        points = [*values, values[0]]
        if all(v is not None for v in values):
            ax.plot(closed, points, style, color=colour, linewidth=2, label=line.name)
            ax.fill(closed, points, color=colour, alpha=0.08)
        else:
            shown = [(a, v) for a, v in zip(angles, values, strict=True) if v is not None]
            ax.plot(
                [a for a, _ in shown],
                [v for _, v in shown],
                "o",
                color=colour,
                label=line.name,
            )
    if series:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.08), ncol=min(3, len(series)))
    if title:
        ax.set_title(title, fontsize=12, pad=24)
    return _save(figure, fmt)


def bars(
    labels: Sequence[str],
    groups: Mapping[str, Sequence[int]],
    title: str = "",
    fmt: str = "png",
) -> bytes:
    """Horizontal bars, one row per label and one bar per group (e.g. started and finished
    per block), with the count written at the end of each bar."""
    rows = len(labels)
    figure, ax = plt.subplots(figsize=(6, max(2.5, 0.55 * rows + 1)))
    height = 0.8 / max(len(groups), 1)
    for index, (name, counts) in enumerate(groups.items()):
        positions = [r + index * height for r in range(rows)]
        drawn = ax.barh(
            positions, counts, height=height, color=COLOURS[index % len(COLOURS)], label=name
        )
        ax.bar_label(drawn, padding=2, fontsize=8)
    ax.set_yticks([r + height * (len(groups) - 1) / 2 for r in range(rows)])
    ax.set_yticklabels(labels, fontsize=9)
    ax.invert_yaxis()
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    if groups:
        ax.legend(loc="lower right", fontsize=8)
    if title:
        ax.set_title(title, fontsize=12)
    return _save(figure, fmt)
