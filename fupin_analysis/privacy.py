"""The privacy check: find ID numbers, phone numbers and roster names in report outputs.

``fupin check DIR`` and the end of ``fupin report`` call :func:`scan`, which reads every
output a report writes — executed notebooks, HTML, CSV/JSON/Markdown text, XLSX cell
values, text columns of Parquet files, PNG text chunks, SVG text and PDF metadata — and
returns one row per hit, with the value masked.

What counts as a hit:

* an 18-character resident identity number (GB 11643: 6-digit area, a plausible
  birth date, 3 digits, a digit or X); masked numbers such as ``430527********123X`` are
  not personal data and are not reported;
* an 11-digit mobile number starting ``13``–``19`` (also written ``138-1234-5678``);
* a landline number such as ``0739-1234567``, except the public numbers of
  :data:`PUBLIC_NUMBERS`;
* an exact name of the roster (``names``), after place names of the reference tables
  are blanked out, so a person called 李家 does not make 李家村 a hit.

Examples
--------
>>> find_in_text("户主 杨明华 电话 13812345678，监督电话 0739-7500160", names={"杨明华"})
[('mobile', '13812345678', 10), ('name', '杨明华', 3)]
"""

from __future__ import annotations

import bisect
import json
import re
import unicodedata
import zlib
from collections.abc import Iterable, Iterator
from functools import cache, lru_cache
from pathlib import Path

import pandas as pd

from .errors import RosterFormatError

__all__ = [
    "HIT_COLUMNS",
    "PUBLIC_NUMBERS",
    "find_in_text",
    "mask",
    "roster_names",
    "scan",
    "scan_file",
]

#: Columns of the hit table.
HIT_COLUMNS = ["file", "kind", "location", "value"]

#: Phone numbers that are public, not personal: never reported.
PUBLIC_NUMBERS = frozenset(
    {
        # 寨市乡's supervision hotline (监督电话), published in the 2016 work summary.
        "0739-7500160",
    }
)

_EDGE_L = r"(?<![0-9A-Za-z.])"
_EDGE_R = r"(?![0-9A-Za-z])"
_PATTERNS = {
    "id_number": re.compile(
        _EDGE_L + r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}"
        r"[\dXx]" + _EDGE_R
    ),
    "mobile": re.compile(_EDGE_L + r"1[3-9]\d(?:[- ]?\d{4}){2}" + _EDGE_R),
    "landline": re.compile(_EDGE_L + r"0\d{2,3}-\d{7,8}" + _EDGE_R),
}
_NAME_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff·•]+")
_DATA_URI = re.compile(r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=\s]+")
_TEXT_SUFFIXES = {".csv", ".json", ".md", ".txt", ".log", ".svg", ".py", ".yml", ".yaml", ".tsv"}


def mask(value: str, kind: str) -> str:
    """A value with its middle hidden, safe to print.

    Examples
    --------
    >>> mask("430527199001011234", "id_number")
    '43***************4'
    >>> mask("杨明华", "name")
    '杨**'
    """
    if kind == "name":
        return value[:1] + "*" * (len(value) - 1)
    return value[:2] + "*" * (len(value) - 3) + value[-1:]


@cache
def _place_names() -> tuple[str, ...]:
    from .reference import load_crosswalk, load_villages

    names = set(load_villages()["name"]) | set(load_crosswalk()["name"])
    return tuple(sorted(names, key=len, reverse=True))


@lru_cache(maxsize=8)
def _prepared(names: frozenset[str]) -> tuple[frozenset[str], tuple[int, ...]]:
    """Names worth looking for and their lengths; cached, as a scan calls this per cell."""
    wanted = frozenset(n for n in names if len(n) >= 2)
    return wanted, tuple(sorted({len(n) for n in wanted}))


