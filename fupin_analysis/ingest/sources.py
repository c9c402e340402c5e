"""Which files a call reads, in which order, and under which name.

:func:`collect` turns what the user gave (files and folders, in order) into the files
to read and the entries skipped, in the *global order* that decides which of two
copies of a row or person comes first: the order given, and inside a folder its
files sorted by name (Unicode code points; subfolders are not entered). Each file gets
its ``source_file`` label: its name when given directly, its name inside the folder
otherwise; where two labels would be equal, the paths as given.

Examples
--------
>>> import pathlib, tempfile
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> for name in ("b.csv", "a.xlsx", "说明.docx", "~$a.xlsx"):
...     _ = (folder / name).write_bytes(b"x")
>>> [(s.label, s.skipped) for s in collect([folder])]  # doctest: +NORMALIZE_WHITESPACE
[('a.xlsx', ''), ('b.csv', ''), ('~$a.xlsx', 'an Excel lock file (the workbook is open)'),
 ('说明.docx', 'not a roster file type (.docx)')]
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import RosterFormatError

__all__ = ["EXCEL_SUFFIXES", "CSV_SUFFIXES", "ROSTER_SUFFIXES", "Source", "collect"]

EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
CSV_SUFFIXES = (".csv", ".txt")
ROSTER_SUFFIXES = (*EXCEL_SUFFIXES, *CSV_SUFFIXES, ".parquet")
_TYPES = ".xlsx, .xls, .csv or .parquet"


@dataclass(frozen=True)
class Source:
    """A file to read (``skipped`` empty) or an entry of a folder skipped (why).

    ``label`` is its ``source_file``; ``given`` its path as the user gave it (or the
    folder given, joined with its name); ``explicit`` whether the user named it (a file
    named that holds no roster is an error, one found in a folder is skipped).
    """

    path: Path
    label: str
    given: str
    explicit: bool
    skipped: str = ""


def _kind(path: Path) -> tuple[str, os.stat_result | None]:
    """``("file" | "folder" | <what else it is>, stat)``; the text says what it is."""
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a symbolic link loop, not a file", None
        if exc.errno in (errno.EACCES, errno.EPERM):
            return "not readable (permission denied)", None
        if os.path.islink(path):
            return f"a symbolic link to {os.readlink(path)}, which does not exist", None
        if exc.errno == errno.ENOTDIR:
            why = f"not found (a part of the path is not a folder; looked for {path.absolute()})"
            return why, None
        return f"file not found (looked for {path.absolute()})", None
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return "file", info
    if stat.S_ISDIR(mode):
        return "folder", info
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO), not a file", info
    if stat.S_ISSOCK(mode):
        return "a socket, not a file", info
    return "a device, not a file", info


def _file_problem(path: Path, info: os.stat_result) -> str:
    """Why ``path`` (a regular file) cannot be read as a roster file, or ``""``."""
    suffix = path.suffix.lower()
    if suffix not in ROSTER_SUFFIXES:
        return f"unsupported file type {suffix or '(none)'}; give a {_TYPES} roster"
    if info.st_size == 0:
        return "the file is empty"
    if not os.access(path, os.R_OK):
        return "not readable (permission denied)"
    return ""


def _in_folder(folder: Path, given: str) -> list[Source]:
    if (folder / "clean.json").exists():
        raise RosterFormatError(
            f"{given}: a folder written by `fupin clean` (clean.json): it is already clean; "
            "give it to the notebooks or `fupin report`, or give the roster files"
        )
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        raise RosterFormatError(f"{given}: cannot list the folder ({exc.strerror})") from None
    out = []
    for path in entries:
        name = path.name
        where = os.path.join(given, name)
        kind, info = _kind(path)
        why = ""
        if name.startswith("~$"):
            why = "an Excel lock file (the workbook is open)"
        elif name.startswith("."):
            why = "a hidden file"
        elif kind == "folder":
            why = "a folder (folders inside folders are not read: give it too to read it)"
        elif kind != "file":
            why = kind
        elif path.suffix.lower() not in ROSTER_SUFFIXES:
            why = f"not a roster file type ({path.suffix.lower() or 'no extension'})"
        else:
            why = _file_problem(path, info)
        out.append(Source(path, name, where, False, why))
    if not any(not s.skipped for s in out):
        found = ", ".join(s.label for s in out[:8]) or "nothing"
        raise RosterFormatError(
            f"{given}: a folder without roster files ({_TYPES}); it holds {found}"
        )
    return out


def collect(inputs: str | Path | Sequence[str | Path]) -> list[Source]:
    """The files to read and the folder entries skipped, in the global order.

    Raises
    ------
    RosterFormatError
        One line: a path given that does not exist, is a symbolic link loop, a named pipe
        or device, an unsupported or unreadable file, a folder without roster files or
        written by ``fupin clean``, or a file given twice.
    """
    given = [inputs] if isinstance(inputs, str | Path) else list(inputs)
    if not given:
        raise RosterFormatError("no roster given: name one or more files or folders")
    sources: list[Source] = []
    for item in given:
        path = Path(item)
        kind, info = _kind(path)
        if kind == "folder":
            sources += _in_folder(path, str(item))
        elif kind == "file":
            problem = _file_problem(path, info)
            if problem:
                raise RosterFormatError(f"{path}: {problem}")
            sources.append(Source(path, path.name, str(item), True))
        else:
            raise RosterFormatError(f"{path}: {kind}")
    return _unique_labels(sources)


def _unique_labels(sources: list[Source]) -> list[Source]:
    read = [s for s in sources if not s.skipped]
    seen: dict[Path, Source] = {}
    for source in read:
        real = source.path.resolve()
        if real in seen:
            raise RosterFormatError(
                f"{source.given}: read twice (also given as {seen[real].given}); give it once"
            )
        seen[real] = source
    counts: dict[str, int] = {}
    for source in read:
        counts[source.label] = counts.get(source.label, 0) + 1
    return [
        replace(s, label=Path(s.given).as_posix())
        if not s.skipped and counts[s.label] > 1
        else s
        for s in sources
    ]
