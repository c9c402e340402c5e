"""CSV and text files: encoding detected, header found, rows parsed with their line
numbers.

UTF-8 (with or without BOM), UTF-16 with a BOM, else GB18030 (covers GBK and GB2312) are
detected; an explicit ``encoding`` wins. pyarrow's multithreaded reader parses the file
when every line after the header is one row (the common case; columns asked for are
dictionary-encoded while parsing); otherwise Python's ``csv`` module does, counting the
physical lines of quoted line breaks and blank lines.
"""

from __future__ import annotations

import codecs
import csv
import io
import mmap
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..errors import RosterFormatError
from ..schema import distinct_categorical_dtype
from .headers import HEADER_SCAN_ROWS, Header, find_header
from .mapping import ColumnMap

__all__ = ["CsvTable", "read_csv"]

_DETECT_BYTES = 1 << 20
_DICTIONARY_BLOCK = 4 << 20


@dataclass(frozen=True)
class CsvTable:
    """A CSV file read: its header (``None`` when no row names a roster column), encoding,
    header row (the line above the first data row) and the data rows (positional
    columns, with ``source_row``; ``None`` when the header is not a roster's)."""

    header: Header | None
    encoding: str
    header_row: int | None
    rows: pd.DataFrame | None


def _detect_encoding(where: str, data: bytes, encoding: str | None) -> str:
    if encoding is not None:
        try:
            data.decode(encoding)
        except LookupError:
            raise RosterFormatError(f"{where}: unknown encoding {encoding!r}") from None
        except UnicodeDecodeError as exc:
            raise RosterFormatError(
                f"{where}: not valid {encoding} text at byte {exc.start}; check --encoding"
            ) from None
        return encoding
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if b"\x00" in data[:65536]:
        raise RosterFormatError(
            f"{where}: binary data, not a CSV text file; give an .xlsx, .csv or "
            ".parquet roster (or pass --encoding for UTF-16/32 text)"
        )
    for candidate in ("utf-8", "gb18030"):
        try:  # the head only: pyarrow checks the rest while parsing (see read_csv)
            codecs.getincrementaldecoder(candidate)().decode(data[:_DETECT_BYTES], final=False)
        except UnicodeDecodeError:
            continue
        return candidate
    raise RosterFormatError(
        f"{where}: text is neither UTF-8 nor GB18030/GBK; pass its encoding with "
        "--encoding (e.g. big5)"
    )


def _records(text: str, where: str, limit: int | None = None):
    """``(first physical line, record)`` of each CSV record of ``text`` (a cell of any
    size; ``RosterFormatError`` naming the line of a malformed record)."""
    previous = csv.field_size_limit()
    csv.field_size_limit(sys.maxsize)  # a cell over 128 KB is still a cell
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        start = 1
        try:
            for k, record in enumerate(reader):
                if limit is not None and k >= limit:
                    return
                yield start, record
                start = reader.line_num + 1
        except csv.Error as exc:
            raise RosterFormatError(
                f"{where}, line {reader.line_num}: not readable as CSV ({exc})"
            ) from None
    finally:
        csv.field_size_limit(previous)


def read_csv(
    path: Path, where: str, encoding: str | None, columns: ColumnMap, categorical: frozenset[str]
) -> CsvTable:
    """Read a CSV roster file (see the module docstring).

    Raises
    ------
    RosterFormatError
        Binary data, an unknown or wrong encoding, text that is neither UTF-8 nor
        GB18030, a malformed record.
    """
    data = _map_file(path)  # the file's bytes, mapped: no copy of a large roster
    head = data[:_DETECT_BYTES]
    enc = _detect_encoding(where, data[:] if encoding is not None else head, encoding)
    text_head = head[: 1 << 16].decode(enc, errors="ignore")
    head_rows = [r for _, r in _records(text_head, where, HEADER_SCAN_ROWS)]
    header = find_header(head_rows, columns)
    if header is None or not header.is_roster:
        return CsvTable(header, enc, None, None)
    first_line = header.at + header.height + 1  # 1-based physical line of the first data row
    dictionary = [name in categorical for name in header.names]
    frame = _csv_fast(data, enc, dictionary, first_line)
    if frame is None:
        data = data[:]  # bytes
        try:
            text = data.decode(enc)
        except UnicodeDecodeError as exc:
            if encoding is not None or enc != "utf-8":
                raise RosterFormatError(
                    f"{where}: not valid {enc} text at byte {exc.start}; check --encoding"
                ) from None
            enc, text = "gb18030", _decode_gb18030(where, data)  # UTF-8 only at the start
        frame = _csv_python(text, len(dictionary), first_line, where)
    empty = frame.drop(columns="source_row").isna().all(axis=1).to_numpy()
    if empty.any():
        frame = frame.loc[~empty].reset_index(drop=True)
    return CsvTable(header, enc, first_line - 1, frame)


def _decode_gb18030(where: str, data: bytes) -> str:
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise RosterFormatError(
            f"{where}: text is neither UTF-8 nor GB18030/GBK; pass its encoding with "
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


def _csv_python(text: str, width: int, first_line: int, where: str) -> pd.DataFrame:
    """Slow path: blank lines, ragged rows, quoted line breaks or very large cells."""
    if text.startswith("\ufeff"):
        text = text[1:]
    rows, numbers = [], []
    for start, record in _records(text, where):
        if start >= first_line and record:
            rows.append((record + [""] * width)[:width])
            numbers.append(start)
    frame = pd.DataFrame(rows, columns=range(width), dtype="str").replace("", np.nan)
    frame["source_row"] = np.array(numbers, dtype=np.int64)
    return frame