def find_in_text(text: str, names: Iterable[str] | None = None) -> list[tuple[str, str, int]]:
    """Personal data in a text: ``(kind, value, offset)`` tuples, patterns first.

    Parameters
    ----------
    text : str
    names : iterable of str, optional
        Exact names to look for (names of one character are ignored: too many false hits).

    Returns
    -------
    list of tuple
        ``kind`` is ``id_number``, ``mobile``, ``landline`` or ``name``.

    Examples
    --------
    >>> find_in_text("监督电话 0739-7500160，村委 0739-7512345")
    [('landline', '0739-7512345', 21)]
    """
    hits = []
    for kind, pattern in _PATTERNS.items():
        for match in pattern.finditer(text):
            if match.group(0) not in PUBLIC_NUMBERS:
                hits.append((kind, match.group(0), match.start()))
    wanted, lengths = _prepared(names if isinstance(names, frozenset) else frozenset(names or ()))
    if wanted:
        for run in _NAME_RUN.finditer(text):
            chunk = run.group(0)
            for place in _place_names():
                if place in chunk:
                    chunk = chunk.replace(place, "\0" * len(place))
            for length in lengths:
                for i in range(len(chunk) - length + 1):
                    if chunk[i : i + length] in wanted:
                        hits.append(("name", chunk[i : i + length], run.start() + i))
    return hits


def _lines(text: str, names: frozenset[str]) -> Iterator[tuple[str, str, str]]:
    starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]
    for kind, value, offset in find_in_text(text, names):
        yield kind, f"line {bisect.bisect_right(starts, offset)}", value


def _notebook_hits(path: Path, names: frozenset[str]) -> Iterator[tuple[str, str, str]]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for index, cell in enumerate(nb.get("cells", []), start=1):
        texts = ["".join(cell.get("source", ""))]
        for output in cell.get("outputs", []):
            texts.append("".join(output.get("text", "")))
            texts.extend(output.get("traceback", []))
            for mime, data in output.get("data", {}).items():
                if not mime.startswith("image/") or mime == "image/svg+xml":
                    texts.append(data if isinstance(data, str) else "".join(data))
        for kind, value, _ in find_in_text("\n".join(texts), names):
            yield kind, f"cell {index}", value


