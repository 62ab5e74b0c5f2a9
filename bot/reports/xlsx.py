"""A small, fast XLSX writer: rows appended once, strings shared, a bold frozen header, column
widths and an autofilter; nothing else.

General libraries keep a model of every cell or format each one through several layers (about
6 µs a cell here): a territory of 1,000 people has about a million cells. This writer renders a
row's XML in one pass, and lets a caller render cells that repeat on many rows (a person's
pseudonym, a question's text) once and reuse them (`Workbook.cells`), so a row costs little
more than its own new values. Rows and cells carry no reference: SpreadsheetML numbers them in
order, and an empty cell is written as `<c/>` to keep its place.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from io import BytesIO
from xml.sax.saxutils import escape, quoteattr

Cell = str | int | float | datetime | None
"""A text, a number, a date and time (written as the wall-clock time it shows), or empty."""

MAX_SHEET_NAME = 31
MAX_CELL_TEXT = 32_767
_NOT_IN_SHEET_NAMES = re.compile(r"[\[\]:*?/\\]")
_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_LOOKS_ESCAPED = re.compile(r"_(x[0-9A-Fa-f]{4}_)")
"""Excel reads `_x0041_` in a string as the character it names; such text is escaped."""
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)
"""Every part of the archive gets this time: the same data gives the same bytes."""

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
EMPTY = "<c/>"

STYLES = (
    f'{XML_HEAD}<styleSheet xmlns="{MAIN}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    "</fonts>"
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
BOLD = 1
DATE_TIME = 2
EXCEL_EPOCH = datetime(1899, 12, 30)
"""Day 0 of spreadsheet dates (so that 1900-03-01 is day 61, as Excel counts)."""


def _serial(value: datetime) -> str:
    """A date and time as spreadsheets store it, to the second: days since EXCEL_EPOCH, of the
    wall-clock time shown (a spreadsheet has no time zones)."""
    offset = value.utcoffset()
    if offset is None:
        seconds = (value - EXCEL_EPOCH).total_seconds()
    else:  # Unix day 0 is serial day 25569
        seconds = value.timestamp() + offset.total_seconds() + 25569 * 86400
    return repr((seconds // 1) / 86400)


def column_name(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _text(value: str) -> str:
    """A string as shared-string XML (`<t>`), with what XML or Excel cannot take made safe."""
    if len(value) > MAX_CELL_TEXT:
        value = value[:MAX_CELL_TEXT]
    if _NOT_IN_XML.search(value):
        value = _NOT_IN_XML.sub("", value)
    if "_x" in value:
        value = _LOOKS_ESCAPED.sub(r"_x005F_\1", value)
    text = escape(value)
    if value != value.strip():
        return f'<t xml:space="preserve">{text}</t>'
    return f"<t>{text}</t>"


def _number(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(float(value))


@dataclass
class Sheet:
    """One worksheet: a bold header row, then rows in order."""

    workbook: Workbook
    name: str
    width: int
    """Number of columns (of the header)."""
    widths: Sequence[float]
    freeze_columns: int = 0
    autofilter: bool = False
    rows: list[str] = field(default_factory=list)
    """Each row's XML (`<row>…</row>`), in order."""

    def append(self, values: Iterable[Cell]) -> None:
        self.append_cells(self.workbook.cells(values))

    def append_cells(self, cells: str) -> None:
        """A row from cells rendered by `Workbook.cells` (their concatenation, in order)."""
        self.rows.append(f"<row>{cells}</row>")

    def header(self, values: Iterable[Cell]) -> None:
        cells = "".join(
            f'<c s="{BOLD}" t="s"><v>{self.workbook.string(v)}</v></c>'
            if isinstance(v, str) and v
            else EMPTY
            for v in values
        )
        self.rows.append(f"<row>{cells}</row>")

    def xml(self) -> str:
        last = f"{column_name(max(self.width, 1) - 1)}{max(len(self.rows), 1)}"
        corner = f"{column_name(self.freeze_columns)}2"
        split = f' xSplit="{self.freeze_columns}"' if self.freeze_columns else ""
        pane = "bottomRight" if self.freeze_columns else "bottomLeft"
        cols = "".join(
            f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
            for i, w in enumerate(self.widths, 1)
        )
        return (
            f'{XML_HEAD}<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            f'<dimension ref="A1:{last}"/>'
            '<sheetViews><sheetView workbookViewId="0">'
            f'<pane{split} ySplit="1" topLeftCell="{corner}" activePane="{pane}" state="frozen"/>'
            f'<selection pane="{pane}" activeCell="{corner}" sqref="{corner}"/>'
            "</sheetView></sheetViews>"
            '<sheetFormatPr defaultRowHeight="15"/>'
            + (f"<cols>{cols}</cols>" if cols else "")
            + "<sheetData>"
            + "".join(self.rows)
            + "</sheetData>"
            + (f'<autoFilter ref="A1:{last}"/>' if self.autofilter else "")
            + "</worksheet>"
        )

    def filter_range(self) -> str:
        """The autofilter's range as a formula (`'Name'!$A$1:$M$70`)."""
        quoted = "'" + self.name.replace("'", "''") + "'"
        return f"{quoted}!$A$1:${column_name(max(self.width, 1) - 1)}${max(len(self.rows), 1)}"


