"""The privacy check: find ID numbers, phone numbers and roster names in report outputs.

``fupin check DIR`` and the end of ``fupin report`` call :func:`scan`, which reads every
output a report writes (through :mod:`fupin_analysis.privacy_readers`: notebooks with
every output of any MIME type, HTML, CSV/JSON/GeoJSON/Markdown/XML/SVG text, workbook
cells and sheet names, Parquet columns and metadata, PNG text chunks, PDF metadata) and
returns one row per hit, with the value masked, and one row per file it could not read.

Text is normalised before matching, with a map back to the original offsets (so the
hit names its line): HTML entities and ``\\uXXXX`` escapes decoded, NFKC (full-width
digits and letters, compatibility ideographs), zero-width characters and soft hyphens
removed, dashes unified. Numbers are then read as chains of digit groups joined by one
space, dash, dot, slash or middle dot (``151.6823.6841``, ``430527 19800101 123X``,
``(0739)7500160``); a hit is a run of whole groups, so a number inside a longer digit
string (a hash, a decimal fraction) is never one, and a run in groups must not be a
piece of a row of numbers (a table line, SVG path data: see ``_classify``). What counts
as a hit:

* an 18-character resident identity number (GB 11643: 6-digit area, a plausible birth
  date, 3 digits, a digit or X), also after a letter prefix (``ID430527…``). Written
  in one piece it is a hit as before; split into groups it must also be fully valid
  (province, calendar date, check character), which keeps tables of numbers from
  forming IDs by chance. Masked numbers such as ``430527********123X`` are not
  personal data and are not reported;
* an 11-digit mobile number starting ``13``-``19``, in one piece (also as a float,
  ``13812345678.0``) or in groups with one separator (3+8, 4+7, 7+4 digits, or three
  groups of three or more), also after ``+86``, ``0086`` or ``86`` and a separator;
* a landline number: an area code ``0`` + 2-3 digits as its own group (or in brackets,
  or ``+86`` and the code without its ``0``), then 7-8 digits, except the public
  numbers of :data:`PUBLIC_NUMBERS`;
* a name of the roster (``names``), also when split by spaces or inline HTML tags
  (``杨 明华``, ``杨<span>明</span>华``, ``&#26472;明华``), after place names of the
  reference tables are blanked out, so a person called 李家 does not make 李家村 a hit.

Examples
--------
>>> find_in_text("户主 杨明华 电话 13812345678，监督电话 0739-7500160", names={"杨明华"})
[('mobile', '13812345678', 10), ('name', '杨明华', 3)]
>>> find_in_text("电话 +86 151.6823.6841，户主 杨<b>明</b>华", names={"杨明华"})
[('mobile', '15168236841', 3), ('name', '杨明华', 24)]
"""

from __future__ import annotations

import bisect
import html
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import pandas as pd

from . import privacy_readers
from .errors import FupinError, RosterFormatError
from .idcard import is_valid as _is_valid_id

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

#: Phone numbers that are public, not personal: never reported (in any grouping).
PUBLIC_NUMBERS = frozenset(
    {
        # 寨市乡's supervision hotline (监督电话), published in the 2016 work summary.
        "0739-7500160",
    }
)
_PUBLIC_DIGITS = frozenset(re.sub(r"\D", "", n) for n in PUBLIC_NUMBERS)

# Province codes (first two digits of an area code) of GB/T 2260, with 71 (Taiwan),
# 81/82 (Hong Kong, Macao) and 83 (residence permits of Taiwan residents).
_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 "
    "61 62 63 64 65 71 81 82 83".split()
)
_ID_SHAPE = re.compile(
    r"[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dX]"
)
_MOBILE = re.compile(r"1[3-9]\d{9}")
_AREA_CODE = re.compile(r"0\d{2,3}")
_MOBILE_HALVES = frozenset({(3, 8), (4, 7), (7, 4)})

