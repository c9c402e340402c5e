"""The clean output folder: writing it all or nothing, reading it back, and the
one-screen summary ``fupin clean`` prints.

A clean output folder holds ``members.parquet``, ``households.parquet``,
``quarantine.parquet`` (mode 0600: raw personal data), ``quality.csv``, ``sources.csv``
and ``clean.json`` (what made it: tool, version, fields, synthetic, salt kind and
fingerprint, reference folder and date, row counts). :func:`write_outputs` writes them
into a new folder beside the target and moves it into place at the end, so an interrupt
leaves the previous outputs or the new ones, never a mix; :func:`read_clean` reads the
folder back as the :class:`~.result.CleanRoster` it was written from, so a large roster
is cleaned once and every notebook reads the folder (``clean_roster(folder)``).

Examples
--------
>>> import tempfile
>>> from fupin_analysis.clean import clean_roster
>>> from fupin_analysis.reference import data_dir
>>> result = clean_roster(data_dir() / "raw" / "zhaishi_roster_2016.csv", salt="doc")
>>> out = Path(tempfile.mkdtemp()) / "clean"
>>> sorted(p.name for p in write_outputs(result, out).values())  # doctest: +NORMALIZE_WHITESPACE
['clean.json', 'households.parquet', 'members.parquet', 'quality.csv', 'quarantine.parquet',
 'sources.csv']
>>> again = read_clean(out)
>>> again.members.equals(result.members), again.synthetic, again.cleaning["salt"]
(True, True, 'given')
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .._version import __version__
from ..errors import FupinError, RosterFormatError
from ..excel import FORMULA_STARTS, defuse, defuse_frame
from ..salt import default_salt, fingerprint, salt_file
from .result import HOUSEHOLD_TABLE_COLUMNS, MEMBER_COLUMNS, SOURCE_COLUMNS, CleanRoster

__all__ = [
    "CLEAN_FILES",
    "MARKER",
    "TOOL",
    "clean_folder",
    "format_summary",
    "read_clean",
    "write_outputs",
]

#: The file that marks a clean output folder, and what it says made it.
MARKER = "clean.json"
TOOL = "fupin_analysis clean"

#: Table name → file of a clean output folder, in the order they are written.
CLEAN_FILES: dict[str, str] = {
    "members": "members.parquet",
    "households": "households.parquet",
    "quarantine": "quarantine.parquet",
    "quality": "quality.csv",
    "sources": "sources.csv",
    "clean": MARKER,
}

#: What ``fupin clean`` wrote before it wrote ``clean.json``: a folder holding only these
#: (with ``members.parquet``) is an earlier output and may be replaced.
_EARLIER_FILES = frozenset({"members.parquet", "households.parquet", "quarantine.parquet",
                            "quality.csv"})  # fmt: skip

_TEXT_TABLES: dict[str, dict[str, str]] = {
    "quality": {"rule": "str", "rows": "int64", "action": "str", "detail": "str"},
    "sources": {name: "str" for name in SOURCE_COLUMNS} | {"header_row": "Int64", "rows": "Int64"},
}


# --- writing -----------------------------------------------------------------------------


def _refuse_unless_replaceable(out: Path) -> None:
    """Refuse an output path that is a link, a file, or a folder of someone else's files."""
    if out.is_symlink():
        raise FupinError(
            f"{out}: is a symbolic link; give the folder itself (links are not followed)"
        )
    if out.exists() and not out.is_dir():
        raise FupinError(f"{out}: exists and is not a folder")
    if not out.exists():
        return
    entries = sorted(p.name for p in out.iterdir())
    if not entries:
        return
    marker = out / MARKER
    if marker.is_file() and not marker.is_symlink() and set(entries) <= set(CLEAN_FILES.values()):
        if _read_marker(out).get("tool") == TOOL:
            return
    if set(entries) <= _EARLIER_FILES and "members.parquet" in entries:
        return
    raise FupinError(
        f"{out}: the folder holds files that fupin clean did not write ({len(entries)} "
        f"entries, e.g. {entries[0]}); give a new or empty folder"
    )


