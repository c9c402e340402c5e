"""Read a roster file into a raw frame with canonical headers.

:func:`read_roster` reads ``.xlsx``/``.xlsm``/``.xls`` (python-calamine, openpyxl or xlrd
as fallback), ``.csv``/``.txt`` (UTF-8, UTF-8 with BOM, GB18030 detected; an explicit
``encoding`` wins) and ``.parquet``. In a workbook it finds the sheet holding the roster
headers, finds the header row under title rows, and joins two-row headers. Headers are
mapped to canonical names through :func:`fupin_analysis.schema.canonical_header`;
unknown columns are kept under their own header and listed in ``frame.attrs``.

Values stay text exactly as read (an empty cell is missing); numbers Excel stored as
floats are written the way they are held: ``3100.0`` → ``"3100"``, an 18-digit identity
number stored as a number → ``"4.30527199001011e+17"`` (its last digits are lost, and the
cleaner refuses it).

Examples
--------
>>> import io, pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> text = "寨市乡贫困人口名单\\n行政村,户编号,姓名,证件号码,人数,与户主关系,脱贫属性,贫困户属性\\n"
>>> text += "李家村,001,张三,430527199001011237,1,户主,未脱贫,一般贫困户\\n"
>>> _ = (folder / "r.csv").write_text(text, encoding="gb18030")
>>> raw = read_roster(folder / "r.csv")
>>> raw[["village", "id_number", "source_row"]].values.tolist()
[['李家村', '430527199001011237', 3]]
>>> raw.attrs["encoding"]
'gb18030'
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import io
import mmap
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .errors import RosterFormatError
from .schema import (
    REQUIRED_COLUMNS,
    canonical_header,
    column,
    distinct_categorical_dtype,
    normalize_text,
)

__all__ = ["read_roster", "HEADER_SCAN_ROWS", "EXCEL_SUFFIXES", "CSV_SUFFIXES"]

#: How many rows from the top are searched for the header row.
HEADER_SCAN_ROWS = 30
#: The header row must name at least this many known roster columns.
MIN_KNOWN_HEADERS = 3
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_SUFFIXES = (".csv", ".txt")
_HINT = "expected headers such as 姓名, 证件号码, 行政村"
_DETECT_BYTES = 1 << 20
_DICTIONARY_BLOCK = 4 << 20


def read_roster(
    path: str | Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    categorical: Collection[str] = (),
) -> pd.DataFrame:
    """Read a roster export: one row per data row, canonical column names, text values.

    Parameters
    ----------
    path : str or pathlib.Path
        ``.xlsx``, ``.xlsm``, ``.xls``, ``.csv``, ``.txt`` or ``.parquet`` file.
    sheet : str, optional
        Workbook sheet; by default the sheet whose header row names the most roster
        columns.
    encoding : str, optional
        CSV encoding; by default UTF-8 (with or without BOM), else GB18030.
    categorical : collection of str, optional
        Canonical columns to return as pandas categoricals of the same text (a CSV
        dictionary-encodes them while parsing: less memory for columns that repeat a
        few values, such as 文化程度 or 脱贫属性).

    Returns
    -------
    pandas.DataFrame
        Canonical columns (see :data:`fupin_analysis.schema.ROSTER_COLUMNS`) and unknown
        columns under their original header, of dtype ``str`` (missing = ``NaN``) or
        ``category`` for those named in ``categorical``,
        plus ``source_row`` (int64): the Excel row number of each data row, or the CSV
        line number (for parquet, the row's position from 1, or its own ``source_row``).
        ``attrs`` holds ``source_file``, ``source_sheet``, ``header_row``,
        ``unknown_columns`` and (CSV) ``encoding``.

    Raises
    ------
    RosterFormatError
        Unsupported extension, unreadable or empty file, no sheet or row with roster
        headers, headers without data rows, undecodable text, or a missing required
        column.

    Examples
    --------
    >>> read_roster("roster.docx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    fupin_analysis.errors.RosterFormatError: roster.docx: unsupported file type .docx; ...
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (*EXCEL_SUFFIXES, *CSV_SUFFIXES, ".parquet"):
        raise RosterFormatError(
            f"{path.name}: unsupported file type {suffix or '(none)'}; "
            "give a .xlsx, .xls, .csv or .parquet roster"
        )
    if not path.is_file():
        raise RosterFormatError(f"{path}: file not found")
    if path.stat().st_size == 0:
        raise RosterFormatError(f"{path.name}: the file is empty")
    categorical = frozenset(categorical)
    if suffix in EXCEL_SUFFIXES:
        frame = _read_excel(path, sheet)
    elif suffix in CSV_SUFFIXES:
        frame = _read_csv(path, encoding, categorical)
    else:
        frame = _read_parquet(path)
    if frame.empty:
        where = path.name if frame.attrs["source_sheet"] is None else (
            f"{path.name}, sheet {frame.attrs['source_sheet']}"
        )
        raise RosterFormatError(
            f"{where}: headers but no data rows under them; is this the right file or sheet?"
        )
    for name in frame.columns:
        is_categorical = isinstance(frame[name].dtype, pd.CategoricalDtype)
        if (name in categorical) != is_categorical and name != "source_row":
            frame[name] = frame[name].astype("category" if name in categorical else "str")
    frame.attrs["source_file"] = str(path)
    return frame


# --- header detection -------------------------------------------------------------------


def _cell(value: object) -> str:
    """Text of a grid cell (``""`` for empty)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
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
    return str(value)


def _header_names(top: list[str], bottom: list[str] | None) -> tuple[list[str], int]:
    """Column names of a one- or two-row header, and how many are known headers."""
    names: list[str] = []
    known: set[str] = set()
    if bottom is None:
        for cell in top:
            name = canonical_header(cell) if cell.strip() else None
            names.append(name or cell.strip())
            if name:
                known.add(name)
        return names, len(known)
    filled = top[:]
    for i in range(1, len(filled)):  # merged group titles span the cells to their right
        if not filled[i].strip() and bottom[i].strip():
            filled[i] = filled[i - 1]
    for t, b in zip(filled, bottom, strict=True):
        name = None
        if b.strip():
            name = canonical_header(b) or canonical_header(t + b)
        elif t.strip():
            name = canonical_header(t)
        if name:
            known.add(name)
            names.append(name)
        else:
            names.append("/".join(x.strip() for x in (t, b) if x.strip()))
    return names, len(known)


def _find_header(rows: list[list[str]]) -> tuple[int, int, list[str], int]:
    """``(row index, header height, names, known count)`` of the best header in ``rows``."""
    best = (-1, 1, [], 0)
    for i, row in enumerate(rows[:HEADER_SCAN_ROWS]):
        names, score = _header_names(row, None)
        if score > best[3]:
            best = (i, 1, names, score)
    i = best[0]
    if i >= 0 and i + 1 < len(rows):
        width = max(len(rows[i]), len(rows[i + 1]))
        top, bottom = (r + [""] * (width - len(r)) for r in (rows[i], rows[i + 1]))
        names, score = _header_names(top, bottom)
        cells = [(t, b) for t, b in zip(top, bottom, strict=True) if b.strip()]
        continues = bool(cells) and all(
            canonical_header(b) or canonical_header(t + b) for t, b in cells
        )
        if score > best[3] or (score == best[3] and continues):
            best = (i, 2, names, score)
    return best


def _frame_from_grid(
    rows: list[list[str]], first_row_number: int, where: str
) -> tuple[pd.DataFrame, int]:
    """Frame of the data rows under the header found in ``rows``; and the header row."""
    at, height, names, score = _find_header(rows)
    if score < MIN_KNOWN_HEADERS:
        raise RosterFormatError(
            f"{where}: no roster header row found in the first {HEADER_SCAN_ROWS} rows "
            f"({_HINT})"
        )
    width = len(names)
    data = [
        (first_row_number + k, r[:width] + [""] * (width - len(r)))
        for k, r in enumerate(rows)
        if k >= at + height and any(c.strip() for c in r)
    ]
    frame = pd.DataFrame([r for _, r in data], columns=range(width), dtype="str")
    frame = frame.replace("", np.nan)
    frame = _name_columns(frame, names, where)
    frame["source_row"] = np.array([n for n, _ in data], dtype=np.int64)
    return frame, first_row_number + at + height - 1


def _name_columns(frame: pd.DataFrame, names: list[str], where: str) -> pd.DataFrame:
    """Give ``frame`` (positional columns) its canonical names; check required ones."""
    final: list[str] = []
    unknown: list[str] = []
    canonical = {c for c in names if canonical_header(c) == c}
    for k, name in enumerate(names):
        if name in canonical and name not in final:
            final.append(name)
            continue
        label = name or f"column_{k + 1}"
        while label in final or label in canonical or label == "source_row":
            label += "_"
        final.append(label)
        unknown.append(label)
    keep = [k for k, name in enumerate(names) if name or frame[k].notna().any()]
    frame = frame.iloc[:, keep].copy()
    frame.columns = [final[k] for k in keep]
    unknown = [u for u in unknown if u in frame.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise RosterFormatError(f"{where}: {_missing_message(missing, unknown)}")
    frame.attrs["unknown_columns"] = unknown
    return frame


def _missing_message(missing: list[str], unknown: list[str]) -> str:
    wanted = [column(c).header for c in missing]
    parts = []
    for header in wanted:
        close = difflib.get_close_matches(
            normalize_text(header), [normalize_text(u) for u in unknown], n=1, cutoff=0.3
        )
        parts.append(f"{header} (closest found: {close[0]})" if close else header)
    found = ", ".join(unknown) if unknown else "none besides the known ones"
    return (
        f"missing required column(s) {'; '.join(parts)}; unrecognised headers found: {found}; "
        "rename the header(s) to the national system's names"
    )


# --- Excel ------------------------------------------------------------------------------


def _read_excel(path: Path, sheet: str | None) -> pd.DataFrame:
    try:
        sheets = _excel_sheets_calamine(path)
    except Exception as calamine_error:  # any reader failure → fallback
        try:
            sheets = _excel_sheets_fallback(path)
        except Exception:
            raise RosterFormatError(
                f"{path.name}: not a readable Excel workbook ({_short(calamine_error)}); "
                "open it in Excel and save it again as .xlsx"
            ) from None
    names = list(sheets)
    if sheet is not None:
        if sheet not in sheets:
            raise RosterFormatError(
                f"{path.name}: no sheet named {sheet!r}; sheets are {', '.join(names)}"
            )
        candidates = [sheet]
    else:
        candidates = names
    best: tuple[int, str] | None = None
    for name in candidates:
        score = _find_header(sheets[name](HEADER_SCAN_ROWS))[3]
        if score >= MIN_KNOWN_HEADERS and (best is None or score > best[0]):
            best = (score, name)
    if best is None:
        if len(candidates) == 1:
            raise RosterFormatError(
                f"{path.name}, sheet {candidates[0]}: no roster header row found in the first "
                f"{HEADER_SCAN_ROWS} rows ({_HINT})"
                + ("; name the sheet with --sheet" if sheet is None else "")
            )
        raise RosterFormatError(
            f"{path.name}: no sheet has a roster header row (sheets: {', '.join(names)}; "
            f"{_HINT}); name the sheet with --sheet"
        )
    name = best[1]
    frame, header_row = _frame_from_grid(sheets[name](None), 1, f"{path.name}, sheet {name}")
    frame.attrs.update(source_sheet=name, header_row=header_row)
    return frame


def _excel_sheets_calamine(path: Path) -> dict:
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))

    sheets: dict = {}

    def reader(name: str):
        def read(nrows: int | None) -> list[list[str]]:
            if name not in sheets:  # calamine parses the whole sheet here: do it once
                sheets[name] = book.get_sheet_by_name(name)
            rows = sheets[name].to_python(False, nrows)
            return [[v if type(v) is str else _cell(v) for v in row] for row in rows]

        return read

    return {name: reader(name) for name in book.sheet_names}


def _excel_sheets_fallback(path: Path) -> dict:
    if path.suffix.lower() == ".xls":
        import xlrd

        book = xlrd.open_workbook(str(path))

        def reader_xls(name: str):
            def read(nrows: int | None) -> list[list[str]]:
                sh = book.sheet_by_name(name)
                n = sh.nrows if nrows is None else min(nrows, sh.nrows)
                return [[_cell(v) for v in sh.row_values(i)] for i in range(n)]

            return read

        return {name: reader_xls(name) for name in book.sheet_names()}

    import openpyxl

    book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)

    def reader(name: str):
        def read(nrows: int | None) -> list[list[str]]:
            ws = book[name]
            return [
                [_cell(v) for v in row]
                for row in ws.iter_rows(min_row=1, max_row=nrows, values_only=True)
            ]

        return read

    return {ws.title: reader(ws.title) for ws in book.worksheets}


def _short(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:120]


# --- CSV --------------------------------------------------------------------------------


def _detect_encoding(path: Path, data: bytes, encoding: str | None) -> str:
    if encoding is not None:
        try:
            data.decode(encoding)
        except LookupError:
            raise RosterFormatError(f"{path.name}: unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            raise RosterFormatError(
                f"{path.name}: not valid {encoding} text at byte {exc.start}; "
                "check --encoding"
            ) from None
        return encoding
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in data[:65536]:
        raise RosterFormatError(
            f"{path.name}: binary data, not a CSV text file; give an .xlsx, .csv or "
            ".parquet roster (or pass --encoding for UTF-16/32 text)"
        )
    for candidate in ("utf-8", "gb18030"):
        try:  # the head only: pyarrow checks the rest while parsing (see _read_csv)
            codecs.getincrementaldecoder(candidate)().decode(data[:_DETECT_BYTES], final=False)
        except UnicodeDecodeError:
            continue
        return candidate
    raise RosterFormatError(
        f"{path.name}: text is neither UTF-8 nor GB18030/GBK; pass its encoding with "
        "--encoding (e.g. big5)"
    )


def _read_csv(path: Path, encoding: str | None, categorical: frozenset[str]) -> pd.DataFrame:
    data = _map_file(path)  # the file's bytes, mapped: no copy of a large roster
    head = data[:_DETECT_BYTES]
    enc = _detect_encoding(path, data[:] if encoding is not None else head, encoding)
    text_head = head[: 1 << 16].decode(enc, errors="ignore")
    head_rows = [r for r in csv.reader(io.StringIO(text_head, newline=""))][:HEADER_SCAN_ROWS]
    where = f"{path.name}"
    at, height, names, score = _find_header([list(r) for r in head_rows])
    if score < MIN_KNOWN_HEADERS:
        guessed = "" if encoding else f" (read as {enc}; pass --encoding if it is another)"
        raise RosterFormatError(
            f"{where}: no roster header row found in the first {HEADER_SCAN_ROWS} lines "
            f"({_HINT}){guessed}"
        )
    first_line = at + height + 1  # 1-based physical line of the first data row
    frame = _csv_fast(data, enc, [name in categorical for name in names], first_line)
    if frame is None:
        data = data[:]  # bytes
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as exc:
            if encoding is not None or enc != "utf-8":
                raise RosterFormatError(
                    f"{path.name}: not valid {enc} text at byte {exc.start}; check --encoding"
                ) from None
            enc, text = "gb18030", _decode_gb18030(path, data)  # UTF-8 only at the start
        frame = _csv_python(text, len(names), first_line)
    source_row = frame.pop("source_row")
    empty = frame.isna().all(axis=1).to_numpy()
    if empty.any():
        frame, source_row = frame.loc[~empty], source_row.loc[~empty]
    frame = _name_columns(frame.reset_index(drop=True), names, where)
    frame["source_row"] = source_row.to_numpy(dtype=np.int64)
    frame.attrs.update(source_sheet=None, header_row=first_line - 1, encoding=enc)
    return frame


def _decode_gb18030(path: Path, data: bytes) -> str:
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise RosterFormatError(
            f"{path.name}: text is neither UTF-8 nor GB18030/GBK; pass its encoding with "
            "--encoding (e.g. big5)"
        ) from None


def _map_file(path: Path) -> mmap.mmap | bytes:
    """The file's content, memory-mapped (read-only); its bytes when it cannot be mapped."""
    with path.open("rb") as handle:
        try:
            populate = getattr(mmap, "MAP_POPULATE", 0)  # Linux: fault the pages in at once
            if populate:
                flags = mmap.MAP_SHARED | populate
                return mmap.mmap(handle.fileno(), 0, flags=flags, prot=mmap.PROT_READ)
            return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):
            return handle.read()


def _count_newlines(data: mmap.mmap | bytes) -> int:
    """How many ``\\n`` bytes ``data`` holds (numpy, a few MB at a time)."""
    arr = np.frombuffer(data, dtype=np.uint8)
    step = 1 << 23
    return sum(int(np.count_nonzero(arr[i : i + step] == 10)) for i in range(0, len(arr), step))


def _csv_fast(
    data: mmap.mmap | bytes, enc: str, dictionary: list[bool], first_line: int
) -> pd.DataFrame | None:
    """pyarrow's multithreaded reader, when every line after the header is one row.

    ``dictionary`` says, per column, whether to dictionary-encode it while parsing.
    """
    # Blank lines stay rows of missing cells (ignore_empty_lines=False; dropped later with
    # their line numbers right); a line break inside a quoted cell leaves fewer rows than
    # lines and goes to the slow path, which counts physical lines.
    ends_with_newline = len(data) > 0 and data[-1:] == b"\n"
    body_lines = _count_newlines(data) + (0 if ends_with_newline else 1) - (first_line - 1)
    if body_lines <= 0:
        return None
    cols = [f"c{i}" for i in range(len(dictionary))]
    # dictionaries as bytes: UTF-8 is checked once per distinct value (_categorical)
    text, encoded = pa.large_string(), pa.dictionary(pa.int32(), pa.binary())
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),  # zero-copy, unlike io.BytesIO
            read_options=pacsv.ReadOptions(
                encoding=enc.replace("utf-8-sig", "utf8"),
                skip_rows=first_line - 1,
                column_names=cols,
                # each block has its own dictionaries, unified afterwards: fewer blocks
                block_size=_DICTIONARY_BLOCK if any(dictionary) else None,
            ),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={
                    c: encoded if d else text for c, d in zip(cols, dictionary, strict=True)
                },
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
            ),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if table.num_rows != body_lines:
        return None
    if any(dictionary):
        table = table.unify_dictionaries()
    columns = {}
    for k, values in enumerate(table.columns):
        if dictionary[k]:
            try:
                columns[k] = _categorical(values)
            except pa.ArrowInvalid:  # not UTF-8 after all: the slow path says where
                return None
        else:
            columns[k] = pd.Series(values, dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    columns["source_row"] = np.arange(first_line, first_line + table.num_rows, dtype=np.int64)
    return pd.DataFrame(columns)


def _categorical(column: pa.ChunkedArray) -> pd.Categorical:
    """A pandas categorical of a dictionary column whose chunks share one dictionary of
    bytes (checked as UTF-8 here: ``ArrowInvalid`` when a value is not)."""
    dictionary = column.chunk(0).dictionary if column.num_chunks else pa.array([], pa.binary())
    dictionary = dictionary.cast(pa.large_string())
    indices = pa.chunked_array([c.indices for c in column.chunks], pa.int32())
    codes = pc.fill_null(indices, -1).to_numpy()
    dtype = distinct_categorical_dtype(dictionary.to_pandas())  # a dictionary: distinct
    return pd.Categorical.from_codes(codes, dtype=dtype, validate=False)


def _csv_python(text: str, width: int, first_line: int) -> pd.DataFrame:
    """Slow path: blank lines, ragged rows or quoted line breaks."""
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.reader(io.StringIO(text, newline=""))
    rows, numbers = [], []
    start = 1
    for record in reader:
        if start >= first_line and record:
            rows.append((record + [""] * width)[:width])
            numbers.append(start)
        start = reader.line_num + 1
    frame = pd.DataFrame(rows, columns=range(width), dtype="str").replace("", np.nan)
    frame["source_row"] = np.array(numbers, dtype=np.int64)
    return frame


# --- parquet ----------------------------------------------------------------------------


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types
        raise RosterFormatError(
            f"{path.name}: not a readable parquet file ({_short(exc)})"
        ) from None
    if "source_row" in frame.columns:
        source_row = frame.pop("source_row").to_numpy(dtype=np.int64)
    else:
        source_row = np.arange(1, len(frame) + 1, dtype=np.int64)
    names = [str(c) for c in frame.columns]
    mapped = [canonical_header(n) or n for n in names]
    frame = frame.astype("str").reset_index(drop=True)
    frame.columns = range(len(names))
    frame = _name_columns(frame, mapped, path.name)
    frame["source_row"] = source_row
    frame.attrs.update(source_sheet=None, header_row=None)
    return frame