# A chain of digit groups: one space, or a dash, dot, slash or middle dot with a space
# either side or none, between groups; an area code may stand in brackets; an ID's X
# may stand apart. Not inside a token (a hash, a word) nor after a decimal point; a
# prefix of up to 10 letters (ID, SFZ, Tel) or a + may lead.
_GAP = r"(?: ?[-./\u00b7\u30fb] ?| )"
_CHAIN = re.compile(
    r"(?<![0-9A-Za-z])(?<!\d\.)"
    r"(?P<prefix>\+|[A-Za-z]{1,10})?"
    r"(?P<chain>(?:\(\d{3,4}\) ?)?\d+(?:" + _GAP + r"\d+)*(?:" + _GAP + r"?[Xx])?)"
    r"(?![0-9A-Za-z])"
)
_GROUP = re.compile(r"\d+|[Xx]")
_CANDIDATE = re.compile(r"[\d(][\d()\-./ \u00b7\u30fbXx]{6,}")

_ENTITY = re.compile(r"&(?:#\d{1,7}|#[xX][0-9A-Fa-f]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_U_ESCAPE = re.compile(r"(?:\\u[0-9A-Fa-f]{4})+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"))
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
_CLEANUP = _INVISIBLE | _DASHES
_CLEANUP_CHARS = re.compile("[" + "".join(map(chr, _CLEANUP)) + "]")
_INLINE_TAG = re.compile(
    r"<!--.*?-->|</?(?:a|abbr|b|bdi|bdo|cite|code|data|dfn|em|font|i|kbd|mark|q|rp|rt|ruby"
    r"|s|samp|small|span|strong|sub|sup|time|tspan|u|var|wbr)\b[^<>]*>",
    re.IGNORECASE | re.DOTALL,
)
_HAN = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_SPACES_BEFORE_HAN = re.compile(rf" +(?=[{_HAN}·•])")
_HAN_CHAR = re.compile(rf"[{_HAN}·•]")


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


class _Mapped:
    """A text made from an original by replacements, and the way back to its offsets."""

    __slots__ = ("text", "_layers")

    def __init__(self, text: str):
        self.text = text
        self._layers: list[tuple[list[int], list[int], list[int], list[int]]] = []

    def copy(self) -> _Mapped:
        other = _Mapped(self.text)
        other._layers = list(self._layers)
        return other

    def sub(self, pattern: re.Pattern, replace: Callable[[re.Match], str]) -> None:
        """Replace the matches of ``pattern`` by ``replace(match)``."""
        self.apply((m.start(), m.end(), replace(m)) for m in pattern.finditer(self.text))

    def apply(self, edits: Iterable[tuple[int, int, str]]) -> None:
        """Replace ``text[start:end]`` by ``new`` for sorted, disjoint ``(start, end, new)``."""
        text, parts, last, shift = self.text, [], 0, 0
        new_starts, new_ends, old_starts, old_ends = [], [], [], []
        for start, end, new in edits:
            if new == text[start:end]:
                continue
            parts += (text[last:start], new)
            new_starts.append(start + shift)
            new_ends.append(start + shift + len(new))
            old_starts.append(start)
            old_ends.append(end)
            shift += len(new) - (end - start)
            last = end
        if new_starts:
            parts.append(text[last:])
            self.text = "".join(parts)
            self._layers.append((new_starts, new_ends, old_starts, old_ends))

    def original(self, offset: int) -> int:
        """The offset in the original text of an offset of :attr:`text`."""
        for new_starts, new_ends, old_starts, old_ends in reversed(self._layers):
            k = bisect.bisect_right(new_starts, offset) - 1
            if k >= 0:
                inside = offset < new_ends[k]
                offset = old_starts[k] if inside else old_ends[k] + offset - new_ends[k]
        return offset


def _unescape_u(match: re.Match) -> str:
    return json.loads('"' + match.group(0) + '"')


def _normalised(text: str) -> _Mapped:
    """Entities and \\u escapes decoded, NFKC, invisible characters gone, dashes unified."""
    mapped = _Mapped(text)
    if "&" in text:
        mapped.sub(_ENTITY, lambda m: html.unescape(m.group(0)))
    if "\\u" in mapped.text:
        mapped.sub(_U_ESCAPE, _unescape_u)
    if not mapped.text.isascii():
        mapped.apply(_char_edits(mapped.text))
    return mapped


def _char_edits(text: str) -> Iterator[tuple[int, int, str]]:
    """NFKC and clean-up, character by character, in the runs of other than ASCII that
    change (so an offset inside a run still maps to its own character)."""
    for run in _NON_ASCII.finditer(text):
        chunk = run.group(0)
        if unicodedata.is_normalized("NFKC", chunk) and not _CLEANUP_CHARS.search(chunk):
            continue
        for k, char in enumerate(chunk, start=run.start()):
            yield k, k + 1, unicodedata.normalize("NFKC", char).translate(_CLEANUP)


def _for_names(mapped: _Mapped) -> _Mapped:
    """A copy without inline HTML tags, comments and spaces between Chinese characters."""
    names = mapped.copy()
    if "<" in names.text:
        names.sub(_INLINE_TAG, lambda m: "")
    if " " in names.text:
        text = names.text
        names.apply(
            (m.start(), m.end(), "")
            for m in _SPACES_BEFORE_HAN.finditer(text)
            if m.start() and _HAN_CHAR.match(text, m.start() - 1)
        )
    return names


@cache
def _places() -> re.Pattern:
    """Place names of the reference tables, longest first, to blank before names."""
    from .reference import load_crosswalk, load_villages

    names = set(load_villages()["name"]) | set(load_crosswalk()["name"])
    return re.compile("|".join(map(re.escape, sorted(names, key=len, reverse=True))))


def _clean_name(name: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(name)).translate(_CLEANUP))


