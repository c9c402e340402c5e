"""What a clean roster came from: the fields the input had, the files and sheets read,
whether they were the embedded synthetic dataset, and how keys and values were made.

These fill :class:`~.result.CleanRoster`'s ``fields``, ``sources``, ``synthetic`` and
``cleaning`` (:func:`describe`); a clean output folder keeps them (``clean.json``,
``sources.csv``).

Examples
--------
>>> raw = pd.DataFrame({"village": ["李家村"], "phone": [None], "household_phone": ["无"]})
>>> raw.attrs = {"source_file": "r.csv", "source_sheet": "", "header_row": 1,
...              "unknown_columns": ["phone"], "encoding": "utf-8"}
>>> sorted(input_fields(raw, pd.DataFrame()))
['village']
>>> sources_table(raw).iloc[0].to_dict()  # doctest: +NORMALIZE_WHITESPACE
{'file': 'r.csv', 'sheet': '', 'status': 'read', 'header_row': 1, 'encoding': 'utf-8',
 'rows': 1, 'unknown_columns': 'phone', 'mapped_columns': ''}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..provenance import is_synthetic
from ..salt import fingerprint
from ..schema import EMPTY_MARKERS, ROSTER_COLUMNS, normalize_text
from .result import SOURCE_COLUMNS

__all__ = ["describe", "input_fields", "inputs_synthetic", "sources_frame", "sources_table"]

_ROSTER_NAMES = frozenset(c.name for c in ROSTER_COLUMNS)
_NO_VALUE = frozenset({""} | {normalize_text(m) for m in EMPTY_MARKERS})
_CHUNK = 4096


def _has_value(values: pd.Series) -> bool:
    """Whether a text column holds a value other than an empty marker (无, /, …).

    The values are looked at a chunk at a time: the first chunk nearly always decides.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        used = np.unique(values.cat.codes.to_numpy())
        values = pd.Series(values.cat.categories[used[used >= 0]])
    present = values.dropna()
    for start in range(0, len(present), _CHUNK):
        chunk = present.iloc[start : start + _CHUNK].astype("str")
        if any(normalize_text(v) not in _NO_VALUE for v in chunk.unique()):
            return True
    return False


def input_fields(raw: pd.DataFrame, work: pd.DataFrame) -> frozenset[str]:
    """The canonical roster columns of ``raw`` with at least one value.

    Parameters
    ----------
    raw : pandas.DataFrame
        The roster as read (canonical column names).
    work : pandas.DataFrame
        The normalised fields the rules worked on (categoricals, empty markers removed),
        where available; other columns are read from ``raw``.
    """
    found = set()
    for name in _ROSTER_NAMES.intersection(raw.columns):
        if name in work.columns:
            has = bool((work[name].cat.codes.to_numpy() >= 0).any())
        else:
            has = _has_value(raw[name])
        if has:
            found.add(name)
    return frozenset(found)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict):
        return "; ".join(f"{header} → {name}" for header, name in value.items())
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def sources_table(raw: pd.DataFrame) -> pd.DataFrame:
    """``raw.attrs["sources"]`` as a table (:data:`~.result.SOURCE_COLUMNS`).

    A frame read from one file without that list gives one row from its single-file
    ``attrs`` (``source_file``, ``source_sheet``, ``header_row``, ``encoding``,
    ``unknown_columns``); a frame without either gives no rows. Lists and mappings
    become text (``a, b``; ``header → name; …``); missing text is ``""``.
    """
    attrs = raw.attrs
    listed = attrs.get("sources")
    if listed is None and "source_file" in attrs:
        listed = [
            {
                "file": attrs["source_file"],
                "sheet": attrs.get("source_sheet", ""),
                "status": "read",
                "header_row": attrs.get("header_row"),
                "encoding": attrs.get("encoding", ""),
                "rows": len(raw),
                "unknown_columns": attrs.get("unknown_columns", []),
                "mapped_columns": attrs.get("mapped_columns", {}),
            }
        ]
    return sources_frame(listed or [])


def sources_frame(entries: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The sources table (:data:`~.result.SOURCE_COLUMNS`) of ``read_roster``'s entries,
    one per file or sheet: lists and mappings as text (``a, b``; ``header → name; …``),
    missing text ``""``, ``header_row`` and ``rows`` as integers.

    Examples
    --------
    >>> entry = {"file": "a.csv", "status": "read", "header_row": 3, "rows": 2,
    ...          "mapped_columns": {"户编号": "household_id"}}
    >>> table = sources_frame([entry])
    >>> int(table.loc[0, "header_row"]), table.loc[0, "mapped_columns"]
    (3, '户编号 → household_id')
    """
    records = [
        {
            name: entry.get(name) if name in ("header_row", "rows") else _text(entry.get(name))
            for name in SOURCE_COLUMNS
        }
        for entry in entries
    ]
    table = pd.DataFrame(records, columns=list(SOURCE_COLUMNS))
    types = {name: "str" for name in SOURCE_COLUMNS} | {"header_row": "Int64", "rows": "Int64"}
    return table.astype(types)


def inputs_synthetic(
    inputs: pd.DataFrame | str | Path | Sequence[str | Path], sources: pd.DataFrame
) -> bool:
    """True when every input file was a file of the embedded synthetic dataset.

    Paths given are looked at directly; for a folder, the files of ``sources`` read from
    it. A frame says so in ``attrs["synthetic"]``, else through its ``source_file``
    (looked for from the current folder). Nothing found is not synthetic.
    """
    if isinstance(inputs, pd.DataFrame):
        if isinstance(inputs.attrs.get("synthetic"), bool):
            return inputs.attrs["synthetic"]
        given = inputs.attrs.get("source_file")
        return bool(given) and is_synthetic(given)
    paths = [Path(inputs)] if isinstance(inputs, str | Path) else [Path(p) for p in inputs]
    files = [p for p in paths if p.is_file()]
    folders = [p for p in paths if p.is_dir()]
    if folders:
        read = sources.loc[sources["status"].eq("read"), "file"]
        for name in read:
            found = [folder / name for folder in folders if (folder / name).is_file()]
            if not found:
                return False
            files.append(found[0])
    return bool(files) and all(is_synthetic(f) for f in files)


def describe(
    inputs: pd.DataFrame | str | Path | Sequence[str | Path],
    raw: pd.DataFrame,
    work: pd.DataFrame,
    *,
    salt: str,
    salt_given: bool,
    reference: Path,
    reference_date: pd.Timestamp,
) -> dict[str, Any]:
    """The ``fields``, ``sources``, ``synthetic`` and ``cleaning`` of a clean roster.

    Returns
    -------
    dict
        Keyword arguments of :class:`~.result.CleanRoster` beyond its four tables. The
        salt itself is never kept, only whether it was given and its fingerprint.
    """
    sources = sources_table(raw)
    return {
        "fields": input_fields(raw, work),
        "sources": sources,
        "synthetic": inputs_synthetic(inputs, sources),
        "cleaning": {
            "salt": "given" if salt_given else "installation",
            "salt_fingerprint": fingerprint(salt),
            "reference": str(reference),
            "reference_date": reference_date.date().isoformat(),
        },
    }