def _xlsx_hits(path: Path, names: frozenset[str]) -> Iterator[tuple[str, str, str]]:
    from openpyxl.utils import get_column_letter
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    for sheet in book.sheet_names:
        for r, row in enumerate(book.get_sheet_by_name(sheet).to_python(), start=1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                text = str(int(value)) if isinstance(value, float) and value.is_integer() else value
                for kind, found, _ in find_in_text(str(text), names):
                    yield kind, f"{sheet}!{get_column_letter(c)}{r}", found


def _parquet_hits(path: Path, names: frozenset[str]) -> Iterator[tuple[str, str, str]]:
    frame = pd.read_parquet(path)
    for col in frame.columns:
        if frame[col].dtype.kind in "biufcmM":
            continue
        for value in frame[col].dropna().astype(str).unique():
            for kind, found, _ in find_in_text(value, names):
                yield kind, f"column {col}", found


def _png_text_chunks(data: bytes) -> Iterator[tuple[str, str]]:
    pos = 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"tEXt":
            key, _, value = body.partition(b"\0")
            yield key.decode("latin-1"), value.decode("latin-1")
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            yield key.decode("latin-1"), zlib.decompress(rest[1:]).decode("latin-1")
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\0")
            compressed, rest = rest[0], rest[2:]
            _lang, _, rest = rest.partition(b"\0")
            _translated, _, value = rest.partition(b"\0")
            value = zlib.decompress(value) if compressed else value
            yield key.decode("latin-1"), value.decode("utf-8", errors="replace")
        pos += 12 + length


def _png_hits(path: Path, names: frozenset[str]) -> Iterator[tuple[str, str, str]]:
    for key, value in _png_text_chunks(path.read_bytes()):
        for kind, found, _ in find_in_text(value, names):
            yield kind, f"png text {key}", found


def _pdf_hits(path: Path, names: frozenset[str]) -> Iterator[tuple[str, str, str]]:
    data = path.read_bytes()
    # Metadata strings are Latin-1, or UTF-16BE when they hold other characters.
    texts = (data.decode("latin-1"), *(data[i:].decode("utf-16-be", "ignore") for i in (0, 1)))
    for text in texts:
        for kind, found, _ in find_in_text(text, ()):
            yield kind, "pdf", found
    for name in sorted(names):
        if len(name) >= 2 and (name.encode("utf-16-be") in data or name.encode("utf-8") in data):
            yield "name", "pdf metadata", name


def scan_file(path: str | Path, names: Iterable[str] | None = None) -> list[tuple[str, str, str]]:
    """Hits in one file: ``(kind, location, value)`` with the value unmasked.

    Files of other types (e.g. fonts, images other than PNG) are not read and give no
    hits.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "note.md"
    ...     _ = path.write_text("第一行\\n户主 杨明华", encoding="utf-8")
    ...     scan_file(path, names={"杨明华"})
    [('name', 'line 2', '杨明华')]
    """
    path = Path(path)
    wanted = frozenset(names or ())
    suffix = path.suffix.lower()
    if suffix == ".ipynb":
        return list(_notebook_hits(path, wanted))
    if suffix in (".html", ".htm"):
        text = _DATA_URI.sub("data:", path.read_text(encoding="utf-8", errors="replace"))
        return list(_lines(text, wanted))
    if suffix in _TEXT_SUFFIXES:
        return list(_lines(path.read_text(encoding="utf-8-sig", errors="replace"), wanted))
    if suffix == ".xlsx":
        return list(_xlsx_hits(path, wanted))
    if suffix == ".png":
        return list(_png_hits(path, wanted))
    if suffix == ".pdf":
        return list(_pdf_hits(path, wanted))
    if suffix == ".parquet":
        return list(_parquet_hits(path, wanted))
    return []


def scan(path: str | Path, *, names: Iterable[str] | None = None) -> pd.DataFrame:
    """Scan a folder (or one file) for personal data.

    Parameters
    ----------
    path : str or Path
        A report run folder, or one file.
    names : iterable of str, optional
        Names to look for, e.g. :func:`roster_names` of the roster the report used.

    Returns
    -------
    pandas.DataFrame
        One row per hit: ``file`` (relative to ``path``), ``kind`` (``id_number``,
        ``mobile``, ``landline``, ``name``), ``location`` (``line N``, ``cell N``,
        ``Sheet!B7``, ``column C``, ``png text KEY``, ``pdf``) and ``value`` (masked);
        sorted. The
        number of files read is in ``.attrs["files_scanned"]``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = (Path(tmp) / "t.csv").write_text("code,id\\n1,430527199001011234\\n")
    ...     scan(tmp).values.tolist()
    [['t.csv', 'id_number', 'line 2', '43***************4']]
    """
    root = Path(path)
    if not root.exists():
        raise FileNotFoundError(f"{root}: no such file or folder")
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    wanted = frozenset(unicodedata.normalize("NFKC", n).strip() for n in (names or ()))
    rows = []
    for file in files:
        rel = file.name if root.is_file() else file.relative_to(root).as_posix()
        for kind, location, value in scan_file(file, wanted):
            rows.append((rel, kind, location, value))
    hits = pd.DataFrame(rows, columns=HIT_COLUMNS).drop_duplicates()
    hits = hits.sort_values(HIT_COLUMNS, kind="stable").reset_index(drop=True)
    hits["value"] = [mask(v, k) for v, k in zip(hits["value"], hits["kind"], strict=True)]
    hits.attrs["files_scanned"] = len(files)
    return hits


def roster_names(path: str | Path) -> set[str]:
    """The names (姓名) of a roster, to look for with :func:`scan`.

    Read with :func:`fupin_analysis.read_roster` when it is available and the file is a
    full roster; otherwise the first row holding a ``姓名`` header of an XLSX/CSV file
    gives the column.

    Raises
    ------
    RosterFormatError
        When the file has no name column.

    Examples
    --------
    >>> names = roster_names("data/raw/zhaishi_roster_2016.xlsx")  # doctest: +SKIP
    >>> len(names) > 1000  # doctest: +SKIP
    True
    """
    from .ingest import read_roster

    path = Path(path)
    try:
        raw = read_roster(path)
    except RosterFormatError:
        raw = pd.DataFrame()  # not a full roster: its 姓名 column still has names
    column = raw["name"] if "name" in raw.columns else _names_by_header(path)
    names = column.dropna().astype(str).map(lambda s: unicodedata.normalize("NFKC", s).strip())
    return {n for n in names if len(n) >= 2}


def _names_by_header(path: Path) -> pd.Series:
    if path.suffix.lower() in (".xlsx", ".xls"):
        table = pd.read_excel(path, header=None, dtype=str, engine="calamine")
    else:
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                table = pd.read_csv(path, header=None, dtype=str, encoding=encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise RosterFormatError(f"{path}: neither UTF-8 nor GB18030 text")
    for r in range(min(len(table), 20)):
        row = table.iloc[r].map(lambda v: str(v).strip() if pd.notna(v) else "")
        hits = row[row == "姓名"]
        if not hits.empty:
            return table.iloc[r + 1 :, hits.index[0]]
    raise RosterFormatError(f"{path}: no 姓名 header in the first 20 rows")
