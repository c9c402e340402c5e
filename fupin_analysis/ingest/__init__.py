"""Read roster files and folders into one raw frame with canonical headers.

:func:`read_roster` reads ``.xlsx``/``.xlsm``/``.xls`` (python-calamine, openpyxl or xlrd
as fallback), ``.csv``/``.txt`` (UTF-8, UTF-8 with BOM, GB18030 detected; an explicit
``encoding`` wins) and ``.parquet``, one file or several, and folders of them. In a
workbook it reads every sheet whose header row is a roster's (notes and summary sheets
are skipped and reported), finds the header row under title rows, and joins two-row
headers. Headers are mapped to canonical names through the user's column mapping
(:mod:`.mapping`), then :func:`fupin_analysis.schema.canonical_header`; unknown columns
are kept under their own header. Every row is traced to its file, sheet and row.

Values stay text exactly as read (an empty cell is missing); numbers Excel stored as
floats are written the way they are held: ``3100.0`` → ``"3100"``, an 18-digit identity
number stored as a number → ``"4.30527199001011e+17"`` (its last digits are lost, and the
cleaner refuses it).

Modules: :mod:`.sources` (which files, in which order, under which name),
:mod:`.parts` (one part per file or sheet), :mod:`.headers` (header row, column names),
:mod:`.mapping` (the user's column mapping), :mod:`.excel`, :mod:`.text` and
:mod:`.frames` (workbooks, CSV, parquet and DataFrames), :mod:`.inspect`
(``fupin inspect``).

Examples
--------
>>> import io, pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> text = "寨市乡贫困人口名单\\n行政村,户编号,姓名,证件号码,人数,与户主关系,脱贫属性,贫困户属性\\n"
>>> text += "李家村,001,张三,430527199001011237,1,户主,未脱贫,一般贫困户\\n"
>>> _ = (folder / "r.csv").write_text(text, encoding="gb18030")
>>> raw = read_roster(folder / "r.csv")
>>> raw[["village", "id_number", "source_file", "source_sheet", "source_row"]].values.tolist()
[['李家村', '430527199001011237', 'r.csv', '', 3]]
>>> raw.attrs["encoding"], raw.attrs["sources"][0]["status"]
('gb18030', 'read')
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from ..errors import RosterFormatError
from ..schema import REQUIRED_COLUMNS, distinct_categorical_dtype
from .headers import HEADER_SCAN_ROWS, SOURCE_COLUMNS
from .mapping import ColumnMap, load_columns
from .parts import Part, frame_part, read_parts
from .sources import CSV_SUFFIXES, EXCEL_SUFFIXES, ROSTER_SUFFIXES, collect

__all__ = [
    "read_roster",
    "roster_frame",
    "load_columns",
    "HEADER_SCAN_ROWS",
    "EXCEL_SUFFIXES",
    "CSV_SUFFIXES",
    "ROSTER_SUFFIXES",
    "SOURCE_COLUMNS",
]


def read_roster(
    inputs: str | Path | Sequence[str | Path],
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    categorical: Collection[str] = (),
    columns: str | Path | Mapping | ColumnMap | None = None,
) -> pd.DataFrame:
    """Read roster exports: one row per data row of every roster sheet, canonical column
    names, text values, and where each row was read.

    Parameters
    ----------
    inputs : str, Path or a list of them
        ``.xlsx``, ``.xlsm``, ``.xls``, ``.csv``, ``.txt`` or ``.parquet`` files, and
        folders of them (their files sorted by name; subfolders are not entered).
        Rows come in this order: files as given, sheets in workbook order, rows in
        sheet order ("first occurrence" of a repeated row or person means first here).
    sheet : str, optional
        Read only this sheet of every workbook; by default every sheet whose header row
        is a roster's (at least three roster columns, one of them 证件号码 or 姓名).
    encoding : str, optional
        CSV encoding; by default UTF-8 (with or without BOM), else GB18030.
    categorical : collection of str, optional
        Canonical columns to return as pandas categoricals of the same text (a CSV
        dictionary-encodes them while parsing: less memory for columns that repeat a
        few values, such as 文化程度 or 脱贫属性).
    columns : str, Path or dict, optional
        The user's column mapping (a YAML file or a dict ``header: column``; see
        :func:`~fupin_analysis.ingest.mapping.load_columns`), applied before the known
        headers.

    Returns
    -------
    pandas.DataFrame
        Canonical columns (see :data:`fupin_analysis.schema.ROSTER_COLUMNS`) and unknown
        columns under their original header, of dtype ``str`` (missing = ``NaN``) or
        ``category`` for those named in ``categorical``; then ``source_file`` (the
        file's name, or its name inside the folder given), ``source_sheet`` (``""`` for
        CSV and parquet) as categoricals, and ``source_row`` (int64: the Excel row
        number, the CSV line number, or for parquet its own ``source_row`` or the row's
        position from 1). ``(source_file, source_sheet, source_row)`` identifies a row.
        ``attrs["sources"]`` lists every file and sheet read or skipped (``file``,
        ``sheet``, ``status``, ``header_row``, ``encoding``, ``rows``,
        ``unknown_columns``, ``mapped_columns``, ``merged_columns``); ``attrs`` also
        holds ``source_file``, ``source_sheet``, ``header_row``, ``unknown_columns`` and
        ``encoding`` (of the one file and sheet read; joined when there are several).

    Raises
    ------
    RosterFormatError
        One line: a path that is not a roster file or folder (not found, a symbolic link
        loop, a named pipe, a folder without roster files), an unsupported or
        unreadable file, a file named that holds no roster (no sheet or row with roster
        headers, headers without data rows), undecodable text, a malformed parquet
        ``source_row``, two columns of one field that differ, a missing required column.

    Examples
    --------
    >>> read_roster("roster.docx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    fupin_analysis.errors.RosterFormatError: roster.docx: file not found (looked for ...)
    """
    mapping = load_columns(columns)
    parts = read_parts(
        collect(inputs),
        sheet=sheet,
        encoding=encoding,
        columns=mapping,
        categorical=frozenset(categorical),
    )
    read = [p for p in parts if p.frame is not None]
    if not read:
        skipped = "; ".join(f"{p.where}: {p.status}" for p in parts[:4])
        raise RosterFormatError(f"no roster rows found ({skipped})")
    frame = combine(read)
    frame.attrs = _attrs(read, parts)
    return frame


def roster_frame(
    frame: pd.DataFrame,
    *,
    columns: str | Path | Mapping | ColumnMap | None = None,
    categorical: Collection[str] = (),
) -> pd.DataFrame:
    """A DataFrame as a raw roster: what :func:`read_roster` would give for the same
    cells in a file.

    A frame :func:`read_roster` returned (``attrs["sources"]`` and the source columns
    present) is copied as it is. Any other frame has its headers understood (the
    column mapping, then the known headers), its values turned into text the way a
    workbook cell reads (``3.0`` → ``"3"``; ``""`` missing), and ``source_file``
    (``attrs["source_file"]``'s name or ``""``), ``source_sheet`` (``""``) and
    ``source_row`` (position from 1) unless it carries them.

    Raises
    ------
    RosterFormatError
        A missing required column, a ``source_row`` that is not a row number or is
        repeated, two columns of one field that differ.

    Examples
    --------
    >>> frame = pd.DataFrame({"村": ["李家村"], "户编号": ["001"],
    ...                       "身份证号": ["430527199001011237"], "人数": [3.0], "备注": [""]})
    >>> raw = roster_frame(frame)
    >>> raw.columns.tolist()  # doctest: +NORMALIZE_WHITESPACE
    ['village', 'household_id', 'id_number', 'household_size', '备注', 'source_file',
     'source_sheet', 'source_row']
    >>> raw.drop(columns="source_row").iloc[0].tolist(), raw["source_row"].tolist()
    (['李家村', '001', '430527199001011237', '3', nan, '', ''], [1])
    """
    if "sources" in frame.attrs and set(SOURCE_COLUMNS) <= set(frame.columns):
        missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
        if not missing:  # copy on write: the caller's frame is never changed
            return frame.copy(deep=False)
    name = frame.attrs.get("source_file")
    label = Path(str(name)).name if name else ""
    part = frame_part(frame, label or "roster frame", load_columns(columns), categorical)
    part.file, part.path = label, str(name or "")
    out = combine([part])
    out.attrs = {**frame.attrs, **_attrs([part], [part])}
    return out


def _union(pieces: list[pd.Categorical]) -> pd.Categorical:
    """One categorical of the pieces, its categories in one contiguous text array (as a
    single file's are: the cleaner hands them to arrow)."""
    union = union_categoricals(pieces)
    categories = pd.Index(np.asarray(union.categories, dtype=object), dtype="str")
    dtype = distinct_categorical_dtype(categories)
    return pd.Categorical.from_codes(union.codes, dtype=dtype, validate=False)


def _source_column(parts: list[Part], name: str) -> pd.Categorical:
    """``source_file`` or ``source_sheet`` of every row: each part's own name, or the
    values a parquet file or frame carried."""
    if all(getattr(p, name) is None for p in parts):
        labels = [p.file if name == "source_file" else p.sheet for p in parts]
        categories = list(dict.fromkeys(labels))
        codes = np.repeat(
            np.array([categories.index(v) for v in labels], dtype=np.int32),
            [p.rows for p in parts],
        )
        dtype = distinct_categorical_dtype(categories)
        return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)
    pieces = []
    for part in parts:
        carried = getattr(part, name)
        if carried is None:
            value = part.file if name == "source_file" else part.sheet
            carried = pd.Series([value] * part.rows, dtype="str")
        pieces.append(pd.Categorical(carried.astype("str")))
    return _union(pieces)


def _stack(pieces: list[pd.Series | None], lengths: list[int]) -> pd.Series:
    """One column from the parts (``None`` where a part lacks it: missing there)."""
    if any(p is not None and isinstance(p.dtype, pd.CategoricalDtype) for p in pieces):
        empty = pd.Index([], dtype="str")
        cats = [
            pd.Categorical(p) if p is not None else pd.Categorical.from_codes(
                np.full(n, -1, dtype=np.int8), categories=empty)
            for p, n in zip(pieces, lengths, strict=True)
        ]
        return pd.Series(_union(cats))
    filled = [
        p.reset_index(drop=True)
        if p is not None
        else pd.Series(np.nan, index=range(n), dtype="str")
        for p, n in zip(pieces, lengths, strict=True)
    ]
    return pd.concat(filled, ignore_index=True).astype("str")


def combine(parts: list[Part]) -> pd.DataFrame:
    """The rows of the parts read, in order, in one frame: their columns in order of
    first appearance, then ``source_file``, ``source_sheet``, ``source_row``."""
    if len(parts) == 1:  # the part's own frame (no copy of a large roster)
        frame = parts[0].frame
        source_row = frame.pop("source_row")
    else:
        lengths = [p.rows for p in parts]
        names = list(dict.fromkeys(c for p in parts for c in p.frame.columns))
        names.remove("source_row")
        frame = pd.DataFrame(
            {n: _stack([p.frame.get(n) for p in parts], lengths) for n in names}
        )
        source_row = np.concatenate([p.frame["source_row"].to_numpy() for p in parts])
    frame["source_file"] = _source_column(parts, "source_file")
    frame["source_sheet"] = _source_column(parts, "source_sheet")
    frame["source_row"] = np.asarray(source_row, dtype=np.int64)
    if len(parts) > 1 and any(p.source_file is not None for p in parts):
        _check_distinct_rows(frame)
    return frame


def _check_distinct_rows(frame: pd.DataFrame) -> None:
    from ..schema import distinct_rows

    if not distinct_rows(frame):
        key = frame[list(SOURCE_COLUMNS)]
        first = key[key.duplicated()].iloc[0]
        raise RosterFormatError(
            f"{first['source_file']}, row {first['source_row']}: read twice (a parquet file "
            "carries the file, sheet and row of rows also read from that file); give it once"
        )


def _joined(values: list) -> str | None:
    distinct = [v for v in dict.fromkeys(values) if v not in (None, "")]
    return ", ".join(str(v) for v in distinct) if distinct else None


def _attrs(read: list[Part], parts: list[Part]) -> dict:
    """``raw.attrs``: the sources, and the keys of a single-file read."""
    unknown = list(dict.fromkeys(u for p in read for u in p.entry()["unknown_columns"]))
    single = len(read) == 1
    return {
        "source_file": read[0].path if single else _joined([p.file for p in read]),
        "source_sheet": (read[0].sheet or None) if single else _joined([p.sheet for p in read]),
        "header_row": read[0].header_row if single else None,
        "unknown_columns": unknown,
        "encoding": read[0].encoding if single else _joined([p.encoding for p in read]),
        "sources": [p.entry() for p in parts],
    }