@dataclass(frozen=True)
class _Names:
    wanted: frozenset[str]
    lengths: tuple[int, ...]
    first_chars: re.Pattern


@lru_cache(maxsize=8)
def _prepared(names: frozenset[str]) -> _Names | None:
    """Names worth looking for (two characters or more), their lengths and first
    characters; cached, as a scan calls this per piece of text."""
    wanted = frozenset(c for c in map(_clean_name, names) if len(c) >= 2)
    if not wanted:
        return None
    firsts = "".join(sorted({re.escape(n[0]) for n in wanted}))
    return _Names(wanted, tuple(sorted({len(n) for n in wanted})), re.compile(f"[{firsts}]"))


def _phone(groups: list[str], plus: bool) -> tuple[str, str, int] | None:
    """``(kind, canonical value, head)`` of a phone number; ``head`` counts the leading
    groups (country or area code) that may be set apart by another separator."""
    digits = "".join(groups)
    if _MOBILE.fullmatch(digits):
        return "mobile", digits, 0
    for code in ("0086", "86"):
        own_group = groups[0] == code
        if digits.startswith(code) and (code == "0086" or plus or own_group):
            if _MOBILE.fullmatch(digits[len(code) :]):
                return "mobile", digits[len(code) :], int(own_group)
    if _AREA_CODE.fullmatch(groups[0]):
        area, head = groups[0], 1
    elif (
        len(groups) >= 3
        and (groups[0] == "0086" or (groups[0] == "86" and plus))
        and _AREA_CODE.fullmatch("0" + groups[1])
    ):
        area, head = "0" + groups[1], 2
    else:
        return None
    local = "".join(groups[head:])
    if not 7 <= len(local) <= 8 or area + local in _PUBLIC_DIGITS:
        return None
    return "landline", f"{area}-{local}", head


def _classify(
    groups: list[str], gaps: list[str], outer: list[str], plus: bool
) -> tuple[str, str] | None:
    """``(kind, canonical value)`` of a run of whole digit groups, or None.

    ``gaps`` are the separators between the groups, ``outer`` those just before and
    after the run. A number in one piece is judged as before. One in several groups must
    not continue with a separator it uses, and one with a single space inside must not
    end inside a token such as ``2019-10-11`` (else it is a piece of a row of numbers: a
    table line, SVG path data). An ID in groups must be fully valid. A phone number in
    groups uses one separator (its country or area code may have another); a mobile
    number is in two groups of 3+8, 4+7 or 7+4 digits or in three of three digits or
    more, a landline's local number in at most two of three digits or more.
    """
    digits = "".join(groups)
    split = len(groups) > 1
    if split and set(outer) & set(gaps):
        return None
    if split and " " in gaps and any(" " not in gap for gap in outer):
        return None
    if len(digits) == 18 and _ID_SHAPE.fullmatch(digits):
        if not split or (digits[:2] in _PROVINCES and _is_valid_id(digits)):
            return "id_number", digits
        return None
    if "X" in digits or len(digits) < 10:
        return None
    phone = _phone(groups, plus)
    if phone is None:
        return None
    kind, value, head = phone
    body, body_gaps = groups[head:], gaps[head:]
    sizes = tuple(map(len, body))
    if split and (
        len(set(body_gaps)) > 1
        or len(body) > (3 if kind == "mobile" else 2)
        or min(sizes) < 3
        or (kind == "mobile" and len(body) == 2 and sizes not in _MOBILE_HALVES)
    ):
        return None
    return kind, value


