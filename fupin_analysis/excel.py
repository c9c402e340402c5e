"""Spreadsheet outputs: repeatable bytes, and no cell a spreadsheet would run.

openpyxl writes the current time twice into every workbook: into the document
properties (``docProps/core.xml``) and into each zip entry's header. The same table
written twice therefore differs byte for byte. :func:`repeatable_xlsx` re-packs a
workbook with both fixed, so that tables, the officials' workbook and the embedded roster
are reproducible.

Values that come from a user's files (a village name typed into the roster, a header)
reach CSV and Excel outputs. A text starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is a formula to Excel and LibreOffice (CSV injection): :func:`defuse`
prefixes it with an apostrophe unless it is a number, and :func:`text_cells` makes sure
openpyxl writes every text as a string, never as a ``<f>`` formula.
"""

from __future__ import annotations

import io
import re
import zipfile
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

__all__ = ["FORMULA_STARTS", "defuse", "defuse_frame", "repeatable_xlsx", "text_cells"]

#: First characters that make a spreadsheet read a cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)*|\.\d+)(?:[eE][+-]?\d+)?%?")


def defuse(value: object) -> object:
    """``value`` as a cell no spreadsheet evaluates.

    Text starting with one of :data:`FORMULA_STARTS` gets a leading apostrophe, unless
    it is a number (``-3.5``, ``+86``); anything else is returned unchanged.

    Examples
    --------
    >>> defuse("=cmd|' /C calc'!A0"), defuse("@SUM(A1)"), defuse("-3.5"), defuse("李家村")
    ("'=cmd|' /C calc'!A0", "'@SUM(A1)", '-3.5', '李家村')
    >>> defuse(-2), defuse(None) is None
    (-2, True)
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        if not _NUMBER.fullmatch(value):
            return "'" + value
    return value


def defuse_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every text cell and column name passed through :func:`defuse`.

    Examples
    --------
    >>> df = pd.DataFrame({"=HYPERLINK(1)": ["=1+1", "ok"], "n": [-1, 2]})
    >>> out = defuse_frame(df)
    >>> out.columns.tolist(), out.iloc[:, 0].tolist(), out["n"].tolist()
    (["'=HYPERLINK(1)", 'n'], ["'=1+1", 'ok'], [-1, 2])
    """
    out = frame.copy()
    for col in out.columns:
        values = out[col]
        if isinstance(values.dtype, pd.CategoricalDtype):
            out[col] = values.cat.rename_categories([defuse(c) for c in values.cat.categories])
        elif values.dtype == object or pd.api.types.is_string_dtype(values.dtype):
            out[col] = values.map(defuse, na_action="ignore")
    out.columns = [defuse(c) if isinstance(c, str) else c for c in out.columns]
    return out


def text_cells(ws: Worksheet) -> None:
    """Make every cell openpyxl took for a formula a plain string cell.

    openpyxl stores a value starting with ``=`` as a formula; after :func:`defuse` no
    such value should remain, and this is the second lock.

    Examples
    --------
    >>> import openpyxl
    >>> ws = openpyxl.Workbook().active
    >>> ws["A1"] = "=1+1"
    >>> text_cells(ws)
    >>> ws["A1"].data_type, ws["A1"].value
    ('s', '=1+1')
    """
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"

_CORE_TIME = re.compile(rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)")


def repeatable_xlsx(data: bytes, *, stamp: tuple[int, int, int] = (2016, 12, 31)) -> bytes:
    """Re-pack xlsx bytes with fixed document dates, entry times and attributes.

    Parameters
    ----------
    data : bytes
        An xlsx file as written by openpyxl (or any zip-based Office file).
    stamp : tuple of int
        The date (year, month, day) written as created/modified time and as the time of
        every zip entry.

    Returns
    -------
    bytes
        The same workbook; two calls on workbooks that differ only in their write time
        give identical bytes.

    Examples
    --------
    >>> import openpyxl
    >>> def written() -> bytes:
    ...     buffer = io.BytesIO()
    ...     openpyxl.Workbook().save(buffer)
    ...     return repeatable_xlsx(buffer.getvalue())
    >>> written() == written()
    True
    """
    w3cdtf = f"{stamp[0]:04d}-{stamp[1]:02d}-{stamp[2]:02d}T00:00:00Z".encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = _CORE_TIME.sub(rb"\g<1>" + w3cdtf + rb"\g<3>", content)
            entry = zipfile.ZipInfo(info.filename, date_time=(*stamp, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, content, compresslevel=6)
    return out.getvalue()
