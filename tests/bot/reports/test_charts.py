"""Charts: real images with the labels given, a gap (not a zero) where a figure is missing."""

from __future__ import annotations

import io

from matplotlib import image

from bot.reports.charts import Series, bars, radar

AXES = ["Cadres juridiques", "Planificación", "Finance", "Marchés", "E", "F", "G", "H"]


def test_radar_png_is_a_phone_sized_image() -> None:
    png = radar(AXES, [Series("Territoire", [50, 60, 70, 20, 30, 40, 55, 65])], "Dakar")
    pixels = image.imread(io.BytesIO(png))
    height, width = pixels.shape[:2]
    assert 400 <= width <= 900 and 400 <= height <= 900
    assert len(png) < 200_000


def test_radar_svg_names_every_axis_and_line_and_leaves_gaps() -> None:
    series = [Series("Élus", [40, None, 70, 20, 30, 40, 55, 65]), Series("ESS", [60] * 8)]
    svg = radar(AXES, series, fmt="svg").decode()
    assert svg.startswith("<?xml") and "<svg" in svg
    for text in ("Cadres", "Planificación", "Élus", "ESS"):
        assert text in svg
    assert radar(AXES, series, fmt="svg") == radar(AXES, series, fmt="svg")  # reproducible


def test_bars_png() -> None:
    png = bars(["Legal", "Markets"], {"started": [10, 4], "finished": [8, 0]}, "Progress")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
