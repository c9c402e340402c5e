"""Workbooks: the sheets of an ``.xlsx``/``.xlsm``/``.xls`` file as grids of text.

python-calamine reads them; openpyxl (``.xlsx``) or xlrd (``.xls``) when calamine
fails. :func:`open_workbook` gives, per sheet name in workbook order, a reader of its
first ``n`` rows (all rows for ``None``), each cell as text (:func:`.headers.cell_text`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import RosterFormatError
from .headers import cell_text

__all__ = ["SheetReader", "open_workbook", "sheets_calamine", "sheets_fallback"]

#: Rows of a sheet as text: ``reader(n)`` the first ``n`` rows, ``reader(None)`` all.
SheetReader = Callable[[int | None], list[list[str]]]


def open_workbook(path: Path, where: str) -> dict[str, SheetReader]:
    """The sheets of a workbook, in order (``RosterFormatError`` when unreadable)."""
    try:
        return sheets_calamine(path)
    except Exception as calamine_error:  # any reader failure → fallback
        try:
            return sheets_fallback(path)
        except Exception:
            raise RosterFormatError(
                f"{where}: not a readable Excel workbook ({_short(calamine_error)}); "
                "open it in Excel and save it again as .xlsx"
            ) from None


def sheets_calamine(path: Path) -> dict[str, SheetReader]:
    """Sheet readers through python-calamine (each sheet parsed once, when first read)."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    sheets: dict = {}

    def reader(name: str) -> SheetReader:
        def read(nrows: int | None) -> list[list[str]]:
            if name not in sheets:  # calamine parses the whole sheet here: do it once
                sheets[name] = book.get_sheet_by_name(name)
            rows = sheets[name].to_python(False, nrows)
            return [[v if type(v) is str else cell_text(v) for v in row] for row in rows]

        return read

    return {name: reader(name) for name in book.sheet_names}


def sheets_fallback(path: Path) -> dict[str, SheetReader]:
    """Sheet readers through xlrd (``.xls``) or openpyxl."""
    if path.suffix.lower() == ".xls":
        import xlrd

        book = xlrd.open_workbook(str(path))

        def reader_xls(name: str) -> SheetReader:
            def read(nrows: int | None) -> list[list[str]]:
                sh = book.sheet_by_name(name)
                n = sh.nrows if nrows is None else min(nrows, sh.nrows)
                return [[cell_text(v) for v in sh.row_values(i)] for i in range(n)]

            return read

        return {name: reader_xls(name) for name in book.sheet_names()}

    import openpyxl

    book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)

    def reader(name: str) -> SheetReader:
        def read(nrows: int | None) -> list[list[str]]:
            ws = book[name]
            return [
                [cell_text(v) for v in row]
                for row in ws.iter_rows(min_row=1, max_row=nrows, values_only=True)
            ]

        return read

    return {ws.title: reader(ws.title) for ws in book.worksheets}


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]