def _write_parquet(frame: pd.DataFrame, path: Path, synthetic: bool, mode: int = 0o644) -> None:
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if synthetic:  # provenance.is_synthetic reads this mark
        table = table.replace_schema_metadata({**table.schema.metadata, b"synthetic": b"true"})
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, mode)
    os.fchmod(fd, mode)  # whatever the umask
    with os.fdopen(fd, "wb") as handle:
        pq.write_table(table, handle)


def _write_text(text: str, path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
        handle.write(text)


def _marker(result: CleanRoster) -> dict[str, Any]:
    summary = dict(zip(result.summary()["item"], result.summary()["value"], strict=True))
    return {
        "tool": TOOL,
        "version": __version__,
        "rows_read": int(summary["rows_read"]),
        "members": int(summary["members"]),
        "households": int(summary["households"]),
        "quarantined": int(summary["quarantined"]),
        "fields": sorted(result.fields),
        "synthetic": bool(result.synthetic),
        **{key: result.cleaning.get(key) for key in
           ("salt", "salt_fingerprint", "reference", "reference_date")},
        "files": list(CLEAN_FILES.values()),
    }  # fmt: skip


def _writers(result: CleanRoster) -> dict[str, Callable[[Path], None]]:
    synthetic = bool(result.synthetic)
    return {
        "members": lambda path: _write_parquet(result.members, path, synthetic),
        "households": lambda path: _write_parquet(result.households, path, synthetic),
        "quarantine": lambda path: _write_parquet(result.quarantine, path, synthetic, 0o600),
        "quality": lambda path: _write_text(defuse_frame(result.quality).to_csv(index=False), path),
        "sources": lambda path: _write_text(defuse_frame(result.sources).to_csv(index=False), path),
        "clean": lambda path: _write_text(
            json.dumps(_marker(result), ensure_ascii=False, indent=1) + "\n", path
        ),
    }


def _move_into_place(new: Path, out: Path) -> None:
    """Put the folder ``new`` at ``out``, replacing what is there (the two renames are
    undone if the second fails)."""
    if not out.exists():
        os.rename(new, out)
        return
    old = out.with_name(f".{out.name}.old-{secrets.token_hex(4)}")
    os.rename(out, old)
    try:
        os.rename(new, out)
    except BaseException:
        os.rename(old, out)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_outputs(result: CleanRoster, out_dir: str | Path) -> dict[str, Path]:
    """Write the clean output folder ``out_dir``, all or nothing.

    The files (:data:`CLEAN_FILES`) are written into a new folder beside ``out_dir``,
    which then takes its place: an interrupt or a full disk leaves the previous folder
    as it was and no partial file. The quarantine is written with mode 0600 (it holds
    raw personal data); text tables are UTF-8, with no cell a spreadsheet would run
    (:func:`fupin_analysis.excel.defuse`). Links are never followed: an output path that
    is a symbolic link is refused.

    Parameters
    ----------
    result : CleanRoster
    out_dir : str or Path
        A new or empty folder, or a clean output folder written before (``clean.json``
        and nothing else but the files it lists), which is replaced.

    Returns
    -------
    dict
        Table name (``members``, ``households``, ``quarantine``, ``quality``,
        ``sources``, ``clean``) → path written.

    Raises
    ------
    FupinError
        When ``out_dir`` is a link or a file, holds files ``fupin clean`` did not write,
        or cannot be written (one line naming it).
    """
    out = Path(os.path.abspath(Path(out_dir).expanduser()))  # normalised; links kept as links
    _refuse_unless_replaceable(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        new = out.with_name(f".{out.name}.new-{secrets.token_hex(4)}")
        new.mkdir()  # the umask applies, as to a folder made by hand
    except OSError as exc:
        raise FupinError(f"{out}: cannot create the output folder ({exc.strerror})") from None
    try:
        for name, write in _writers(result).items():
            write(new / CLEAN_FILES[name])
        _move_into_place(new, out)
    except OSError as exc:
        shutil.rmtree(new, ignore_errors=True)
        raise FupinError(f"{out}: cannot write the clean tables ({exc.strerror or exc})") from None
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    return {name: out / file for name, file in CLEAN_FILES.items()}


# --- reading -----------------------------------------------------------------------------


def clean_folder(path: str | Path) -> Path | None:
    """The clean output folder ``path`` is or belongs to, else None.

    A folder with ``clean.json``, or one of its tables (``members.parquet`` …): either
    stands for the whole folder.

    Examples
    --------
    >>> clean_folder("no/such/folder") is None
    True
    """
    path = Path(path).expanduser()
    if path.is_dir():
        return path if (path / MARKER).is_file() else None
    if path.name in CLEAN_FILES.values() and (path.parent / MARKER).is_file():
        return path.parent
    return None


def _read_marker(folder: Path) -> dict[str, Any]:
    path = folder / MARKER
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RosterFormatError(
            f"{path}: not readable as the marker of a clean folder ({exc})"
        ) from None
    if not isinstance(data, dict):
        raise RosterFormatError(f"{path}: not the marker of a clean folder (not a JSON object)")
    return data


def _undefuse(value: object) -> object:
    """The text :func:`~fupin_analysis.excel.defuse` was given (its apostrophe removed)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        if defuse(value[1:]) == value:
            return value[1:]
    return value


def _read_text_table(path: Path, name: str) -> pd.DataFrame:
    types = _TEXT_TABLES[name]
    numbers = [c for c, t in types.items() if t != "str"]
    frame = pd.read_csv(
        path, dtype="str", keep_default_na=False, na_values={c: [""] for c in numbers},
        encoding="utf-8",
    )  # fmt: skip
    if list(frame.columns) != list(types):
        raise RosterFormatError(f"{path}: columns {list(frame.columns)}, not {list(types)}")
    for column, kind in types.items():
        if kind == "str":
            frame[column] = frame[column].map(_undefuse)
    return frame.astype(types)


def _read_parquet(path: Path) -> pd.DataFrame:
    """A parquet table as written, datetime units included (parquet stores seconds as
    milliseconds; the pandas metadata remembers the unit)."""
    frame = pd.read_parquet(path)
    written = pq.read_schema(path).pandas_metadata or {}
    for column in written.get("columns", []):
        unit = column.get("numpy_type") or ""
        name = column.get("name")
        if unit.startswith("datetime64[") and name in frame and str(frame[name].dtype) != unit:
            frame[name] = frame[name].astype(unit)
    return frame


def _read_table(folder: Path, name: str) -> pd.DataFrame:
    path = folder / CLEAN_FILES[name]
    if path.is_symlink() or not path.is_file():
        raise RosterFormatError(f"{path}: missing from the clean folder; run fupin clean again")
    try:
        if name in _TEXT_TABLES:
            return _read_text_table(path, name)
        return _read_parquet(path)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise RosterFormatError(f"{path}: not readable ({str(exc).splitlines()[0]})") from None


def _warn_if_foreign_salt(folder: Path, cleaning: Mapping[str, Any]) -> None:
    """One warning when the folder's keys were made with another installation's salt
    (reading never makes this installation's salt: none yet means another one's)."""
    if cleaning.get("salt") != "installation":
        return
    here = None
    if os.environ.get("FUPIN_SALT") or salt_file().exists():
        try:
            here = fingerprint(default_salt())
        except FupinError:
            return  # a salt file that cannot be read: nothing to compare with
    if cleaning.get("salt_fingerprint") != here:
        warnings.warn(
            f"{folder}: its keys were made with another installation's salt (fingerprint "
            f"{cleaning.get('salt_fingerprint')}, here {here or 'none yet'}): they match no "
            "key made here; clean the roster again on this machine, or share a salt "
            "(FUPIN_SALT)",
            UserWarning,
            stacklevel=3,
        )


def read_clean(folder: str | Path) -> CleanRoster:
    """Read a clean output folder back as the :class:`CleanRoster` written to it.

    Every table comes back as it was written, dtypes included, with ``fields``,
    ``sources``, ``synthetic`` and ``cleaning``. Warns (one line) when the keys were made
    with another installation's salt: they then match no key made on this machine.

    Parameters
    ----------
    folder : str or Path
        The folder (or one of its tables, e.g. ``members.parquet``).

    Raises
    ------
    RosterFormatError
        When the folder is not a clean output folder of this tool, a file is missing or
        unreadable, or the tables do not fit together (one line naming the file).
    """
    given = Path(folder).expanduser()
    found = clean_folder(given)
    if found is None:
        raise RosterFormatError(
            f"{given}: not a clean output folder (no {MARKER}; see fupin clean)"
        )
    meta = _read_marker(found)
    if meta.get("tool") == f"{TOOL} (dask)":
        raise RosterFormatError(
            f"{found}: a partitioned clean folder (fupin clean --engine dask): read its "
            "datasets members/, households/ with pandas, pyarrow, Dask or DuckDB, or "
            "fupin_analysis.scale.county_summary (docs/scale.md)"
        )
    if meta.get("tool") != TOOL:
        raise RosterFormatError(f"{found / MARKER}: not written by fupin clean")
    tables = {name: _read_table(found, name) for name in CLEAN_FILES if name != "clean"}
    for name, columns in (("members", MEMBER_COLUMNS), ("households", HOUSEHOLD_TABLE_COLUMNS)):
        if tuple(tables[name].columns) != columns:
            raise RosterFormatError(
                f"{found / CLEAN_FILES[name]}: not the columns of a clean {name} table"
            )
    rows = len(tables["members"]) + len(tables["quarantine"])
    if rows != meta.get("rows_read"):
        raise RosterFormatError(
            f"{found}: members and quarantine hold {rows} rows, {MARKER} says "
            f"{meta.get('rows_read')}; the files are not of one run: run fupin clean again"
        )
    cleaning = {key: meta.get(key) for key in
                ("salt", "salt_fingerprint", "reference", "reference_date")}  # fmt: skip
    _warn_if_foreign_salt(found, cleaning)
    return CleanRoster(
        tables["members"],
        tables["households"],
        tables["quarantine"],
        tables["quality"],
        fields=frozenset(meta.get("fields", ())),
        sources=tables["sources"],
        synthetic=bool(meta.get("synthetic", False)),
        cleaning=cleaning,
    )


# --- the summary -------------------------------------------------------------------------


def format_summary(result: CleanRoster, source: str | Path, written: dict[str, Path]) -> str:
    """One screen of text: counts, refused rows by reason, rules that touched rows.

    Examples
    --------
    >>> from fupin_analysis.clean import clean_roster
    >>> from fupin_analysis.reference import data_dir
    >>> result = clean_roster(data_dir() / "raw" / "zhaishi_roster_2016.csv")
    >>> print(format_summary(result, "roster.csv", {}).splitlines()[0])
    roster.csv: 6102 rows read
    """
    s = dict(zip(result.summary()["item"], result.summary()["value"], strict=True))
    lines = [
        f"{source}: {s['rows_read']} rows read",
        f"  members     {s['members']:>9}  ({s['households']} households)",
        f"  quarantined {s['quarantined']:>9}  ({s['quarantined_persons']} of them real persons)",
    ]
    reasons = result.quarantine["reason"].value_counts()
    for reason, count in reasons.items():
        lines.append(f"    {reason:<22}{count:>7}")
    lines.append("rules that touched rows:")
    for rule in result.quality.itertuples():
        if rule.rows and not rule.action.startswith("quarantined"):
            lines.append(f"  {rule.rule:<26}{rule.rows:>7}  {rule.action}")
    for name, path in written.items():
        lines.append(f"wrote {name:<11} {path}")
    return "\n".join(lines)
