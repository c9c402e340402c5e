"""Finding the header row of a sheet and naming its columns.

:func:`find_header` looks for the header row under title and export-date rows (and joins
a two-row header); :func:`name_columns` gives a sheet's columns their canonical names,
merges two columns holding the same field when they agree, and refuses a sheet that
lacks a required column. Both say how each header was understood (:class:`HeaderUse`),
for ``fupin inspect`` and ``raw.attrs["sources"]``.

Examples
--------
>>> rows = [["名单"], ["序号", "村", "户编号", "姓名", "身份证号码", "备注"]]
>>> header = find_header(rows, ColumnMap())
>>> header.at, header.names, header.is_roster
(1, ['serial', 'village', 'household_id', 'name', 'id_number', None], True)
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import RosterFormatError
from ..schema import (
    OTHER_COLUMNS,
    REQUIRED_COLUMNS,
    ROSTER_COLUMNS,
    column,
    normalize_text,
    normalize_values,
)
from .mapping import ColumnMap

__all__ = [
    "HEADER_SCAN_ROWS",
    "MIN_KNOWN_HEADERS",
    "PERSON_COLUMNS",
    "SOURCE_COLUMNS",
    "Header",
    "HeaderUse",
    "cell_text",
    "check_required",
    "column_label",
    "find_header",
    "header_uses",
    "missing_required",
    "name_columns",
    "no_header",
]

#: How many rows from the top are searched for the header row.
HEADER_SCAN_ROWS = 30
#: The header row must name at least this many known roster columns.
MIN_KNOWN_HEADERS = 3
#: A roster's header names at least one of these: a list of people, not of villages.
PERSON_COLUMNS = ("id_number", "name")
#: The columns that say where each row was read (contract "Raw roster").
SOURCE_COLUMNS = ("source_file", "source_sheet", "source_row")
HINT = "expected headers such as 姓名, 证件号码, 行政村"
_CANONICAL = frozenset(c.name for c in (*ROSTER_COLUMNS, *OTHER_COLUMNS))


def cell_text(value: object) -> str:
    """Text of a grid cell (``""`` for empty), numbers the way Excel holds them.

    Examples
    --------
    >>> cell_text(3100.0), cell_text(4.30527199001011e17), cell_text(None)
    ('3100', '4.30527199001011e+17', '')
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating):
        value = float(value)
        if value != value:  # NaN
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if value is pd.NaT or value is pd.NA:
        return ""
    return str(value)


def column_label(position: int, letters: bool) -> str:
    """How a person names the column at ``position`` (0-based): a letter in a workbook
    (``A`` … ``Z``, ``AA`` …), else its number from 1.

    Examples
    --------
    >>> column_label(0, True), column_label(27, True), column_label(27, False)
    ('A', 'AB', '28')
    """
    if not letters:
        return str(position + 1)
    label = ""
    n = position + 1
    while n:
        n, rest = divmod(n - 1, 26)
        label = chr(65 + rest) + label
    return label


@dataclass(frozen=True)
class HeaderUse:
    """How one column's header was understood.

    ``column`` is its letter (workbook) or number; ``name`` the canonical column or
    ``None``; ``how`` a key of :data:`fupin_analysis.ingest.mapping.HOW`; ``label`` the
    column's name in the raw frame (``None`` when left out).
    """

    column: str
    header: str
    name: str | None
    how: str
    label: str | None = None


@dataclass(frozen=True)
class Header:
    """A header row found in a sheet.

    ``at`` is the index of its (first) row among the rows searched, ``height`` 1 or 2;
    ``texts``, ``names`` and ``hows`` are per column: the header text (a two-row header
    joined as ``top/bottom``), the canonical name or ``None``, and how it was understood.
    """

    at: int
    height: int
    texts: list[str]
    names: list[str | None]
    hows: list[str]

    @property
    def known(self) -> set[str]:
        """The canonical columns the header names."""
        return {n for n in self.names if n}

    @property
    def is_roster(self) -> bool:
        """Enough known headers, one of them about a person (姓名 or 证件号码)."""
        return len(self.known) >= MIN_KNOWN_HEADERS and bool(self.known & set(PERSON_COLUMNS))

    def not_a_roster(self, what: str = "rows") -> str:
        """Why this header is not a roster's (a sheet skipped), in a few words."""
        if len(self.known) < MIN_KNOWN_HEADERS:
            return no_header(what)
        found = ", ".join(t for t, n in zip(self.texts, self.names, strict=True) if n)
        return f"not a roster: headers {found} but no 证件号码 or 姓名 column"


