"""The texts of a report output, file type by file type, for the privacy check.

:func:`texts` turns one file into pieces of text and a way to name where an offset of
each piece is (``line 12``, ``cell 3``, ``户!B7``, ``column who``, ``png text Author``).
:mod:`fupin_analysis.privacy` looks for personal data in the pieces. Nothing here
matches anything: this module only reads.

A file that cannot be read is never skipped in silence: a corrupt file of a known type
raises :class:`Unreadable` (or yields one, for a corrupt part such as an image inside a
notebook), and a binary file of a type this module does not read raises
:class:`NotRead`.

Examples
--------
>>> import tempfile
>>> with tempfile.TemporaryDirectory() as tmp:
...     path = Path(tmp) / "a.md"
...     _ = path.write_text("一\\n二", encoding="utf-8")
...     [(text, locate(2)) for text, locate in texts(path)]
[('一\\n二', 'line 2')]
"""

from __future__ import annotations

import base64
import binascii
import bisect
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

__all__ = [
    "TEXT_SUFFIXES",
    "WORKBOOK_SUFFIXES",
    "NotRead",
    "Unreadable",
    "png_text_chunks",
    "texts",
]

#: Suffixes read as UTF-8 (or UTF-16 with a byte-order mark) text, located by line.
TEXT_SUFFIXES = frozenset(
    ".csv .tsv .txt .log .md .rst .json .geojson .yml .yaml .xml .svg .html .htm .py .tex "
    ".js .css".split()
)
#: Suffixes read cell by cell (python-calamine).
WORKBOOK_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})

Locate = str | Callable[[int], str]
Piece = tuple["str | Unreadable | NotRead", Locate]

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# No white space inside: text right after a URI must not pass for its data.
_DATA_URI = re.compile(r"data:(?P<mime>[\w/+.-]+);base64,(?P<data>[A-Za-z0-9+/=]+)")
_BINARY_MIME = re.compile(r"(image/(?!svg)|application/(pdf|octet-stream)|audio/|video/)")


class Unreadable(Exception):
    """A file or a part of it that cannot be read, so its text is unknown.

    Parameters
    ----------
    reason : str
        One line: what is wrong, e.g. ``bad CRC in chunk zTXt at byte 33``.
    location : str
        The part that cannot be read (``file`` when it is the whole file).
    """

    def __init__(self, reason: str, location: str = "file"):
        super().__init__(reason)
        self.reason = reason
        self.location = location


class NotRead(Exception):
    """A binary file (or embedded data) of a type this module does not read."""


def _line_of(text: str) -> Callable[[int], str]:
    return lambda offset: "line " + str(text.count("\n", 0, offset) + 1)


