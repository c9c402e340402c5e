"""Parquet files and pandas frames as rosters: column names are the headers, values
become text the way a workbook's would, an empty text is a missing cell.

Read this way, the same rows give the same raw frame (and so the same cleaning) from a
workbook, a CSV file, a parquet file or a DataFrame: ``3.0`` is ``"3"``, ``""`` is
missing, a date is ``2016-11-23``.

Examples
--------
>>> frame = pd.DataFrame({"村": ["李家村", ""], "人数": [3.0, None]})
>>> text = text_columns(frame)
>>> text[0].tolist(), text[1].tolist()
(['李家村', nan], ['3', nan])
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import RosterFormatError
from .headers import SOURCE_COLUMNS, Header, cell_text
from .mapping import ColumnMap

__all__ = ["FrameTable", "read_parquet", "split_frame", "text_columns"]


@dataclass(frozen=True)
class FrameTable:
    """A frame split for naming: its header (column names), its values as text in
    positional columns, and the source columns it carried (``None`` when absent)."""

    header: Header
    rows: pd.DataFrame
    source_row: np.ndarray | None
    source_file: pd.Series | None
    source_sheet: pd.Series | None


def read_parquet(path: Path, where: str) -> pd.DataFrame:
    """A parquet file as pandas reads it (``RosterFormatError`` when it cannot)."""
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types
        text = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise RosterFormatError(f"{where}: not a readable parquet file ({text})") from None


def _as_text(values: pd.Series) -> pd.Series:
    """Text of a column, empty text missing (per distinct value for non-text columns)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        text = [cell_text(c) for c in values.cat.categories]
        if values.cat.categories.dtype != "str":
            if len(set(text)) < len(text):  # 1 and 1.0 both "1": rebuild from the text
                return _as_text(values.astype(object))
            values = values.cat.rename_categories(pd.Index(text, dtype="str"))
        empty = [c for c in values.cat.categories if not c]
        return values.cat.remove_categories(empty) if empty else values
    if isinstance(values.dtype, pd.StringDtype):
        values = values.astype("str")
    else:  # numbers, dates, booleans, mixed objects: as a workbook cell would read
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        text = np.array([cell_text(u) for u in uniques] + [""], dtype=object)
        values = pd.Series(text[codes], index=values.index, dtype="str")
    empty = values.eq("").to_numpy(dtype=bool, na_value=False)
    return values.mask(empty) if empty.any() else values


def text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns of ``frame`` as text (see :func:`_as_text`), numbered from 0."""
    return pd.DataFrame(
        {k: _as_text(frame.iloc[:, k]) for k in range(frame.shape[1])}, index=frame.index
    ).reset_index(drop=True)


def _row_numbers(values: pd.Series, where: str) -> np.ndarray:
    """``source_row`` as int64: whole numbers from 1, else ``RosterFormatError``."""
    if pd.api.types.is_integer_dtype(values.dtype) and not values.isna().any():
        numbers = values.to_numpy(dtype=np.int64)
        bad = numbers < 1
    else:
        text = values.astype("str")
        parsed = pd.to_numeric(text, errors="coerce")
        whole = parsed.notna() & (parsed % 1 == 0) & (parsed >= 1)
        bad = ~whole.to_numpy(dtype=bool)
        numbers = np.where(bad, 0, parsed.fillna(0)).astype(np.int64)
    if bad.any():
        at = int(np.flatnonzero(bad)[0])
        value = values.iloc[at]
        shown = repr(value if isinstance(value, str) else cell_text(value))[:40]
        raise RosterFormatError(
            f"{where}, row {at + 1}, column source_row: {shown} is not a row number "
            "(whole numbers from 1); remove the column to number the rows by position"
        )
    return numbers


def _check_distinct(
    source_row: np.ndarray, source_file: pd.Series | None, source_sheet: pd.Series | None,
    where: str,
) -> None:
    parts = {"row": source_row}
    for name, values in (("file", source_file), ("sheet", source_sheet)):
        if values is not None:
            parts[name] = pd.factorize(values)[0]
    repeated = pd.DataFrame(parts).duplicated(keep=False).to_numpy()
    if repeated.any():
        at = np.flatnonzero(repeated)
        number = int(source_row[at[0]])
        same = at[source_row[at] == number]
        raise RosterFormatError(
            f"{where}, column source_row: row number {number} is given to more than one row "
            f"(rows {int(same[0]) + 1} and {int(same[1]) + 1} of the table); each row needs "
            "its own number: remove the column to number the rows by position"
        )


def split_frame(frame: pd.DataFrame, where: str, columns: ColumnMap) -> FrameTable:
    """Split a parquet table or a DataFrame into header, text values and source columns.

    ``source_row`` (whole numbers from 1), ``source_file`` and ``source_sheet`` columns
    are kept as the rows' identity when present: no two rows may share all three.

    Raises
    ------
    RosterFormatError
        A ``source_row`` that is not a row number, or rows sharing one.
    """
    frame = frame.reset_index(drop=True)
    carried = {name: frame[name] for name in SOURCE_COLUMNS if name in frame.columns}
    body = frame.drop(columns=list(carried))
    source_row = (
        _row_numbers(carried["source_row"], where) if "source_row" in carried else None
    )
    source_file = carried.get("source_file")
    source_sheet = carried.get("source_sheet")
    if source_file is not None:
        source_file = _as_text(source_file).astype("str").fillna("")
    if source_sheet is not None:
        source_sheet = _as_text(source_sheet).astype("str").fillna("")
    if source_row is not None:
        _check_distinct(source_row, source_file, source_sheet, where)
    texts = [str(c).strip() for c in body.columns]
    understood = [columns.understand(t) if t else (None, "unknown") for t in texts]
    header = Header(0, 1, texts, [u[0] for u in understood], [u[1] for u in understood])
    return FrameTable(header, text_columns(body), source_row, source_file, source_sheet)