def no_header(what: str = "rows") -> str:
    """Why a sheet or file without a roster header row is skipped."""
    return (
        f"not a roster: no roster header row found in the first {HEADER_SCAN_ROWS} {what} "
        f"({HINT})"
    )


def _one_row(cells: list[str], columns: ColumnMap) -> Header:
    texts, names, hows = [], [], []
    for cell in cells:
        text = cell.strip()
        name, how = columns.understand(text) if text else (None, "unknown")
        texts.append(text)
        names.append(name)
        hows.append(how)
    return Header(0, 1, texts, names, hows)


def _two_rows(top: list[str], bottom: list[str], columns: ColumnMap) -> Header:
    filled = top[:]
    for i in range(1, len(filled)):  # merged group titles span the cells to their right
        if not filled[i].strip() and bottom[i].strip():
            filled[i] = filled[i - 1]
    texts, names, hows = [], [], []
    for t, b in zip(filled, bottom, strict=True):
        t, b = t.strip(), b.strip()
        text = "/".join(x for x in (t, b) if x)
        name, how = None, "unknown"
        tries = [b, text, t + b] if b else [t]
        for attempt in tries:
            if attempt:
                name, how = columns.understand(attempt)
                if name or how == "ignored":
                    break
        texts.append(text)
        names.append(name)
        hows.append(how)
    return Header(0, 2, texts, names, hows)


def _rank(header: Header) -> tuple[bool, int]:
    return header.is_roster, len(header.known)


def find_header(rows: list[list[str]], columns: ColumnMap) -> Header | None:
    """The best header in the first :data:`HEADER_SCAN_ROWS` rows, or ``None`` when no
    row names a known column.

    The row naming the most known columns (a roster's before any other), and the row
    under it joined when that names more, or as many and every cell under it is a
    known header or its part (a group title above 务工时间 … （月））.
    """
    best: Header | None = None
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        header = _one_row(row, columns)
        if header.known and (best is None or _rank(header) > _rank(best)):
            best = Header(i, 1, header.texts, header.names, header.hows)
    if best is None:
        return None
    i = best.at
    if i + 1 < len(rows):
        width = max(len(rows[i]), len(rows[i + 1]))
        top, bottom = (r + [""] * (width - len(r)) for r in (rows[i], rows[i + 1]))
        joined = _two_rows(top, bottom, columns)
        cells = [k for k, b in enumerate(bottom) if b.strip()]
        continues = bool(cells) and all(joined.names[k] for k in cells)
        if _rank(joined) > _rank(best) or (_rank(joined) == _rank(best) and continues):
            best = Header(i, 2, joined.texts, joined.names, joined.hows)
    return best


def _missing_message(missing: list[str], unknown: list[str]) -> str:
    parts = []
    for name in missing:
        header = column(name).header
        close = difflib.get_close_matches(
            normalize_text(header), [normalize_text(u) for u in unknown], n=1, cutoff=0.3
        )
        parts.append(f"{header} (closest found: {close[0]})" if close else header)
    found = ", ".join(unknown) if unknown else "none besides the known ones"
    return (
        f"missing required column(s) {'; '.join(parts)}; unrecognised headers found: {found}; "
        "name the column a header holds with --columns (see `fupin inspect`)"
    )


