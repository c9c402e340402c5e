"""How headers are understood: the user's column mapping first, then the known headers.

A *column mapping* (``--columns mapping.yml`` on the command line, ``columns=`` in
Python) names the column a header holds, for headers the package does not know or
understands otherwise. Keys are headers as the sheet writes them (matched after
:func:`~fupin_analysis.schema.normalize_text`: full-width brackets and spaces do not
matter); values are a canonical name (``household_size``), a national header (``人数``)
or any header the package knows (``家庭人口``), or null for a column that is not a
roster column (kept in the quarantine, never used)::

    # mapping.yml
    户口人数: 人数              # household_size
    身份证号(新): 证件号码
    身份证号(旧): null          # a second identity column: not used

Examples
--------
>>> columns = load_columns({"户口人数": "人数", "身份证号(旧)": None})
>>> columns.understand("户口人数"), columns.understand("身份证号（旧）")
(('household_size', 'mapping'), (None, 'ignored'))
>>> columns.understand("家庭人口数"), columns.understand("证件号码"), columns.understand("备注")
(('household_size', 'variant'), ('id_number', 'national'), (None, 'unknown'))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import RosterFormatError
from ..schema import OTHER_COLUMNS, ROSTER_COLUMNS, canonical_header, normalize_text

__all__ = ["ColumnMap", "HOW", "load_columns"]

#: What each value of :meth:`ColumnMap.understand`'s ``how`` means (``fupin inspect``).
HOW: dict[str, str] = {
    "national": "the national system's header",
    "variant": "a known variant of it",
    "other": "recognised, not used by any analysis",
    "mapping": "your column mapping",
    "ignored": "not used (your column mapping says so)",
    "unknown": "not used: not a roster column (kept in the quarantine only)",
    "merged": "same values as the column before it where both are filled: merged into it",
    "empty": "left out: no header and no values",
}
_OTHER = frozenset(c.name for c in OTHER_COLUMNS)
_NATIONAL = {normalize_text(c.header): c.name for c in ROSTER_COLUMNS} | {
    normalize_text(c.name): c.name for c in ROSTER_COLUMNS
}


@dataclass(frozen=True)
class ColumnMap:
    """The user's mapping (normalised header → canonical name, or ``None``: not used)
    and where it came from."""

    user: dict[str, str | None] = field(default_factory=dict)
    origin: str = ""

    def understand(self, header: str) -> tuple[str | None, str]:
        """``(canonical name or None, how)`` of a header; ``how`` is a key of :data:`HOW`
        (but ``merged`` and ``empty``, which depend on the column's values)."""
        key = normalize_text(header)
        if key in self.user:
            name = self.user[key]
            return (name, "mapping") if name else (None, "ignored")
        name = canonical_header(header) if key else None
        if name is None:
            return None, "unknown"
        if name in _OTHER:
            return name, "other"
        return name, "national" if key in _NATIONAL else "variant"

    def unused(self, headers: set[str]) -> list[str]:
        """The mapping's headers that match none of ``headers`` (normalised)."""
        return [h for h in self.user if h not in headers]


def _target(value: object, header: str, origin: str) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    name = canonical_header(str(value))
    if name is None:
        raise RosterFormatError(
            f"{origin}: {header!r} is mapped to {value!r}, which is not a roster column; "
            "give a canonical name (household_size), a national header (人数) or null"
        )
    return name


def load_columns(columns: str | Path | Mapping | ColumnMap | None) -> ColumnMap:
    """The column mapping of a YAML file, a dict, or nothing.

    Parameters
    ----------
    columns : str, Path, dict or ColumnMap, optional
        A YAML (or JSON) file holding one mapping ``header: column``, or that mapping
        as a dict. A :class:`ColumnMap` is returned as it is.

    Raises
    ------
    RosterFormatError
        One line: the file cannot be read or parsed, is not a mapping, or maps a header
        to something that is not a roster column.

    Examples
    --------
    >>> load_columns(None).user
    {}
    >>> load_columns({"户人口": "household_size"}).user
    {'户人口': 'household_size'}
    >>> load_columns({"x": "shoe size"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    fupin_analysis.errors.RosterFormatError: columns=: 'x' is mapped to 'shoe size', which ...
    """
    if isinstance(columns, ColumnMap):
        return columns
    if columns is None:
        return ColumnMap()
    if isinstance(columns, Mapping):
        origin, data = "columns=", columns
    else:
        path = Path(columns)
        origin = str(path)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise RosterFormatError(
                f"{path}: column mapping not found (looked for {path.absolute()})"
            ) from None
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise RosterFormatError(f"{path}: cannot read the column mapping ({why})") from None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f" at line {mark.line + 1}" if mark is not None else ""
            raise RosterFormatError(
                f"{path}: not a YAML mapping{where}; write one 'header: column' per line"
            ) from None
        if data is None:
            data = {}
    if not isinstance(data, Mapping):
        raise RosterFormatError(
            f"{origin}: a column mapping is 'header: column' pairs, not a {type(data).__name__}"
        )
    user: dict[str, str | None] = {}
    for header, value in data.items():
        key = normalize_text(str(header))
        if not key:
            raise RosterFormatError(f"{origin}: an empty header is mapped to {value!r}")
        user[key] = _target(value, str(header), origin)
    return ColumnMap(user, origin)
