"""An A4 poster inviting people to join a territory: its name, a QR code of the join link, a
one-line instruction in the territory's language and the link written out; PNG and SVG."""

from __future__ import annotations

import io
import textwrap
import unicodedata
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import segno

from bot import texts
from dialogs.i18n import translator

PAGE_WIDTH = 595.28
PAGE_HEIGHT = 841.89
"""A4 in points (1/72 inch): the unit of the layout, of the SVG and of matplotlib's fonts."""
MARGIN = 48.0
DPI = 150
QUIET_ZONE = 4
"""White modules around the code, as the QR standard asks."""
TITLE_SIZES = (54.0, 44.0, 36.0, 30.0, 24.0, 20.0)
INSTRUCTION_SIZE = 22.0
LINK_SIZE = 14.0
QR_SIDE = 400.0
FONTS = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"
BOLD_WIDTH = 0.66
"""A generous average width of a bold character, in ems (for wrapping without measuring)."""
REGULAR_WIDTH = 0.58


@dataclass(frozen=True)
class Poster:
    title: str
    instruction: str
    link: str
    language: str = "en"


@dataclass(frozen=True)
class Line:
    text: str
    baseline: float
    size: float
    bold: bool = False


@dataclass(frozen=True)
class Layout:
    """Where everything goes on the page, in points from the top left corner."""

    lines: list[Line]
    qr_left: float
    qr_top: float
    module: float
    """The side of one module, in points (a whole number of pixels at `DPI` in the PNG)."""
    matrix: list[list[bool]]


def invite_poster(territory_name: str, language: str, link: str) -> Poster:
    """The poster of a territory's join link, in the territory's language."""
    tr = translator(language)
    return Poster(territory_name, tr(texts.POSTER_INSTRUCTION), link, language)


def file_stem(name: str) -> str:
    """A file name from a territory's name, in plain letters ('Córdoba Sur' -> 'cordoba-sur')."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = "".join(ch if ch.isalnum() else " " for ch in plain.lower()).split()
    return "-".join(words)[:40].strip("-") or "territory"


def _wrap(text: str, size: float, width: float) -> list[str]:
    chars = max(8, int((PAGE_WIDTH - 2 * MARGIN) / (width * size)))
    return textwrap.wrap(text, chars, break_on_hyphens=False) or [text]


def layout(poster: Poster) -> Layout:
    """The title as large as it fits in three lines, the code, the instruction, the link;
    the whole centred on the page."""
    for size in TITLE_SIZES:
        title = _wrap(poster.title, size, BOLD_WIDTH)
        if len(title) <= 3:
            break
    instruction = _wrap(poster.instruction, INSTRUCTION_SIZE, REGULAR_WIDTH)
    link_size = min(LINK_SIZE, (PAGE_WIDTH - 2 * MARGIN) / (REGULAR_WIDTH * len(poster.link)))
    blocks: list[tuple[list[str], float, bool]] = [
        (title, size, True),
        (instruction, INSTRUCTION_SIZE, False),
        ([poster.link], link_size, False),
    ]
    code = segno.make(poster.link, error="m", micro=False)
    matrix = [[bool(m) for m in row] for row in code.matrix_iter(scale=1, border=QUIET_ZONE)]
    text_height = sum(len(b[0]) * 1.25 * b[1] for b in blocks)
    gaps = 28.0 * 3
    room = PAGE_HEIGHT - 2 * MARGIN - text_height - gaps
    pixels = int(min(QR_SIDE, room) * DPI / 72) // len(matrix)
    module = pixels * 72 / DPI
    side = module * len(matrix)
    y = (PAGE_HEIGHT - (text_height + gaps + side)) / 2
    lines: list[Line] = []

    def put(block: tuple[list[str], float, bool]) -> None:
        nonlocal y
        for text in block[0]:
            lines.append(Line(text, y + block[1], block[1], block[2]))
            y += 1.25 * block[1]

    put(blocks[0])
    y += 28.0
    qr_top = y
    y += side + 28.0
    put(blocks[1])
    y += 28.0
    put(blocks[2])
    return Layout(lines, (PAGE_WIDTH - side) / 2, qr_top, module, matrix)


def poster_svg(poster: Poster) -> bytes:
    """A self-contained SVG: text as text (searchable, sharp at any size), the code as one path."""
    page = layout(poster)
    runs: list[str] = []
    for y, row in enumerate(page.matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h{start - x}z")
            else:
                x += 1
    text = "\n".join(
        f'<text x="{PAGE_WIDTH / 2:.2f}" y="{line.baseline:.2f}" font-size="{line.size:.1f}"'
        f"{' font-weight=' + quoteattr('bold') if line.bold else ''}>{escape(line.text)}</text>"
        for line in page.lines
    )
    svg = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="210mm" height="297mm" '
        f'viewBox="0 0 {PAGE_WIDTH} {PAGE_HEIGHT}" xml:lang={quoteattr(poster.language)}>\n'
        f"<title>{escape(poster.title)}</title>\n"
        '<rect width="100%" height="100%" fill="#ffffff"/>\n'
        f'<g fill="#000000" font-family={quoteattr(FONTS)} text-anchor="middle">\n{text}\n</g>\n'
        f'<path transform="translate({page.qr_left:.3f} {page.qr_top:.3f}) '
        f'scale({page.module:.4f})" fill="#000000" shape-rendering="crispEdges" '
        f'd="{"".join(runs)}"/>\n'
        "</svg>\n"
    )
    return svg.encode()


def poster_png(poster: Poster) -> bytes:
    """A printable A4 PNG at 150 dpi (matplotlib, Agg backend: no display needed)."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    page = layout(poster)
    figure = Figure(figsize=(PAGE_WIDTH / 72, PAGE_HEIGHT / 72), dpi=DPI, facecolor="white")
    FigureCanvasAgg(figure)
    for line in page.lines:
        figure.text(
            0.5,
            1 - line.baseline / PAGE_HEIGHT,
            line.text,
            fontsize=line.size,
            fontweight="bold" if line.bold else "normal",
            family="DejaVu Sans",
            ha="center",
            va="baseline",
            parse_math=False,
        )
    pixels = round(page.module * DPI / 72)
    dark = np.array(page.matrix, dtype=float)
    image = np.kron(1.0 - dark, np.ones((pixels, pixels)))
    left = round(page.qr_left * DPI / 72)
    bottom = round((PAGE_HEIGHT - page.qr_top) * DPI / 72) - image.shape[0]
    figure.figimage(image, xo=left, yo=bottom, cmap="gray", vmin=0, vmax=1, origin="upper")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def poster_file(poster: Poster, kind: str) -> bytes:
    """The poster as 'png' or 'svg'."""
    if kind == "png":
        return poster_png(poster)
    if kind == "svg":
        return poster_svg(poster)
    raise ValueError(f"unknown poster format {kind!r}")