class Workbook:
    """Sheets in the order they are added; `to_bytes` gives the .xlsx file."""

    def __init__(self) -> None:
        self._strings: dict[str, int] = {}
        self.sheets: list[Sheet] = []

    def string(self, value: str) -> int:
        """The shared-string index of a text (added the first time)."""
        index = self._strings.get(value)
        if index is None:
            index = self._strings[value] = len(self._strings)
        return index

    def cell(self, value: Cell) -> str:
        """One cell's XML: a shared string, a number, or empty (None or "")."""
        if value is None or value == "":
            return EMPTY
        if isinstance(value, str):
            index = self._strings.get(value)
            if index is None:
                index = self._strings[value] = len(self._strings)
            return f'<c t="s"><v>{index}</v></c>'
        if isinstance(value, datetime):
            return f'<c s="{DATE_TIME}"><v>{_serial(value)}</v></c>'
        return f"<c><v>{_number(value)}</v></c>"

    def cells(self, values: Iterable[Cell]) -> str:
        """Cells' XML, to append as a row or to reuse as part of many rows."""
        return "".join(map(self.cell, values))

    def add_sheet(
        self,
        name: str,
        header: Sequence[str],
        widths: Sequence[float] = (),
        *,
        freeze_columns: int = 0,
        autofilter: bool = False,
    ) -> Sheet:
        """A new sheet with its header row; the name is made valid and unique (Excel's rules:
        at most 31 characters, none of []:*?/\\, unique whatever the case)."""
        widths = [  # at least as wide as the bold heading and its filter button
            max(width, round(len(heading) * 1.15 + 3, 1))
            for width, heading in zip(widths, header, strict=False)
        ]
        sheet = Sheet(self, self._sheet_name(name), len(header), widths, freeze_columns, autofilter)
        sheet.header(header)
        self.sheets.append(sheet)
        return sheet

    def _sheet_name(self, name: str) -> str:
        base = _NOT_IN_SHEET_NAMES.sub(" ", " ".join(name.split())).strip("' ") or "Sheet"
        taken = {s.name.casefold() for s in self.sheets}
        candidate, number = base[:MAX_SHEET_NAME], 1
        while candidate.casefold() in taken:
            number += 1
            suffix = f" ({number})"
            candidate = base[: MAX_SHEET_NAME - len(suffix)] + suffix
        return candidate

    def to_bytes(self, compresslevel: int = 1) -> bytes:
        """The .xlsx file (a zip archive; level 1 compression: fast, and text packs well)."""
        count = len(self.sheets)
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, count + 1)
        )
        content_types = (
            f"{XML_HEAD}"
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}"
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            "</Types>"
        )
        root_rels = (
            f'{XML_HEAD}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        )
        sheets = "".join(
            f'<sheet name={quoteattr(s.name)} sheetId="{i}" r:id="rId{i}"/>'
            for i, s in enumerate(self.sheets, 1)
        )
        filters = "".join(
            '<definedName name="_xlnm._FilterDatabase" '
            f'localSheetId="{i}" hidden="1">{escape(s.filter_range())}</definedName>'
            for i, s in enumerate(self.sheets)
            if s.autofilter
        )
        workbook = (
            f'{XML_HEAD}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            f"<bookViews><workbookView/></bookViews><sheets>{sheets}</sheets>"
            + (f"<definedNames>{filters}</definedNames>" if filters else "")
            + "</workbook>"
        )
        sheet_rels = "".join(
            f'<Relationship Id="rId{i}" Type="{RELATIONSHIPS}/worksheet" '
            f'Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, count + 1)
        )
        workbook_rels = (
            f'{XML_HEAD}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{sheet_rels}'
            f'<Relationship Id="rId{count + 1}" Type="{RELATIONSHIPS}/styles" '
            'Target="styles.xml"/>'
            f'<Relationship Id="rId{count + 2}" Type="{RELATIONSHIPS}/sharedStrings" '
            'Target="sharedStrings.xml"/></Relationships>'
        )
        strings = (
            f'{XML_HEAD}<sst xmlns="{MAIN}" uniqueCount="{len(self._strings)}">'
            + "".join(f"<si>{_text(s)}</si>" for s in self._strings)
            + "</sst>"
        )
        parts = [
            ("[Content_Types].xml", content_types),
            ("_rels/.rels", root_rels),
            ("xl/workbook.xml", workbook),
            ("xl/_rels/workbook.xml.rels", workbook_rels),
            ("xl/styles.xml", STYLES),
            *((f"xl/worksheets/sheet{i}.xml", s.xml()) for i, s in enumerate(self.sheets, 1)),
            ("xl/sharedStrings.xml", strings),
        ]
        out = BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, text in parts:
                info = zipfile.ZipInfo(name, _FIXED_TIME)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, text.encode("utf-8"), compresslevel=compresslevel)
        return out.getvalue()