def _merge(
    frame: pd.DataFrame,
    keep: int,
    drop: int,
    header: Header,
    source_row: np.ndarray,
    where: str,
    letters: bool,
) -> None:
    """Fill column ``keep`` from ``drop`` (same field) where it is empty; refuse when the
    two hold different values on a row."""
    a, b = (frame[k].astype("str") for k in (keep, drop))
    left = normalize_values(a, remove_spaces=True)
    right = normalize_values(b, remove_spaces=True)
    differ = (left.notna() & right.notna() & left.ne(right)).to_numpy()
    if differ.any():
        first = int(source_row[np.flatnonzero(differ)[0]])
        cols = (column_label(keep, letters), column_label(drop, letters))
        texts = (header.texts[keep], header.texts[drop])
        both = column(header.names[keep]).header
        fix = (
            "rename one of them and map it to null with --columns"
            if normalize_text(texts[0]) == normalize_text(texts[1])
            else "map the one not to use to null with --columns"
        )
        raise RosterFormatError(
            f"{where}: columns {cols[0]} ({texts[0]}) and {cols[1]} ({texts[1]}) are both "
            f"{both} and differ on {int(differ.sum())} rows (first: row {first}); {fix}"
        )
    frame[keep] = a.where(a.notna(), b)


def header_uses(header: Header, letters: bool = False) -> list[HeaderUse]:
    """How each column of ``header`` is understood, before any value is read (a second
    column of a field is ``merged``, pending the check of its values)."""
    seen: set[str] = set()
    uses = []
    for k, (text, name, how) in enumerate(zip(header.texts, header.names, header.hows,
                                               strict=True)):
        if name is not None and name in seen:
            how = "merged"
        seen.add(name)
        label = name if how != "merged" else None
        uses.append(HeaderUse(column_label(k, letters), text, name, how, label))
    return uses


def missing_required(uses: list[HeaderUse]) -> list[str]:
    """The required columns (:data:`~fupin_analysis.schema.REQUIRED_COLUMNS`) no
    header names."""
    named = {u.name for u in uses}
    return [c for c in REQUIRED_COLUMNS if c not in named]


def check_required(uses: list[HeaderUse], where: str) -> None:
    """Raise ``RosterFormatError`` naming the required columns missing, the unrecognised
    headers and the closest of them to each missing header."""
    missing = missing_required(uses)
    if missing:
        unknown = [u.label or u.header for u in uses if u.name is None and u.how != "empty"]
        raise RosterFormatError(f"{where}: {_missing_message(missing, unknown)}")


def name_columns(
    frame: pd.DataFrame,
    header: Header,
    source_row: np.ndarray,
    where: str,
    *,
    letters: bool = False,
) -> tuple[pd.DataFrame, list[HeaderUse], list[str]]:
    """Give ``frame`` (positional columns, one per header cell) its column names.

    Known headers take their canonical name; others keep their header text (made
    unique, never a canonical or source column's name; an empty header with values is
    ``column_<n>``); a column with neither header nor values is left out. A second
    column of the same field is merged into the first when they agree on every row
    where both have a value, else refused. Required columns are checked by
    :func:`check_required`.

    Returns
    -------
    tuple
        The named frame, how each column was understood, and the merge notes
        (``"F = K (证件号码)"``).

    Raises
    ------
    RosterFormatError
        Two columns of one field that differ.
    """
    taken = set(_CANONICAL) | set(SOURCE_COLUMNS)
    labels: list[str | None] = []
    hows = list(header.hows)
    first: dict[str, int] = {}
    merged: list[str] = []
    for k, (text, name) in enumerate(zip(header.texts, header.names, strict=True)):
        if name is not None and name not in first:
            first[name] = k
            labels.append(name)
        elif name is not None:
            _merge(frame, first[name], k, header, source_row, where, letters)
            hows[k] = "merged"
            labels.append(None)
            merged.append(
                f"{column_label(first[name], letters)} = {column_label(k, letters)} "
                f"({column(name).header})"
            )
        elif not text and frame[k].isna().all():
            hows[k] = "empty"
            labels.append(None)
        else:
            label = text or f"column_{k + 1}"
            while label in labels or label in taken:
                label += "_"
            labels.append(label)
    keep = [k for k, label in enumerate(labels) if label is not None]
    named = frame.iloc[:, keep].copy()
    named.columns = [labels[k] for k in keep]
    uses = [
        HeaderUse(column_label(k, letters), header.texts[k], header.names[k], hows[k], labels[k])
        for k in range(len(labels))
    ]
    return named, uses, merged