def _decode(data: bytes) -> str:
    """UTF-8 (BOM optional) or BOM-marked UTF-16 text; :class:`Unreadable` otherwise."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise Unreadable(f"not UTF-16 text despite its byte-order mark: {exc.reason}") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Unreadable(
            f"not UTF-8 text: {exc.reason} at byte {exc.start} (re-save it as UTF-8)"
        ) from exc


def _embedded(text: str, where: Callable[[int], str]) -> tuple[str, list[Piece]]:
    """The text with base64 data URIs cut to ``data:``, and the PNG text chunks of those
    that are PNGs (located by ``where`` of the URI's offset)."""
    if "base64," not in text:
        return text, []
    pieces: list[Piece] = []

    def cut(match: re.Match) -> str:
        if match["mime"] == "image/png":
            pieces.extend(_png_pieces(match["data"], f"{where(match.start())}, embedded png"))
        return "data:"

    return _DATA_URI.sub(cut, text), pieces


def _png_pieces(b64: str, location: str) -> list[Piece]:
    """Text chunks of a base64 PNG; data that is no PNG at all is reported as not read."""
    try:
        data = base64.b64decode(re.sub(r"\s+", "", b64), validate=True)
    except (binascii.Error, ValueError) as exc:
        return [(NotRead(f"bad base64 image data: {exc}"), location)]
    if not data.startswith(_PNG_SIGNATURE):
        return [(NotRead("image data marked PNG but not a PNG"), location)]
    try:
        return [(value, f"{location} text {key}") for key, value in png_text_chunks(data)]
    except Unreadable as exc:
        return [(Unreadable(exc.reason, location), location)]


def _text_file(path: Path) -> Iterator[Piece]:
    original = _decode(path.read_bytes())
    text, pieces = _embedded(original, _line_of(original))
    yield text, _line_of(text)  # cutting URIs keeps every line break
    yield from pieces


def png_text_chunks(data: bytes) -> Iterator[tuple[str, str]]:
    """``(keyword, text)`` of the tEXt, zTXt, iTXt and eXIf chunks of a PNG file.

    Every chunk's length and CRC is checked, so a damaged file raises
    :class:`Unreadable` naming the chunk and its byte offset.

    Examples
    --------
    >>> def chunk(kind, body):
    ...     crc = zlib.crc32(kind + body).to_bytes(4, "big")
    ...     return len(body).to_bytes(4, "big") + kind + body + crc
    >>> png = _PNG_SIGNATURE + chunk(b"tEXt", b"Author\\0Li") + chunk(b"IEND", b"")
    >>> list(png_text_chunks(png))
    [('Author', 'Li')]
    >>> list(png_text_chunks(png.replace(b"Li", b"Lu")))
    Traceback (most recent call last):
    ...
    fupin_analysis.privacy_readers.Unreadable: bad CRC in chunk tEXt at byte 8
    """
    if not data.startswith(_PNG_SIGNATURE):
        raise Unreadable("not a PNG file (bad signature)")
    pos = len(_PNG_SIGNATURE)
    while pos < len(data):
        if pos + 12 > len(data):
            raise Unreadable(f"truncated PNG: {len(data) - pos} stray bytes at byte {pos}")
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        name = kind.decode("latin-1")
        end = pos + 12 + length
        if end > len(data):
            raise Unreadable(f"truncated PNG: chunk {name} at byte {pos} ends past the file end")
        body = data[pos + 8 : end - 4]
        if zlib.crc32(kind + body) != int.from_bytes(data[end - 4 : end], "big"):
            raise Unreadable(f"bad CRC in chunk {name} at byte {pos}")
        try:
            yield from _png_chunk_text(kind, body)
        except (zlib.error, IndexError, UnicodeDecodeError) as exc:
            raise Unreadable(f"bad {name} chunk at byte {pos}: {exc}") from exc
        if kind == b"IEND":
            return
        pos = end
    raise Unreadable("truncated PNG: no IEND chunk")


def _latin1_or_utf8(value: bytes) -> str:
    """Text of a tEXt or zTXt chunk: Latin-1 by the standard, but some writers put UTF-8."""
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _png_chunk_text(kind: bytes, body: bytes) -> Iterator[tuple[str, str]]:
    if kind == b"tEXt":
        key, _, value = body.partition(b"\0")
        yield key.decode("latin-1"), _latin1_or_utf8(value)
    elif kind == b"zTXt":
        key, _, rest = body.partition(b"\0")
        yield key.decode("latin-1"), _latin1_or_utf8(zlib.decompress(rest[1:]))
    elif kind == b"iTXt":
        key, _, rest = body.partition(b"\0")
        compressed, rest = rest[0], rest[2:]
        language, _, rest = rest.partition(b"\0")
        translated, _, value = rest.partition(b"\0")
        value = zlib.decompress(value) if compressed else value
        label = key.decode("latin-1")
        yield (
            label,
            "\n".join(part.decode("utf-8") for part in (language, translated, value) if part),
        )
    elif kind == b"eXIf":
        yield "eXIf", body.decode("latin-1") + "\n" + body.decode("utf-16-le", "ignore")


def _png_file(path: Path) -> Iterator[Piece]:
    for key, value in png_text_chunks(path.read_bytes()):
        yield value, f"png text {key}"


def _json_strings(value: object, pieces: list[Piece], where: str) -> Iterator[str]:
    """Every string (keys too) of a JSON value; base64 media skipped, PNGs' text kept."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _json_strings(item, pieces, where)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            if _BINARY_MIME.match(str(key)):
                if key == "image/png" and isinstance(item, str | list):
                    b64 = item if isinstance(item, str) else "".join(map(str, item))
                    pieces.extend(_png_pieces(b64, f"{where}, png output"))
                continue
            yield from _json_strings(item, pieces, where)
    elif value is not None:
        yield _cell_text(value)


def _json_piece(value: object, where: str) -> Iterator[Piece]:
    pieces: list[Piece] = []
    text = "\n".join(_json_strings(value, pieces, where))
    text, embedded = _embedded(text, lambda _: where)
    yield text, where
    yield from pieces
    yield from embedded


def _notebook_file(path: Path) -> Iterator[Piece]:
    try:
        nb = json.loads(_decode(path.read_bytes()))
    except json.JSONDecodeError as exc:
        raise Unreadable(f"not a notebook (invalid JSON: {exc})") from exc
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        yield from _json_piece(nb, "notebook")
        return
    for index, cell in enumerate(cells, start=1):
        yield from _json_piece(cell, f"cell {index}")
    yield from _json_piece({k: v for k, v in nb.items() if k != "cells"}, "metadata")


def _cell_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _workbook_file(path: Path) -> Iterator[Piece]:
    from openpyxl.utils import get_column_letter
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(path))
    yield "\n".join(book.sheet_names), "sheet names"
    for sheet in book.sheet_names:
        parts, starts, cells, offset = [], [], [], 0
        for r, row in enumerate(book.get_sheet_by_name(sheet).to_python(), start=1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                text = _cell_text(value)
                parts.append(text)
                starts.append(offset)
                cells.append(f"{sheet}!{get_column_letter(c)}{r}")
                offset += len(text) + 1
        if parts:
            yield "\n".join(parts), lambda o, s=starts, a=cells: a[bisect.bisect_right(s, o) - 1]
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        yield from _workbook_parts(path)


def _workbook_parts(path: Path) -> Iterator[Piece]:
    """XML parts other than the cells: document properties, comments, names, charts."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name = info.filename
            if not name.endswith((".xml", ".rels", ".vml")) or name == "xl/sharedStrings.xml":
                continue
            if name.startswith(("xl/worksheets/sheet", "xl/theme/")):
                continue
            text = _decode(archive.read(info))
            if name == "xl/workbook.xml":  # its sheet names are read as "sheet names"
                text = re.sub(r"<sheets>.*?</sheets>", "", text, flags=re.S)
            yield text, f"part {name}"


def _parquet_file(path: Path) -> Iterator[Piece]:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
        table = parquet.read()
    except (pa.ArrowException, OSError) as exc:
        raise Unreadable(f"not a readable Parquet file: {exc}") from exc
    metadata = table.schema.metadata or {}
    yield "\n".join(table.column_names), "column names"
    yield (
        "\n".join(
            f"{key.decode('utf-8', 'replace')}\n{value.decode('utf-8', 'replace')}"
            for key, value in metadata.items()
        ),
        "metadata",
    )
    for name, column in zip(table.column_names, table.columns, strict=True):
        kind = column.type
        if pa.types.is_dictionary(kind):
            column, kind = column.cast(kind.value_type), kind.value_type
        if pa.types.is_boolean(kind) or pa.types.is_temporal(kind) or pa.types.is_null(kind):
            continue
        if pa.types.is_nested(kind):
            dumped = {json.dumps(v, ensure_ascii=False, default=str) for v in column.to_pylist()}
            values = sorted(dumped)
        else:
            distinct = pc.unique(column).drop_null().to_pylist()
            binary = pa.types.is_binary(kind) or pa.types.is_large_binary(kind)
            values = [v.decode("utf-8", "replace") if binary else _cell_text(v) for v in distinct]
        yield "\n".join(values), f"column {name}"


_PDF_STRING = re.compile(rb"\((?:[^()\\]|\\.|\((?:[^()\\]|\\.)*\))*\)|<([0-9A-Fa-f\s]+)>", re.S)
_PDF_STREAM = re.compile(rb"<<((?:[^<>]|<[^<>]*>|<<(?:[^<>]|<[^<>]*>)*>>)*)>>\s*stream\r?\n", re.S)
_PDF_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _pdf_string(raw: bytes) -> str:
    if raw.startswith(b"<"):
        body = re.sub(rb"\s", b"", raw[1:-1])
        body = bytes.fromhex((body + b"0" * (len(body) % 2)).decode("ascii"))
    else:
        body = re.sub(
            rb"\\([0-7]{1,3}|.)",
            lambda m: (
                bytes([int(m[1], 8) & 0xFF])
                if m[1][:1].isdigit()
                else _PDF_ESCAPES.get(m[1], m[1] if m[1] not in b"\r\n" else b"")
            ),
            raw[1:-1],
            flags=re.S,
        )
    if body.startswith(b"\xfe\xff"):
        return body[2:].decode("utf-16-be", "replace")
    if body.startswith(b"\xef\xbb\xbf"):
        return body[3:].decode("utf-8", "replace")
    return body.decode("latin-1")


def _pdf_file(path: Path) -> Iterator[Piece]:
    """Strings outside page content: the document info (metadata), XMP, object streams."""
    data = path.read_bytes()
    if not data.startswith(b"%PDF-"):
        raise Unreadable("not a PDF file (no %PDF- header)")
    if b"%%EOF" not in data[-1024:]:
        raise Unreadable("truncated PDF: no %%EOF marker at the end")
    outside, last = [], 0
    while match := _PDF_STREAM.search(data, last):
        start = match.end()
        stop = data.find(b"endstream", start)
        if stop < 0:
            raise Unreadable(f"truncated PDF: stream at byte {start} has no endstream")
        outside.append(data[last:start])
        last = stop
        head = match.group(1)
        if b"/Metadata" not in head and b"/ObjStm" not in head:
            continue  # page content: text there is drawn as glyphs
        body = data[start:stop]
        if b"/FlateDecode" in head:
            try:
                body = zlib.decompressobj().decompress(body)
            except zlib.error as exc:
                raise Unreadable(f"bad compressed stream at byte {start}: {exc}") from exc
        if b"/Metadata" in head:
            yield body.decode("utf-8", "replace"), "pdf metadata"
        else:
            strings = (_pdf_string(m.group(0)) for m in _PDF_STRING.finditer(body))
            yield "\n".join(strings), "pdf object stream"
    outside.append(data[last:])
    strings = (_pdf_string(m.group(0)) for m in _PDF_STRING.finditer(b"".join(outside)))
    yield "\n".join(strings), "pdf metadata"


def _unknown_file(path: Path) -> Iterator[Piece]:
    try:
        yield from _text_file(path)
    except Unreadable as exc:
        suffix = path.suffix.lower() or "no suffix"
        raise NotRead(f"binary file of a type the check does not read ({suffix})") from exc


def texts(path: str | Path) -> Iterator[Piece]:
    """The pieces of text of one file, each with how to name the place of an offset.

    Parameters
    ----------
    path : str or Path

    Yields
    ------
    tuple
        ``(text, locate)``: ``locate`` is a location string (``cell 3``, ``column who``)
        or a function from an offset of ``text`` to one (``line 12``, ``户!B7``). A
        damaged part of an otherwise readable file (e.g. a PNG in a notebook) comes as
        ``(Unreadable(...), location)``, embedded data marked PNG that is no PNG as
        ``(NotRead(...), location)``.

    Raises
    ------
    Unreadable
        The file is of a type read here but damaged (or not UTF-8, for text). A file
        without the signature of its type (a ``.png`` that is no PNG) is read as text
        when it is UTF-8 text, and unreadable otherwise.
    NotRead
        A binary file of another type (fonts, JPEG, ZIP, ...): it is not read.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".ipynb":
        return _notebook_file(path)
    if suffix in TEXT_SUFFIXES:
        return _text_file(path)
    binary = _BINARY_READERS.get(suffix)
    if binary is None:
        return _unknown_file(path)
    signatures, reader = binary
    with path.open("rb") as file:
        head = file.read(8)
    if head.startswith(signatures):
        return reader(path)
    return _misnamed_file(path, suffix)


def _misnamed_file(path: Path, suffix: str) -> Iterator[Piece]:
    """A file without the signature of its type: read as text when it is text."""
    try:
        yield from _text_file(path)
    except Unreadable as exc:
        raise Unreadable(f"not a {suffix} file (no {suffix} signature) nor UTF-8 text") from exc


_BINARY_READERS: dict[str, tuple[tuple[bytes, ...], Callable[[Path], Iterator[Piece]]]] = {
    ".png": ((_PNG_SIGNATURE,), _png_file),
    ".pdf": ((b"%PDF-",), _pdf_file),
    ".parquet": ((b"PAR1",), _parquet_file),
    ".xlsx": ((b"PK\x03\x04",), _workbook_file),
    ".xlsm": ((b"PK\x03\x04",), _workbook_file),
    ".xlsb": ((b"PK\x03\x04",), _workbook_file),
    ".ods": ((b"PK\x03\x04",), _workbook_file),
    ".xls": ((b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",), _workbook_file),
}
