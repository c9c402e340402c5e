"""Reading every file and sheet given: one :class:`Part` each, read or skipped (or, for
``fupin inspect``, failed), in the global order.

A workbook gives a part per sheet: every sheet whose header row is a roster's (it names
at least three roster columns, one of them 证件号码 or 姓名) is read; the others (notes,
summaries, empty sheets) are skipped and say why. ``sheet=`` picks one sheet of every
workbook. A CSV or parquet file is one part (its sheet ``""``). A file the user named
that holds no roster is an error; one found in a folder is skipped and reported.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from ..errors import RosterFormatError
from .excel import open_workbook
from .frames import read_parquet, split_frame
from .headers import (
    HEADER_SCAN_ROWS,
    HINT,
    Header,
    HeaderUse,
    check_required,
    find_header,
    header_uses,
    name_columns,
    no_header,
)
from .mapping import ColumnMap
from .sources import CSV_SUFFIXES, EXCEL_SUFFIXES, Source
from .text import read_csv

__all__ = ["Part", "read_parts", "frame_part"]

_NO_DATA = "headers but no data rows under them; is this the right file or sheet?"


@dataclass
class Part:
    """One file or sheet: what was found in it and, once read, its rows.

    ``frame`` holds the rows read (canonical and unknown columns, ``source_row``), or
    ``None``; ``source_file``/``source_sheet`` the identity columns a parquet file or
    frame carried itself (else the part's ``file`` and ``sheet`` name every row);
    ``path`` the file's path as given.
    """

    file: str
    sheet: str
    status: str
    path: str = ""
    header_row: int | None = None
    encoding: str | None = None
    frame: pd.DataFrame | None = None
    uses: list[HeaderUse] = field(default_factory=list)
    merged: list[str] = field(default_factory=list)
    source_file: pd.Series | None = None
    source_sheet: pd.Series | None = None

    @property
    def where(self) -> str:
        """``file`` or ``file, sheet name``: how error messages name the part."""
        return f"{self.file}, sheet {self.sheet}" if self.sheet else self.file

    @property
    def rows(self) -> int:
        """Data rows read (0 when skipped)."""
        return 0 if self.frame is None else len(self.frame)

    def entry(self) -> dict:
        """The part as an entry of ``raw.attrs["sources"]`` (contract "Raw roster")."""
        return {
            "file": self.file,
            "sheet": self.sheet,
            "status": self.status,
            "header_row": self.header_row,
            "encoding": self.encoding,
            "rows": self.rows,
            "unknown_columns": [u.label for u in self.uses if u.label and u.name is None],
            "mapped_columns": {u.header: u.name for u in self.uses if u.name},
            "merged_columns": list(self.merged),
        }


def _as_categorical(frame: pd.DataFrame, categorical: frozenset[str]) -> pd.DataFrame:
    for name in frame.columns:
        if name == "source_row":
            continue
        is_categorical = isinstance(frame[name].dtype, pd.CategoricalDtype)
        if (name in categorical) != is_categorical:
            frame[name] = frame[name].astype("category" if name in categorical else "str")
    return frame


def _named(
    part: Part,
    rows: pd.DataFrame,
    source_row: np.ndarray,
    header: Header,
    categorical: frozenset[str],
    letters: bool,
    report: bool,
) -> Part:
    """``part`` read: ``rows`` (positional) named, checked and converted (with
    ``report``, a part that cannot be named keeps its error as its status)."""
    part.uses = header_uses(header, letters)
    try:
        frame, part.uses, part.merged = name_columns(
            rows, header, source_row, part.where, letters=letters
        )
        check_required(part.uses, part.where)
    except RosterFormatError as exc:
        if not report:
            raise
        part.status = f"error: {exc}"
        return part
    frame["source_row"] = source_row
    part.frame = _as_categorical(frame, categorical)
    part.status = "read"
    return part


def _not_a_roster(header: Header | None, what: str) -> str:
    """Why a sheet or file is not a roster (``not a roster: …``)."""
    return no_header(what) if header is None else header.not_a_roster(what)


def _refusal(header: Header | None, what: str) -> str:
    """The same, as the error of a sheet or file the user named."""
    return _not_a_roster(header, what).removeprefix("not a roster: ")


def _sheet_part(
    name: str, read, source: Source, picked: bool, columns: ColumnMap,
    categorical: frozenset[str], report: bool,
) -> Part:
    part = Part(source.label, name, "", source.given)
    head = read(HEADER_SCAN_ROWS)
    header = find_header(head, columns)
    if header is None or not header.is_roster:
        empty = not any(c.strip() for row in head for c in row)
        part.status = "skipped: " + ("empty sheet" if empty else _not_a_roster(header, "rows"))
        if header is not None:
            part.uses = header_uses(header, letters=True)
        if picked:
            raise RosterFormatError(f"{part.where}: {_refusal(header, 'rows')}")
        return part
    grid = read(None)
    part.header_row = header.at + header.height
    width = len(header.texts)
    data = [
        (k + 1, r[:width] + [""] * (width - len(r)))
        for k, r in enumerate(grid)
        if k >= header.at + header.height and any(r)  # spaces are content: see summary_row
    ]
    if not data:
        part.uses = header_uses(header, letters=True)
        part.status = "skipped: " + _NO_DATA
        return part
    rows = pd.DataFrame([r for _, r in data], columns=range(width), dtype="str")
    rows = rows.replace("", np.nan)
    source_row = np.array([n for n, _ in data], dtype=np.int64)
    return _named(part, rows, source_row, header, categorical, True, report)


def _workbook_parts(
    source: Source, sheet: str | None, columns: ColumnMap, categorical: frozenset[str],
    report: bool,
) -> list[Part]:
    sheets = open_workbook(source.path, source.label)
    names = list(sheets)
    if sheet is not None and sheet not in sheets:
        raise RosterFormatError(
            f"{source.label}: no sheet named {sheet!r}; sheets are {', '.join(names)}"
        )
    parts = []
    for name in [sheet] if sheet is not None else names:
        try:
            parts.append(
                _sheet_part(
                    name, sheets[name], source, sheet is not None, columns, categorical, report
                )
            )
        except RosterFormatError as exc:
            if not report:
                raise
            parts.append(Part(source.label, name, f"error: {exc}"))
    return parts


def _explicit_problem(source: Source, parts: list[Part]) -> str | None:
    """Why a file the user named gave no rows (``None`` when it gave some)."""
    if any(p.frame is not None for p in parts) or not source.explicit:
        return None
    if any(p.status.startswith("error") for p in parts):
        return None
    no_data = [p for p in parts if p.status == "skipped: " + _NO_DATA]
    if no_data:
        return f"{no_data[0].where}: {_NO_DATA}"
    if len(parts) == 1:
        part = parts[0]
        what = "rows" if part.sheet else "lines"
        why = part.status.removeprefix("skipped: ").removeprefix("not a roster: ")
        if why == "empty sheet":
            why = no_header(what).removeprefix("not a roster: ")
        hint = "; name the sheet with --sheet" if part.sheet else ""
        if "no roster header row" in why:
            hint += "; `fupin inspect` shows how each header is understood, --columns maps others"
        return f"{part.where}: {why}{hint}"
    sheets = ", ".join(p.sheet for p in parts)
    return (
        f"{source.label}: no sheet has a roster header row (sheets: {sheets}; {HINT}); "
        "name the sheet with --sheet"
    )


def _csv_part(
    source: Source, encoding: str | None, columns: ColumnMap, categorical: frozenset[str],
    report: bool,
) -> Part:
    part = Part(source.label, "", "", source.given)
    table = read_csv(source.path, source.label, encoding, columns, categorical)
    part.encoding = table.encoding
    if table.rows is None:
        guessed = (
            "" if encoding else f" (read as {table.encoding}; pass --encoding if it is another)"
        )
        why = _not_a_roster(table.header, "lines")
        part.status = f"skipped: {why}{guessed}"
        if table.header is not None:
            part.uses = header_uses(table.header, letters=True)
        return part
    part.header_row = table.header_row
    rows = table.rows
    if rows.empty:
        part.uses = header_uses(table.header, letters=True)
        part.status = "skipped: " + _NO_DATA
        return part
    source_row = rows.pop("source_row").to_numpy(dtype=np.int64)
    return _named(part, rows, source_row, table.header, categorical, True, report)


def frame_part(
    frame: pd.DataFrame, file: str, columns: ColumnMap, categorical: Collection[str] = (),
    explicit: bool = True, report: bool = False,
) -> Part:
    """A parquet table or a DataFrame as a part (see :mod:`.frames`): its columns named,
    values as text, its own source columns kept."""
    part = Part(file, "", "")
    table = split_frame(frame, file, columns)
    if not table.header.is_roster and not explicit:
        part.uses = header_uses(table.header)
        part.status = f"skipped: {_not_a_roster(table.header, 'columns')}"
        return part
    rows, source_row = table.rows, table.source_row
    if source_row is None:
        source_row = np.arange(1, len(rows) + 1, dtype=np.int64)
    filled = rows.notna().any(axis=1).to_numpy()  # a row of empty cells is not a data row
    if not filled.all():
        rows, source_row = rows.loc[filled].reset_index(drop=True), source_row[filled]
        if table.source_file is not None:
            table = replace(table, source_file=table.source_file[filled].reset_index(drop=True))
        if table.source_sheet is not None:
            table = replace(table, source_sheet=table.source_sheet[filled].reset_index(drop=True))
    if rows.empty:
        part.uses = header_uses(table.header)
        if not explicit:
            part.status = "skipped: " + _NO_DATA
            return part
        check_required(part.uses, part.where)
        raise RosterFormatError(f"{part.where}: {_NO_DATA}")
    part.source_file, part.source_sheet = table.source_file, table.source_sheet
    categorical = frozenset(categorical)
    return _named(part, rows, source_row, table.header, categorical, False, report)


def read_parts(
    sources: list[Source],
    *,
    sheet: str | None,
    encoding: str | None,
    columns: ColumnMap,
    categorical: frozenset[str],
    report: bool = False,
) -> list[Part]:
    """Every part of every source, in order.

    With ``report`` (``fupin inspect``) a part that cannot be read is kept with status
    ``error: <message>`` instead of raising, and so is a named file without a roster.

    Raises
    ------
    RosterFormatError
        (without ``report``) the first file or sheet that cannot be read.
    """
    parts: list[Part] = []
    for source in sources:
        if source.skipped:
            parts.append(Part(source.label, "", f"skipped: {source.skipped}"))
            continue
        suffix = source.path.suffix.lower()
        try:
            if suffix in EXCEL_SUFFIXES:
                found = _workbook_parts(source, sheet, columns, categorical, report)
            elif suffix in CSV_SUFFIXES:
                found = [_csv_part(source, encoding, columns, categorical, report)]
            else:
                table = read_parquet(source.path, source.label)
                found = [
                    frame_part(
                        table, source.label, columns, categorical, source.explicit, report
                    )
                ]
                found[0].path = source.given
        except RosterFormatError as exc:
            if not report:
                raise
            found = [Part(source.label, "", f"error: {exc}")]
        problem = _explicit_problem(source, found)
        if problem is not None:
            if not report:
                raise RosterFormatError(problem)
            found.append(Part(source.label, "", f"error: {problem}"))
        parts += found
    return parts