def _numbers(text: str) -> list[tuple[str, str, int]]:
    """ID and phone numbers in a normalised text: ``(kind, value, offset)``."""
    hits = []
    for chain in _chains(text):
        start = chain.start("chain")
        if chain.end() - start < 7:
            continue
        groups, offsets, gaps = [], [], []
        for group in _GROUP.finditer(chain["chain"]):
            at = start + group.start()
            gap = text[offsets[-1] + len(groups[-1]) : at] if groups else None
            if gap == "":  # an X written right after its digits
                groups[-1] += group.group(0).upper()
                continue
            if gap is not None:
                gaps.append(gap)
            groups.append(group.group(0).upper())
            offsets.append(at)
        plus = chain["prefix"] == "+"
        offsets[0] = chain.start() if plus else start
        # a number just beyond spaces: the chain is a piece of a row of numbers (pandas
        # prints its columns one space apart when they fill their width)
        edges = (_number_beside(text, chain.start() - 1, -1), _number_beside(text, chain.end(), 1))
        hits += _numbers_in(groups, gaps, offsets, plus, edges)
    return hits


def _number_beside(text: str, at: int, step: int) -> bool:
    """True when the first character from ``at`` on (going by ``step``) that is not a
    space or tab is a digit."""
    while 0 <= at < len(text) and text[at] in " \t":
        at += step
    return 0 <= at < len(text) and text[at].isdigit()


def _chains(text: str) -> Iterator[re.Match]:
    """Matches of :data:`_CHAIN`, looked for only around runs of digits and separators
    long enough to hold a number (a quick scan: most of a text is neither)."""
    for region in _CANDIDATE.finditer(text):
        start = region.start()
        while start > 0 and region.start() - start <= 10 and _is_letter(text[start - 1]):
            start -= 1
        if start > 0 and text[start - 1] == "+":
            start -= 1
        yield from _CHAIN.finditer(text, start, region.end() + 1)


def _is_letter(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _numbers_in(
    groups: list[str],
    gaps: list[str],
    offsets: list[int],
    plus: bool,
    edges: tuple[bool, bool] = (False, False),
) -> list[tuple[str, str, int]]:
    """Longest valid runs of whole groups of a chain, left to right, not overlapping.

    Two groups joined by a lone dot are a decimal number (``0.13812345678``) and no part
    of a run, unless the fraction is zero (``13812345678.0``, a number that went through
    a float column): then its whole part may be a number by itself. A whole part with a
    leading zero (``0739.7512345``) is no decimal number. ``edges`` tells whether a number
    stands beyond spaces before and after the chain: a run of groups joined by single
    spaces may then not reach that end.
    """
    n = len(groups)
    free, alone, blocked = 0, 1, 2
    state = [free] * n
    for k, gap in enumerate(gaps):
        lone = (k == 0 or gaps[k - 1] != ".") and (k + 1 == len(gaps) or gaps[k + 1] != ".")
        if gap == "." and lone and not (groups[k][0] == "0" and len(groups[k]) > 1):
            state[k] = alone if groups[k + 1].strip("0") == "" else blocked
            state[k + 1] = blocked
    before, after = ([" "] if edges[0] else []), ([" "] if edges[1] else [])
    hits, i = [], 0
    while i < n:
        stop, total = i, 0
        if state[i] == alone:
            stop = i + 1
        while stop < n and state[stop] == free and total + len(groups[stop]) <= 20:
            total += len(groups[stop])
            stop += 1
        for j in range(stop - 1, i - 1, -1):
            outer = ([gaps[i - 1]] if i else before) + ([gaps[j]] if j < n - 1 else after)
            found = _classify(groups[i : j + 1], gaps[i:j], outer, plus and i == 0)
            if found:
                hits.append((*found, offsets[i]))
                i = j
                break
        i += 1
    return hits


def find_in_text(text: str, names: Iterable[str] | None = None) -> list[tuple[str, str, int]]:
    """Personal data in a text: ``(kind, value, offset)`` tuples, numbers first.

    Parameters
    ----------
    text : str
    names : iterable of str, optional
        Names to look for (NFKC, spaces removed; names of one character are ignored:
        too many false hits).

    Returns
    -------
    list of tuple
        ``kind`` is ``id_number``, ``mobile``, ``landline`` or ``name``; ``value`` is the
        number in canonical form (digits, ``X``, landlines as ``0739-7512345``) or the
        name; ``offset`` is where it starts in ``text``.

    Examples
    --------
    >>> find_in_text("监督电话 0739-7500160，村委 (0739) 751 2345")
    [('landline', '0739-7512345', 21)]
    >>> find_in_text("身份证ID４３０５２７ 1980-0101 1232；散列 a430527198001011234b")
    [('id_number', '430527198001011232', 5)]
    """
    mapped = _normalised(text)
    hits = [
        (kind, value, mapped.original(offset))
        for kind, value, offset in (_numbers(mapped.text) if _has_digit(mapped.text) else [])
    ]
    wanted = _prepared(names if isinstance(names, frozenset) else frozenset(names or ()))
    if wanted and not mapped.text.isascii():
        hits += _names(_for_names(mapped), wanted)
    return hits


_DIGIT = re.compile(r"\d")


def _has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


def _names(mapped: _Mapped, names: _Names) -> list[tuple[str, str, int]]:
    text = _places().sub(lambda m: "\0" * len(m.group(0)), mapped.text)
    hits = []
    for first in names.first_chars.finditer(text):
        at = first.start()
        for length in names.lengths:
            if text[at : at + length] in names.wanted:
                hits.append(("name", text[at : at + length], mapped.original(at)))
    return hits


def _reason(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0] if lines else '(no message)'}"


