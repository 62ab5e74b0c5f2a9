"""The small XLSX writer, read back with openpyxl as a spreadsheet program would."""

from __future__ import annotations

import io
import zipfile

import openpyxl

from bot.reports.xlsx import Workbook, column_name


def read(book: Workbook) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(book.to_bytes()))


def test_cells_header_panes_widths_and_filter() -> None:
    book = Workbook()
    sheet = book.add_sheet(
        "Réponses", ["Name", "N", "Share of people"], [20, 8.5, 5], autofilter=True
    )
    sheet.append(["Dakar", 3, 0.25])
    sheet.append([None, "", 7])
    sheet.append_cells(book.cells(["Córdoba"]) + book.cells([4, 1.5]))
    wide = book.add_sheet("Wide", ["a", "b", "c"], freeze_columns=2)
    wide.append(["x", "y", "z"])
    found = read(book)
    answers, other = found.worksheets
    assert [list(r) for r in answers.iter_rows(values_only=True)] == [
        ["Name", "N", "Share of people"],
        ["Dakar", 3, 0.25],
        [None, None, 7],
        ["Córdoba", 4, 1.5],
    ]
    assert all(cell.font.b for cell in answers[1]) and not answers["A2"].font.b
    assert answers.freeze_panes == "A2" and other.freeze_panes == "C2"
    assert answers.auto_filter.ref == "A1:C4" and other.auto_filter.ref is None
    assert answers.column_dimensions["A"].width == 20
    assert answers.column_dimensions["B"].width == 8.5
    assert answers.column_dimensions["C"].width >= len("Share of people") + 2  # widened


def test_text_is_kept_as_typed_and_never_run() -> None:
    book = Workbook()
    sheet = book.add_sheet("T", ["text"])
    typed = [
        '=HYPERLINK("http://x")',
        "  spaces kept  ",
        "<b>&amp;</b>",
        "_x0041_ stays",
        "line one\nline two",
        "bell\x07 removed",
        "x" * 40_000,
    ]
    for text in typed:
        sheet.append([text])
    values = [r[0] for r in read(book).active.iter_rows(min_row=2, values_only=True)]
    assert values[:5] == typed[:5]
    assert values[5] == "bell removed"
    assert values[6] == "x" * 32_767
    with zipfile.ZipFile(io.BytesIO(book.to_bytes())) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_sheet_names_follow_excel_rules() -> None:
    book = Workbook()
    names = [
        book.add_sheet(name, ["a"]).name
        for name in ["Scores", "scores", "a/b:c*d?[e]\\", "x" * 40, "x" * 40, "'quoted'", ""]
    ]
    assert names == [
        "Scores",
        "scores (2)",
        "a b c d  e",
        "x" * 31,
        "x" * 27 + " (2)",
        "quoted",
        "Sheet",
    ]
    assert [ws.title for ws in read(book).worksheets] == names


def test_the_same_data_gives_the_same_bytes() -> None:
    def make() -> bytes:
        book = Workbook()
        book.add_sheet("S", ["a"]).append(["b"])
        return book.to_bytes()

    assert make() == make()


def test_column_names() -> None:
    assert [column_name(i) for i in (0, 25, 26, 27, 701, 702)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]
