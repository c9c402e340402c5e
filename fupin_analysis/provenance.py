"""Provenance of inputs: which of them are the package's embedded synthetic dataset.

Every file that :mod:`fupin_analysis.synth` writes says so in its own metadata (xlsx
document properties, parquet schema metadata, GeoPackage layer metadata, the first line
of a CSV). Reports label themselves synthetic only when an input really is one of these
files, and name which (:func:`synthetic_inputs`); a user's own roster is never stamped
synthetic.

Examples
--------
>>> from fupin_analysis.reference import data_dir
>>> raw = data_dir() / "raw"
>>> synthetic_inputs({"roster": raw / "zhaishi_roster_2016.xlsx",
...                   "registry": data_dir() / "reference" / "villages.csv"})
['roster']
"""

from __future__ import annotations

import json
import sqlite3
import zipfile
from collections.abc import Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["is_synthetic", "synthetic_inputs", "declare_synthetic", "declared_synthetic"]


def is_synthetic(path: str | Path) -> bool:
    """True when ``path`` is a file of the embedded synthetic dataset (labelled synthetic),
    or a clean output folder made from such files only.

    xlsx: document properties mention SYNTHETIC; parquet: schema metadata
    ``synthetic=true``; GeoPackage: a layer has ``SYNTHETIC=true`` in its metadata; CSV:
    the first line mentions synthetic (the roster's title, the registry's ``synthetic``
    column); a folder written by ``fupin clean``: ``"synthetic": true`` in its
    ``clean.json``. Missing or unreadable files are not synthetic.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "a.csv"
    >>> _ = p.write_text("code,name\\n")
    >>> is_synthetic(p), is_synthetic(p.parent)
    (False, False)
    >>> marker = '{"tool": "fupin_analysis clean", "synthetic": true}'
    >>> _ = (p.parent / "clean.json").write_text(marker)
    >>> is_synthetic(p.parent)
    True
    """
    path = Path(path)
    if path.is_dir():
        return _clean_folder_synthetic(path / "clean.json")
    if not path.is_file():
        return False
    suffix = path.suffix.lower()
    try:
        if suffix in {".xlsx", ".xlsm"}:
            with zipfile.ZipFile(path) as z:
                return b"SYNTHETIC" in z.read("docProps/core.xml")
        if suffix in {".csv", ".txt"}:
            with path.open("rb") as f:
                return b"synthetic" in f.readline().lower()
        if suffix == ".parquet":
            meta = pq.read_schema(path).metadata or {}
            return meta.get(b"synthetic") == b"true"
        if suffix == ".gpkg":
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
                rows = con.execute("SELECT metadata FROM gpkg_metadata").fetchall()
            return any("SYNTHETIC" in r[0] and "true" in r[0] for r in rows)
    except (OSError, KeyError, zipfile.BadZipFile, sqlite3.Error, pa.ArrowException):
        return False
    return False


def _clean_folder_synthetic(marker: Path) -> bool:
    """What the marker of a clean output folder says (False when there is none)."""
    try:
        data = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    if not isinstance(data, dict) or data.get("tool") != "fupin_analysis clean":
        return False
    return data.get("synthetic") is True


def synthetic_inputs(inputs: Mapping[str, str | Path | None]) -> list[str]:
    """The names of the inputs that are files of the embedded synthetic dataset.

    Parameters
    ----------
    inputs : mapping
        Input name (e.g. ``"roster"``, ``"geography"``) → path; empty or missing paths
        are skipped.

    Returns
    -------
    list of str
        The names, in the order given.

    Examples
    --------
    >>> synthetic_inputs({"roster": "", "geography": "no/such.gpkg"})
    []
    """
    return [name for name, path in inputs.items() if path and is_synthetic(path)]


_declared: list[str] = []


def declare_synthetic(names: list[str]) -> None:
    """Record which of this session's inputs are the embedded synthetic dataset.

    :func:`fupin_analysis.outputs.show_banner` declares the names its banner lists (none
    for the user's own data); :func:`fupin_analysis.plots.save_figure` then marks every
    figure it saves.

    Examples
    --------
    >>> declare_synthetic(["roster"]); declared_synthetic()
    ('roster',)
    >>> declare_synthetic([]); declared_synthetic()
    ()
    """
    _declared[:] = list(names)


def declared_synthetic() -> tuple[str, ...]:
    """The inputs :func:`declare_synthetic` last recorded as synthetic."""
    return tuple(_declared)