def scan_file(path: str | Path, names: Iterable[str] | None = None) -> list[tuple[str, str, str]]:
    """Hits in one file: ``(kind, location, value)`` with the value unmasked.

    Never raises for the file's content: a damaged file (or part) gives a row of kind
    ``unreadable`` whose value is the reason, and a binary file of a type the check does
    not read (fonts, JPEG, ...) a row of kind ``not_read``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "note.md"
    ...     _ = path.write_text("第一行\\n户主 杨 明华", encoding="utf-8")
    ...     bad = Path(tmp) / "f.png"
    ...     _ = bad.write_bytes(b"\\x89PNG\\r\\n\\x1a\\n\\x00")
    ...     print(scan_file(path, names={"杨明华"}), scan_file(bad), sep="\\n")
    [('name', 'line 2', '杨明华')]
    [('unreadable', 'file', 'truncated PNG: 1 stray bytes at byte 8')]
    """
    wanted = frozenset(names or ())
    rows = []
    try:
        for text, locate in privacy_readers.texts(path):
            if isinstance(text, privacy_readers.Unreadable):
                rows.append(("unreadable", text.location, text.reason))
                continue
            if isinstance(text, privacy_readers.NotRead):
                rows.append(("not_read", locate, str(text)))
                continue
            for kind, value, offset in find_in_text(text, wanted):
                rows.append((kind, locate(offset) if callable(locate) else locate, value))
    except privacy_readers.NotRead as exc:
        rows.append(("not_read", "file", str(exc)))
    except privacy_readers.Unreadable as exc:
        rows.append(("unreadable", exc.location, exc.reason))
    except Exception as exc:  # any library's error on a damaged file: report, never crash
        rows.append(("unreadable", "file", _reason(exc)))
    return rows


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
        ``mobile``, ``landline``, ``name``, or ``unreadable`` for a damaged file or part
        whose text is unknown), ``location`` (``line N``, ``cell N``, ``Sheet!B7``,
        ``column C``, ``png text KEY``, ``pdf metadata``, ``file``, ...) and ``value``
        (masked; for ``unreadable``, the reason); sorted. ``.attrs["files_scanned"]`` is
        the number of files looked at, ``.attrs["not_read"]`` a list of ``(file,
        reason)`` of binary files of a type the check does not read.

    Raises
    ------
    FupinError
        When ``path`` does not exist.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = (Path(tmp) / "t.csv").write_text("code,id\\n1,ID 430527-19900101-1237\\n")
    ...     _ = (Path(tmp) / "u.png").write_bytes(b"GIF89a\\x01\\x00\\xf7")
    ...     hits = scan(tmp)
    >>> hits[["file", "kind", "location"]].values.tolist()
    [['t.csv', 'id_number', 'line 2'], ['u.png', 'unreadable', 'file']]
    >>> hits["value"].tolist()  # masked; for an unreadable file, the reason
    ['43***************7', 'not a .png file (no .png signature) nor UTF-8 text']
    """
    root = Path(path)
    if not root.exists():
        raise FupinError(f"{root}: no such file or folder (looked in {root.absolute()})")
    files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file())
    wanted = frozenset(names or ())
    rows, not_read = [], []
    for file in files:
        rel = file.name if root.is_file() else file.relative_to(root).as_posix()
        for kind, location, value in scan_file(file, wanted):
            if kind == "not_read":
                not_read.append((rel if location == "file" else f"{rel} ({location})", value))
            else:
                rows.append((rel, kind, location, value))
    hits = pd.DataFrame(rows, columns=HIT_COLUMNS).drop_duplicates()
    hits = hits.sort_values(HIT_COLUMNS, kind="stable").reset_index(drop=True)
    hits["value"] = [
        v if k == "unreadable" else mask(v, k)
        for v, k in zip(hits["value"], hits["kind"], strict=True)
    ]
    hits.attrs["files_scanned"] = len(files)
    hits.attrs["not_read"] = not_read
    return hits


def roster_names(path: str | Path) -> set[str]:
    """The names (姓名) of a roster, to look for with :func:`scan`.

    Read with :func:`fupin_analysis.read_roster` when it is available and the file is a
    full roster; otherwise the first row holding a ``姓名`` header of an XLSX/CSV file
    (or a ``姓名`` column of a Parquet file) gives the column.

    Raises
    ------
    RosterFormatError
        One line, when the file is missing (naming the absolute path looked for), cannot
        be read, or has no name column.

    Examples
    --------
    >>> names = roster_names("data/raw/zhaishi_roster_2016.xlsx")  # doctest: +SKIP
    >>> len(names) > 1000  # doctest: +SKIP
    True
    >>> roster_names("no/such/roster.xlsx")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    fupin_analysis.errors.RosterFormatError: no/such/roster.xlsx: roster not found (looked for /.../no/such/roster.xlsx)
    """  # noqa: E501
    from .ingest import read_roster

    path = Path(path)
    if not path.is_file():
        what = "not a file" if path.exists() else "roster not found"
        raise RosterFormatError(f"{path}: {what} (looked for {path.absolute()})")
    try:
        try:
            raw = read_roster(path)
        except RosterFormatError:
            raw = pd.DataFrame()  # not a full roster: its 姓名 column still has names
        column = raw["name"] if "name" in raw.columns else _names_by_header(path)
    except FupinError:
        raise
    except Exception as exc:  # any reader's error on a damaged file: one line, no traceback
        raise RosterFormatError(f"{path}: cannot read the roster: {_reason(exc)}") from exc
    names = column.dropna().astype(str).map(_clean_name)
    return {n for n in names if len(n) >= 2}


def _names_by_header(path: Path) -> pd.Series:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        table = pd.read_parquet(path)
        if "姓名" not in table.columns:
            raise RosterFormatError(f"{path}: no 姓名 column")
        return table["姓名"]
    if suffix in (".xlsx", ".xlsm", ".xls"):
        table = pd.read_excel(path, header=None, dtype=str, engine="calamine")
    elif suffix in (".csv", ".txt"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                table = pd.read_csv(path, header=None, dtype=str, encoding=encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise RosterFormatError(f"{path}: neither UTF-8 nor GB18030 text")
    else:
        raise RosterFormatError(f"{path}: not a roster (.xlsx, .xls, .csv, .txt or .parquet)")
    for r in range(min(len(table), 20)):
        row = table.iloc[r].map(lambda v: str(v).strip() if pd.notna(v) else "")
        hits = row[row == "姓名"]
        if not hits.empty:
            return table.iloc[r + 1 :, hits.index[0]]
    raise RosterFormatError(f"{path}: no 姓名 header in the first 20 rows")
